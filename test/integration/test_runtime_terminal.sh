#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# terminal=true with --console-socket: the pty master reaches the receiver over SCM_RIGHTS (as
# runc sends it), the workload's stdio is the terminal (it is a tty, its controlling terminal),
# its output and our input go through the master; no console socket is a clear error.
source "$(dirname "$0")/lib.sh"

RECEIVER="$(dirname "$0")/console_receiver.py"

# start_receiver NAME [INPUT]: listen on $T/NAME.sock, write what arrives to $T/NAME.tty.
start_receiver() {
	"$PYTHON" "$RECEIVER" "$T/$1.sock" "$T/$1.tty" "${@:2}" &
	RECEIVER_PID=$!
	wait_until 5 test -S "$T/$1.sock" || fail "the console receiver did not start"
}

new_bundle tty sh -c 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-tty; ps -o tty= -p $$; echo ready; read line; echo "got $line"; exit 5' >/dev/null
edit_config tty 'c["process"]["terminal"] = True; c["process"]["consoleSize"] = {"height": 40, "width": 132}'
start_receiver tty "typed input"$'\n'
rt create --bundle "$T/tty" --console-socket "$T/tty.sock" tty >"$T/tty.out" 2>"$T/tty.err" ||
	fail "create with a terminal: $(cat "$T/tty.err")"
assert_eq True "$(record tty terminal)" "terminal in the record"
rt start tty || fail "start tty"
wait "$RECEIVER_PID" || fail "the console receiver failed: $(cat "$T/tty.tty")"
wait_status tty stopped
assert_eq 5 "$(record tty exit_code)" "exit code of the terminal workload"
out=$(tr -d '\r' <"$T/tty.tty")
mapfile -t lines <<<"$out"
assert_eq "name=console" "${lines[0]}" "name sent with the fd"
[[ ${lines[1]} =~ ^/dev/pts/[0-9]+$ ]] || fail "tty inside is '${lines[1]}', not a pty"
assert_eq all-tty "${lines[2]}" "stdin, stdout and stderr are the terminal"
assert_eq "${lines[1]#/dev/}" "$(echo "${lines[3]}" | tr -d ' ')" "the controlling terminal"
assert_contains "$out" "typed input" "terminal echo of the input"
assert_contains "$out" "got typed input" "the workload read the input from the terminal"
[[ ! -s $T/tty.out && ! -s $T/tty.err ]] || fail "terminal output leaked to the CLI's stdio: $(cat "$T/tty.out" "$T/tty.err")"
rt delete tty
pass "the pty master arrives over the console socket; output and input go through it"

# The console size from config.json.
new_bundle size stty size >/dev/null
edit_config size 'c["process"]["terminal"] = True; c["process"]["consoleSize"] = {"height": 40, "width": 132}'
start_receiver size
rc=0
rt run --bundle "$T/size" --console-socket "$T/size.sock" size >/dev/null 2>"$T/size.err" || rc=$?
assert_eq 0 "$rc" "run with a terminal: $(cat "$T/size.err")"
wait "$RECEIVER_PID" || fail "the console receiver failed"
assert_eq "40 132" "$(sed -n 2p "$T/size.tty" | tr -d '\r')" "terminal size"
pass "consoleSize sets the terminal's size; run works with a terminal"

# exec --tty into a running container, through its own console socket.
new_bundle box sleep 100 >/dev/null
run_detached box
start_receiver exec
rc=0
rt exec --tty --console-socket "$T/exec.sock" box sh -c 'tty; echo exec-on-tty; exit 6' >"$T/exec.out" 2>"$T/exec.err" || rc=$?
assert_eq 6 "$rc" "exit code of exec --tty: $(cat "$T/exec.err")"
wait "$RECEIVER_PID" || fail "the console receiver of the exec failed"
out=$(tr -d '\r' <"$T/exec.tty")
[[ $(sed -n 2p <<<"$out") =~ ^/dev/pts/[0-9]+$ ]] || fail "exec --tty: tty is '$(sed -n 2p <<<"$out")'"
assert_eq exec-on-tty "$(sed -n 3p <<<"$out")" "output of exec --tty"
expect_fail "exec --tty without a console socket" rt exec --tty box true
assert_contains "$ERR" "console socket" "exec --tty without a console socket"
rt delete --force box
pass "exec --tty sends its own pty master over --console-socket"

# No console socket.
new_bundle nosock true >/dev/null
edit_config nosock 'c["process"]["terminal"] = True'
expect_fail "create with a terminal and no console socket" rt create --bundle "$T/nosock" nosock
assert_contains "$ERR" "console socket" "terminal without a console socket"
[[ ! -e $ROOT/default/nosock ]] || fail "a failed create left its state dir"
pass "terminal without --console-socket fails: $ERR"

expect_fail "create with a console socket nobody listens on" rt create --bundle "$T/nosock" --console-socket "$T/absent.sock" nosock
assert_contains "$ERR" "$T/absent.sock" "console socket nobody listens on"
[[ ! -e $ROOT/default/nosock ]] || fail "a failed create left its state dir"
pass "an unreachable console socket fails create: $ERR"

finish
