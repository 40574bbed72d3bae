#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Exit codes: WEXITSTATUS, or 128+signal, recorded durably in the state record (state.json)
# and returned by a foreground `run` as its own exit status.
source "$(dirname "$0")/lib.sh"

# Through create/start and the record.
for code in 0 7 42; do
	id=code$code
	new_bundle "$id" sh -c "exit $code" >/dev/null
	run_detached "$id"
	wait_status "$id" stopped
	assert_eq "$code" "$(record "$id" exit_code)" "$id: recorded exit code"
	[[ $(record "$id" exited_at_ns) -gt $(record "$id" created_ns) ]] || fail "$id: exited_at not after created"
	rt delete "$id" || fail "delete $id"
done
pass "exit codes 0, 7, 42 recorded in state"

# Through `run`.
for code in 0 7 42; do
	new_bundle "run$code" sh -c "exit $code" >/dev/null
	rc=0
	rt run --bundle "$T/run$code" "run$code" >/dev/null 2>&1 || rc=$?
	assert_eq "$code" "$rc" "run exit $code"
	[[ ! -e $ROOT/default/run$code ]] || fail "run$code: foreground run left its state dir"
done
pass "run exits with the container's exit code and removes it"

# Signals: kill TERM and KILL from outside.
for sig in TERM:143 KILL:137 INT:130; do
	name=${sig%%:*} want=${sig##*:}
	id=sig${name,,}
	new_bundle "$id" sleep 100 >/dev/null
	run_detached "$id"
	wait_status "$id" running
	rt kill "$id" "$name" || fail "kill $id $name"
	wait_status "$id" stopped
	assert_eq "$want" "$(record "$id" exit_code)" "$id: exit code after SIG$name"
	rt delete "$id" || fail "delete $id"
done
pass "kill TERM/KILL/INT give 143/137/130"

# Signal numbers and SIG-prefixed names work too; the default signal is TERM.
new_bundle signum sleep 100 >/dev/null
run_detached signum
rt kill signum 9 || fail "kill signum 9"
wait_status signum stopped
assert_eq 137 "$(record signum exit_code)" "exit code after kill 9"
rt delete signum
new_bundle sigdefault sleep 100 >/dev/null
run_detached sigdefault
rt kill sigdefault || fail "kill sigdefault"
wait_status sigdefault stopped
assert_eq 143 "$(record sigdefault exit_code)" "exit code after kill with the default signal"
rt delete sigdefault
new_bundle signame sleep 100 >/dev/null
run_detached signame
rt kill signame SIGHUP || fail "kill signame SIGHUP"
wait_status signame stopped
assert_eq 129 "$(record signame exit_code)" "exit code after SIGHUP"
rt delete signame
pass "kill takes numbers, SIG names, and defaults to TERM"

# A workload that kills itself.
new_bundle self sh -c 'kill -USR1 $$; sleep 5' >/dev/null
rc=0
rt run --bundle "$T/self" self >/dev/null 2>&1 || rc=$?
assert_eq 138 "$rc" "run of a workload killed by SIGUSR1"
pass "death by signal reported as 128+signal by run"

# A foreground run killed from another shell.
new_bundle fg sleep 100 >/dev/null
rt run --bundle "$T/fg" fg >/dev/null 2>&1 &
runner=$!
wait_status fg running
rt kill fg TERM || fail "kill fg"
rc=0
wait "$runner" || rc=$?
assert_eq 143 "$rc" "foreground run after kill TERM"
pass "foreground run returns 143 when its container is terminated"

# Signals sent to a foreground run are passed on to the container's process, as runc does: a
# workload that handles TERM decides the exit code, and nothing is left behind.
new_bundle trapper sh -c 'trap "echo got-term; exit 3" TERM; trap "echo got-int; exit 4" INT; echo ready; while :; do sleep 0.05; done' >/dev/null
for sig in TERM:3:got-term INT:4:got-int; do
	name=${sig%%:*} rest=${sig#*:}
	want=${rest%%:*} said=${rest#*:}
	rt_exec run --bundle "$T/trapper" trapper >"$T/trapper.out" 2>&1 &
	runner=$!
	wait_until 5 grep -q ready "$T/trapper.out" || fail "trapper did not start"
	kill -"$name" "$runner"
	rc=0
	wait "$runner" || rc=$?
	assert_eq "$want" "$rc" "foreground run sent SIG$name (output: $(cat "$T/trapper.out"))"
	assert_contains "$(cat "$T/trapper.out")" "$said" "the workload's output after SIG$name to run"
	[[ ! -e $ROOT/default/trapper ]] || fail "run sent SIG$name left the container behind"
	wait_until 5 no_marked_pids || fail "run sent SIG$name left processes: $(describe_live)"
done
pass "SIGTERM and SIGINT sent to a foreground run reach the container's process"

finish
