#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `reaper overlay`: status tells whether the node's overlay exists and what was written; reset is
# refused while a container lives, then discards every file workloads wrote.
set -euo pipefail
if [[ $(id -u) != 0 ]]; then
	echo "SKIP: needs root" >&2
	[[ -z "${REAPER_TEST_NO_SKIP:-}" ]] || exit 1 # CI: a skip fails
	exit 77
fi
tmp=$(mktemp -d /tmp/reaper-ovl.XXXXXX)
export REAPER_ROOT=$tmp/state REAPER_OVERLAY_BASE=$tmp/overlay
runtime=("$REAPER_BIN" runtime)
cleanup() {
	"${runtime[@]}" delete --force keep >/dev/null 2>&1 || true
	"$REAPER_BIN" overlay reset --force >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/bundle"
(cd "$tmp/bundle" && runc spec)
bundle_args() { # write config.json with the given process args
	/usr/bin/python3 - "$tmp/bundle/config.json" "$@" <<'PY'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
c["process"]["args"], c["process"]["terminal"] = args, False
c["root"]["readonly"] = False  # the test writes to the overlay
json.dump(c, open(path, "w"))
PY
}

out=$("$REAPER_BIN" overlay status)
grep -q "namespace:  absent" <<<"$out" || fail "status before any workload: $out"

marker=/etc/reaper-overlay-applet-$$
bundle_args sh -c "head -c 200000 /dev/zero > $marker"
(cd "$tmp/bundle" && "${runtime[@]}" run w1) || fail "writer did not run"
[[ ! -e $marker ]] || fail "the write reached the host"
out=$("$REAPER_BIN" overlay status)
grep -q "namespace:  present" <<<"$out" || fail "status after a workload: $out"
written=$(awk '/^written:/ {print $2}' <<<"$out")
((written >= 195)) || fail "status reports $written KiB written, the workload wrote 195 KiB"

bundle_args sleep 100
(cd "$tmp/bundle" && "${runtime[@]}" run -d keep)
grep -q "containers: 1 alive" <<<"$("$REAPER_BIN" overlay status)" || fail "the live container is not counted"
if "$REAPER_BIN" overlay reset 2>"$tmp/err"; then fail "reset went ahead with a live container"; fi
grep -q "alive" "$tmp/err" || fail "refusal does not say why: $(cat "$tmp/err")"
"${runtime[@]}" delete --force keep

"$REAPER_BIN" overlay reset | grep -q discarded || fail "reset did not say it discarded the overlay"
grep -q "$tmp/overlay" /proc/self/mountinfo && fail "the overlay is still mounted after reset"
bundle_args sh -c "test ! -e $marker"
(cd "$tmp/bundle" && "${runtime[@]}" run w2) || fail "the file written before the reset survived it"
echo PASS
