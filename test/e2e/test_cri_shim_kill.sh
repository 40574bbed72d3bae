#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A pod's shim SIGKILLed while an exec runs in its container (kubectl exec, a probe): the exec call
# returns instead of hanging, containerd reports the container and the pod gone, every process of
# the pod (pause, workload, exec, monitors) dies, the pod can be stopped and removed leaving no
# Reaper state, bundle or shim socket, and a new pod runs normally.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

reaper_cri_start
pod=$(reaper_cri_pod shimkill)
marker=$((700000 + RANDOM))
c=$(cri run "$pod" --name main -- /bin/sleep "$marker")
e2e_assert_eq CONTAINER_RUNNING "$(cri wait "$c" --state CONTAINER_RUNNING)" "state of $c"
shim=$(containerd_shim_pids)
[[ $shim =~ ^[0-9]+$ ]] || e2e_fail "expected one shim, got '$shim'"

cri exec "$c" --exec-timeout 120 -- /bin/sh -c "echo exec-started; exec sleep $((marker + 1))" \
	>"$E2E_DIR/exec.out" 2>"$E2E_DIR/exec.err" &
exec_client=$!
exec_running() { pgrep -f "^sleep $((marker + 1))\$" >/dev/null; }
e2e_wait_until 20 exec_running || e2e_fail "the exec did not start: $(cat "$E2E_DIR/exec.err")"
e2e_log "exec running; SIGKILL to the shim $shim"
kill -KILL "$shim"

returned() { ! kill -0 "$exec_client" 2>/dev/null; }
e2e_wait_until 30 returned || e2e_fail "the exec call still hangs 30 s after its shim died"
rc=0
wait "$exec_client" || rc=$?
e2e_log "the exec call returned ($rc): $(head -c 300 "$E2E_DIR/exec.err")"
exited() { [[ "$(cri_field "$c" status.state)" == CONTAINER_EXITED ]]; }
e2e_wait_until 30 exited || e2e_fail "the container is not EXITED after its shim died: $(cri inspect "$c")"
notready() { [[ "$(cri inspectp "$pod" -f status.state)" == SANDBOX_NOTREADY ]]; }
e2e_wait_until 30 notready || e2e_fail "the pod is still ready after its shim died"
gone() { [[ -z "$(reaper_cri_owned_pids)" ]]; }
e2e_wait_until 20 gone || e2e_fail "processes of the pod alive after its shim died: $(reaper_cri_assert_no_process)"

cri stopp "$pod"
cri rmp "$pod"
left=$(find "$REAPER_ROOT/k8s.io" -mindepth 1 -maxdepth 1 2>/dev/null | head -n 5)
[[ -z $left ]] || e2e_fail "Reaper state left: $left"
left=$(find "$CTRD_STATE/io.containerd.runtime.v2.task/k8s.io" -mindepth 1 -maxdepth 1 2>/dev/null | head -n 5)
[[ -z $left ]] || e2e_fail "task bundles left: $left"
sock=/run/containerd/s/$(printf '%s' "$CTRD_SOCK/k8s.io/$pod" | sha256sum | cut -d' ' -f1)
[[ ! -e $sock ]] || e2e_fail "the dead shim's socket is left: $sock"

e2e_log "a new pod after that"
p2=$(reaper_cri_pod after)
n=$(cri run "$p2" --name after -- /bin/sh -c 'echo after-shim-kill; exit 4')
reaper_cri_exited "$n"
e2e_assert_eq 4 "$(cri_field "$n" status.exit_code)" "exit code in a new pod"
reaper_cri_log_has "$n" " stdout F after-shim-kill"
cri stopp "$p2"
cri rmp "$p2"
e2e_wait_until 20 containerd_no_shims || e2e_fail "shims left: $(containerd_shim_pids)"
reaper_cri_assert_no_process
e2e_log PASS
