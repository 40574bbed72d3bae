#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Lifecycle: created -> running -> stopped, the operations each state refuses (with a clear
# message and no harm done), delete --force of a running container, delete of a created one.
source "$(dirname "$0")/lib.sh"

# The normal path, with `state`, `list` and `ps` along the way.
new_bundle life sh -c 'read x; exit 3' >/dev/null
mkfifo "$T/life.in"
exec {hold}<>"$T/life.in" # keeps the workload's stdin open until we write
rt create --bundle "$T/life" life <"$T/life.in" >"$T/life.out" 2>"$T/life.err" ||
	fail "create life: $(cat "$T/life.err")"
state=$(rt state life)
assert_eq created "$(json_get "$state" status)" "status after create"
assert_eq life "$(json_get "$state" id)" "id in state"
assert_eq "$T/life" "$(json_get "$state" bundle)" "bundle in state"
pid=$(json_get "$state" pid)
rt start life || fail "start life"
assert_eq running "$(status_of life)" "status after start"
list=$(rt list)
assert_contains "$list" "life" "list"
assert_contains "$list" "running" "list"
json_list=$(rt list --format json)
assert_eq "life running" "$("$PYTHON" -c 'import json,sys; print(*[c["id"] + " " + c["status"] for c in json.loads(sys.argv[1])])' "$json_list")" "list --format json"
ps=$(rt ps --format json life)
assert_contains "$ps" "$pid" "ps of life"
pass "created -> running, as state, list and ps report"

# Illegal while running.
expect_fail "start a running container" rt start life
assert_contains "$ERR" "running" "start twice"
assert_contains "$ERR" "not created" "start twice"
pass "start twice fails: $ERR"
expect_fail "delete a running container" rt delete life
assert_contains "$ERR" "running" "delete running"
assert_contains "$ERR" "--force" "delete running"
assert_eq running "$(status_of life)" "status after a refused delete"
pid_alive "$pid" || fail "a refused delete killed the workload"
pass "delete of a running container without --force fails: $ERR"

echo go >&$hold
exec {hold}>&-
wait_status life stopped
assert_eq 3 "$(record life exit_code)" "exit code"
state=$(rt state life)
assert_eq 0 "$(json_get "$state" pid)" "pid of a stopped container in state"
pass "running -> stopped"

# Illegal once stopped.
expect_fail "start a stopped container" rt start life
assert_contains "$ERR" "stopped" "start a stopped one"
pass "start of a stopped container fails: $ERR"
expect_fail "kill a stopped container" rt kill life KILL
assert_contains "$ERR" "not running" "kill a stopped one"
pass "kill of a stopped container fails: $ERR"
assert_eq 3 "$(record life exit_code)" "exit code after refused operations"
rt delete life || fail "delete a stopped container"
expect_fail "state after delete" rt state life
assert_contains "$ERR" "does not exist" "state after delete"
[[ ! -e $ROOT/default/life ]] || fail "delete left the state dir"
pass "delete of a stopped container removes it"

# Unknown ids.
for cmd in start state delete kill ps; do
	expect_fail "$cmd of an unknown id" rt "$cmd" nosuch
	assert_contains "$ERR" "nosuch does not exist" "$cmd of an unknown id"
done
pass "operations on an unknown id fail: $ERR"

# delete --force of a running container kills it and everything it started.
new_bundle forced sh -c 'sleep 100 & sleep 100 & wait' >/dev/null
run_detached forced
wait_until 5 eval '[[ $(rt ps forced | wc -l) -ge 4 ]]' || fail "forced: children did not start: $(rt ps forced)"
pids=$(rt ps forced | tail -n +2)
rt delete --force forced || fail "delete --force of a running container"
[[ ! -e $ROOT/default/forced ]] || fail "delete --force left the state dir"
for p in $pids; do
	wait_until 5 pid_gone "$p" || fail "pid $p of the forced container survived delete --force"
done
pass "delete --force of a running container works and kills its tree"

# delete of a created container: its held process goes, no user code ever ran.
mkdir -m 0777 "$T/vol"
new_bundle never sh -c 'touch /data/ran' >/dev/null
edit_config never 'c["mounts"].append({"destination": "/data", "type": "bind", "source": "'"$T/vol"'", "options": ["rbind"]})'
rt create --bundle "$T/never" --pid-file "$T/never.pid" never >/dev/null 2>"$T/never.err" ||
	fail "create never: $(cat "$T/never.err")"
pid=$(cat "$T/never.pid")
monitor=$(record never monitor_pid)
rt delete never || fail "delete a created container"
[[ ! -e $ROOT/default/never ]] || fail "delete of a created container left the state dir"
wait_until 5 pid_gone "$pid" || fail "the created container's process $pid survived delete"
wait_until 5 pid_gone "$monitor" || fail "the created container's monitor $monitor survived delete"
[[ ! -e $T/vol/ran ]] || fail "the created container's program ran"
pass "delete of a created container works, its process never ran"

# kill of a created container is allowed (runc allows it): the held process dies.
new_bundle killcreated true >/dev/null
rt create --bundle "$T/killcreated" killcreated >/dev/null 2>&1 || fail "create killcreated"
rt kill killcreated KILL || fail "kill a created container"
wait_status killcreated stopped
assert_eq 137 "$(record killcreated exit_code)" "exit code of a killed created container"
expect_fail "start a killed created container" rt start killcreated
rt delete killcreated || fail "delete killcreated"
pass "kill of a created container stops it; start then fails: $ERR"

# Once the process has exited, state says stopped and delete works at once, as with runc: a
# caller that watched the pid die (here through a pidfd) must not find the container "running"
# while its monitor is still recording the exit. Twenty rounds: the window is a few ms wide.
new_bundle quick true >/dev/null
"$PYTHON" - "$RUNTIME" "$ROOT" "$T/quick" "$MARK" <<'PY' || fail "state or delete right after the process exited"
import os, select, subprocess, sys
runtime, root, bundle, mark = sys.argv[1:]
env = dict(os.environ)
key, _, value = mark.partition("=")
env[key] = value
def rt(*args):
    # Files, not pipes: a created workload holds the CLI's stdout and stderr until it exits.
    with open(bundle + "/out", "w+") as out, open(bundle + "/err", "w+") as err:
        r = subprocess.run([runtime, "--root", root, *args], env=env, stdout=out, stderr=err)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(r.args, r.returncode, out.read(), err.read())
for i in range(20):
    cid = f"quick{i}"
    r = rt("create", "--bundle", bundle, "--pid-file", bundle + "/pid", cid)
    assert r.returncode == 0, r.stderr
    pidfd = os.pidfd_open(int(open(bundle + "/pid").read()))
    assert rt("start", cid).returncode == 0
    select.select([pidfd], [], [])  # the process has exited
    os.close(pidfd)
    state = rt("state", cid)
    assert '"stopped"' in state.stdout, f"round {i}: state right after the exit: {state.stdout}"
    r = rt("delete", cid)
    assert r.returncode == 0, f"round {i}: delete right after the exit: {r.stderr}"
PY
pass "right after the process exits, state says stopped and delete works (20 rounds)"

finish
