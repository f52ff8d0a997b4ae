#!/bin/bash
# Affinity-on-next-touch in the VM rig with two CPU nodes and a slow node:
# marked pages move to the node of the CPU that touches them next, through
# the journal; unmarked ones do not (checks in tests/vm/guest/next_touch).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest.sh"
cd "$SRC" || exit 1
guest_checks next_touch 600 --cpu-nodes 2
tap_done
