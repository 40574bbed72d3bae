#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# StopContainer as the kubelet does it: the stop signal (SIGTERM) first, SIGKILL after the grace
# period. A workload that handles SIGTERM exits at once with its own code; one that ignores it is
# killed when the grace period ends (137), with every process it started.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

reaper_cri_start
pod=$(reaper_cri_pod stop)

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

running() {
	e2e_assert_eq CONTAINER_RUNNING "$(cri wait "$1" --state CONTAINER_RUNNING)" "state of $1"
}

e2e_log "a workload that traps SIGTERM exits 0 well before the grace period"
trapping=$(cri run "$pod" --name trapping -- /bin/sh -c 'trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.1; done')
running "$trapping"
reaper_cri_log_has "$trapping" " stdout F ready" # the trap is set
start=$(now_ms)
cri stop "$trapping" --grace 20
elapsed=$(($(now_ms) - start))
e2e_assert_eq CONTAINER_EXITED "$(cri_field "$trapping" status.state)" "state after StopContainer"
e2e_assert_eq 0 "$(cri_field "$trapping" status.exit_code)" "exit code of the trapping workload"
reaper_cri_log_has "$trapping" " stdout F got-term"
((elapsed < 5000)) || e2e_fail "StopContainer of a workload that exits on SIGTERM took ${elapsed} ms (grace 20 s)"

e2e_log "a workload that ignores SIGTERM is killed after the grace period"
marker=$((800000 + RANDOM))
ignoring=$(cri run "$pod" --name ignoring -- /bin/sh -c "trap '' TERM; echo ready; sleep $marker")
running "$ignoring"
reaper_cri_log_has "$ignoring" " stdout F ready"
grace=2
start=$(now_ms)
cri stop "$ignoring" --grace "$grace"
elapsed=$(($(now_ms) - start))
e2e_assert_eq CONTAINER_EXITED "$(cri_field "$ignoring" status.state)" "state after StopContainer"
e2e_assert_eq 137 "$(cri_field "$ignoring" status.exit_code)" "exit code of the workload killed after the grace period"
# At least the grace period; the client's own start-up adds to it (below, timed on the node).
((elapsed >= grace * 1000 && elapsed < grace * 1000 + 4000)) ||
	e2e_fail "StopContainer with a ${grace} s grace period on a workload ignoring SIGTERM took ${elapsed} ms"
# The shell's child (the sleep) went with it.
reaper_cri_assert_no_process "sleep $marker"

e2e_log "SIGTERM first, SIGKILL when the grace period ends (timed on the node)"
# This one notes when SIGTERM came and carries on: the kill must come a grace period later.
noting=$(cri run "$pod" --name noting -- /bin/sh -c 'trap "echo term-at \$(date +%s%N)" TERM; echo ready; while :; do sleep 0.1; done')
running "$noting"
reaper_cri_log_has "$noting" " stdout F ready"
cri stop "$noting" --grace 3
e2e_assert_eq 137 "$(cri_field "$noting" status.exit_code)" "exit code"
log=$(reaper_cri_log "$noting")
reaper_cri_log_has "$log" " stdout F term-at "
term_at=$(awk '$4 == "term-at" { print $5; exit }' "$log")
finished=$(cri_field "$noting" status.finished_at)
gap=$(((finished - term_at) / 1000000))
e2e_log "SIGKILL ${gap} ms after SIGTERM (grace 3 s)"
((gap >= 2800 && gap < 4500)) || e2e_fail "SIGKILL came ${gap} ms after SIGTERM, not about 3000"

e2e_log "the default stop signal reaches a plain program"
plain=$(cri run "$pod" --name plain -- /bin/sleep $((marker + 1)))
running "$plain"
start=$(now_ms)
cri stop "$plain" --grace 20
elapsed=$(($(now_ms) - start))
# sleep dies of SIGTERM: 128 + 15.
e2e_assert_eq 143 "$(cri_field "$plain" status.exit_code)" "exit code of sleep stopped by SIGTERM"
((elapsed < 5000)) || e2e_fail "StopContainer of sleep took ${elapsed} ms (grace 20 s)"
reaper_cri_assert_no_process "sleep $((marker + 1))"

e2e_log "stopped containers are removed; the pod stays ready"
for c in "$trapping" "$ignoring" "$noting" "$plain"; do
	cri rm "$c"
done
[[ -z "$(cri ps -q --pod "$pod")" ]] || e2e_fail "containers left: $(cri ps --pod "$pod")"
e2e_assert_eq SANDBOX_READY "$(cri inspectp "$pod" -f status.state)" "pod state"

cri stopp "$pod"
cri rmp "$pod"
e2e_log "PASS"
