#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Reaper's shim when things go wrong around it: containerd restarts with a task running (and
# while a task exits), and a shim killed with SIGKILL. No exit is lost and nothing is left.
set -euo pipefail
source "$(dirname "$0")/lib/shim.sh"

shim_setup

EVENTS="$E2E_DIR/events"
# `ctr events` dies with containerd: (re)start it after each containerd start, and wait until
# it is subscribed (a probe event arrives).
start_events() {
	ctrd events >>"$EVENTS" 2>&1 &
	e2e_track_pid $!
	disown # it dies with containerd: no job notice
	local probe
	probe="probe-$RANDOM$RANDOM"
	events_ready() {
		ctrd namespaces label "$SHIM_NS" "e2e-probe=$probe" >/dev/null 2>&1
		grep -qF "$probe" "$EVENTS"
	}
	e2e_wait_until 10 events_ready || e2e_fail "ctr events captured nothing: $(cat "$EVENTS")"
}
exit_event_of() { # ID: the exit_status of ID's /tasks/exit
	grep -F ' /tasks/exit ' "$EVENTS" | grep -F "\"id\":\"$1\"" | tail -n1 |
		sed -n 's/.*"exit_status":\([0-9]*\).*/\1/p'
}
has_exit_event() { [[ -n "$(exit_event_of "$1")" ]]; }
bundle_of() { echo "$CTRD_STATE/io.containerd.runtime.v2.task/$SHIM_NS/$1"; }

e2e_log "containerd restart with a running task: still RUNNING, then its exit is reported"
r=$(tid restart)
rrun -d "$E2E_IMAGE" "$r" /bin/sleep 1000
wait_status "$r" RUNNING
pid=$(task_pid "$r")
shim=$(shim_of_task "$r")
containerd_restart
e2e_assert_eq "$pid RUNNING" "$(task_pid "$r") $(task_status "$r")" "task after the restart"
e2e_assert_eq "$shim" "$(shim_of_task "$r")" "shim after the restart (the same process)"
start_events
out=$(ctrd tasks exec --exec-id after-restart "$r" /bin/echo exec-after-restart)
e2e_assert_eq exec-after-restart "$out" "exec after the restart"
ctrd tasks kill -s SIGKILL "$r"
wait_status "$r" STOPPED
e2e_wait_until 10 has_exit_event "$r" || e2e_fail "no /tasks/exit for $r after the restart: $(cat "$EVENTS")"
e2e_assert_eq 137 "$(exit_event_of "$r")" "exit_status of /tasks/exit after the restart"
err=$(ctrd tasks rm "$r" 2>&1)
e2e_assert_contains "$err" "exit code 137" "ctr task rm after the restart"
ctrd containers rm "$r"
[[ ! -e "$REAPER_ROOT/$SHIM_NS/$r" ]] || e2e_fail "state dir of $r left"
e2e_wait_until 10 containerd_no_shims || e2e_fail "shim of $r left: $(containerd_shim_pids)"

e2e_log "a task that exits while containerd is down: STOPPED with its code afterwards (1.6), removed (1.7+)"
x=$(tid downexit)
rrun -d "$E2E_IMAGE" "$x" /bin/sleep 1000
wait_status "$x" RUNNING
xpid=$(task_pid "$x")
xmon=$(monitor_of_task "$x")
[[ -n "$xmon" ]] || e2e_fail "no monitor for $x"
containerd_stop
kill -TERM "$xpid"
# The monitor records the exit and leaves; the shim has it, containerd does not know yet.
monitor_gone() { [[ ! -d /proc/$xmon || "$(state_of "$xmon")" == Z ]]; }
e2e_wait_until 10 monitor_gone || e2e_fail "the monitor $xmon of $x did not finish"
containerd_restart
start_events
if containerd_at_least 1.7; then
	# containerd 1.7+ deletes, as it loads its shims, every task that is not a sandbox and whose
	# Pids is empty ("cleaning leaked shim process", containerd #6860) and publishes no exit: the
	# same happens with runc. What Reaper owes then: that Delete leaves nothing of the task.
	! task_listed "$x" || e2e_fail "containerd $(containerd_version) kept $x: $(ctrd tasks ls)"
	[[ ! -e "$REAPER_ROOT/$SHIM_NS/$x" ]] || e2e_fail "state dir of $x left after containerd deleted it"
else
	wait_status "$x" STOPPED
	err=$(ctrd tasks rm "$x" 2>&1)
	e2e_assert_contains "$err" "exit code 143" "ctr task rm of a task that exited while containerd was down"
fi
ctrd containers rm "$x"
e2e_wait_until 10 containerd_no_shims || e2e_fail "shim of $x left: $(containerd_shim_pids)"

e2e_log "shim killed with SIGKILL: containerd cleans up, nothing of the task is left"
k=$(tid shimkill)
rrun -d "$E2E_IMAGE" "$k" /bin/sh -c 'sleep 1000 & exec sleep 1001'
wait_status "$k" RUNNING
kpid=$(task_pid "$k")
has_kchild() { pgrep -P "$kpid" -x sleep >/dev/null; }
e2e_wait_until 10 has_kchild || e2e_fail "no child under $kpid"
kchild=$(pgrep -P "$kpid" -x sleep)
kmon=$(monitor_of_task "$k")
kshim=$(shim_of_task "$k")
[[ -n "$kshim" && -n "$kmon" ]] || e2e_fail "shim ($kshim) or monitor ($kmon) of $k not found"
ksock=$(sed 's|^unix://||' "$(bundle_of "$k")/address")
[[ -S "$ksock" ]] || e2e_fail "no shim socket at $ksock"
kill -KILL "$kshim"
# containerd sees the connection drop, runs the shim's `delete` and publishes the exit itself.
e2e_wait_until 10 has_exit_event "$k" || e2e_fail "no /tasks/exit for $k after its shim was killed: $(cat "$EVENTS")"
e2e_assert_eq 137 "$(exit_event_of "$k")" "exit_status published for a task whose shim died"
if task_listed "$k"; then
	ctrd tasks rm -f "$k" >/dev/null 2>&1 || true
fi
! task_listed "$k" || e2e_fail "task $k still listed: $(ctrd tasks ls)"
ctrd containers rm "$k"
dead() { [[ ! -d /proc/$1 || "$(state_of "$1")" == Z ]]; }
all_dead() { dead "$kpid" && dead "$kchild" && dead "$kmon" && dead "$kshim"; }
e2e_wait_until 10 all_dead ||
	e2e_fail "processes of $k alive after its shim died: $(ps -o pid,ppid,stat,args -p "$kpid,$kchild,$kmon,$kshim")"
[[ ! -e "$REAPER_ROOT/$SHIM_NS/$k" ]] || e2e_fail "state dir of $k left: $(ls -la "$REAPER_ROOT/$SHIM_NS/$k")"
[[ ! -e "$ksock" ]] || e2e_fail "the dead shim's socket is left: $ksock"
[[ ! -e "$(bundle_of "$k")" ]] || e2e_fail "bundle of $k left: $(ls -la "$(bundle_of "$k")")"
left=$(mounts_mentioning "$k")
[[ -z "$left" ]] || e2e_fail "mounts of $k left: $left"

e2e_log "after all this, a new task runs normally"
out=$(rrun --rm "$E2E_IMAGE" "$(tid final)" /bin/echo still-working)
e2e_assert_eq still-working "$out" "ctr run after the recoveries"

shim_assert_clean
shim_pass
