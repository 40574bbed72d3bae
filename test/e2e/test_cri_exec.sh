#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# ExecSync (kubectl exec, exec probes) in a container Reaper runs: output and exit codes come
# back, and the CRI timeout kills a command that runs too long, leaving the container running.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

reaper_cri_start
pod=$(reaper_cri_pod exec)
c=$(cri run "$pod" --name target --env FROM_SPEC=spec-env --workdir /tmp -- /bin/sleep 1000)
e2e_assert_eq CONTAINER_RUNNING "$(cri wait "$c" --state CONTAINER_RUNNING)" "state"

# Run ExecSync; sets OUT, ERR, CODE.
exec_sync() {
	set +e
	OUT=$(cri exec "$@" 2>"$E2E_DIR/exec.err")
	CODE=$?
	set -e
	ERR=$(cat "$E2E_DIR/exec.err")
}

e2e_log "output and exit code 0"
exec_sync "$c" -- /bin/echo exec-out
e2e_assert_eq 0 "$CODE" "exit code"
e2e_assert_eq exec-out "$OUT" "stdout"
e2e_assert_eq "" "$ERR" "stderr"

e2e_log "stdout and stderr apart, a non-zero exit code"
exec_sync "$c" -- /bin/sh -c 'echo to-out; echo to-err >&2; exit 3'
e2e_assert_eq 3 "$CODE" "exit code"
e2e_assert_eq to-out "$OUT" "stdout"
e2e_assert_eq to-err "$ERR" "stderr"

e2e_log "the exec sees the container's env and working dir"
exec_sync "$c" -- /bin/sh -c 'echo "$FROM_SPEC $(pwd)"'
e2e_assert_eq 0 "$CODE" "exit code"
e2e_assert_eq "spec-env /tmp" "$OUT" "exec environment"

e2e_log "large output arrives whole"
exec_sync "$c" -- /bin/sh -c 'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done'
e2e_assert_eq 0 "$CODE" "exit code"
e2e_assert_eq 20000 "$(wc -l <<<"$OUT")" "lines of output"
e2e_assert_eq "line 19999" "$(tail -n1 <<<"$OUT")" "last line"

e2e_log "timeout: a long command is killed after it"
marker=$((900000 + RANDOM))
start=$(date +%s%N)
exec_sync --exec-timeout 1 "$c" -- /bin/sleep "$marker"
elapsed=$((($(date +%s%N) - start) / 1000000))
((CODE != 0)) || e2e_fail "ExecSync of sleep $marker with a 1 s timeout succeeded"
e2e_assert_contains "$ERR" "timeout 1s exceeded" "ExecSync error"
# 1 s plus the client's own start-up; far below the 900000 s the command asked for.
((elapsed >= 1000 && elapsed < 5000)) || e2e_fail "ExecSync with a 1 s timeout returned after ${elapsed} ms"
reaper_cri_assert_no_process "sleep $marker"
e2e_assert_eq CONTAINER_RUNNING "$(cri_field "$c" status.state)" "container state after an exec timeout"

e2e_log "timeout: a shell's child goes with it"
exec_sync --exec-timeout 1 "$c" -- /bin/sh -c "sleep $((marker + 1)); echo not-reached"
((CODE != 0)) || e2e_fail "ExecSync of a shell running sleep with a 1 s timeout succeeded"
e2e_assert_contains "$ERR" "timeout 1s exceeded" "ExecSync error"
reaper_cri_assert_no_process "sleep $((marker + 1))"
exec_sync "$c" -- /bin/echo still-alive
e2e_assert_eq "0 still-alive" "$CODE $OUT" "exec after a timeout"

e2e_log "exec in a container that has exited is refused"
done_c=$(cri run "$pod" --name "done" -- /bin/true)
reaper_cri_exited "$done_c"
exec_sync "$done_c" -- /bin/echo nope
((CODE != 0)) || e2e_fail "ExecSync in an exited container succeeded"
e2e_assert_eq "" "$OUT" "stdout of a refused exec"

cri stopp "$pod"
cri rmp "$pod"
e2e_log "PASS"
