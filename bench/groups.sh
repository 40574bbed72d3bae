#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Overlay groups, measured:
#  1. `reaper-runtime run /bin/true` in a group that exists against the first container of a new
#     group (which makes its mount namespace), interleaved, medians and the ratio; runc's run of
#     the same bundle alongside, for scale.
#  2. N pods (sandbox and one sleeping container each) through CRI, spread over G Kubernetes
#     namespaces (G groups), and the proportional set size (PSS) of everything Reaper runs for them
#     (shims, monitors, pause, not the workloads) divided by N.
# Usage: bench/groups.sh [RUNS] [PODS] [NAMESPACES]   (default 30, 200, 20; root; TMPDIR on a
# tmpfs keeps fsync out of part 1). REAPER_BIN: the reaper to measure (default build-musl/reaper,
# the release binary; third_party/build-musl.sh builds it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-30} pods=${2:-200} namespaces=${3:-20}
export REAPER_BIN=${REAPER_BIN:-$top/build-musl/reaper}
[[ -x $REAPER_BIN ]] || { echo "no reaper binary at $REAPER_BIN (third_party/build-musl.sh, or set REAPER_BIN)" >&2; exit 1; }
reaper=$(readlink -f "$REAPER_BIN")
runc=$(command -v runc)
[[ $(id -u) -eq 0 ]] || { echo "run as root" >&2; exit 1; }

# ---- 1: existing group against a new one ----
dir=$(mktemp -d "${TMPDIR:-/tmp}/rgroups.XXXXXX")
part1_cleanup() {
	"$reaper" overlay reset --all --force >/dev/null 2>&1 || true
	rm -rf --one-file-system "$dir"
}
trap part1_cleanup EXIT
export REAPER_ROOT=$dir/state REAPER_OVERLAY_BASE=$dir/overlay
mkdir -p "$dir/bin" "$dir/bundle/rootfs/bin"
ln -s "$reaper" "$dir/bin/reaper-runtime"
cp "$(command -v busybox)" "$dir/bundle/rootfs/bin/busybox" # runc runs the bundle's /bin/true
ln -s busybox "$dir/bundle/rootfs/bin/true"
(cd "$dir/bundle" && "$runc" spec)
/usr/bin/python3 - "$dir/bundle/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"], c["process"]["terminal"] = ["/bin/true"], False
c["root"]["readonly"] = False
json.dump(c, open(sys.argv[1], "w"))
EOF
set_ns() { # the bundle's Kubernetes namespace (its group)
	/usr/bin/python3 - "$dir/bundle/config.json" "$1" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["annotations"] = {"io.kubernetes.cri.sandbox-namespace": sys.argv[2]}
json.dump(c, open(sys.argv[1], "w"))
EOF
}
ms() { # ms CMD...: wall time of CMD in microseconds
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}
run_in() { (cd "$dir/bundle" && exec "$dir/bin/reaper-runtime" run "$1"); }
set_ns existing && run_in warm >/dev/null
declare -A t=([existing]="" [new]="" [runc]="")
for ((i = 0; i < runs; i++)); do
	set_ns existing
	t[existing]+="$(ms run_in "e$i") "
	set_ns "fresh-$i"
	t[new]+="$(ms run_in "n$i") "
	t[runc]+="$(ms "$runc" --root "$dir/runc" run --bundle "$dir/bundle" "r$i-${dir##*.}") "
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{v[NR]=$1} END {printf "%.2f", v[int((NR+1)/2)]/1000}'; }
e=$(median "${t[existing]}") n=$(median "${t[new]}") r=$(median "${t[runc]}")
printf 'reaper-runtime run /bin/true, %d runs each (interleaved), median ms\n' "$runs"
printf '  existing group %8.2f\n  new group      %8.2f\n  runc           %8.2f\n' "$e" "$n" "$r"
awk -v n="$n" -v e="$e" -v r="$r" 'BEGIN {printf "  new/existing %.2fx, existing/runc %.2fx\n", n / e, e / r}'
part1_cleanup
trap - EXIT

# ---- 2: PSS of N pods over G namespaces ----
source "$top/test/e2e/lib/reaper_cri.sh"
reaper_cri_start >/dev/null
for ((i = 0; i < pods; i++)); do
	ns=ns-$((i % namespaces))
	pod=$(cri runp --name "p$i" --namespace "$ns" --handler "$REAPER_HANDLER" --log-dir "$E2E_DIR/logs/p$i")
	cri run "$pod" --name c -- /bin/sleep 600 >/dev/null
done
pss_kib() { awk '/^Pss:/ {s += $2} END {print s + 0}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
# This run's own: shims with its REAPER_ROOT in their environment, monitors with it in their
# arguments, and the pause processes those monitors run (other runs may share the machine).
ours() {
	local pid monitors=()
	for pid in $(pgrep -x containerd-shim); do
		{ tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qxF "REAPER_ROOT=$REAPER_ROOT" && echo "$pid"
	done
	mapfile -t monitors < <(pgrep -f "^reaper-monitor --root $REAPER_ROOT ")
	printf '%s\n' "${monitors[@]}"
	for pid in $(pgrep -x reaper-pause); do
		printf '%s\n' "${monitors[@]}" | grep -qxF "$(awk '{print $4}' "/proc/$pid/stat")" && echo "$pid"
	done
}
total=0 count=0
for pid in $(ours); do
	total=$((total + $(pss_kib "$pid"))) count=$((count + 1))
done
groups=$("$REAPER_BIN" overlay status | awk 'NR > 2 && $2 == "built"' | wc -l)
printf '%d pods over %d namespaces (%d groups): %d Reaper processes, PSS %d KiB in all, %d KiB per pod\n' \
	"$pods" "$namespaces" "$groups" "$count" "$total" $((total / pods))
