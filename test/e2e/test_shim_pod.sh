#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Reaper's shim as Kubernetes uses it, emulated with ctr and the CRI annotations: a sandbox (pause)
# task and app containers sharing one shim per pod; the shared overlay that keeps the host's files
# safe; 40 containers at once.
set -euo pipefail
source "$(dirname "$0")/lib/shim.sh"

shim_setup

SANDBOX_TYPE=io.kubernetes.cri.container-type
SANDBOX_ID=io.kubernetes.cri.sandbox-id

e2e_log "sandbox task: a live pid, RUNNING, Wait stays blocked"
pod=$(tid pod)
# In the foreground (backgrounded here) so ctr's Wait shows when the sandbox exits.
rrun --rm --annotation "$SANDBOX_TYPE=sandbox" --annotation "$SANDBOX_ID=$pod" "$E2E_IMAGE" "$pod" \
	</dev/null >"$E2E_DIR/pod.out" 2>&1 &
pod_ctr=$!
wait_status "$pod" RUNNING
pod_pid=$(task_pid "$pod")
[[ -d /proc/$pod_pid && "$(state_of "$pod_pid")" != Z ]] || e2e_fail "sandbox pid $pod_pid is not a live process"
e2e_assert_eq reaper-monitor "$(comm_of "$(ppid_of "$pod_pid")")" "parent of the sandbox process"
shims=$(containerd_shim_pids)
[[ -n "$shims" && "$(wc -l <<<"$shims")" == 1 ]] || e2e_fail "expected one shim, got: $shims"
pod_shim=$shims

e2e_log "app containers of the pod share the sandbox's shim"
app=$(tid app)
rrun -d --annotation "$SANDBOX_TYPE=container" --annotation "$SANDBOX_ID=$pod" "$E2E_IMAGE" "$app" /bin/sleep 1000
wait_status "$app" RUNNING
e2e_assert_eq "$pod_shim" "$(containerd_shim_pids)" "containerd's shims with a sandbox and an app container"
e2e_assert_eq "$pod_shim" "$(shim_of_task "$app")" "the shim of the app container"
e2e_assert_eq "$pod_shim" "$(shim_of_task "$pod")" "the shim of the sandbox"
bundle_addr() { cat "$CTRD_STATE/io.containerd.runtime.v2.task/$SHIM_NS/$1/address"; }
e2e_assert_eq "$(bundle_addr "$pod")" "$(bundle_addr "$app")" "shim address of sandbox and app"
e2e_assert_eq "unix://$(shim_socket "$pod")" "$(bundle_addr "$pod")" "shim address (containerd's socket convention)"
out=$(rrun --rm --annotation "$SANDBOX_TYPE=container" --annotation "$SANDBOX_ID=$pod" "$E2E_IMAGE" "$(tid app2)" \
	/bin/echo second-app)
e2e_assert_eq second-app "$out" "output of a second app container in the pod"
e2e_assert_eq "$pod_shim" "$(containerd_shim_pids)" "shims after a second app container came and went"
out=$(ctrd tasks exec --exec-id x1 "$app" /bin/sh -c 'echo exec-in-pod; exit 9') && rc=0 || rc=$?
e2e_assert_eq "exec-in-pod 9" "$out $rc" "exec in an app container of the pod"

e2e_log "removing the app leaves the shim serving the sandbox"
ctrd tasks kill -s SIGKILL "$app"
wait_status "$app" STOPPED
ctrd tasks rm "$app" >/dev/null 2>&1
ctrd containers rm "$app"
[[ -d /proc/$pod_shim && "$(state_of "$pod_shim")" != Z ]] || e2e_fail "the pod's shim exited with the sandbox still running"
e2e_assert_eq RUNNING "$(task_status "$pod")" "sandbox status after the app was removed"
kill -0 "$pod_ctr" 2>/dev/null || e2e_fail "Wait on the sandbox returned early: $(cat "$E2E_DIR/pod.out")"

e2e_log "killing the sandbox ends it like a killed pause: Wait returns 137, the shim exits"
ctrd tasks kill -s SIGKILL "$pod"
set +e
wait "$pod_ctr"
rc=$?
set -e
e2e_assert_eq 137 "$rc" "ctr run of the sandbox after SIGKILL"
[[ ! -d /proc/$pod_pid || "$(state_of "$pod_pid")" == Z ]] || e2e_fail "sandbox process $pod_pid alive after the kill"
e2e_wait_until 10 containerd_no_shims || e2e_fail "the pod's shim did not exit: $(containerd_shim_pids)"
[[ ! -e "$(shim_socket "$pod")" ]] || e2e_fail "the pod's shim socket is left"

e2e_log "SIGTERM (ctr task kill's default) ends the sandbox with 0, as Kubernetes' pause does"
pod2=$(tid pod2)
rrun --rm --annotation "$SANDBOX_TYPE=sandbox" --annotation "$SANDBOX_ID=$pod2" "$E2E_IMAGE" "$pod2" \
	</dev/null >"$E2E_DIR/pod2.out" 2>&1 &
pod2_ctr=$!
wait_status "$pod2" RUNNING
ctrd tasks kill "$pod2"
set +e
wait "$pod2_ctr"
rc=$?
set -e
e2e_assert_eq 0 "$rc" "ctr run of the sandbox after SIGTERM ($(cat "$E2E_DIR/pod2.out"))"

e2e_log "host files are safe, and writes are shared between containers"
suffix=${E2E_DIR##*.}
etc_file="/etc/reaper-e2e-${suffix,,}"
[[ ! -e "$etc_file" ]] || e2e_fail "$etc_file exists before the test"
e2e_on_cleanup "rm -f '$etc_file'" # only if the overlay failed to protect the host
host_file="$E2E_DIR/host-file"
doomed="$E2E_DIR/host-doomed"
echo original >"$host_file"
echo keep-me >"$doomed"
out=$(rrun --rm "$E2E_IMAGE" "$(tid writer)" /bin/sh -c \
	"echo from-container >'$etc_file' && echo changed >'$host_file' && rm '$doomed' && cat '$etc_file' '$host_file'")
e2e_assert_eq "from-container
changed" "$out" "what the writing container sees"
[[ ! -e "$etc_file" ]] || e2e_fail "a container's write to $etc_file reached the host"
e2e_assert_eq original "$(cat "$host_file")" "host file after a container overwrote it"
e2e_assert_eq keep-me "$(cat "$doomed" 2>&1)" "host file after a container removed it"
out=$(rrun --rm "$E2E_IMAGE" "$(tid reader)" /bin/sh -c \
	"cat '$etc_file' '$host_file'; test -e '$doomed' && echo doomed-visible || echo doomed-gone")
e2e_assert_eq "from-container
changed
doomed-gone" "$out" "what the next container sees"

e2e_log "40 containers at once"
par_dir="$E2E_DIR/par"
mkdir -p "$par_dir"
start=$SECONDS
pids=()
# Output goes to a file (--log-uri file://, which the shim opens for the workload), not through
# ctr's FIFOs: ctr 1.6 closes its FIFO readers when the exit arrives, before it has drained them
# (task.Delete: io.Close before io.Wait, fixed upstream by containerd PR #8643), and on a loaded
# machine with 40 ctr processes a fast runtime loses the odd line that way.
for i in $(seq 1 40); do
	(
		set +e
		rrun --rm --log-uri "file://$par_dir/$i.log" "$E2E_IMAGE" "$(tid "par$i")" /bin/sh -c "echo out-$i" \
			>"$par_dir/$i.ctr" 2>&1
		echo $? >"$par_dir/$i.rc"
	) &
	pids+=($!)
done
wait "${pids[@]}"
for i in $(seq 1 40); do
	e2e_assert_eq 0 "$(cat "$par_dir/$i.rc")" "exit status of parallel container $i ($(cat "$par_dir/$i.ctr"))"
	e2e_assert_eq "out-$i" "$(cat "$par_dir/$i.log")" "output of parallel container $i"
done
e2e_log "40 containers took $((SECONDS - start)) s"
[[ -z "$(ctrd tasks ls -q)" ]] || e2e_fail "tasks left after the parallel runs: $(ctrd tasks ls)"
[[ -z "$(ctrd containers ls -q)" ]] || e2e_fail "containers left after the parallel runs: $(ctrd containers ls)"

shim_assert_clean
shim_pass
