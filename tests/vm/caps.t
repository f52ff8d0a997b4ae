#!/bin/bash
# The capability bounding set of etc/pautonuma.service, tested in the VM rig
# (the rig has no systemd: setpriv applies the same bounding set to a root
# process); checks in tests/vm/guest/caps.
#
# A dozen daemon runs, one per capability removed: 18 min of rig time on a
# loaded 2-core host, too long for every `make check` (target: under 30 min
# in all). `make check-caps` (PAUTONUMA_CAPS_TEST=1) runs it.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest.sh"
cd "$SRC" || exit 1
if [ "${PAUTONUMA_CAPS_TEST:-0}" != 1 ]; then
	skip "capability matrix of the service unit" \
		"about 18 min in the rig; run 'make check-caps' (PAUTONUMA_CAPS_TEST=1)"
	tap_done
	exit 0
fi
guest_checks caps 1500
tap_done
