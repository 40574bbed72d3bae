#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# containerd restarts (an upgrade, a crash) while a Reaper pod runs: the pod and its containers
# keep running with the same processes, CRI still execs into them, starts new containers in the
# pod, sees their exits, stops them; the kubelet's stats (task metrics) come from the shim. The
# pod's overlay group loses nothing: a file written before the restart is seen after it, and by a
# pod of the same namespace once the first pod and its shim are gone.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

reaper_cri_start
pod=$(reaper_cri_pod restart --namespace team-restart)
marker=$((600000 + RANDOM))
kept=/tmp/reaper-restart-$marker
c=$(cri run "$pod" --name long -- /bin/sh -c "echo kept >$kept; echo before; trap 'echo term; exit 3' TERM; while :; do sleep 0.1; done; : $marker")
busy=$(cri run "$pod" --name busy -- /bin/sh -c 'while :; do :; done')
for x in "$c" "$busy"; do
	e2e_assert_eq CONTAINER_RUNNING "$(cri wait "$x" --state CONTAINER_RUNNING)" "state of $x"
done
pause=$(reaper_cri_pid "$pod")
pid=$(reaper_cri_pid "$c")
shim=$(containerd_shim_pids)

e2e_log "task metrics of a running container (what CRI's ContainerStats reads)"
# A busy loop has used CPU time by the time it has been polled a few times.
cpu_used() {
	local usage
	usage=$(ctrd -n k8s.io tasks metrics "$busy" | awk '$1 == "cpuacct.usage" { print $2 }')
	[[ -n "$usage" ]] && ((usage > 0))
}
e2e_wait_until 10 cpu_used || e2e_fail "no CPU time in the metrics of a busy loop: $(ctrd -n k8s.io tasks metrics "$busy")"
metrics=$(ctrd -n k8s.io tasks metrics "$busy")
e2e_assert_eq 1 "$(awk '$1 == "pids.current" { print $2 }' <<<"$metrics")" "pids.current of a one-process container"
rss=$(awk '$1 == "memory.usage_in_bytes" { print $2 }' <<<"$metrics")
((rss > 0)) || e2e_fail "no memory usage in the metrics: $metrics"
cri stop "$busy" --grace 1

e2e_log "containerd restarts with the pod running"
containerd_restart
e2e_assert_eq SANDBOX_READY "$(cri inspectp "$pod" -f status.state)" "pod state after the restart"
e2e_assert_eq CONTAINER_RUNNING "$(cri_field "$c" status.state)" "container state after the restart"
e2e_assert_eq "$pause" "$(reaper_cri_pid "$pod")" "sandbox pid after the restart"
e2e_assert_eq "$pid" "$(reaper_cri_pid "$c")" "container pid after the restart"
e2e_assert_eq "$shim" "$(containerd_shim_pids)" "shim after the restart"

e2e_log "after the restart: exec, a new container, its exit and log"
e2e_assert_eq exec-after-restart "$(cri exec "$c" -- /bin/echo exec-after-restart)" "ExecSync after the restart"
n=$(cri run "$pod" --name after -- /bin/sh -c "cat $kept; echo after-restart; exit 5")
reaper_cri_exited "$n"
e2e_assert_eq 5 "$(cri_field "$n" status.exit_code)" "exit code of a container started after the restart"
reaper_cri_log_has "$E2E_DIR/logs/restart/after/0.log" " stdout F after-restart"
reaper_cri_log_has "$E2E_DIR/logs/restart/after/0.log" " stdout F kept"
e2e_assert_eq "$shim" "$(containerd_shim_pids)" "the new container uses the pod's shim"

e2e_log "a container from before the restart: its stop and exit are seen, its log still written"
cri stop "$c" --grace 10
e2e_assert_eq 3 "$(cri_field "$c" status.exit_code)" "exit code of the trapping container"
reaper_cri_log_has "$E2E_DIR/logs/restart/long/0.log" " stdout F before"
reaper_cri_log_has "$E2E_DIR/logs/restart/long/0.log" " stdout F term"
reaper_cri_assert_no_process "$marker"

e2e_log "containerd killed hard, a container exits meanwhile: the exit is not lost"
d=$(cri run "$pod" --name during -- /bin/sleep $((marker + 1)))
e2e_assert_eq CONTAINER_RUNNING "$(cri wait "$d" --state CONTAINER_RUNNING)" "state of $d"
dpid=$(reaper_cri_pid "$d")
containerd_stop --kill
kill -TERM "$dpid" # sleep dies of SIGTERM: 143
e2e_wait_until 5 test ! -d "/proc/$dpid" || e2e_fail "workload $dpid did not die"
containerd_launch "${CTRD_LAUNCH_ARGS[@]}"
exited() { [[ "$(cri_field "$d" status.state)" == CONTAINER_EXITED ]]; }
e2e_wait_until 20 exited || e2e_fail "the exit while containerd was down is not seen: $(cri inspect "$d")"
if containerd_at_least 1.7; then
	# containerd 1.7+ deletes, as it loads its shims, a task that is not a sandbox and has no
	# process left ("cleaning leaked shim process", containerd #6860) without publishing its exit;
	# CRI then reports exit code 255, reason Unknown. runc's containers get the same.
	e2e_assert_eq "255 Unknown" "$(cri_field "$d" status.exit_code) $(cri_field "$d" status.reason)" \
		"exit code and reason of the container that died while containerd $(containerd_version) was down"
	e2e_wait_until 5 test ! -e "$REAPER_ROOT/k8s.io/$d" || e2e_fail "Reaper state of $d left after containerd deleted it"
else
	e2e_assert_eq 143 "$(cri_field "$d" status.exit_code)" "exit code of the container that died while containerd was down"
fi

cri stopp "$pod"
cri rmp "$pod"
no_process() { [[ -z "$(reaper_cri_owned_pids)" ]]; }
e2e_wait_until 10 no_process || reaper_cri_assert_no_process

e2e_log "the group outlives its pods and their shim: a new pod of the namespace reads the file"
[[ ! -e $kept ]] || e2e_fail "$kept reached the host"
next=$(reaper_cri_pod next --namespace team-restart)
r=$(cri run "$next" --name reader -- /bin/cat "$kept")
reaper_cri_exited "$r"
reaper_cri_log_has "$E2E_DIR/logs/next/reader/0.log" " stdout F kept"
cri stopp "$next"
cri rmp "$next"
e2e_log "PASS"
