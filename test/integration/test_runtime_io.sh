#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# reaper-runtime stdio: the workload writes to the stdout and stderr the CLI was started with.
# Output through a FIFO arrives complete (one line, several lines, 20,000 lines, more than a pipe
# buffer), and stderr is kept apart from stdout.
source "$(dirname "$0")/lib.sh"

# run_through_fifo ID: create ID with stdout into a FIFO read by `cat`, start it, collect.
run_through_fifo() {
	local id=$1 fifo=$T/$1.fifo
	mkfifo "$fifo"
	timeout 20 cat "$fifo" >"$T/$id.got" &
	local reader=$!
	rt create --bundle "$T/$id" "$id" >"$fifo" 2>"$T/$id.err" || fail "create $id: $(cat "$T/$id.err")"
	rt start "$id" || fail "start $id"
	wait "$reader" || fail "$id: the FIFO reader failed or timed out (status $?)"
	wait_status "$id" stopped
	assert_eq 0 "$(record "$id" exit_code)" "$id exit code"
	rt delete "$id" || fail "delete $id"
}

new_bundle echo sh -c 'echo hello fifo' >/dev/null
run_through_fifo echo
assert_eq "hello fifo" "$(cat "$T/echo.got")" "echo through a FIFO"
pass "echo arrives through a FIFO"

new_bundle multi sh -c 'printf "one\ntwo\n\nfour with  spaces\n"; printf "no newline"' >/dev/null
run_through_fifo multi
assert_eq "$(printf 'one\ntwo\n\nfour with  spaces\nno newline')" "$(cat "$T/multi.got")" "multi-line output"
pass "multi-line output arrives intact"

new_bundle many seq 1 20000 >/dev/null
run_through_fifo many
seq 1 20000 >"$T/many.want"
cmp "$T/many.want" "$T/many.got" || fail "20000 lines: got $(wc -l <"$T/many.got") lines, differing from seq 1 20000"
pass "20,000 lines arrive complete and in order"

# stdout and stderr apart, with `run` in the foreground.
new_bundle split sh -c 'echo to-out; echo to-err >&2; echo more-out; echo more-err >&2' >/dev/null
rc=0
rt run --bundle "$T/split" split >"$T/split.out" 2>"$T/split.err" || rc=$?
assert_eq 0 "$rc" "run split"
assert_eq "$(printf 'to-out\nmore-out')" "$(cat "$T/split.out")" "stdout"
assert_eq "$(printf 'to-err\nmore-err')" "$(cat "$T/split.err")" "stderr"
pass "stderr is captured apart from stdout"

# stdin: the workload reads what the CLI was given.
new_bundle cat sh -c 'read line; echo "read: $line"' >/dev/null
rc=0
echo "from stdin" | rt run --bundle "$T/cat" cat >"$T/cat.out" 2>"$T/cat.err" || rc=$?
assert_eq 0 "$rc" "run cat"
assert_eq "read: from stdin" "$(cat "$T/cat.out")" "stdin passed through"
pass "stdin reaches the workload"

# The CLI started with stdin, stdout and stderr closed: the monitor must not take them for its
# own fds (they would be clobbered by its stdio detach, leaving it spinning without its
# signalfd), and the workload gets /dev/null rather than a closed or foreign fd.
mkdir -m 0777 "$T/vol"
new_bundle closed sh -c 'cat; echo "cat=$?" >/data/out; ls -l /proc/self/fd/ >/data/fds; sleep 1' >/dev/null
edit_config closed 'c["mounts"].append({"destination": "/data", "type": "bind", "source": "'"$T/vol"'", "options": ["rbind", "rw"]})'
rt create --bundle "$T/closed" closed <&- >&- 2>&- || fail "create with stdio closed"
rt start closed || fail "start closed"
monitor=$(record closed monitor_pid)
sleep 0.5 # the workload sleeps: a monitor that spins burns this half second
ticks=$(awk '{ print $14 + $15 }' "/proc/$monitor/stat")
((ticks < 10)) || fail "the monitor used $ticks clock ticks of CPU in 0.5 s while its workload slept"
wait_status closed stopped
assert_eq "cat=0" "$(cat "$T/vol/out")" "cat of the workload's stdin"
rt delete closed
pass "stdio closed: the monitor waits quietly ($ticks ticks), the workload gets /dev/null"

finish
