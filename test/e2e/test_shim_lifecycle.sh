#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Reaper's shim through containerd 1.6: detached tasks (ctr run -d, task ls/kill/rm), exec,
# task ps, task metrics, and the events containerd receives, in order.
set -euo pipefail
source "$(dirname "$0")/lib/shim.sh"

shim_setup

# `ctr events` in the background for the whole file; wait until it is subscribed by watching a
# probe event arrive.
EVENTS="$E2E_DIR/events"
ctrd events >"$EVENTS" 2>&1 &
e2e_track_pid $!
disown
probe=$(e2e_id probe)
events_ready() {
	ctrd namespaces label "$SHIM_NS" "e2e-probe=$probe" >/dev/null 2>&1
	grep -qF "e2e-probe" "$EVENTS"
}
e2e_wait_until 10 events_ready || e2e_fail "ctr events captured nothing: $(cat "$EVENTS")"

# Topics of the task events that mention container ID (in arrival order), space separated.
topics_of() {
	grep -F "\"container_id\":\"$1\"" "$EVENTS" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\/tasks\//) { print $i; break } }' |
		tr '\n' ' ' | sed 's/ $//'
}
event_json() { # ID TOPIC [N]: the JSON of the Nth such event
	grep -F "\"container_id\":\"$1\"" "$EVENTS" | grep -F " $2 " | sed -n "${3:-1}p" | sed 's/^[^{]*//'
}
# ctr 1.6 prints a timestamp as an RFC 3339 string, ctr 1.7+ as {"seconds","nanos"}: both come
# out as the string.
json_field() { # JSON FIELD
	python3 -c '
import datetime, json, sys
v = json.loads(sys.argv[1]).get(sys.argv[2], "")
if isinstance(v, dict) and "seconds" in v:
    t = datetime.datetime.fromtimestamp(int(v["seconds"]), datetime.timezone.utc)
    v = t.strftime("%Y-%m-%dT%H:%M:%S.") + "%09dZ" % v.get("nanos", 0)
print(v)' "$1" "$2"
}

e2e_log "events of one container: create, start, exit, delete, in that order"
id=$(tid ev)
rrun --rm "$E2E_IMAGE" "$id" /bin/sh -c 'exit 3' || true
has_delete() { [[ "$(topics_of "$id")" == *"/tasks/delete"* ]]; }
e2e_wait_until 10 has_delete || e2e_fail "no /tasks/delete for $id: $(topics_of "$id")"
e2e_assert_eq "/tasks/create /tasks/start /tasks/exit /tasks/delete" "$(topics_of "$id")" "event order"
create_pid=$(json_field "$(event_json "$id" /tasks/create)" pid)
start_pid=$(json_field "$(event_json "$id" /tasks/start)" pid)
exit_json=$(event_json "$id" /tasks/exit)
[[ "$create_pid" =~ ^[0-9]+$ ]] || e2e_fail "no pid in /tasks/create: $(event_json "$id" /tasks/create)"
e2e_assert_eq "$create_pid" "$start_pid" "pid of /tasks/start"
e2e_assert_eq "$create_pid" "$(json_field "$exit_json" pid)" "pid of /tasks/exit"
e2e_assert_eq 3 "$(json_field "$exit_json" exit_status)" "exit_status of /tasks/exit"
e2e_assert_eq "$id" "$(json_field "$exit_json" id)" "id of /tasks/exit"
e2e_assert_eq 3 "$(json_field "$(event_json "$id" /tasks/delete)" exit_status)" "exit_status of /tasks/delete"
# exited_at is the real exit time: not zero, not 1970.
exited_at=$(json_field "$exit_json" exited_at)
[[ "$exited_at" == "$(date -u +%Y)"-* ]] || e2e_fail "exited_at of /tasks/exit is not a time of this year: $exited_at"

e2e_log "detached task: ctr run -d, task ls RUNNING with a live pid"
d=$(tid detached)
# The shell burns a little CPU first (for metrics), then waits on two sleeps.
rrun -d "$E2E_IMAGE" "$d" /bin/sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 1000 & exec sleep 1001'
wait_status "$d" RUNNING
pid=$(task_pid "$d")
[[ -d /proc/$pid ]] || e2e_fail "task pid $pid is not alive"
mon=$(ppid_of "$pid")
e2e_assert_eq reaper-monitor "$(comm_of "$mon")" "parent of the workload"
shim=$(ppid_of "$mon")
[[ " $(containerd_shim_pids | tr '\n' ' ') " == *" $shim "* ]] ||
	e2e_fail "the monitor's parent $shim ($(cmdline_of "$shim")) is not one of containerd's shims: $(containerd_shim_pids)"
e2e_assert_eq containerd-shim "$(comm_of "$shim")" "shim process name"
[[ -d "$REAPER_ROOT/$SHIM_NS/$d" ]] || e2e_fail "no state dir for $d under $REAPER_ROOT"

e2e_log "task ps lists the process tree"
tree_ready() { pgrep -P "$pid" -x sleep >/dev/null && [[ "$(comm_of "$pid")" == sleep ]]; }
e2e_wait_until 10 tree_ready || e2e_fail "the workload did not reach its sleeps: $(ps -o pid,comm --ppid "$pid")"
child=$(pgrep -P "$pid" -x sleep)
ps_pids=$(ctrd tasks ps "$d" | awk 'NR > 1 { print $1 }' | sort -n | tr '\n' ' ')
e2e_assert_eq "$(printf '%s\n' "$pid" "$child" | sort -n | tr '\n' ' ')" "$ps_pids" "ctr task ps pids"

e2e_log "task metrics: pids, CPU time, memory"
metrics=$(ctrd tasks metrics "$d")
metric() { awk -v k="$1" '$1 == k { print $2 }' <<<"$metrics"; }
e2e_assert_eq 2 "$(metric pids.current)" "pids.current"
cpu=$(metric cpuacct.usage)
[[ "$cpu" =~ ^[0-9]+$ ]] && ((cpu > 0)) || e2e_fail "cpuacct.usage is not positive after a busy loop: $metrics"
mem=$(metric memory.usage_in_bytes)
[[ "$mem" =~ ^[0-9]+$ ]] && ((mem > 100000)) || e2e_fail "memory.usage_in_bytes is implausible: $metrics"

e2e_log "exec: output, exit code, events, working directory"
out=$(ctrd tasks exec --exec-id e1 "$d" /bin/sh -c 'echo in-exec; echo exec-err >&2; exit 5' 2>"$E2E_DIR/exec.err") && rc=0 || rc=$?
e2e_assert_eq in-exec "$out" "exec stdout"
e2e_assert_eq exec-err "$(cat "$E2E_DIR/exec.err")" "exec stderr"
e2e_assert_eq 5 "$rc" "exec exit code"
out=$(ctrd tasks exec --cwd /tmp --exec-id e2 "$d" /bin/sh -c 'pwd; ls /proc/self/fd | tr "\n" " "')
e2e_assert_eq "/tmp
0 1 2 3 " "$out" "exec cwd and fds"
has_exec_exit() { [[ "$(topics_of "$d")" == *"/tasks/exec-started /tasks/exit"* ]]; }
e2e_wait_until 10 has_exec_exit || e2e_fail "no exec events for $d: $(topics_of "$d")"
e2e_assert_eq "/tasks/create /tasks/start /tasks/exec-added /tasks/exec-started /tasks/exit /tasks/exec-added /tasks/exec-started /tasks/exit" \
	"$(topics_of "$d")" "events of a task with two execs"
added=$(event_json "$d" /tasks/exec-added)
e2e_assert_eq e1 "$(json_field "$added" exec_id)" "exec_id of /tasks/exec-added"
e2e_assert_eq e1 "$(json_field "$(event_json "$d" /tasks/exit)" id)" "id of the exec's /tasks/exit"
e2e_assert_eq 5 "$(json_field "$(event_json "$d" /tasks/exit)" exit_status)" "exit_status of the exec's /tasks/exit"

e2e_log "exec: a missing program fails clearly, the task keeps running"
err=$(ctrd tasks exec --exec-id e3 "$d" /no/such/exec-program 2>&1) && e2e_fail "exec of a missing program succeeded"
e2e_assert_contains "$err" "/no/such/exec-program" "error of a failed exec"
e2e_assert_eq RUNNING "$(task_status "$d")" "task status after a failed exec"
[[ ! -e "$REAPER_ROOT/$SHIM_NS/$d/exec/e3" ]] || e2e_fail "state of the failed exec e3 left"

e2e_log "exec: kill --exec-id ends the exec (137), the task keeps running"
ctrd tasks exec --exec-id e4 "$d" /bin/sleep 300 </dev/null >/dev/null 2>&1 &
exec_ctr=$!
exec_sleep_pid() {
	local m
	for m in $(pgrep -P "$shim" reaper-monitor); do
		[[ "$(cmdline_of "$m")" == *"--exec e4 "* ]] && pgrep -P "$m"
	done
	return 0
}
has_exec_sleep() { [[ -n "$(exec_sleep_pid)" ]]; }
e2e_wait_until 10 has_exec_sleep || e2e_fail "exec e4 did not start"
# A second exec with the same id is refused.
err=$(ctrd tasks exec --exec-id e4 "$d" /bin/true 2>&1) && e2e_fail "a duplicate exec id was accepted"
e2e_assert_contains "${err,,}" "exists" "error of a duplicate exec id"
ctrd tasks kill --exec-id e4 -s SIGKILL "$d"
set +e
wait "$exec_ctr"
rc=$?
set -e
e2e_assert_eq 137 "$rc" "ctr task exec after kill --exec-id -s SIGKILL"
e2e_assert_eq RUNNING "$(task_status "$d")" "task status after its exec was killed"
# ctr deletes each exec once it has its exit: no exec state stays behind.
no_exec_state() { [[ -z "$(ls -A "$REAPER_ROOT/$SHIM_NS/$d/exec" 2>/dev/null)" ]]; }
e2e_wait_until 5 no_exec_state || e2e_fail "exec state left: $(ls -A "$REAPER_ROOT/$SHIM_NS/$d/exec")"

e2e_log "ctr task kill (SIGTERM): STOPPED, the whole tree gone; ctr task rm reports 143"
ctrd tasks kill "$d"
wait_status "$d" STOPPED
gone() { [[ ! -d /proc/$pid && ! -d /proc/$child ]] || [[ "$(state_of "$pid")" == Z && "$(state_of "$child")" == Z ]]; }
e2e_wait_until 5 gone || e2e_fail "processes of $d alive after it stopped: $(ps -o pid,stat,comm -p "$pid,$child")"
# Killing a stopped task is refused, as containerd expects (not found).
err=$(ctrd tasks kill -s SIGKILL "$d" 2>&1) && e2e_fail "kill of a stopped task succeeded"
# ctr 1.x appends the code's name to the message; 2.x drops it and prints the shim's own words.
if containerd_at_least 2.0; then
	e2e_assert_contains "$err" "process $d already finished" "error of a kill on a stopped task"
else
	e2e_assert_contains "$err" "not found" "error of a kill on a stopped task"
fi
err=$(ctrd tasks rm "$d" 2>&1)
e2e_assert_contains "$err" "exit code 143" "ctr task rm"
! task_listed "$d" || e2e_fail "task $d still listed after rm"
ctrd containers rm "$d"
[[ ! -e "$REAPER_ROOT/$SHIM_NS/$d" ]] || e2e_fail "state dir of $d left after rm"
has_d_delete() { [[ "$(topics_of "$d")" == *"/tasks/delete" ]]; }
e2e_wait_until 10 has_d_delete || e2e_fail "no /tasks/delete for $d: $(topics_of "$d")"
e2e_assert_eq 143 "$(json_field "$(event_json "$d" /tasks/exit 4)" exit_status)" "exit_status of the task's /tasks/exit"
e2e_assert_eq "$d" "$(json_field "$(event_json "$d" /tasks/exit 4)" id)" "id of the task's /tasks/exit"

e2e_log "ctr task kill --all reaches every process"
a=$(tid all)
rrun -d "$E2E_IMAGE" "$a" /bin/sh -c 'trap "" TERM; sleep 1000 & wait'
wait_status "$a" RUNNING
apid=$(task_pid "$a")
has_child() { pgrep -P "$apid" -x sleep >/dev/null; }
e2e_wait_until 10 has_child || e2e_fail "no child sleep under $apid"
achild=$(pgrep -P "$apid" -x sleep)
ctrd tasks kill --all -s SIGKILL "$a"
wait_status "$a" STOPPED
[[ ! -d /proc/$achild || "$(state_of "$achild")" == Z ]] || e2e_fail "child $achild survived kill --all"
ctrd tasks rm "$a" >/dev/null 2>&1
ctrd containers rm "$a"

e2e_log "orphans of the workload are adopted and reaped by the monitor (no zombie)"
o=$(tid orphans)
# The orphans live a few seconds: long enough to be seen adopted on a loaded machine.
rrun -d "$E2E_IMAGE" "$o" /bin/sh -c '(sleep 4 &); (sleep 5 &); exec sleep 1000'
wait_status "$o" RUNNING
omon=$(ppid_of "$(task_pid "$o")")
adopted() { [[ "$(pgrep -P "$omon" -x sleep | wc -l)" == 3 ]]; }
e2e_wait_until 4 adopted || e2e_fail "the monitor did not adopt the orphans: $(ps -o pid,ppid,stat,args --ppid "$omon")"
reaped() { [[ "$(pgrep -P "$omon" | wc -l)" == 1 ]]; }
e2e_wait_until 15 reaped || e2e_fail "orphans not reaped by the monitor: $(ps -o pid,ppid,stat,args --ppid "$omon")"
no_zombies || e2e_fail "zombies: $(shim_zombies)"
ctrd tasks kill -s SIGKILL "$o"
wait_status "$o" STOPPED
ctrd tasks rm "$o" >/dev/null 2>&1
ctrd containers rm "$o"

e2e_log "exec: what an exec leaves running stays in the task, as with runc, until the task stops"
l=$(tid leftover)
rrun -d "$E2E_IMAGE" "$l" /bin/sleep 1000
wait_status "$l" RUNNING
out=$(ctrd tasks exec --exec-id bg "$l" /bin/sh -c 'sleep 999 >/dev/null 2>&1 & echo $!') ||
	e2e_fail "an exec that backgrounds a child did not return"
[[ -d /proc/$out ]] || e2e_fail "the exec's background child $out did not outlive the exec"
ctrd tasks ps "$l" | awk 'NR > 1 {print $1}' | grep -qx "$out" || e2e_fail "ctr task ps does not list $out"
ctrd tasks kill -s SIGKILL "$l"
wait_status "$l" STOPPED
gone() { [[ ! -d /proc/$out ]] || [[ $(awk '{print $3}' "/proc/$out/stat" 2>/dev/null) == Z ]]; }
e2e_wait_until 5 gone || e2e_fail "the exec's background child $out outlived its task"
ctrd tasks rm "$l" >/dev/null 2>&1
ctrd containers rm "$l"

shim_assert_clean
shim_pass
