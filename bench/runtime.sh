#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark: the lifecycle of a /bin/true container under reaper-runtime and under runc, on the
# same busybox bundle, in the same run, interleaved (runc and reaper alternate, in alternating
# order, so drift in the machine's load hits both alike).
#
#   bench/runtime.sh [ITERATIONS] [WARMUP]      (root; default 100 and 5)
#   REAPER_BENCH_JSON=FILE bench/runtime.sh ...  also write the figures to FILE as JSON
#
# Two ways to run a container, each timed end to end with a monotonic clock:
#   lifecycle  create --pid-file, start, wait for the process to exit (a pidfd taken at create),
#              delete: the CLI calls a shim makes
#   run        `run` in the foreground: create, start, wait and delete in one CLI call
# The driver is a child subreaper that reaps every orphan (runc's init and reaper's monitors
# outlive the CLI calls that made them; pid 1 here reaps nothing), as a shim does. The warm-up
# rounds (not counted) include reaper's first create, which builds the overlay namespace; that
# cold create is reported on its own. Prints median and p90 in ms and the reaper/runc ratios.
#
# Environment: TMPDIR (where the bundle and the states go: a tmpfs, as /run is on a node),
# REAPER_BIN (default: build-musl/reaper of this checkout, the release binary that ships; build
# it with third_party/build-musl.sh), RUNC (default: runc),
# REAPER_BASELINE (another reaper binary, e.g. the previous commit's: measured in the same run,
# with its own state and overlay, and reported as reaper/baseline ratios).
set -euo pipefail

iterations=${1:-100}
warmup=${2:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
reaper=$(readlink -f "${REAPER_BIN:-$here/build-musl/reaper}")
runc=$(command -v "${RUNC:-runc}") || { echo "runc not found" >&2; exit 1; }
busybox=$(command -v busybox) || { echo "busybox (busybox-static) not found" >&2; exit 1; }
python=/usr/bin/python3
[[ $(id -u) -eq 0 ]] || { echo "run as root" >&2; exit 1; }
[[ -x $reaper ]] || { echo "no reaper binary at $reaper (third_party/build-musl.sh, or set REAPER_BIN)" >&2; exit 1; }
baseline=${REAPER_BASELINE:+$(readlink -f "$REAPER_BASELINE")}
[[ -z $baseline || -x $baseline ]] || { echo "no reaper binary at $REAPER_BASELINE" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/rbench.XXXXXX") # TMPDIR on a tmpfs keeps fsync out of the figures
cleanup() {
	set +e
	for name in reaper baseline; do
		local cli=$dir/bin/reaper-runtime
		[[ $name == reaper ]] || cli=$dir/baseline/reaper-runtime
		for id in $("$cli" --root "$dir/$name-state" list -q 2>/dev/null); do
			REAPER_OVERLAY_BASE=$dir/overlay-$name "$cli" --root "$dir/$name-state" delete --force "$id" \
				>/dev/null 2>&1
		done
	done
	for id in $("$runc" --root "$dir/runc-state" list -q 2>/dev/null); do
		"$runc" --root "$dir/runc-state" delete --force "$id" >/dev/null 2>&1
	done
	for name in reaper baseline; do # the base and every overlay group's tmpfs and pin on it
		umount -R "$dir/overlay-$name" 2>/dev/null
	done
	rm -rf --one-file-system "$dir"
}
trap cleanup EXIT

mkdir -p "$dir/bin" "$dir/bundle/rootfs/bin"
ln -s "$reaper" "$dir/bin/reaper-runtime"
if [[ -n $baseline ]]; then # the binary dispatches on its name: a directory of its own
	mkdir -p "$dir/baseline"
	ln -s "$baseline" "$dir/baseline/reaper-runtime"
fi
cp "$busybox" "$dir/bundle/rootfs/bin/busybox"
for applet in sh true; do
	ln -s busybox "$dir/bundle/rootfs/bin/$applet"
done
(cd "$dir/bundle" && "$runc" spec)
"$python" - "$dir/bundle/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
json.dump(c, open(sys.argv[1], "w"), indent=1)
EOF

"$python" - "$iterations" "$warmup" "$dir" "$runc" "$baseline" "${REAPER_BENCH_JSON:-}" <<'EOF'
import ctypes, json, os, select, statistics, subprocess, sys, time

iterations, warmup = int(sys.argv[1]), int(sys.argv[2])
d, runc, baseline, json_out = sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
PR_SET_CHILD_SUBREAPER = 36
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("cannot become a child subreaper")

bundle = d + "/bundle"
run_id = d.rsplit(".", 1)[-1]  # runc names cgroups after ids: keep parallel runs apart
runtimes = {
    "runc": [runc, "--root", d + "/runc-state"],
    "reaper": [d + "/bin/reaper-runtime", "--root", d + "/reaper-state"],
}
if baseline:
    runtimes["baseline"] = [d + "/baseline/reaper-runtime", "--root", d + "/baseline-state"]
names = list(runtimes)


def reap_orphans():
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def call(runtime, *args):
    # stderr to a file, not a pipe: a created process keeps the CLI's stdio until it exits.
    with open(d + "/stderr", "w+") as err:
        env = dict(os.environ, REAPER_OVERLAY_BASE=f"{d}/overlay-{runtime}")
        r = subprocess.run(runtimes[runtime] + list(args), stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=err, env=env)
        if r.returncode != 0 and args[0] != "run":
            err.seek(0)
            sys.exit(f"{runtime} {' '.join(args)}: exit {r.returncode}: {err.read().strip()}")
    return r.returncode


def lifecycle(runtime, cid):
    pid_file = f"{d}/{runtime}.pid"
    t0 = time.perf_counter()
    call(runtime, "create", "--bundle", bundle, "--pid-file", pid_file, cid)
    pidfd = os.pidfd_open(int(open(pid_file).read()))
    call(runtime, "start", cid)
    select.select([pidfd], [], [])
    os.close(pidfd)
    reap_orphans()  # runc's init is our child by now: a shim reaps it on SIGCHLD
    call(runtime, "delete", cid)
    elapsed = time.perf_counter() - t0
    reap_orphans()
    return elapsed * 1000


def run(runtime, cid):
    t0 = time.perf_counter()
    rc = call(runtime, "run", "--bundle", bundle, cid)
    elapsed = time.perf_counter() - t0
    if rc != 0:
        sys.exit(f"{runtime} run {cid}: exit {rc}")
    reap_orphans()
    return elapsed * 1000


def p90(values):
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 90 // 100) - 1)]  # nearest rank


# reaper's very first create builds the overlay namespace: time it apart.
cold = {}
for name in names[1:]:
    t0 = time.perf_counter()
    call(name, "create", "--bundle", bundle, "cold")
    cold[name] = (time.perf_counter() - t0) * 1000
    call(name, "delete", "--force", "cold")
    reap_orphans()

results = {}
for mode, fn in (("lifecycle", lifecycle), ("run", run)):
    times = {name: [] for name in names}
    for i in range(warmup + iterations):
        shift = i % len(names)  # each runtime goes first in turn
        for runtime in names[shift:] + names[:shift]:
            ms = fn(runtime, f"{mode}-{runtime}-{i}-{run_id}")
            if i >= warmup:
                times[runtime].append(ms)
    results[mode] = times

print(f"{iterations} iterations per runtime and mode after {warmup} warm-up rounds, interleaved; "
      f"/bin/true on a busybox bundle")
for name, ms in cold.items():
    print(f"{name}'s first create (builds the overlay namespace): {ms:.1f} ms")
print(f"{'mode':<10} {'runtime':<8} {'median ms':>10} {'p90 ms':>8} {'min ms':>8} {'max ms':>8}")
for mode, times in results.items():
    for runtime in names:
        t = times[runtime]
        print(f"{mode:<10} {runtime:<8} {statistics.median(t):>10.2f} {p90(t):>8.2f} {min(t):>8.2f} {max(t):>8.2f}")
# Leave no zombie to pid 1: wait (bounded) for any child still exiting.
deadline = time.monotonic() + 5
while time.monotonic() < deadline:
    try:
        if os.waitpid(-1, os.WNOHANG)[0] == 0:
            time.sleep(0.01)
    except ChildProcessError:
        break
figures = {"iterations": iterations, "warmup": warmup, "cold_create_ms": cold, "ms": {}, "ratios": {}}
for mode, times in results.items():
    figures["ms"][mode] = {rt: {"median": statistics.median(t), "p90": p90(t)} for rt, t in times.items()}
    for other in names[0:1] + names[2:]:
        median_ratio = statistics.median(times["reaper"]) / statistics.median(times[other])
        p90_ratio = p90(times["reaper"]) / p90(times[other])
        print(f"{mode}: reaper/{other} median {median_ratio:.2f}x, p90 {p90_ratio:.2f}x")
        figures["ratios"][f"{mode} median reaper/{other}"] = median_ratio
        figures["ratios"][f"{mode} p90 reaper/{other}"] = p90_ratio
if json_out:
    with open(json_out, "w") as f:
        json.dump(figures, f, indent=1)
EOF
