#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What containerd's RuntimeDefault seccomp profile costs a Reaper container, measured against the
# same container unconfined, interleaved in one run on one private containerd:
#   ctr        wall time of `ctr run --rm [--seccomp] IMAGE ID /bin/true` (the whole pod-less
#              lifecycle through the shim; --seccomp is containerd's RuntimeDefault profile)
#   lifecycle  reaper-runtime create, start, wait, delete of /bin/true on a bundle with and without
#              that profile (Reaper's own part, without ctr and containerd); also the CPU time of
#              all its processes (the CLI calls, the monitor, the workload), which a busy machine
#              disturbs less than the wall time
#   compile    the same lifecycle with the profile and an empty cache: what the first container of
#              a profile on a node pays once (the compile), not every container
# Reaper's state is on a tmpfs (on these machines /run is on disk; a node's is a tmpfs).
# Usage: bench/seccomp.sh [N]   (default 50; root; a built build/reaper)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-50}
export REAPER_BIN=${REAPER_BIN:-$top/build/reaper}
source "$top/test/e2e/lib/containerd.sh"
source "$top/test/e2e/lib/image.sh"
e2e_require_root
e2e_init
export REAPER_ROOT=$E2E_DIR/reaper REAPER_OVERLAY_BASE=$E2E_DIR/overlay
mkdir -p "$REAPER_ROOT"
mount -t tmpfs -o mode=0700 reaper-bench "$REAPER_ROOT"
farm=$(e2e_reaper_farm)
containerd_start --path "$farm" --env REAPER_ROOT="$REAPER_ROOT" \
	--env REAPER_OVERLAY_BASE="$REAPER_OVERLAY_BASE" >/dev/null
image_import default >/dev/null

# containerd's RuntimeDefault profile, as it writes it into a bundle.
mkdir -p "$E2E_DIR/plain/rootfs" "$E2E_DIR/seccomp/rootfs"
ctrd run -d --seccomp --runtime io.containerd.reaper.v2 "$E2E_IMAGE" "$(e2e_id profile)" sleep 300 >/dev/null
bundle_config=$CTRD_STATE/io.containerd.runtime.v2.task/default/$(e2e_id profile)/config.json
/usr/bin/python3 - "$bundle_config" "$E2E_DIR" <<'EOF'
import json, sys
seccomp = json.load(open(sys.argv[1]))["linux"]["seccomp"]
base = {"ociVersion": "1.0.2", "root": {"path": "rootfs"},
        "process": {"args": ["/bin/true"], "cwd": "/", "env": ["PATH=/usr/bin:/bin"],
                    "user": {"uid": 0, "gid": 0}}}
for name, profile in (("plain", None), ("seccomp", seccomp)):
    doc = dict(base, linux={"seccomp": profile} if profile else {})
    json.dump(doc, open(f"{sys.argv[2]}/{name}/config.json", "w"))
EOF
ctrd task kill -s KILL "$(e2e_id profile)" >/dev/null
ctrd task rm -f "$(e2e_id profile)" >/dev/null 2>&1 || true
ctrd container rm "$(e2e_id profile)" >/dev/null

/usr/bin/python3 - "$runs" "$E2E_DIR" "$farm/reaper-runtime" "$REAPER_ROOT" "$CTRD_SOCK" "$E2E_IMAGE" \
	"$(e2e_id b)" <<'EOF'
import ctypes, os, resource, select, shutil, statistics, subprocess, sys, time

runs, d, runtime, root, sock, image, prefix = int(sys.argv[1]), *sys.argv[2:]
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit("cannot become a child subreaper")
bench_root = root + "/bench"


def reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def reap_all():
    """Wait for every child: the container's processes are gone, or going, once delete returns."""
    try:
        while True:
            os.waitpid(-1, 0)
    except ChildProcessError:
        pass


def children_cpu_ms():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def ctr_run(variant, i):
    extra = ["--seccomp"] if variant == "seccomp" else []
    t0 = time.perf_counter()
    subprocess.run(["ctr", "-a", sock, "run", "--rm", "--runtime", "io.containerd.reaper.v2", *extra,
                    image, f"{prefix}{variant}{i}", "/bin/true"], check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - t0) * 1000, None


def rt(*args):
    subprocess.run([runtime, "--root", bench_root, *args], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL)


def lifecycle(variant, i, cold=False):
    if cold:
        shutil.rmtree(bench_root + "/@seccomp", ignore_errors=True)
    cid = f"{variant}{i}"
    cpu0 = children_cpu_ms()
    t0 = time.perf_counter()
    rt("create", "--bundle", f"{d}/{variant}", "--pid-file", f"{d}/pid", cid)
    pidfd = os.pidfd_open(int(open(f"{d}/pid").read()))
    rt("start", cid)
    select.select([pidfd], [], [])
    os.close(pidfd)
    reap()
    rt("delete", cid)
    ms = (time.perf_counter() - t0) * 1000
    reap_all()
    return ms, children_cpu_ms() - cpu0


def measure(fn, n, cpu=None):
    times = {"plain": [], "seccomp": []}
    for i in range(n + 3):  # 3 warm-up rounds, alternating which goes first
        for variant in (("plain", "seccomp") if i % 2 == 0 else ("seccomp", "plain")):
            ms, cpu_ms = fn(variant, i)
            if i >= 3:
                times[variant].append(ms)
                if cpu is not None:
                    cpu[variant].append(cpu_ms)
    return times


def p90(values):
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 90 // 100) - 1)]


cpu = {"plain": [], "seccomp": []}
results = {"ctr": measure(ctr_run, runs), "lifecycle": measure(lifecycle, runs, cpu)}
cold = [lifecycle("seccomp", 1000 + i, cold=True)[0] for i in range(max(5, runs // 5))]
print(f"{runs} runs per variant after 3 warm-up rounds, interleaved; /bin/true")
print(f"{'bench':<10} {'variant':<16} {'median ms':>10} {'p90 ms':>8}")
for bench, times in results.items():
    for variant, label in (("plain", "unconfined"), ("seccomp", "RuntimeDefault")):
        t = times[variant]
        print(f"{bench:<10} {label:<16} {statistics.median(t):>10.2f} {p90(t):>8.2f}")
print(f"{'lifecycle':<10} {'RuntimeDefault, cold cache':<27} {statistics.median(cold):>5.2f} ms median of {len(cold)}")
for variant, label in (("plain", "unconfined"), ("seccomp", "RuntimeDefault")):
    print(f"{'CPU':<10} {label:<16} {statistics.median(cpu[variant]):>10.2f} {p90(cpu[variant]):>8.2f}"
          "   (all processes of a lifecycle)")
results["CPU"] = cpu
for bench, times in results.items():
    ratio = statistics.median(times["seccomp"]) / statistics.median(times["plain"])
    print(f"{bench}: RuntimeDefault/unconfined median {ratio:.3f}x, "
          f"p90 {p90(times['seccomp']) / p90(times['plain']):.3f}x")
EOF
