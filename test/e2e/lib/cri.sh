# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# The CRI client (test/e2e/cri/cri.py) bound to the private containerd of containerd.sh.
#
#   cri_init                 check python3-grpcio/grpc-tools (skip otherwise); compile the proto
#                            once per run; at exit, stop and remove every pod before containerd stops
#   cri ARGS...              run the client: cri runp/run/create/start/stop/inspect/exec/... (--help)
#   cri_field ID FIELD       one field of `cri inspect ID`, e.g. status.state, status.exit_code
#   cri_load churn|storm|check ...   many pods at once (test/e2e/cri/load.py)
#   cri_remove_all_pods      stop and remove every pod sandbox (and so every container)
#
# Pod logs go under $E2E_DIR/cri/pods/<namespace>_<name>_<uid>/ unless runp gets --log-dir.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CRI_PYTHON=${CRI_PYTHON:-/usr/bin/python3}

cri() {
	CRI_ENDPOINT="unix://$CTRD_SOCK" CRI_GEN_DIR="$E2E_DIR/cri-gen" CRI_STATE_DIR="$E2E_DIR/cri" \
		"$CRI_PYTHON" "$E2E_ROOT_DIR/cri/cri.py" "$@"
}

# The load driver (test/e2e/cri/load.py: churn, storm, check) against this containerd.
cri_load() {
	CRI_ENDPOINT="unix://$CTRD_SOCK" CRI_GEN_DIR="$E2E_DIR/cri-gen" CRI_STATE_DIR="$E2E_DIR/cri" \
		"$CRI_PYTHON" "$E2E_ROOT_DIR/cri/load.py" "$@"
}

cri_field() {
	cri inspect "$1" -f "$2"
}

cri_init() {
	e2e_init
	"$CRI_PYTHON" -c 'import grpc, grpc_tools.protoc' 2>/dev/null ||
		e2e_skip "needs Debian's python3-grpcio and python3-grpc-tools for $CRI_PYTHON"
	if [[ -z "${CRI_CLEANUP_REGISTERED:-}" ]]; then
		CRI_CLEANUP_REGISTERED=1
		e2e_on_cleanup cri_remove_all_pods
	fi
	cri version >/dev/null || e2e_fail "the CRI service does not answer on $CTRD_SOCK"
}

cri_remove_all_pods() {
	containerd_running || return 0
	local pod
	for pod in $(timeout 30 cri --timeout 20 pods -q 2>/dev/null); do
		timeout 60 cri --timeout 50 stopp "$pod" || e2e_log "cleanup: stopping pod $pod failed"
		timeout 30 cri --timeout 20 rmp "$pod" || e2e_log "cleanup: removing pod $pod failed"
	done
}
