#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What a workload inherits: fds 0-2 and, with --preserve-fds N (runc's flag), fds 3..N+2 of the
# caller, nothing else; and ids that look like options ("--exec") are ids, never options.
source "$(dirname "$0")/lib.sh"

# The workload's shell has ls list its fds (ls's own fds are not in that list), one a line.
LIST_FDS='ls /proc/$$/fd'

# Open fds in the caller (7 here) and in the monitor (its log) never reach the workload.
new_bundle plain sh -c "$LIST_FDS" >/dev/null
exec 7</etc/hostname
out=$(REAPER_MONITOR_LOG=$T/monitor.log rt run --bundle "$T/plain" plain)
exec 7<&-
assert_eq "0 1 2" "$(echo $out)" "fds of a workload run with fd 7 open in the caller"
pass "a workload gets fds 0, 1 and 2 only"

# --preserve-fds N passes fds 3..N+2 on, at the same numbers, through run...
echo three >"$T/three"
echo four >"$T/four"
new_bundle keep sh -c "$LIST_FDS; cat <&3; cat <&4" >/dev/null
out=$(rt run --preserve-fds 2 --bundle "$T/keep" keep 3<"$T/three" 4<"$T/four" 5</etc/hostname)
assert_eq "0 1 2 3 4 three four" "$(echo $out)" "fds and what they read with --preserve-fds 2"
pass "run --preserve-fds 2 passes fds 3 and 4, not 5"

# ... and through create (held until start, as runc holds them), ...
new_bundle held sh -c "$LIST_FDS; cat <&3" >/dev/null
rt create --preserve-fds 1 --bundle "$T/held" held 3<"$T/three" >"$T/held.out" || fail "create held"
rt start held
wait_status held stopped
assert_eq "0 1 2 3 three" "$(echo $(cat "$T/held.out"))" "fds and fd 3's content after create --preserve-fds 1"
rt delete held
pass "create --preserve-fds 1 passes fd 3 to the process start releases"

# ... and through exec.
new_bundle host sleep 100 >/dev/null
run_detached host
out=$(rt exec --preserve-fds 1 host sh -c "$LIST_FDS; cat <&3" 3<"$T/four")
assert_eq "0 1 2 3 four" "$(echo $out)" "exec --preserve-fds 1"
out=$(rt exec host sh -c "$LIST_FDS" 3<"$T/four")
assert_eq "0 1 2" "$(echo $out)" "exec without --preserve-fds"
rt delete --force host
pass "exec --preserve-fds 1 passes fd 3; without it nothing"

# An fd the caller does not have cannot be preserved: a clear error, nothing created.
expect_fail "--preserve-fds 3 with fd 5 closed" rt create --preserve-fds 3 --bundle "$T/keep" keep2 3<"$T/three" 4<"$T/four"
assert_contains "$ERR" "fd 5" "the error"
[[ ! -e $ROOT/default/keep2 ]] || fail "a failed --preserve-fds left state"
expect_fail "--preserve-fds -1" rt create --preserve-fds -1 --bundle "$T/keep" keep3
pass "--preserve-fds naming a closed fd or a negative count is refused"

# Ids that look like options are ids: the monitor's argv puts them after "--".
new_bundle --exec sh -c 'echo id-ok' >/dev/null
out=$(rt run --bundle "$T/--exec" -- --exec) || fail "run -- --exec"
assert_eq "id-ok" "$out" "output of container --exec"
new_bundle opts sleep 100 >/dev/null
rt create --bundle "$T/opts" -- --console-socket >/dev/null || fail "create -- --console-socket"
rt start --console-socket || fail "start --console-socket"
wait_status --console-socket running
rt kill -- --console-socket KILL || fail "kill -- --console-socket"
wait_status --console-socket stopped
rt delete -- --console-socket
pass "containers named --exec and --console-socket work"

finish
