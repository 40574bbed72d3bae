#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `reaper overlay`: status lists the groups with what their workloads wrote, their live containers
# and last use; reset of a group is refused while it has a live container and works while another
# group runs; gc removes idle groups only (--older-than keeps the recently used); reset --all.
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
	"$REAPER_BIN" overlay reset --all --force >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/bundle"
(cd "$tmp/bundle" && runc spec)
bundle_args() { # bundle_args NAMESPACE ARGS...: config.json running ARGS in that Kubernetes namespace
	/usr/bin/python3 - "$tmp/bundle/config.json" "$@" <<'PY'
import json, sys
path, ns, args = sys.argv[1], sys.argv[2], sys.argv[3:]
c = json.load(open(path))
c["process"]["args"], c["process"]["terminal"] = args, False
c["root"]["readonly"] = False  # the test writes to the overlay
c["annotations"] = {"io.kubernetes.cri.sandbox-namespace": ns}
json.dump(c, open(path, "w"))
PY
}
row() { "$REAPER_BIN" overlay status | awk -v g="$1" '$1 == g'; }

out=$("$REAPER_BIN" overlay status)
grep -q "no group" <<<"$out" || fail "status before any workload: $out"

marker=/etc/reaper-overlay-applet-$$
bundle_args team-a sh -c "head -c 200000 /dev/zero > $marker"
(cd "$tmp/bundle" && "${runtime[@]}" run w1) || fail "writer did not run"
[[ ! -e $marker ]] || fail "the write reached the host"
line=$(row team-a)
[[ -n $line ]] || fail "team-a is not listed: $("$REAPER_BIN" overlay status)"
read -r _ state written unit _ <<<"$line"
[[ $state == built ]] || fail "team-a's state: $line"
[[ $unit == MiB ]] && awk -v w="$written" 'BEGIN { exit !(w >= 0.18) }' || fail "team-a wrote 195 KiB, status says: $line"

bundle_args team-b sleep 100
(cd "$tmp/bundle" && "${runtime[@]}" run -d keep)
[[ $(row team-b | awk '{print $8}') == 1 ]] || fail "team-b's live container is not counted: $(row team-b)"
if "$REAPER_BIN" overlay reset team-b 2>"$tmp/err"; then fail "reset of team-b went ahead with a live container"; fi
grep -q "live container" "$tmp/err" || fail "refusal does not say why: $(cat "$tmp/err")"

"$REAPER_BIN" overlay reset team-a | grep -q "group team-a discarded" || fail "reset of team-a while team-b runs"
bundle_args team-a sh -c "test ! -e $marker"
(cd "$tmp/bundle" && "${runtime[@]}" run w2) || fail "the file written before the reset survived it"
[[ $("${runtime[@]}" state keep | grep -o '"status": *"[a-z]*"') == *running* ]] || fail "team-b's container did not survive team-a's reset"

out=$("$REAPER_BIN" overlay gc)
grep -q "removed idle group team-a" <<<"$out" || fail "gc did not remove the idle team-a: $out"
[[ -n $(row team-b) ]] || fail "gc removed team-b, which has a live container"
"${runtime[@]}" delete --force keep
out=$("$REAPER_BIN" overlay gc --older-than 1h)
[[ -n $(row team-b) ]] || fail "gc --older-than 1h removed team-b, used a moment ago: $out"
"$REAPER_BIN" overlay gc | grep -q "removed idle group team-b" || fail "gc did not remove team-b once idle"

"$REAPER_BIN" overlay reset --all | grep -q discarded || fail "reset --all"
grep -q "$tmp/overlay" /proc/self/mountinfo && fail "the overlay is still mounted after reset --all"
echo PASS
