#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Self-test of the end-to-end harness with runc (io.containerd.runc.v2), which works here: a
# private containerd, the local busybox image, ctr, a restart with a task running, and the CRI
# client through a whole host-network pod life. It proves the harness the Reaper e2e tests use.
set -euo pipefail
source "$(dirname "$0")/lib/containerd.sh"
source "$(dirname "$0")/lib/image.sh"
source "$(dirname "$0")/lib/cri.sh"

e2e_require_root
e2e_require_cmd containerd ctr runc containerd-shim-runc-v2
e2e_init

e2e_log "private containerd with the CRI plugin, the reaper farm on its PATH"
farm=$(e2e_reaper_farm)
containerd_start --cri --path "$farm" --env E2E_PROBE=harness
tr '\0' '\n' <"/proc/$CTRD_PID/environ" | grep -x "PATH=$farm:.*" >/dev/null || e2e_fail "containerd's PATH does not start with $farm"
tr '\0' '\n' <"/proc/$CTRD_PID/environ" | grep -x "E2E_PROBE=harness" >/dev/null || e2e_fail "--env not passed to containerd"
e2e_assert_eq "$(readlink -f "$REAPER_BIN")" "$(readlink -f "$farm/containerd-shim-reaper-v2")" "farm link"
[[ "$CTRD_SOCK" == "$E2E_DIR"/* ]] || e2e_fail "socket $CTRD_SOCK is not under $E2E_DIR"
((${#CTRD_SOCK} < 100)) || e2e_fail "socket path too long: $CTRD_SOCK"
ctrd plugins ls | grep -E '^io\.containerd\.grpc\.v1[[:space:]]+cri[[:space:]].*[[:space:]]ok[[:space:]]*$' >/dev/null ||
	e2e_fail "CRI plugin not ok: $(ctrd plugins ls | grep cri)"
image_import

e2e_log "ctr run with runc"
out=$(ctrd run --rm "$E2E_IMAGE" "$(e2e_id echo)" /bin/echo hello-from-runc)
e2e_assert_eq hello-from-runc "$out" "ctr run output"

e2e_log "containerd restart keeps a running task"
task=$(e2e_id sleeper)
ctrd run -d "$E2E_IMAGE" "$task" /bin/sleep 300
pid_before=$(ctrd tasks ls | awk -v t="$task" '$1 == t { print $2 }')
[[ -n "$(containerd_shim_pids)" ]] || e2e_fail "no shim found for $CTRD_SOCK"
old_ctrd=$CTRD_PID
containerd_restart
[[ "$CTRD_PID" != "$old_ctrd" ]] || e2e_fail "containerd pid did not change across restart"
status=$(ctrd tasks ls | awk -v t="$task" '$1 == t { print $2, $3 }')
e2e_assert_eq "$pid_before RUNNING" "$status" "task after restart"
ctrd tasks kill -s SIGKILL "$task"
task_stopped() { [[ "$(ctrd tasks ls | awk -v t="$task" '$1 == t { print $3 }')" == STOPPED ]]; }
e2e_wait_until 10 task_stopped || e2e_fail "task did not stop"
ctrd tasks delete "$task" >/dev/null
ctrd containers delete "$task"

e2e_log "CRI: version, handlers, images"
cri_init
e2e_assert_eq containerd "$(cri version | "$CRI_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["runtime_name"])')" "runtime name"
handlers=$(cri handlers)
e2e_assert_contains "$handlers" "runc io.containerd.runc.v2" "CRI handlers"
e2e_assert_contains "$handlers" "reaper-v2 io.containerd.reaper.v2" "CRI handlers"
cri imagestatus "$E2E_PAUSE_IMAGE" >/dev/null || e2e_fail "CRI does not see $E2E_PAUSE_IMAGE"

e2e_log "CRI: host-network pod with runc, a container that echoes"
logdir="$E2E_DIR/logs/pod1"
pod=$(cri runp --name pod1 --namespace e2e --handler runc --log-dir "$logdir" --annotation e2e/test=harness)
e2e_assert_eq SANDBOX_READY "$(cri inspectp "$pod" -f status.state)" "pod state"
# containerd's verbose info is Go JSON of the config it received: enums as numbers, 2 = NODE.
e2e_assert_eq 2 "$(cri inspectp "$pod" -v -f info.info.config.linux.security_context.namespace_options.network)" "pod network mode"
cid=$(cri run "$pod" --name echo --env GREETING=hello-cri -- /bin/sh -c 'echo "$GREETING from $(pwd)"; echo to-stderr >&2')
e2e_assert_eq CONTAINER_EXITED "$(cri wait "$cid" --for 30)" "container state"
e2e_assert_eq 0 "$(cri_field "$cid" status.exit_code)" "exit code"
log="$logdir/echo/0.log"
e2e_assert_eq "$log" "$(cri_field "$cid" status.log_path)" "log path"
e2e_wait_until 10 grep -q ' stdout F hello-cri from /$' "$log" || e2e_fail "log lacks the line: $(cat "$log")"
grep -q ' stderr F to-stderr$' "$log" || e2e_fail "log lacks the stderr line: $(cat "$log")"

e2e_log "CRI: exit code, user, working dir, mount"
mkdir -p "$E2E_DIR/vol"
echo from-host >"$E2E_DIR/vol/file"
cid2=$(cri run "$pod" --name status --user 1234 --group 4321 --workdir /tmp --mount "$E2E_DIR/vol:/vol:ro" \
	-- /bin/sh -c 'echo "$(id -u):$(id -g) $(pwd) $(cat /vol/file)"; exit 7')
cri wait "$cid2" >/dev/null
e2e_assert_eq 7 "$(cri_field "$cid2" status.exit_code)" "exit code"
e2e_assert_file_contains "$logdir/status/0.log" "stdout F 1234:4321 /tmp from-host"

e2e_log "CRI: exec_sync in a running container"
cid3=$(cri run "$pod" --name sleeper -- /bin/sleep 300)
e2e_assert_eq CONTAINER_RUNNING "$(cri wait "$cid3" --state CONTAINER_RUNNING)" "sleeper state"
e2e_assert_eq "exec-out" "$(cri exec "$cid3" -- /bin/echo exec-out)" "exec_sync stdout"
set +e
err=$(cri exec "$cid3" -- /bin/sh -c 'echo oops >&2; exit 3' 2>&1 >/dev/null)
code=$?
set -e
e2e_assert_eq 3 "$code" "exec_sync exit code"
e2e_assert_eq oops "$err" "exec_sync stderr"
set +e
cri exec --exec-timeout 1 "$cid3" -- /bin/sleep 30 >/dev/null 2>&1
code=$?
set -e
((code != 0)) || e2e_fail "exec_sync with a 1 s timeout on sleep 30 succeeded"

e2e_log "CRI: stop and remove leave nothing"
cri stop "$cid3" --grace 1
e2e_assert_eq CONTAINER_EXITED "$(cri_field "$cid3" status.state)" "stopped container state"
for c in "$cid" "$cid2" "$cid3"; do cri rm "$c"; done
[[ -z "$(cri ps -q --pod "$pod")" ]] || e2e_fail "containers left: $(cri ps --pod "$pod")"
cri stopp "$pod"
e2e_assert_eq SANDBOX_NOTREADY "$(cri inspectp "$pod" -f status.state)" "stopped pod state"
cri rmp "$pod"
[[ -z "$(cri pods -q)" ]] || e2e_fail "pods left: $(cri pods)"
[[ -z "$(ctrd -n k8s.io tasks ls -q)" ]] || e2e_fail "tasks left: $(ctrd -n k8s.io tasks ls)"
[[ -z "$(ctrd -n k8s.io containers ls -q)" ]] || e2e_fail "containers left: $(ctrd -n k8s.io containers ls)"
e2e_wait_until 10 containerd_no_shims ||
	e2e_fail "shims still running after the pod was removed: $(containerd_shim_pids)"

e2e_log "teardown leaves no process"
containerd_teardown
[[ -z "$(e2e_leftover_processes)" ]] || e2e_fail "processes left: $(e2e_leftover_processes)"
e2e_log "PASS"
