#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A pod's sysctls through containerd's CRI plugin: Reaper shares the node's namespaces, so it
# refuses the pod (RunPodSandbox fails naming the sysctl) and the node keeps its value; with the
# node setting REAPER_SYSCTLS=ignore (in reaper.conf, which a new pod's shim reads when it starts)
# the pod runs without them and the shim's log says so.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

SYSCTL=kernel.shm_rmid_forced
before=$(cat /proc/sys/kernel/shm_rmid_forced)
asked=$((1 - before))

reaper_cri_start
e2e_log "refused: RunPodSandbox fails and names the sysctl"
if err=$(cri runp --name sysctl --handler "$REAPER_HANDLER" --sysctl "$SYSCTL=$asked" 2>&1); then
	e2e_fail "a pod with sysctl $SYSCTL=$asked started: $err"
fi
e2e_assert_contains "$err" "linux.sysctl: $SYSCTL=$asked: refused" "RunPodSandbox error"
e2e_assert_contains "$err" "REAPER_SYSCTLS=ignore" "RunPodSandbox error"
e2e_assert_eq "$before" "$(cat /proc/sys/kernel/shm_rmid_forced)" "the node's $SYSCTL"
e2e_assert_eq "" "$(cri pods -q --state SANDBOX_READY)" "ready pods"
reaper_cri_assert_no_process

e2e_log "a pod without sysctls still runs"
pod=$(reaper_cri_pod plain)
c=$(cri run "$pod" --name hello -- /bin/echo hello)
reaper_cri_exited "$c"
reaper_cri_log_has "$c" " stdout F hello"
cri stopp "$pod"
cri rmp "$pod"

e2e_log "REAPER_SYSCTLS=ignore in reaper.conf: the pod runs without its sysctls, with a warning"
printf 'REAPER_SYSCTLS=ignore\n' >"$REAPER_CONFIG"
pod=$(reaper_cri_pod ignored --sysctl "$SYSCTL=$asked")
c=$(cri run "$pod" --name seen -- /bin/cat /proc/sys/kernel/shm_rmid_forced)
reaper_cri_exited "$c"
reaper_cri_log_has "$c" " stdout F $before"
e2e_assert_eq "$before" "$(cat /proc/sys/kernel/shm_rmid_forced)" "the node's $SYSCTL"
e2e_assert_file_contains "$REAPER_SHIM_LOG" \
	"linux.sysctl: not applied, as the node setting REAPER_SYSCTLS=ignore asks: $SYSCTL=$asked"
e2e_assert_file_contains "$REAPER_SHIM_LOG" "level=warning"
cri stopp "$pod"
cri rmp "$pod"
no_process() { [[ -z "$(reaper_cri_owned_pids)" ]]; }
e2e_wait_until 10 no_process || reaper_cri_assert_no_process
e2e_log "PASS"
