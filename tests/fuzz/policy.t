#!/bin/bash
# Short libFuzzer pass over the placement policy (make fuzz runs it longer):
# random settings, topologies and observations; every plan is checked against
# the capacity invariants inside the target, so a violation is a crash here.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fuzz.sh"
fuzz_pass fuzz_policy 20
tap_done
