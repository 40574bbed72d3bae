#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The benchmarks at small N, for CI: bench/runtime.sh and bench/shim.sh against runc in the same
# run, their figures written as JSON under OUTDIR (runtime.json, shim.json, and summary.json with
# each ratio next to its threshold), failing when a ratio is above its threshold in
# bench/thresholds.json. The runtimes' state and bundles go on a tmpfs mounted for the run (as
# /run is on a node; this machine's /run is on disk), unmounted at the end.
#
#   bench/ci.sh OUTDIR [RUNTIME_ITERATIONS] [SHIM_RUNS]     (root; default 30 and 15)
#
# REAPER_BIN: the reaper to measure (default build-musl/reaper, the release binary).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:?usage: bench/ci.sh OUTDIR [RUNTIME_ITERATIONS] [SHIM_RUNS]}" && cd "$1" && pwd)
iterations=${2:-30}
runs=${3:-15}
[[ $(id -u) -eq 0 ]] || { echo "run as root" >&2; exit 1; }

tmp=$(mktemp -d /tmp/reaper-bench.XXXXXX)
mount -t tmpfs -o size=256m,mode=0755 reaper-bench "$tmp"
cleanup() {
	umount "$tmp" 2>/dev/null || umount -l "$tmp"
	rmdir "$tmp"
}
trap cleanup EXIT

echo "== bench/runtime.sh $iterations 3 (state on a tmpfs)"
TMPDIR=$tmp REAPER_BENCH_JSON=$out/runtime.json "$here/runtime.sh" "$iterations" 3
echo "== bench/shim.sh $runs"
REAPER_BENCH_JSON=$out/shim.json "$here/shim.sh" "$runs"

/usr/bin/python3 - "$here/thresholds.json" "$out" <<'PY'
import json, sys
limits = json.load(open(sys.argv[1]))
out = sys.argv[2]
summary, failed = [], []
for bench in ("runtime", "shim"):
    ratios = json.load(open(f"{out}/{bench}.json"))["ratios"]
    for name, limit in limits[bench].items():
        ratio = ratios[name]
        ok = ratio <= limit
        summary.append({"bench": bench, "figure": name, "ratio": round(ratio, 4), "threshold": limit, "ok": ok})
        print(f"{'ok  ' if ok else 'FAIL'} {bench:<8} {name:<32} {ratio:6.3f}  (threshold {limit})")
        if not ok:
            failed.append(name)
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
if failed:
    sys.exit(f"bench: {len(failed)} ratios regressed past their thresholds: {', '.join(failed)}")
print(f"bench: every ratio within its threshold; figures in {out}")
PY
