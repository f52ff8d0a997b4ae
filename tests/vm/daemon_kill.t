#!/bin/bash
# The daemon SIGKILLed in the middle of its migrations (crash points at a
# random batch and kill -9 at random moments) and restarted, on a workload
# that checks its data: recovery resolves every open batch, the daemon
# carries on, no page is lost, 0 corrupt bytes (tests/vm/guest/daemon_kill).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest.sh"
cd "$SRC" || exit 1
guest_checks daemon_kill 900
tap_done
