#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A hostile client against the real shim, without containerd: shim_hostile.py starts the shim as
# containerd does, plays containerd's events service, and calls every Task method (v2 and v3)
# with malformed payloads, missing fields, bad and unknown ids and in the wrong states, checking
# each status code against docs/ttrpc.md; then a well-formed lifecycle must work, each event be
# published once, and Shutdown end the shim. Nothing may be left (processes, state, the socket),
# and in the sanitizer build no ASan/UBSan/LeakSanitizer report.
source "$(dirname "$0")/lib.sh"

export REAPER_ROOT=$ROOT REAPER_SHIM_LOG=$T/shim.log
new_bundle sleep sleep 1000 >/dev/null
new_bundle echo echo hostile-ok >/dev/null
new_bundle tty sleep 1000 >/dev/null
edit_config tty 'c["process"]["terminal"] = True'
new_bundle missing /no/such/executable >/dev/null
new_bundle badjson true >/dev/null
echo '{"ociVersion": "1.0.2", "process": ' >"$T/badjson/config.json"
mkdir -p "$T/work"

# The shim's socket lives where containerd's convention puts it; remove it if the test fails.
# The shim, its monitors and the workloads carry the run's marker: teardown and finish find them.
no_shim() { ! pgrep -f -- "-address $T/containerd.sock" >/dev/null; }
ln -s "$REAPER_BIN" "$T/bin/containerd-shim-reaper-v2"
env "$MARK" "$PYTHON" "$(dirname "$0")/shim_hostile.py" "$T/bin/containerd-shim-reaper-v2" "$T" "$T/work" ||
	fail "the hostile client found a problem; shim log:
$(tail -n 30 "$T/shim.log" 2>/dev/null)"
wait_until 10 no_shim || fail "the shim is still running after Shutdown"
[[ -z $(ls -A "$ROOT/hostile" 2>/dev/null) ]] || fail "state left behind: $(ls -A "$ROOT/hostile")"
finish
