#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A pod's life under Reaper through CRI: one shim per pod whatever its number of containers, the
# sandbox (reaper-pause) staying SANDBOX_READY with the same pid while containers come and go,
# and StopPodSandbox + RemovePodSandbox leaving no process, no state, no socket and no mount.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

reaper_cri_start
pod=$(reaper_cri_pod pod)

# True when ANCESTOR is PID's parent, grandparent...
descends_from() {
	local pid=$1 ancestor=$2
	while [[ $pid -gt 1 ]]; do
		pid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || return 1
		[[ $pid == "$ancestor" ]] && return 0
	done
	return 1
}

cmdline() {
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | sed 's/ $//'
}

e2e_log "the sandbox runs reaper-pause under the pod's shim"
e2e_assert_eq SANDBOX_READY "$(cri inspectp "$pod" -f status.state)" "pod state"
pause=$(reaper_cri_pid "$pod")
e2e_assert_eq reaper-pause "$(cmdline "$pause")" "sandbox process"
shims=$(containerd_shim_pids)
[[ -n "$shims" ]] || e2e_fail "no shim found (containerd_shim_pids)"
e2e_assert_eq 1 "$(wc -l <<<"$shims")" "number of shims for one pod: $shims"
shim=$shims
e2e_assert_contains "$(cmdline "$shim")" "containerd-shim-reaper-v2 -namespace k8s.io -id $pod" "shim command line"
descends_from "$pause" "$shim" || e2e_fail "pause $pause does not descend from shim $shim"

e2e_log "two containers in the pod share the pod's one shim"
marker=$((700000 + RANDOM))
c1=$(cri run "$pod" --name one -- /bin/sleep "$marker")
c2=$(cri run "$pod" --name two -- /bin/sleep $((marker + 1)))
for c in "$c1" "$c2"; do
	e2e_assert_eq CONTAINER_RUNNING "$(cri wait "$c" --state CONTAINER_RUNNING)" "state of $c"
done
e2e_assert_eq "$shim" "$(containerd_shim_pids)" "shims serving the pod with two containers"
p1=$(reaper_cri_pid "$c1")
p2=$(reaper_cri_pid "$c2")
e2e_assert_eq "/bin/sleep $marker" "$(cmdline "$p1")" "process of container one"
e2e_assert_eq "/bin/sleep $((marker + 1))" "$(cmdline "$p2")" "process of container two"
for p in "$p1" "$p2"; do
	# shim -> reaper-monitor -> workload
	monitor=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status")
	e2e_assert_eq reaper-monitor "$(cat "/proc/$monitor/comm")" "parent of workload $p"
	descends_from "$p" "$shim" || e2e_fail "workload $p does not descend from shim $shim"
done
n=$(ps -e -o args= | grep -c "^containerd-shim-reaper-v2 .*-address $CTRD_SOCK" || true)
e2e_assert_eq 1 "$n" "containerd-shim-reaper-v2 processes (ps)"

e2e_log "containers come and go; the sandbox stays ready with the same process"
for i in 1 2 3 4; do
	c=$(cri run "$pod" --name "churn-$i" -- /bin/sh -c "echo round-$i; exit $i")
	reaper_cri_exited "$c"
	e2e_assert_eq "$i" "$(cri_field "$c" status.exit_code)" "exit code of round $i"
	reaper_cri_log_has "$E2E_DIR/logs/pod/churn-$i/0.log" " stdout F round-$i"
	# CRI deletes the task as soon as it sees the exit: Reaper's state for it goes then.
	e2e_wait_until 5 test ! -e "$REAPER_ROOT/k8s.io/$c" ||
		e2e_fail "Reaper state of the exited container $c left: $(ls -la "$REAPER_ROOT/k8s.io/$c")"
	cri rm "$c"
	e2e_assert_eq SANDBOX_READY "$(cri inspectp "$pod" -f status.state)" "pod state after round $i"
	[[ -d /proc/$pause ]] || e2e_fail "the pause process $pause died in round $i"
	e2e_assert_eq "$shim" "$(containerd_shim_pids)" "shim after round $i"
done
e2e_assert_eq "$pause" "$(reaper_cri_pid "$pod")" "sandbox pid after the rounds"
[[ -z "$(cri ps -q --pod "$pod" --state CONTAINER_EXITED)" ]] || e2e_fail "removed containers still listed: $(cri ps --pod "$pod")"
# A stopped container goes too, and the others are unaffected.
cri stop "$c2" --grace 1
cri rm "$c2"
e2e_assert_eq CONTAINER_RUNNING "$(cri_field "$c1" status.state)" "state of container one"
e2e_assert_eq SANDBOX_READY "$(cri inspectp "$pod" -f status.state)" "pod state"
e2e_assert_eq "$pause" "$(reaper_cri_pid "$pod")" "sandbox pid"

e2e_log "StopPodSandbox + RemovePodSandbox with containers still running leave nothing"
mkdir -p "$E2E_DIR/vol"
c3=$(cri run "$pod" --name with-volume --mount "$E2E_DIR/vol:/reaper-e2e-vol:ro" -- /bin/sh -c "sleep $((marker + 2))")
e2e_assert_eq CONTAINER_RUNNING "$(cri wait "$c3" --state CONTAINER_RUNNING)" "state of $c3"
exec_c=$(cri exec "$c1" -- /bin/echo exec-before-stop)
e2e_assert_eq exec-before-stop "$exec_c" "ExecSync before the pod stops"
# What there is to clean up, so the checks below cannot pass vacuously.
for id in "$pod" "$c1" "$c3"; do
	[[ -f "$REAPER_ROOT/k8s.io/$id/state.json" ]] || e2e_fail "no Reaper state for $id while it runs"
done
grep -qF "$pod" /proc/self/mountinfo || e2e_fail "the pod's shm mount is not in mountinfo: the mount check would be vacuous"
sockets=$(containerd_shim_sockets)
[[ -n "$sockets" ]] || e2e_fail "no shim socket found"
bundles="$CTRD_STATE/io.containerd.runtime.v2.task/k8s.io"
[[ -d "$bundles/$pod" ]] || e2e_fail "no task bundle for the pod in $bundles"

cri stopp "$pod"
e2e_assert_eq SANDBOX_NOTREADY "$(cri inspectp "$pod" -f status.state)" "pod state after StopPodSandbox"
for c in "$c1" "$c3"; do
	e2e_assert_eq CONTAINER_EXITED "$(cri_field "$c" status.state)" "state of $c after StopPodSandbox"
done
cri rmp "$pod"
[[ -z "$(cri pods -q)" ]] || e2e_fail "pods left: $(cri pods)"
[[ -z "$(ctrd -n k8s.io tasks ls -q)" ]] || e2e_fail "tasks left: $(ctrd -n k8s.io tasks ls)"
[[ -z "$(ctrd -n k8s.io containers ls -q)" ]] || e2e_fail "containers left: $(ctrd -n k8s.io containers ls)"

# Processes: no shim, reaper-monitor, reaper-pause or workload of this run may be left, only
# containerd itself. The shim is a daemon parented to pid 1 and pid 1 here (a container's init)
# does not reap orphans, so the exited shim may linger as a zombie: zombies are not counted.
no_process() { [[ -z "$(reaper_cri_owned_pids)" ]]; }
e2e_wait_until 10 no_process || reaper_cri_assert_no_process
reaper_cri_assert_no_process
for p in "$shim" "$pause" "$p1"; do
	if [[ -d /proc/$p ]] && [[ "$(awk '/^State:/ { print $2 }' "/proc/$p/status")" != Z ]]; then
		e2e_fail "process $p ($(cmdline "$p")) still alive"
	fi
done
e2e_assert_eq 0 "$(pgrep -cf "sleep ($marker|$((marker + 2)))" || true)" "workload processes left"

# State: Reaper's namespace directory may stay (empty, like runc's); nothing below it.
left=$(find "$REAPER_ROOT" -mindepth 2)
[[ -z "$left" ]] || e2e_fail "Reaper state left under $REAPER_ROOT: $left"
left=$(find "$bundles" -mindepth 1 2>/dev/null)
[[ -z "$left" ]] || e2e_fail "task bundles left: $left"
for s in $sockets; do
	[[ ! -e "$s" ]] || e2e_fail "shim socket $s left"
done

# Mounts: nothing mentions the pod or its containers, nothing under $E2E_DIR but the overlay
# base (node-wide, kept for the next pod; the harness tears it down).
left=$(grep -E "$pod|$c1|$c2|$c3" /proc/self/mountinfo || true)
[[ -z "$left" ]] || e2e_fail "mounts of the pod left: $left"
left=$(awk -v d="$E2E_DIR/" -v o="$REAPER_OVERLAY_BASE" \
	'(index($4, d) == 1 || index($5, d) == 1) && index($5, o) != 1' /proc/self/mountinfo)
[[ -z "$left" ]] || e2e_fail "mounts under $E2E_DIR left: $left"
e2e_log "PASS"
