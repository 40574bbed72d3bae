#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Load for the fault tests (test/load/): many pods through CRI at once, as kubelets do.

  load.py churn N PARALLEL LOGDIR
      N short pods, PARALLEL at a time: each runs a container that writes a line to stdout and
      one to stderr and exits with its own code; every exit code and every log line must come
      back, then the pod is removed. Prints the rate and the slowest pod.

  load.py storm WORKERS DIR
      WORKERS pods in flight at once, each worker creating, starting, stopping and deleting pods in
      a loop until DIR/stop appears, through whatever happens to containerd meanwhile (the test
      kills and restarts it): a call that fails while containerd is away is given up and the
      worker starts a new pod; the test's final cleanup must still remove everything. Progress
      (one line per completed cycle) goes to DIR/progress, every pod id ever made to DIR/pods,
      and the intended exit code of each container to DIR/expected.

  load.py check DIR
      After the storm: every pod and container CRI lists must be consistent with what runs (a
      RUNNING container's process alive, an EXITED one's gone, and its Reaper record agreeing),
      containers that exited on their own must show their exit code (or 255 Unknown, what
      containerd 1.7+ reports for an exit while it was down, $CONTAINERD_LOSES_DOWN_EXITS=1),
      then every pod is stopped and removed (which must succeed).

The endpoint is $CRI_ENDPOINT; Reaper's state root $REAPER_ROOT (for the records).
"""
import concurrent.futures
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cri  # noqa: E402

HANDLER = "reaper-v2"


def client():
    return cri.Client(os.environ["CRI_ENDPOINT"], timeout=60, state_dir=os.environ.get("CRI_STATE_DIR"))


def wait_log(path, lines, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            text = ""
        missing = [ln for ln in lines if ln not in text]
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.05)


# ---- churn

def churn_one(c, i, logdir, namespace):
    code = i % 200
    pod = c.run_pod(name=f"churn-{i}", namespace=namespace, handler=HANDLER, log_dir=f"{logdir}/{i}")
    cid = c.create_container(pod, name="c", command=["/bin/sh", "-c",
                             f"echo out-{i}; echo err-{i} >&2; exit {code}"])
    c.start_container(cid)
    st = c.wait_container(cid, timeout=60)
    problems = []
    if st.exit_code != code:
        problems.append(f"pod {i}: exit code {st.exit_code}, expected {code}")
    missing = wait_log(f"{logdir}/{i}/c/0.log", [f" stdout F out-{i}\n", f" stderr F err-{i}\n"])
    if missing:
        problems.append(f"pod {i}: log lines missing: {missing}")
    c.remove_container(cid)
    c.stop_pod(pod)
    c.remove_pod(pod)
    return problems


def churn(n, parallel, logdir):
    c = client()
    problems, slowest, done = [], 0.0, 0
    lock = threading.Lock()
    t0 = time.monotonic()

    def job(i):
        nonlocal slowest, done
        start = time.monotonic()
        try:
            p = churn_one(c, i, logdir, "churn")
        except cri.CriError as e:
            p = [f"pod {i}: {e}"]
        took = time.monotonic() - start
        with lock:
            problems.extend(p)
            slowest = max(slowest, took)
            done += 1
            if done % 100 == 0:
                print(f"  {done} pods, {time.monotonic() - t0:.1f}s", flush=True)

    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(job, range(n)))
    elapsed = time.monotonic() - t0
    print(f"churn: {n} pods, {parallel} at a time, in {elapsed:.1f}s ({n / elapsed:.1f} pods/s), "
          f"slowest pod {slowest:.2f}s; {len(problems)} problems", flush=True)
    for p in problems[:50]:
        print("  " + p, flush=True)
    return 1 if problems else 0


# ---- storm

def storm(workers, d):
    stop = f"{d}/stop"
    lock = threading.Lock()
    c = client()

    def record(name, text):
        with lock:
            with open(f"{d}/{name}", "a") as f:
                f.write(text + "\n")

    def worker(w):
        cycle = 0
        while not os.path.exists(stop):
            cycle += 1
            name = f"storm-{w}-{cycle}"
            kind = (w + cycle) % 3
            # 0: exits on its own soon (maybe while containerd is down), 1: runs until stopped
            # (traps TERM, exits 7), 2: created and started, then its pod removed at once.
            code = 10 + w
            cmd = {0: f"sleep 1.{w % 10}; echo done-{name}; exit {code}",
                   1: "trap 'exit 7' TERM; echo up; while :; do sleep 0.1; done",
                   2: "sleep 1000"}[kind]
            try:
                pod = c.run_pod(name=name, namespace="storm", handler=HANDLER, log_dir=f"{d}/logs/{name}")
                record("pods", pod)
                cid = c.create_container(pod, name="c", command=["/bin/sh", "-c", cmd])
                c.start_container(cid)
                # Known only once started: a StartContainer cut short by the kill is containerd's
                # to sort out (it may report 255 Unknown).
                record("expected", json.dumps({"id": cid, "kind": kind, "code": code if kind == 0 else 7}))
                if kind == 0:
                    c.wait_container(cid, timeout=30)
                elif kind == 1:
                    c.wait_container(cid, states=("CONTAINER_RUNNING",), timeout=30)
                    c.stop_container(cid, timeout=10)
                if kind != 2:
                    c.remove_container(cid)
                c.stop_pod(pod)
                c.remove_pod(pod)
                record("progress", f"{w} {cycle} ok")
            except cri.CriError as e:
                # containerd went away mid-cycle (or came back confused): leave it to the end.
                record("progress", f"{w} {cycle} error {str(e)[:200]}")
                time.sleep(0.2)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


# ---- check

def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def reaper_record(cid):
    try:
        with open(f"{os.environ['REAPER_ROOT']}/k8s.io/{cid}/state.json") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def retry(fn, what, attempts=3):
    for i in range(attempts):
        try:
            return fn()
        except cri.CriError as e:
            if i == attempts - 1:
                raise cri.CriError(f"{what}: {e}") from None
            time.sleep(0.5)


def check(d):
    c = client()
    loses = os.environ.get("CONTAINERD_LOSES_DOWN_EXITS") == "1"
    expected = {}
    if os.path.exists(f"{d}/expected"):
        for line in open(f"{d}/expected"):
            e = json.loads(line)
            expected[e["id"]] = e
    # The exits Reaper reported, from the events of every containerd life (DIR/exits: "id status"
    # lines). Around the kill containerd can lose what it was told: an exit it had handled but not
    # yet written down comes back as 255 Unknown (its task gone) or as UNKNOWN (its FIFOs gone when
    # CRI reattaches), with runc as with Reaper. Reaper's part is that the exit was reported.
    reported = {}
    if os.path.exists(f"{d}/exits"):
        for line in open(f"{d}/exits"):
            cid, code = line.split()
            reported.setdefault(cid, set()).add(int(code))
    problems = []
    containers = retry(lambda: c.list_containers(), "ListContainers")
    counts = {}
    for ctr in containers:
        state = cri.pb.ContainerState.Name(ctr.state)
        counts[state] = counts.get(state, 0) + 1
        st = retry(lambda: c.container_status(ctr.id, verbose=True), "ContainerStatus")
        info = cri._decode_info(st.info).get("info", {})
        pid = info.get("pid", 0) if isinstance(info, dict) else 0
        rec = reaper_record(ctr.id)
        if state == "CONTAINER_RUNNING":
            if not pid or not alive(pid):
                problems.append(f"{ctr.id}: RUNNING but its process {pid} is not alive")
            if rec is None or rec.get("status") != "running":
                problems.append(f"{ctr.id}: RUNNING but Reaper's record is {rec and rec.get('status')}")
        elif state == "CONTAINER_EXITED":
            if rec is not None and rec.get("status") != "stopped":
                problems.append(f"{ctr.id}: EXITED but Reaper's record is {rec.get('status')}")
            if rec is not None and alive(rec.get("pid", 0)) and rec.get("pid"):
                problems.append(f"{ctr.id}: EXITED but its process {rec.get('pid')} lives")
            e = expected.get(ctr.id)
            code = st.status.exit_code
            if e is not None and e["kind"] == 0 and code != e["code"]:
                unknown = code == 255 and st.status.reason == "Unknown"
                if unknown and e["code"] in reported.get(ctr.id, ()):
                    print(f"  note: {ctr.id}: 255 Unknown in CRI; Reaper reported its exit {e['code']}, "
                          "containerd lost it across the kill", flush=True)
                elif not (loses and unknown):
                    problems.append(f"{ctr.id}: exit code {code} ({st.status.reason}), expected {e['code']} "
                                    f"(reported: {sorted(reported.get(ctr.id, ()))})")
        elif state == "CONTAINER_CREATED":
            if rec is not None and rec.get("status") not in ("created", "creating"):
                problems.append(f"{ctr.id}: CREATED but Reaper's record is {rec.get('status')}")
        elif state == "CONTAINER_UNKNOWN" and (rec is None or rec.get("status") == "stopped") and \
                not (rec and rec.get("pid") and alive(rec["pid"])):
            # CRI could not load what it had (a CreateContainer cut short left no status file, or
            # the FIFOs of an exit it had handled were gone): nothing runs that CRI does not know
            # of, and stopping the pod settles it. containerd's bookkeeping, not the runtime's.
            print(f"  note: {ctr.id}: UNKNOWN to CRI, {'no task was created' if rec is None else 'exited'}",
                  flush=True)
        else:
            problems.append(f"{ctr.id}: state {state} (Reaper's record: {rec and rec.get('status')})")
    pods = retry(lambda: c.list_pods(), "ListPodSandbox")
    for p in pods:
        if cri.pb.PodSandboxState.Name(p.state) == "SANDBOX_READY":
            st = retry(lambda: c.pod_status(p.id, verbose=True), "PodSandboxStatus")
            info = cri._decode_info(st.info).get("info", {})
            pid = info.get("pid", 0) if isinstance(info, dict) else 0
            if not pid or not alive(pid):
                problems.append(f"pod {p.id}: READY but its sandbox process {pid} is not alive")
    print(f"check: {len(pods)} pods, containers {counts}; {len(problems)} inconsistencies", flush=True)
    for p in problems:
        print("  " + p, flush=True)
    for p in pods:
        retry(lambda: c.stop_pod(p.id), f"StopPodSandbox {p.id}")
        retry(lambda: c.remove_pod(p.id), f"RemovePodSandbox {p.id}")
    left = retry(lambda: c.list_pods(), "ListPodSandbox")
    if left:
        problems.append(f"{len(left)} pods left after removing them all")
    print(f"check: every pod stopped and removed ({len(pods)})", flush=True)
    return 1 if problems else 0


def main():
    cmd = sys.argv[1]
    if cmd == "churn":
        return churn(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    if cmd == "storm":
        return storm(int(sys.argv[2]), sys.argv[3])
    if cmd == "check":
        return check(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
