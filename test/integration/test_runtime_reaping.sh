#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Nothing leaks: orphans of a workload are reaped by its monitor while it runs; when the main
# process exits, whatever it left running (background children, setsid'd daemons, a loop that
# keeps forking) is killed; after delete no process of the container and no zombie is left.
source "$(dirname "$0")/lib.sh"

zombie_children_of() {
	local parent=$1 f
	for f in /proc/[0-9]*/stat; do
		awk -v p="$parent" '{ sub(/^.*\) /, ""); if ($1 == "Z" && $2 == p) found = 1 } END { exit !found }' "$f" 2>/dev/null &&
			echo "${f//[^0-9]/}"
	done
	return 0
}

# Orphans reaped while the container runs.
new_bundle orphans sh -c 'for i in 1 2 3 4 5; do (sleep 0.05 &); done; echo spawned; exec sleep 100' >/dev/null
run_detached orphans
monitor=$(record orphans monitor_pid)
wait_until 5 grep -q spawned "$T/orphans.out" || fail "orphans: the workload did not start"
sleep 0.3 # the orphaned sleeps finish meanwhile
z=$(zombie_children_of "$monitor")
[[ -z $z ]] || fail "zombies under the monitor $monitor while the container runs: $z"
[[ $(rt ps orphans | tail -n +2 | wc -l) -eq 1 ]] || fail "orphans: ps lists more than the main process: $(rt ps orphans)"
pass "orphans exiting while the container runs are reaped by the monitor"
rt kill orphans KILL
wait_status orphans stopped
rt delete orphans
wait_until 5 pid_gone "$monitor" || fail "monitor $monitor still exists after delete"

# A background child outlives the main process: it goes when main exits.
new_bundle background sh -c 'sleep 100 & echo $!; (setsid sleep 100 & echo $!); exit 0' >/dev/null
run_detached background
wait_status background stopped
assert_eq 0 "$(record background exit_code)" "exit code of the main process"
mapfile -t bg <"$T/background.out"
[[ ${#bg[@]} -eq 2 ]] || fail "background: expected two pids, got '${bg[*]}'"
for p in "${bg[@]}"; do
	wait_until 5 pid_gone "$p" || fail "background child $p outlived the main process: $(describe_pids "$p")"
done
pass "background children (one setsid'd) are killed when the main process exits"
monitor=$(record background monitor_pid)
rt delete background
wait_until 5 pid_gone "$monitor" || fail "monitor $monitor still exists after delete"

# A loop that keeps forking is stopped too.
new_bundle forker sh -c '(while :; do sleep 0.01 & sleep 0.005; done) & echo $!; exit 0' >/dev/null
run_detached forker
wait_status forker stopped
loop=$(head -1 "$T/forker.out")
wait_until 5 pid_gone "$loop" || fail "the forking loop $loop outlived the main process"
wait_until 5 no_marked_pids || fail "processes of forker left: $(describe_live)"
rt delete forker
pass "a process that keeps forking is stopped with the main process"

# kill --all reaches every process, daemons included; delete leaves nothing.
new_bundle tree sh -c 'setsid sleep 100 & sleep 100 & (sleep 100 &); echo ready; wait' >/dev/null
run_detached tree
wait_until 5 grep -q ready "$T/tree.out" || fail "tree: the workload did not start"
wait_until 5 eval '[[ $(rt ps tree | tail -n +2 | wc -l) -eq 4 ]]' || fail "tree: ps shows $(rt ps tree | tail -n +2 | wc -l) processes, expected 4"
pids=$(rt ps tree | tail -n +2)
monitor=$(record tree monitor_pid)
rt kill --all tree KILL || fail "kill --all"
wait_status tree stopped
for p in $pids; do
	wait_until 5 pid_gone "$p" || fail "pid $p survived kill --all"
done
assert_eq 137 "$(record tree exit_code)" "exit code after kill --all KILL"
rt delete tree
wait_until 5 pid_gone "$monitor" || fail "monitor $monitor still exists after delete"
pass "kill --all reaches every process of the container"

# kill --all signals the main process first: a main that exits as soon as a child dies must not
# get to do so before its own SIGKILL arrives. Rounds, as this is a race.
for round in 1 2 3 4 5 6 7 8; do
	new_bundle "waiter$round" sh -c 'for i in $(seq 40); do sleep 100 & done; trap "exit 0" CHLD; echo ready; wait' >/dev/null
	run_detached "waiter$round"
	wait_until 5 grep -q ready "$T/waiter$round.out" || fail "waiter$round did not start"
	rt kill --all "waiter$round" KILL || fail "kill --all waiter$round"
	wait_status "waiter$round" stopped
	assert_eq 137 "$(record "waiter$round" exit_code)" "exit code of waiter$round after kill --all KILL"
	rt delete "waiter$round"
done
pass "kill --all KILL of a main that exits when a child dies records 137 (8 rounds)"

# The monitor dies (OOM killer, kill -9): its live main process and that one's children are
# still the container's, reported running, and delete --force kills them.
new_bundle orphaned sh -c 'sleep 100 & echo $!; wait' >/dev/null
run_detached orphaned
wait_until 5 eval '[[ -s $T/orphaned.out ]]' || fail "orphaned did not start"
child=$(head -1 "$T/orphaned.out")
main=$(record orphaned pid)
kill -9 "$(record orphaned monitor_pid)"
wait_until 5 pid_gone "$(record orphaned monitor_pid)" || fail "the monitor did not die"
assert_eq running "$(status_of orphaned)" "status with the monitor gone and the main alive"
assert_contains "$(rt ps orphaned)" "$child" "ps with the monitor gone"
rt delete --force orphaned || fail "delete --force without a monitor"
wait_until 5 pid_gone "$main" || fail "main $main survived delete --force"
wait_until 5 pid_gone "$child" || fail "child $child survived delete --force"
pass "without its monitor, a container's processes are still found and deleted"

# The monitor dies, then the main exits too, leaving a background child: nothing roots that child
# in the tree any more, but it is still in the workload's session, and delete finds it there.
new_bundle stranded sh -c 'sleep 100 & echo $!; while :; do sleep 1; done' >/dev/null
run_detached stranded
wait_until 5 eval '[[ -s $T/stranded.out ]]' || fail "stranded did not start"
child=$(head -1 "$T/stranded.out")
main=$(record stranded pid)
kill -9 "$(record stranded monitor_pid)"
wait_until 5 pid_gone "$(record stranded monitor_pid)" || fail "the monitor did not die"
kill -9 "$main"
wait_until 5 pid_gone "$main" || fail "main $main did not die"
assert_eq stopped "$(status_of stranded)" "status with monitor and main gone"
assert_contains "$(rt ps stranded)" "$child" "ps finds the stranded child by its session"
rt delete stranded || fail "delete of a container whose monitor and main are gone"
wait_until 5 pid_gone "$child" || fail "child $child of a dead main survived delete"
pass "a child outliving both its monitor and its main is found by session and deleted"

# Many short containers in a row: no accumulation.
for i in $(seq 1 10); do
	new_bundle "short$i" sh -c 'sleep 0.01 & exit 0' >/dev/null
	rt run --bundle "$T/short$i" "short$i" >/dev/null 2>&1 || fail "run short$i"
done
for i in $(seq 1 5); do
	new_bundle "det$i" true >/dev/null
	run_detached "det$i"
done
for i in $(seq 1 5); do
	wait_status "det$i" stopped
	rt delete "det$i"
done
pass "15 containers come and go"

finish
