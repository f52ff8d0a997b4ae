#!/bin/bash
# The configuration file and SIGHUP reload of the daemon in the VM rig
# (checks in tests/vm/guest/config_reload).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest.sh"
cd "$SRC" || exit 1
guest_checks config_reload 600
tap_done
