#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Reaper's shim through containerd 1.6 with `ctr run`: output, exit codes, a missing program,
# stdin, stderr, a large output, environment, working directory, user, inherited fds; a bad node
# setting refuses Create.
set -euo pipefail
source "$(dirname "$0")/lib/shim.sh"

shim_setup

e2e_log "echo"
out=$(rrun --rm "$E2E_IMAGE" "$(tid echo)" /bin/echo hello reaper)
e2e_assert_eq "hello reaper" "$out" "ctr run output"

e2e_log "exit codes: 0, 7, 42, and 128+signal for a process that kills itself"
run_status() {
	local id=$1
	shift
	set +e
	rrun --rm "$E2E_IMAGE" "$id" "$@" >/dev/null 2>&1
	local rc=$?
	set -e
	echo "$rc"
}
e2e_assert_eq 0 "$(run_status "$(tid x0)" /bin/sh -c 'exit 0')" "exit 0"
e2e_assert_eq 7 "$(run_status "$(tid x7)" /bin/sh -c 'exit 7')" "exit 7"
e2e_assert_eq 42 "$(run_status "$(tid x42)" /bin/sh -c 'exit 42')" "exit 42"
e2e_assert_eq 1 "$(run_status "$(tid xfalse)" /bin/false)" "/bin/false"
e2e_assert_eq 137 "$(run_status "$(tid xkill)" /bin/sh -c 'kill -KILL $$')" "self SIGKILL"
e2e_assert_eq 143 "$(run_status "$(tid xterm)" /bin/sh -c 'kill -TERM $$')" "self SIGTERM"

e2e_log "exit codes: ctr task kill (SIGKILL 137, SIGTERM 143) seen by a waiting ctr run"
killed_status() {
	local id=$1 sig=$2
	rrun --rm "$E2E_IMAGE" "$id" /bin/sleep 300 </dev/null >/dev/null 2>&1 &
	local ctr_pid=$!
	wait_status "$id" RUNNING
	ctrd tasks kill -s "$sig" "$id"
	set +e
	wait "$ctr_pid"
	local rc=$?
	set -e
	echo "$rc"
}
e2e_assert_eq 137 "$(killed_status "$(tid kill9)" SIGKILL)" "ctr run after ctr task kill -s SIGKILL"
e2e_assert_eq 143 "$(killed_status "$(tid kill15)" SIGTERM)" "ctr run after ctr task kill -s SIGTERM"

e2e_log "a missing program fails the run with a clear error and leaves nothing"
missing_leaves_nothing() {
	local id=$1 prog=$2 err
	set +e
	err=$(rrun --rm "$E2E_IMAGE" "$id" "$prog" arg 2>&1 >/dev/null)
	local rc=$?
	set -e
	((rc != 0)) || e2e_fail "ctr run of $prog succeeded"
	e2e_assert_contains "$err" "$prog" "error of ctr run $prog"
	[[ "${err,,}" == *"no such file"* || "${err,,}" == *"not found"* ]] ||
		e2e_fail "error of ctr run $prog does not say it is missing: $err"
	! task_listed "$id" || e2e_fail "task $id listed after a failed create: $(ctrd tasks ls)"
	[[ ! -e "$REAPER_ROOT/$SHIM_NS/$id" ]] || e2e_fail "state dir of $id left: $(ls -la "$REAPER_ROOT/$SHIM_NS/$id")"
	e2e_wait_until 5 no_monitors || e2e_fail "monitor left after failed create of $id: $(shim_monitors)"
	# The shim of a task whose create failed is shut down: no process names the id.
	no_process_for() { ! pgrep -f -- "$id" >/dev/null; }
	e2e_wait_until 10 no_process_for || e2e_fail "process left for $id: $(pgrep -af -- "$id")"
	[[ ! -e "$(shim_socket "$id")" ]] || e2e_fail "shim socket of $id left"
}
missing_leaves_nothing "$(tid miss1)" /no/such/program
missing_leaves_nothing "$(tid miss2)" no-such-program-in-path

e2e_log "a bad node setting fails Create with the error (file, line, key) and leaves nothing"
printf '# node settings\nREAPER_FILTER_MODE=merge\n' >"$REAPER_CONFIG"
id=$(tid badconf)
set +e
err=$(rrun --rm "$E2E_IMAGE" "$id" /bin/true 2>&1 >/dev/null)
rc=$?
set -e
: >"$REAPER_CONFIG"
((rc != 0)) || e2e_fail "ctr run succeeded with a bad node setting"
e2e_assert_contains "$err" "create container $id: node configuration: $REAPER_CONFIG:2: REAPER_FILTER_MODE: must be append or replace, not \"merge\"" "error of ctr run"
! task_listed "$id" || e2e_fail "task $id listed after a refused create: $(ctrd tasks ls)"
[[ ! -e "$REAPER_ROOT/$SHIM_NS/$id" ]] || e2e_fail "state dir of $id left"
e2e_wait_until 5 no_monitors || e2e_fail "monitor left after the refused create: $(shim_monitors)"
grep -qF "node configuration: $REAPER_CONFIG:2: REAPER_FILTER_MODE" "$SHIM_LOG" ||
	e2e_fail "the shim did not log the bad setting: $(tail -n5 "$SHIM_LOG")"

e2e_log "stdin reaches the process (ctr 1.6 passes no EOF: head -n1)"
out=$(echo stdin-line | timeout 20 ctr -a "$CTRD_SOCK" run --rm --runtime "$SHIM_RUNTIME" "$E2E_IMAGE" "$(tid stdin)" head -n1)
e2e_assert_eq stdin-line "$out" "stdin echoed by head -n1"
out=$(printf 'first\nsecond\n' | timeout 20 ctr -a "$CTRD_SOCK" run --rm --runtime "$SHIM_RUNTIME" "$E2E_IMAGE" \
	"$(tid stdin2)" /bin/sh -c 'read a; read b; echo "$b-$a"')
e2e_assert_eq second-first "$out" "two lines of stdin"

e2e_log "stdout and stderr stay apart"
rrun --rm "$E2E_IMAGE" "$(tid streams)" /bin/sh -c 'echo to-out; echo to-err >&2; echo more-out' \
	>"$E2E_DIR/out" 2>"$E2E_DIR/err"
e2e_assert_eq "to-out more-out" "$(tr '\n' ' ' <"$E2E_DIR/out" | sed 's/ $//')" "stdout"
e2e_assert_eq "to-err" "$(cat "$E2E_DIR/err")" "stderr"

# Through ctr's FIFOs. ctr 1.6 closes its readers as soon as the exit arrives (containerd PR
# #8643 fixed that upstream); ctr drains as the workload writes, so this holds unless the machine
# is badly overloaded. The file:// case below has no such client-side race.
e2e_log "20,000 lines on stdout and 20,000 on stderr arrive complete"
rrun --rm "$E2E_IMAGE" "$(tid lines)" /bin/sh -c \
	"seq -f 'line %g of twenty thousand' 1 20000; seq -f 'err %g' 1 20000 >&2" >"$E2E_DIR/lines" 2>"$E2E_DIR/elines"
e2e_assert_eq 20000 "$(wc -l <"$E2E_DIR/lines")" "stdout line count"
e2e_assert_eq "line 20000 of twenty thousand" "$(tail -n1 "$E2E_DIR/lines")" "last stdout line"
seq -f 'line %g of twenty thousand' 1 20000 | cmp -s - "$E2E_DIR/lines" || e2e_fail "stdout lines differ from the expected sequence"
e2e_assert_eq 20000 "$(wc -l <"$E2E_DIR/elines")" "stderr line count"
e2e_assert_eq "err 20000" "$(tail -n1 "$E2E_DIR/elines")" "last stderr line"

e2e_log "stdout and stderr into a file (--log-uri file://), 20,000 lines complete"
rrun --rm --log-uri "file://$E2E_DIR/logs/file.log" "$E2E_IMAGE" "$(tid logfile)" /bin/sh -c \
	"seq 1 20000; echo to-err >&2; exit 4" && rc=0 || rc=$?
e2e_assert_eq 4 "$rc" "exit status with a file:// log"
e2e_assert_eq 20001 "$(wc -l <"$E2E_DIR/logs/file.log")" "lines in the file:// log"
e2e_assert_eq "20000 to-err" "$(tail -n2 "$E2E_DIR/logs/file.log" | tr '\n' ' ' | sed 's/ $//')" "end of the file:// log"

e2e_log "environment and working directory"
out=$(rrun --rm --env FOO=bar --env "SPACED=a b" --cwd /tmp "$E2E_IMAGE" "$(tid env)" \
	/bin/sh -c 'echo "$FOO|$SPACED|$(pwd)"')
e2e_assert_eq "bar|a b|/tmp" "$out" "env and cwd"
# The workload's environment is the spec's: nothing of the shim's or containerd's leaks in.
out=$(rrun --rm "$E2E_IMAGE" "$(tid envleak)" /usr/bin/env)
e2e_assert_contains "$out" "PATH=" "workload environment"
[[ "$out" != *E2E_* && "$out" != *REAPER_* && "$out" != *TTRPC_ADDRESS* ]] ||
	e2e_fail "the shim's environment leaked into the workload: $out"

e2e_log "user, group and supplementary groups from the spec"
ctrd oci spec >"$E2E_DIR/spec.json"
python3 - "$E2E_DIR/spec.json" <<'PY'
import json, sys
path = sys.argv[1]
spec = json.load(open(path))
spec["process"]["user"] = {"uid": 1234, "gid": 4321, "additionalGids": [11, 12]}
spec["process"]["args"] = ["/bin/sh", "-c", "echo $(id -u) $(id -g) $(id -G)"]
spec["process"]["cwd"] = "/"
json.dump(spec, open(path, "w"))
PY
out=$(rrun --rm --config "$E2E_DIR/spec.json" "$(tid user)")
e2e_assert_eq "1234 4321 4321 11 12" "$out" "id -u, id -g, id -G"

e2e_log "the workload inherits only stdin, stdout and stderr"
out=$(rrun --rm "$E2E_IMAGE" "$(tid fds)" /bin/ls /proc/self/fd | tr '\n' ' ')
# ls itself holds fd 3 (the directory it reads).
e2e_assert_eq "0 1 2 3 " "$out" "open fds of the workload"

e2e_log "the workload starts with no signal ignored or blocked (the shim ignores SIGPIPE)"
out=$(rrun --rm "$E2E_IMAGE" "$(tid signals)" /bin/grep -E '^Sig(Ign|Blk):' /proc/self/status | tr -s '\t\n' '  ')
e2e_assert_eq "SigBlk: 0000000000000000 SigIgn: 0000000000000000 " "$out" "signal masks of the workload"

shim_assert_clean
shim_pass
