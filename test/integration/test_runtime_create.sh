#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# create: the process exists (its pid in --pid-file is live) but runs no user code until start;
# a missing or non-executable program fails create with a message naming it and leaves nothing.
source "$(dirname "$0")/lib.sh"

# assert_create_fails ID NEEDLE...: create ID fails, stderr names each NEEDLE, nothing is left.
assert_create_fails() {
	local id=$1
	shift
	expect_fail "create $id" rt create --bundle "$T/$id" --pid-file "$T/$id.pid" "$id"
	local needle
	for needle in "$@"; do
		assert_contains "$ERR" "$needle" "create $id error"
	done
	local create_err=$ERR
	[[ ! -e $ROOT/default/$id ]] || fail "create $id failed but left $ROOT/default/$id"
	[[ ! -e $T/$id.pid ]] || fail "create $id failed but wrote a pid file"
	expect_fail "state of $id after a failed create" rt state "$id"
	assert_contains "$ERR" "does not exist" "state after a failed create"
	wait_until 5 no_marked_pids || fail "create $id failed but left processes: $(describe_live)"
	ERR=$create_err
}

new_bundle missing /nonexistent/prog arg >/dev/null
assert_create_fails missing '/nonexistent/prog' 'No such file or directory'
pass "a missing program fails create with its name: $ERR"

new_bundle notinpath no-such-program-reaper >/dev/null
assert_create_fails notinpath 'no-such-program-reaper' 'not found in $PATH'
pass "a program not in PATH fails create: $ERR"

printf '#!/bin/sh\necho should not run\n' >"$T/script.sh"
chmod 0644 "$T/script.sh"
new_bundle notexec "$T/script.sh" >/dev/null
assert_create_fails notexec "$T/script.sh" 'ermission denied'
pass "a non-executable file fails create: $ERR"

mkdir -p "$T/adir"
new_bundle isdir "$T/adir" >/dev/null
assert_create_fails isdir "$T/adir" 'directory'
pass "a directory as program fails create: $ERR"

new_bundle badcwd true >/dev/null
edit_config badcwd 'c["process"]["cwd"] = "/nonexistent-cwd"'
assert_create_fails badcwd '/nonexistent-cwd'
pass "a missing cwd fails create: $ERR"

# create runs no user code: the program's first act, touching a marker in a volume, happens
# only after start. The pid from --pid-file is that very process, held before execve.
mkdir -m 0777 "$T/vol"
new_bundle held sh -c 'touch /data/marker; exec sleep 100' >/dev/null
edit_config held 'c["mounts"].append({"destination": "/data", "type": "bind", "source": "'"$T/vol"'", "options": ["rbind", "rw"]})'
rt create --bundle "$T/held" --pid-file "$T/held.pid" held >"$T/held.out" 2>"$T/held.err" ||
	fail "create held: $(cat "$T/held.err")"
pid=$(cat "$T/held.pid")
[[ $pid =~ ^[0-9]+$ ]] || fail "pid file holds '$pid', not a pid"
pid_alive "$pid" || fail "pid $pid from --pid-file is not a live process"
state=$(rt state held)
assert_eq created "$(json_get "$state" status)" "status after create"
assert_eq "$pid" "$(json_get "$state" pid)" "pid in state vs pid file"
exe=$(readlink "/proc/$pid/exe")
assert_eq "$REAPER_BIN" "$exe" "the held process's executable (not yet exec'd)"
sleep 0.3 # give user code a chance to run, were it not held
[[ ! -e $T/vol/marker ]] || fail "user code ran before start: the marker exists"
pass "after create the pid $pid is live, held in reaper, and no user code ran"

rt start held || fail "start held"
wait_until 5 test -e "$T/vol/marker" || fail "the marker did not appear after start"
assert_eq running "$(status_of held)" "status after start"
assert_eq "$pid" "$(json_get "$(rt state held)" pid)" "pid after start"
wait_until 5 eval '[[ $(readlink /proc/'"$pid"'/exe) == */sleep ]]' ||
	fail "pid $pid did not become the program: exe $(readlink "/proc/$pid/exe")"
pass "after start the same pid runs the program, which touched its marker"

# A second create of the same id fails and leaves the first alone.
expect_fail "create held again" rt create --bundle "$T/held" held
assert_contains "$ERR" "already exists" "second create"
assert_eq running "$(status_of held)" "first container after a second create"
pass "create of an existing id fails: $ERR"

rt kill held KILL
wait_status held stopped
assert_eq 137 "$(record held exit_code)" "exit code of held after kill"
rt delete held || fail "delete held"
[[ ! -e $ROOT/default/held ]] || fail "delete left the state dir"
pid_gone "$pid" || wait_until 5 pid_gone "$pid" || fail "pid $pid still exists after delete"

# execve can still fail at start (the program vanished after create): start fails naming it,
# and the container reads as stopped (127) as soon as start returns. Several rounds: a record
# written late loses a race most of the time, not every time.
for round in 1 2 3 4 5; do
	id=vanish$round
	printf '#!/bin/sh\necho vanishing ran\n' >"$T/$id.prog"
	chmod 0755 "$T/$id.prog"
	new_bundle "$id" "$T/$id.prog" >/dev/null
	new_bundle "remove$round" rm "$T/$id.prog" >/dev/null
	rt create --bundle "$T/$id" "$id" >"$T/$id.out" 2>"$T/$id.err" || fail "create $id: $(cat "$T/$id.err")"
	rt run --bundle "$T/remove$round" "remove$round" || fail "run remove$round" # in the overlay
	# state straight after start, nothing in between: the record must be final when start returns.
	"$RUNTIME" --root "$ROOT" start "$id" 2>"$T/$id.start" && fail "start after the program vanished succeeded"
	state_after=$("$RUNTIME" --root "$ROOT" state "$id")
	ERR=$(cat "$T/$id.start")
	assert_contains "$ERR" "$T/$id.prog" "start after the program vanished"
	assert_contains "$ERR" "No such file" "start after the program vanished"
	assert_eq stopped "$(json_get "$state_after" status)" "status of $id right after a failed start"
	assert_eq 127 "$(record "$id" exit_code)" "exit code after a failed start"
	[[ ! -s $T/$id.out ]] || fail "the vanished program ran: $(cat "$T/$id.out")"
	rt delete "$id" || fail "delete $id"
done
pass "start fails clearly when execve fails, and the container is stopped (127): $ERR"

finish
