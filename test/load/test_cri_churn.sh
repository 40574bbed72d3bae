#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# 1,000 short pods through CRI, 8 at a time, as a busy node's kubelet would run them: each pod's
# container writes a line to stdout and one to stderr and exits with a code of its own; every exit
# code and every log line must come back, every pod be removed, and nothing be left (processes,
# Reaper state, shims, mounts). REAPER_LOAD_PODS and REAPER_LOAD_PARALLEL change the sizes.
set -euo pipefail
source "$(dirname "$0")/../e2e/lib/reaper_cri.sh"

pods=${REAPER_LOAD_PODS:-1000}
parallel=${REAPER_LOAD_PARALLEL:-8}
reaper_cri_start
e2e_log "$pods pods, $parallel at a time"
cri_load churn "$pods" "$parallel" "$E2E_DIR/churn-logs" || e2e_fail "lost exit codes or log lines (above)"
e2e_wait_until 20 containerd_no_shims || e2e_fail "shims left: $(containerd_shim_pids)"
reaper_cri_assert_no_process
left=$(find "$REAPER_ROOT/k8s.io" -mindepth 1 -maxdepth 1 2>/dev/null | head -n 5)
[[ -z $left ]] || e2e_fail "Reaper state left: $left"
left=$(grep -F -e "$CTRD_STATE" -e "$REAPER_ROOT" /proc/self/mountinfo | grep -vF "$REAPER_OVERLAY_BASE" || true)
[[ -z $left ]] || e2e_fail "mounts left: $left"
left=$(find "$CTRD_STATE/io.containerd.runtime.v2.task/k8s.io" -mindepth 1 -maxdepth 1 2>/dev/null | head -n 5)
[[ -z $left ]] || e2e_fail "task bundles left: $left"
e2e_log PASS
