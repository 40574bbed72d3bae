# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Reaper behind containerd's CRI plugin: the pieces the test_cri_*.sh suites share.
#
#   reaper_cri_start [containerd_start OPTIONS]  private containerd with the CRI plugin and the
#                       reaper farm on its PATH; Reaper's state in $REAPER_ROOT, its overlay under
#                       $REAPER_OVERLAY_BASE, the shim's log in $REAPER_SHIM_LOG, its node
#                       settings in $REAPER_CONFIG (empty unless a test writes some; all under
#                       $E2E_DIR); imports the image and checks the CRI client
#   reaper_cri_env      set those four variables and REAPER_CRI_ENV (containerd_start --env ...)
#   reaper_cri_ready    after a containerd_start of your own: image, CRI client, diagnostics
#   reaper_cri_pod NAME            run a pod with handler reaper-v2, logs in $E2E_DIR/logs/NAME;
#                                  prints its id
#   reaper_cri_exited C            wait (30 s) until container C has exited; fail otherwise
#   reaper_cri_log C               the CRI log file of container C
#   reaper_cri_log_has C LINE      wait (10 s) until C's log holds LINE (e.g. " stdout F hi");
#                                  C may be the log file's path (saves a CRI call)
#   reaper_cri_pid ID              the pid containerd reports for a container or pod
#   reaper_cri_owned_pids          live processes of this run except containerd itself
#   reaper_cri_assert_no_process [REGEX]  no live process of this run but containerd (or none whose
#                                  command line matches REGEX)
#   reaper_cri_diagnose            shim log and containerd log tail (on failure)

source "$(dirname "${BASH_SOURCE[0]}")/containerd.sh"
source "$(dirname "${BASH_SOURCE[0]}")/image.sh"
source "$(dirname "${BASH_SOURCE[0]}")/cri.sh"

# Reaper's own paths for this run, and the containerd_start options that pass them on.
reaper_cri_env() {
	REAPER_ROOT="$E2E_DIR/reaper"
	REAPER_OVERLAY_BASE="$E2E_DIR/ovl"
	REAPER_SHIM_LOG="$E2E_DIR/shim.log"
	# Not this machine's /etc/reaper/reaper.conf: a file of the run's own (0644, as Reaper wants).
	REAPER_CONFIG="$E2E_DIR/reaper.conf"
	[[ -e $REAPER_CONFIG ]] || install -m 0644 /dev/null "$REAPER_CONFIG"
	export REAPER_ROOT REAPER_OVERLAY_BASE REAPER_SHIM_LOG REAPER_CONFIG
	REAPER_CRI_ENV=(--env "REAPER_ROOT=$REAPER_ROOT" --env "REAPER_OVERLAY_BASE=$REAPER_OVERLAY_BASE"
		--env "REAPER_SHIM_LOG=$REAPER_SHIM_LOG" --env "REAPER_CONFIG=$REAPER_CONFIG")
}

reaper_cri_start() {
	e2e_require_root
	e2e_require_cmd containerd ctr
	e2e_init
	reaper_cri_env
	containerd_start --cri --path "$(e2e_reaper_farm)" "${REAPER_CRI_ENV[@]}" "$@"
	reaper_cri_ready
}

# After containerd_start: the image in CRI's namespace, the client, diagnostics on failure.
reaper_cri_ready() {
	image_import k8s.io
	cri_init
	if [[ -z "${REAPER_CRI_DIAGNOSE_REGISTERED:-}" ]]; then
		REAPER_CRI_DIAGNOSE_REGISTERED=1
		e2e_on_cleanup reaper_cri_diagnose_on_failure
	fi
}

# Run at exit, before the pods are removed: the logs of a failed run are the first thing to read.
# e2e_cleanup keeps the test's exit status in its local `rc`, which its cleanup commands see.
reaper_cri_diagnose_on_failure() {
	if [[ "${rc:-0}" != 0 && "${rc:-0}" != "$E2E_SKIP_CODE" ]]; then
		reaper_cri_diagnose
	fi
	return 0
}

reaper_cri_diagnose() {
	if [[ -s "${REAPER_SHIM_LOG:-}" ]]; then
		tail -n 30 "$REAPER_SHIM_LOG" | sed 's/^/  shim| /' >&2
	fi
	containerd_log_tail 30
}

reaper_cri_pod() {
	local name=$1
	shift
	cri runp --name "$name" --handler "$REAPER_HANDLER" --log-dir "$E2E_DIR/logs/$name" "$@" ||
		{ reaper_cri_diagnose; e2e_fail "RunPodSandbox $name with handler $REAPER_HANDLER failed"; }
}

reaper_cri_exited() {
	local state
	state=$(cri wait "$1" --for 30) || { reaper_cri_diagnose; e2e_fail "container $1 did not exit"; }
	e2e_assert_eq CONTAINER_EXITED "$state" "state of container $1"
}

reaper_cri_log() {
	cri_field "$1" status.log_path
}

reaper_cri_log_has() {
	local log=$1
	[[ $log == /* ]] || log=$(reaper_cri_log "$1")
	e2e_wait_until 10 grep -qF -- "$2" "$log" 2>/dev/null ||
		e2e_fail "log of container $1 lacks '$2': $(cat "$log" 2>/dev/null)"
}

reaper_cri_pid() {
	local pid
	pid=$(cri inspect "$1" -v -f info.info.pid 2>/dev/null || cri inspectp "$1" -v -f info.info.pid)
	[[ $pid =~ ^[1-9][0-9]*$ ]] || e2e_fail "no pid for $1: '$pid'"
	echo "$pid"
}

reaper_cri_owned_pids() {
	local pid
	for pid in $(e2e_owned_pids); do
		[[ $pid == "${CTRD_PID:-}" ]] || echo "$pid"
	done
}

reaper_cri_assert_no_process() {
	local regex=${1:-} pid cmd left=""
	for pid in $(reaper_cri_owned_pids); do
		cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
		if [[ -z $regex || $cmd =~ $regex ]]; then
			left+="$pid($cmd) "
		fi
	done
	[[ -z $left ]] || e2e_fail "processes left${regex:+ matching /$regex/}: $left"
}
