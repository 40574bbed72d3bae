#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# exec: a process in a running container's view (its volumes), with the container's process
# settings unless overridden; output and exit code pass through; kill --all reaches exec'd
# processes; an exec leaves no state and no process behind.
source "$(dirname "$0")/lib.sh"
if [[ -n $SANITIZER_BUILD ]]; then
	# An exiting monitor's leak check runs in a tracer child that ptrace-stops the monitor; with
	# several monitors in one container (init and execs), the tree kill of a sibling monitor or of
	# kill --all can kill that tracer, leaving the monitor stopped for ever. An artifact of
	# LeakSanitizer, not of Reaper: keep ASan, skip the leak check here.
	export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
fi

# xrun ARGS...: reaper-runtime exec in the foreground; $OUT, $XERR and $XRC get the results.
xrun() {
	XRC=0
	rt exec "$@" >"$T/exec.out" 2>"$T/exec.err" || XRC=$?
	OUT=$(cat "$T/exec.out")
	XERR=$(cat "$T/exec.err")
}

mkdir -p "$T/vol" "$T/work"
echo "in the volume" >"$T/vol/volfile"
new_bundle box sleep 100 >/dev/null
edit_config box 'c["mounts"].append({"destination": "/data", "type": "bind", "source": "'"$T/vol"'", "options": ["rbind", "rw"]})
c["process"]["cwd"] = "'"$T/work"'"
c["process"]["env"].append("FROM_CONFIG=yes")'
run_detached box
wait_status box running

xrun box cat /data/volfile
assert_eq 0 "$XRC" "exec cat: $XERR"
assert_eq "in the volume" "$OUT" "exec sees the container's volume"
xrun box sh -c 'echo from-exec >/data/written'
assert_eq "from-exec" "$(cat "$T/vol/written")" "a write through the volume by an exec"
pass "exec sees and writes the container's volume"

xrun box sh -c 'echo out; echo err >&2; exit 42'
assert_eq 42 "$XRC" "exit code of exec"
assert_eq out "$OUT" "exec stdout"
assert_eq err "$XERR" "exec stderr"
xrun box sh -c 'kill -TERM $$'
assert_eq 143 "$XRC" "exit code of an exec killed by TERM"
xrun box true
assert_eq 0 "$XRC" "exit code of exec true"
pass "exec output and exit codes (42, 143, 0) pass through"

xrun box sh -c 'pwd; echo "$FROM_CONFIG $EXTRA"; id -u'
assert_eq "$(printf '%s\nyes \n0' "$T/work")" "$OUT" "exec inherits cwd, env and user from config.json"
xrun --cwd /tmp --env EXTRA=given --user 1000:1000 box sh -c 'pwd; echo "$FROM_CONFIG $EXTRA"; id -u; id -g'
assert_eq "$(printf '/tmp\nyes given\n1000\n1000')" "$OUT" "exec with --cwd, --env, --user"
pass "exec takes the container's process settings, with --cwd/--env/--user overrides"

"$PYTHON" -c 'import json, sys; json.dump({"args": ["sh", "-c", "echo \"$P\"; pwd"], "cwd": "/data", "env": ["P=from-process-file", "PATH=/usr/bin:/bin"], "user": {"uid": 0, "gid": 0}}, open(sys.argv[1], "w"))' "$T/process.json"
xrun --process "$T/process.json" box
assert_eq 0 "$XRC" "exec --process: $XERR"
assert_eq "$(printf 'from-process-file\n/data')" "$OUT" "exec --process"
pass "exec --process FILE"

xrun box /nonexistent/tool
((XRC != 0)) || fail "exec of a missing program succeeded"
assert_contains "$XERR" "/nonexistent/tool" "exec of a missing program"
pass "exec of a missing program fails clearly: $XERR"

# What an exec leaves running stays in the container, as under runc: the exec returns, its record
# goes, the child lives on, listed by ps, until the container stops (checked by kill --all below).
xrun box sh -c 'sleep 100 & echo $!'
assert_eq 0 "$XRC" "exec with a background child"
leftover=$OUT
pid_alive "$leftover" || fail "the exec's background child $leftover did not outlive the exec"
grep -qx "$leftover" <<<"$(rt ps box | tail -n +2)" || fail "ps of the container does not list $leftover"
[[ -z $(ls -A "$ROOT/default/box/exec" 2>/dev/null) ]] || fail "exec state left: $(ls -A "$ROOT/default/box/exec")"
pass "a foreground exec leaves no state; what it started in the background stays in the container"

# A signal sent to a foreground exec reaches the exec'd process.
rt_exec exec box sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.05; done' >"$T/trap.out" 2>&1 &
runner=$!
wait_until 5 grep -q ready "$T/trap.out" || fail "the trapping exec did not start"
kill -TERM "$runner"
rc=0
wait "$runner" || rc=$?
assert_eq 3 "$rc" "foreground exec sent SIGTERM (output: $(cat "$T/trap.out"))"
assert_contains "$(cat "$T/trap.out")" got-term "output of the exec sent SIGTERM"
pass "SIGTERM sent to a foreground exec reaches the exec'd process"

# Detached execs are reached by kill --all, and deleted with their container.
rt exec --detach --pid-file "$T/x1.pid" box sleep 100 >/dev/null 2>&1 || fail "exec --detach"
rt exec -d --pid-file "$T/x2.pid" box sh -c 'sleep 100 & wait' >/dev/null 2>&1 || fail "exec -d"
x1=$(cat "$T/x1.pid") x2=$(cat "$T/x2.pid")
if ! pid_alive "$x1" || ! pid_alive "$x2"; then fail "detached exec pids $x1 $x2 are not alive"; fi
[[ $(readlink "/proc/$x1/exe") == */sleep ]] || fail "pid file $x1 is not the exec'd sleep"
ps=$(rt ps box | tail -n +2)
for p in "$x1" "$x2"; do
	grep -qx "$p" <<<"$ps" || fail "ps of the container does not list exec'd pid $p: $ps"
done
pids="$ps $leftover"
rt kill --all box KILL || fail "kill --all"
for p in $pids; do
	wait_until 5 pid_gone "$p" || fail "pid $p survived kill --all: $(describe_pids "$p")"
done
wait_status box stopped
pass "kill --all reaches exec'd processes"

# When the container's main process exits, what an exec left behind goes with it.
new_bundle box2 sleep 100 >/dev/null
run_detached box2
wait_status box2 running
xrun box2 sh -c 'sleep 100 & echo $!'
leftover2=$OUT
pid_alive "$leftover2" || fail "the exec's background child $leftover2 did not outlive the exec"
rt kill box2 KILL || fail "kill box2"
wait_status box2 stopped
wait_until 5 pid_gone "$leftover2" || fail "$leftover2 outlived its container's main process"
rt delete box2 || fail "delete box2"
pass "what an exec left behind goes when the container's main process exits"

expect_fail "exec in a stopped container" rt exec box true
assert_contains "$ERR" "stopped" "exec in a stopped container"
pass "exec in a stopped container fails: $ERR"
rt delete box || fail "delete box"
[[ ! -e $ROOT/default/box ]] || fail "delete left the container's state (with its execs)"

finish
