#!/bin/bash
# Short libFuzzer pass over the configuration parser (make fuzz runs it
# longer): every error names FILE:LINE, and whatever loads prints back to a
# file that loads to the same settings (checked inside the target).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fuzz.sh"
fuzz_pass fuzz_config 20
tap_done
