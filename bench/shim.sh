#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Reaper's shim against containerd-shim-runc-v2, measured in the same run on the same private
# containerd: the wall time of `ctr run --rm IMAGE ID /bin/true` (median and p90 over N runs, runs
# of the two runtimes interleaved) and the resident memory of an idle shim holding one sleeping
# task. Usage: bench/shim.sh [N]   (default 50; needs root). REAPER_BIN: the reaper to measure
# (default build-musl/reaper, the release binary; third_party/build-musl.sh builds it).
# REAPER_BENCH_JSON=FILE also writes the figures to FILE as JSON.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-50}
export REAPER_BIN=${REAPER_BIN:-$top/build-musl/reaper}
[[ -x $REAPER_BIN ]] || { echo "no reaper binary at $REAPER_BIN (third_party/build-musl.sh, or set REAPER_BIN)" >&2; exit 1; }
source "$top/test/e2e/lib/containerd.sh"
source "$top/test/e2e/lib/image.sh"
e2e_require_root
e2e_init
export REAPER_ROOT=$E2E_DIR/reaper REAPER_OVERLAY_BASE=$E2E_DIR/overlay
containerd_start --path "$(e2e_reaper_farm)" --env REAPER_ROOT="$REAPER_ROOT" \
	--env REAPER_OVERLAY_BASE="$REAPER_OVERLAY_BASE" >/dev/null
image_import default >/dev/null

declare -A times=([reaper]="" [runc]="")
runtime_of() { [[ $1 == reaper ]] && echo io.containerd.reaper.v2 || echo io.containerd.runc.v2; }
one_run() { # prints milliseconds
	local start end
	start=$(date +%s%N)
	ctrd run --rm --runtime "$(runtime_of "$1")" "$E2E_IMAGE" "$(e2e_id "b$2$1")" /bin/true >/dev/null
	end=$(date +%s%N)
	echo $(((end - start) / 1000))
}
for rt in reaper runc; do one_run "$rt" warm >/dev/null; done # warm caches, create the overlay
for ((i = 0; i < runs; i++)); do
	for rt in reaper runc; do times[$rt]+="$(one_run "$rt" "$i") "; done
done
stats() { # median and p90 of microsecond values, printed in ms
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{v[NR]=$1} END {m=v[int((NR+1)/2)]; p=v[int(NR*0.9+0.5)];
		printf "%.1f %.1f", m/1000, p/1000}'
}
read -r reaper_med reaper_p90 <<<"$(stats "${times[reaper]}")"
read -r runc_med runc_p90 <<<"$(stats "${times[runc]}")"
printf 'ctr run --rm /bin/true, %d runs each (interleaved)\n' "$runs"
printf '  %-7s median %7.1f ms   p90 %7.1f ms\n' reaper "$reaper_med" "$reaper_p90" runc "$runc_med" "$runc_p90"
awk -v a="$reaper_med" -v b="$runc_med" 'BEGIN {printf "  ratio reaper/runc (median): %.3f\n", a / b}'

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
shim_of() { pgrep -f "^$1 .*-id $2" | head -n1; }
for rt in reaper runc; do ctrd run -d --runtime "$(runtime_of "$rt")" "$E2E_IMAGE" "$(e2e_id "idle$rt")" sleep 300; done
sleep 1 # let both shims settle into their idle loop
reaper_rss=$(rss_kib "$(shim_of containerd-shim-reaper-v2 "$(e2e_id idlereaper)")")
runc_rss=$(rss_kib "$(shim_of /usr/bin/containerd-shim-runc-v2 "$(e2e_id idlerunc)")")
printf 'idle shim with one task, VmRSS\n  %-28s %6d KiB\n  %-28s %6d KiB\n' \
	containerd-shim-reaper-v2 "$reaper_rss" containerd-shim-runc-v2 "$runc_rss"
awk -v a="$reaper_rss" -v b="$runc_rss" 'BEGIN {printf "  ratio reaper/runc: %.3f\n", a / b}'
for rt in reaper runc; do
	ctrd task kill -s KILL "$(e2e_id "idle$rt")" >/dev/null 2>&1 || true
	ctrd task rm -f "$(e2e_id "idle$rt")" >/dev/null 2>&1 || true
	ctrd container rm "$(e2e_id "idle$rt")" >/dev/null 2>&1 || true
done
if [[ -n ${REAPER_BENCH_JSON:-} ]]; then
	/usr/bin/python3 - "$REAPER_BENCH_JSON" "$runs" "$reaper_med" "$reaper_p90" "$runc_med" "$runc_p90" \
		"$reaper_rss" "$runc_rss" <<'EOF'
import json, sys
out, runs = sys.argv[1], int(sys.argv[2])
rm, rp, cm, cp, rr, cr = map(float, sys.argv[3:9])
json.dump({"runs": runs,
           "ms": {"ctr run --rm": {"reaper": {"median": rm, "p90": rp}, "runc": {"median": cm, "p90": cp}}},
           "rss_kib": {"reaper": rr, "runc": cr},
           "ratios": {"ctr run median reaper/runc": rm / cm, "ctr run p90 reaper/runc": rp / cp,
                      "idle shim rss reaper/runc": rr / cr}},
          open(out, "w"), indent=1)
EOF
fi
