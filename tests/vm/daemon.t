#!/bin/bash
# The tiering daemon in the VM rig: promotion of a hot set, journaled moves,
# and recovery after a SIGKILL (checks in tests/vm/guest/daemon).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest.sh"
cd "$SRC" || exit 1
guest_checks daemon 600
tap_done
