#!/bin/bash
# The capability bounding set of etc/pautonuma.service, tested in the VM rig
# (the rig has no systemd: setpriv applies the same bounding set to a root
# process); checks in tests/vm/guest/caps.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest.sh"
cd "$SRC" || exit 1
guest_checks caps 1500
tap_done
