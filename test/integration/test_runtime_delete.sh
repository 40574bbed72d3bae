#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A forced delete never wedges: a container directory with no state.json (a crash between mkdir
# and the first write) or a corrupt one is cleaned up, its processes found and killed, and the
# id can be used again. The shim's `delete` command does the same.
source "$(dirname "$0")/lib.sh"

SHIM=$T/bin/containerd-shim-reaper-v2
ln -s "$REAPER_BIN" "$SHIM"

# No record at all.
mkdir -p "$ROOT/default/bare"
expect_fail "delete of a container without a record" rt delete bare
assert_contains "$ERR" "bare" "the error"
rt delete --force bare || fail "delete --force of a container without a record"
[[ ! -e $ROOT/default/bare ]] || fail "delete --force left the directory of bare"
new_bundle bare sh -c 'echo again' >/dev/null
assert_eq again "$(rt run --bundle "$T/bare" bare)" "a container with the id again"
pass "delete --force removes a container directory without a record; the id is free again"

# A corrupt record of a running container: its processes are found through its monitor.
new_bundle corrupt sleep 1000 >/dev/null
run_detached corrupt
wait_status corrupt running
monitor=$(record corrupt monitor_pid)
workload=$(record corrupt pid)
echo '{"id": "corrupt", "status": ' >"$ROOT/default/corrupt/state.json"
expect_fail "delete of a container with a corrupt record" rt delete corrupt
assert_contains "$ERR" "state.json" "the error"
rt delete --force corrupt || fail "delete --force of a container with a corrupt record"
[[ ! -e $ROOT/default/corrupt ]] || fail "delete --force left the directory of corrupt"
wait_until 5 pid_gone "$workload" || fail "the workload of corrupt survived its delete"
wait_until 5 pid_gone "$monitor" || fail "the monitor of corrupt survived its delete"
pass "delete --force of a corrupt record kills the container's processes and removes it"

# The same with an exec running and the init record gone.
new_bundle lost sleep 1000 >/dev/null
run_detached lost
wait_status lost running
rt exec --detach lost sleep 1000 || fail "exec in lost"
execs=$(ls "$ROOT/default/lost/exec")
exec_pid=$(json_get "$(cat "$ROOT/default/lost/exec/$execs/state.json")" pid)
workload=$(record lost pid)
rm "$ROOT/default/lost/state.json"
rt delete --force lost || fail "delete --force of a container whose record vanished"
[[ ! -e $ROOT/default/lost ]] || fail "delete --force left the directory of lost"
wait_until 5 pid_gone "$workload" || fail "the workload of lost survived its delete"
wait_until 5 pid_gone "$exec_pid" || fail "the exec of lost survived its delete"
pass "delete --force without an init record kills the init and its execs"

# The shim's delete command (run by containerd after a task is removed, or a shim died).
new_bundle shimdel sleep 1000 >/dev/null
run_detached shimdel
wait_status shimdel running
workload=$(record shimdel pid)
echo garbage >"$ROOT/default/shimdel/state.json"
(cd "$T/shimdel" && env "$MARK" REAPER_ROOT="$ROOT" "$SHIM" -namespace default -id shimdel \
	-address /nonexistent -publish-binary /bin/true -bundle "$T/shimdel" delete >"$T/shimdel.resp") ||
	fail "the shim's delete with a corrupt record"
[[ -s $T/shimdel.resp ]] || fail "the shim's delete printed no DeleteResponse"
[[ ! -e $ROOT/default/shimdel ]] || fail "the shim's delete left the directory"
wait_until 5 pid_gone "$workload" || fail "the workload of shimdel survived the shim's delete"
mkdir -p "$ROOT/default/shimbare"
(cd "$T" && env REAPER_ROOT="$ROOT" "$SHIM" -namespace default -id shimbare -address /nonexistent \
	-publish-binary /bin/true -bundle "$T" delete >/dev/null) || fail "the shim's delete without a record"
[[ ! -e $ROOT/default/shimbare ]] || fail "the shim's delete left shimbare's directory"
pass "the shim's delete cleans up a corrupt or missing record"

finish
