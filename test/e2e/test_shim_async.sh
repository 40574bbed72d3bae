#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The shim's event loop never waits for one container on behalf of another: while the Create of
# one container of a pod is held up (its binary:// logger takes seconds to become ready), State,
# Kill and the exit (Wait) of another container of the same pod (the same shim) are answered at
# once.
set -euo pipefail
source "$(dirname "$0")/lib/shim.sh"

shim_setup

HOLD_S=8
# Well under the hold: what ctr and containerd take by themselves, on a loaded machine.
LIMIT_MS=1500

now_ms() { echo $(($(date +%s%N) / 1000000)); }

logger=$E2E_DIR/slow-logger.sh
cat >"$logger" <<SH
#!/bin/bash
# A logger that takes ${HOLD_S} s to become ready (containerd's convention: it closes fd 5).
touch "$E2E_DIR/logger-started"
sleep $HOLD_S
exec 5>&-
cat <&3 >/dev/null 4<&- &
cat <&4 >/dev/null 3<&- &
exec 3<&- 4<&-
wait
SH
chmod +x "$logger"

SANDBOX_ID=io.kubernetes.cri.sandbox-id
a=$(tid fast)
b=$(tid held)
rrun --rm --annotation "$SANDBOX_ID=$a" "$E2E_IMAGE" "$a" /bin/sleep 1000 </dev/null >"$E2E_DIR/a.out" 2>&1 &
a_ctr=$!
wait_status "$a" RUNNING

e2e_log "container $b's Create is held by its logger for ${HOLD_S} s"
rrun -d --log-uri "binary://$logger" --annotation "$SANDBOX_ID=$a" "$E2E_IMAGE" "$b" /bin/sleep 1000 \
	</dev/null >"$E2E_DIR/b.out" 2>&1 &
b_ctr=$!
e2e_wait_until 10 test -e "$E2E_DIR/logger-started" || e2e_fail "the logger of $b never started"
held_since=$(now_ms)

e2e_log "State of $a (ctr task ls)"
t0=$(now_ms)
status=$(task_status "$a")
state_ms=$(($(now_ms) - t0))
e2e_log "State took ${state_ms} ms"
e2e_assert_eq RUNNING "$status" "status of $a (containerd gives up on State after 2 s: UNKNOWN)"

e2e_log "Kill of $a, and its exit: the Wait of ctr run returns"
t0=$(now_ms)
ctrd tasks kill -s SIGKILL "$a"
kill_ms=$(($(now_ms) - t0))
set +e
wait "$a_ctr"
rc=$?
set -e
exit_ms=$(($(now_ms) - t0))
e2e_assert_eq 137 "$rc" "ctr run of $a after SIGKILL"

e2e_log "State ${state_ms} ms, Kill ${kill_ms} ms, exit and delete ${exit_ms} ms, while $b's Create was held ($(($(now_ms) - held_since)) ms so far)"
((state_ms < LIMIT_MS)) || e2e_fail "State of $a took ${state_ms} ms while $b's Create was held"
((kill_ms < LIMIT_MS)) || e2e_fail "Kill of $a took ${kill_ms} ms while $b's Create was held"
((exit_ms < LIMIT_MS)) || e2e_fail "the exit of $a took ${exit_ms} ms to reach ctr while $b's Create was held"
kill -0 "$b_ctr" 2>/dev/null || e2e_fail "the Create of $b was not held: $(cat "$E2E_DIR/b.out")"

e2e_log "$b is created once its logger is ready, and runs"
wait "$b_ctr" || e2e_fail "ctr run -d of $b failed: $(cat "$E2E_DIR/b.out")"
wait_status "$b" RUNNING
ctrd tasks kill -s SIGKILL "$b"
wait_status "$b" STOPPED
ctrd tasks rm "$b" >/dev/null
ctrd containers rm "$b"

shim_assert_clean
shim_pass
