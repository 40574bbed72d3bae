#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# containerd SIGKILLed while 20 pods are being created, started, stopped and deleted through CRI,
# then started again: the load goes on; afterwards every pod and container CRI lists agrees with
# what runs and with Reaper's records, containers that exited on their own show their code (or
# Reaper reported it and containerd lost it in its own restart window: said, and counted), no
# process reports two exits within one containerd's life, every pod can be removed, and nothing
# is left: no process, Reaper state, task bundle, mount or shim socket. REAPER_STORM_WORKERS
# changes the number of pods in flight.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

workers=${REAPER_STORM_WORKERS:-20}
reaper_cri_start
d=$E2E_DIR/storm
mkdir -p "$d/logs"
: >"$d/progress"

# `ctr events` dies with containerd: one recorder per containerd life, subscribed before the load.
session=0
recorders=()
start_events() {
	session=$((session + 1))
	ctr -a "$CTRD_SOCK" events >>"$d/events.$session" 2>&1 &
	recorders+=($!)
	e2e_track_pid $!
	disown
	local probe="probe-$RANDOM$RANDOM"
	events_ready() {
		ctrd namespaces label k8s.io "e2e-probe=$probe" >/dev/null 2>&1
		grep -qF "$probe" "$d/events.$session"
	}
	e2e_wait_until 10 events_ready || e2e_fail "ctr events captured nothing"
}
ok_cycles() { grep -c ' ok$' "$d/progress" || true; }
at_least() { (($(ok_cycles) >= $1)); }

start_events
cri_load storm "$workers" "$d" &
driver=$!
e2e_track_pid "$driver"
e2e_wait_until 120 at_least "$workers" || e2e_fail "the load did not get going: $(tail -n 5 "$d/progress")"
before=$(ok_cycles)
e2e_log "$before pod cycles done; containerd SIGKILLed under load"
containerd_stop --kill
sleep 2 # pods exit and calls fail meanwhile
containerd_launch "${CTRD_LAUNCH_ARGS[@]}"
start_events
e2e_wait_until 180 at_least $((before + workers)) ||
	e2e_fail "the load did not recover after the restart: $(tail -n 5 "$d/progress")"
touch "$d/stop"
finished() { ! kill -0 "$driver" 2>/dev/null; }
e2e_wait_until 120 finished || e2e_fail "the load driver did not finish"
wait "$driver" || e2e_fail "the load driver failed"
errors=$(grep -c ' error ' "$d/progress" || true)
e2e_log "$(ok_cycles) cycles completed, $errors given up around the restart"

loses=0
containerd_at_least 1.7 && loses=1 # it reports 255 Unknown for an exit while it was down
# The exits reported, in every containerd life (see load.py check).
cat "$d"/events.* | grep -F ' /tasks/exit ' |
	sed -n 's/.*"container_id":"\([^"]*\)".*"exit_status":\([0-9]*\).*/\1 \2/p' >"$d/exits"
CONTAINERD_LOSES_DOWN_EXITS=$loses cri_load check "$d" || e2e_fail "inconsistent after the restart (above)"

e2e_log "every exit reported once per containerd life"
for f in "$d"/events.*; do
	dups=$(grep -F ' /tasks/exit ' "$f" | sed -n 's/.*"container_id":"\([^"]*\)".*"id":"\([^"]*\)".*"pid":\([0-9]*\).*/\1 \2 \3/p' |
		sort | uniq -d)
	[[ -z $dups ]] || e2e_fail "exits reported twice to one containerd ($f): $dups"
done
n_exits=$(cat "$d"/events.* | grep -cF ' /tasks/exit ' || true)
e2e_log "$n_exits exits seen, none twice"

# A RunPodSandbox or CreateContainer that the kill cut short can leave a containerd container that
# CRI never recorded, so never lists nor removes (containerd's own orphan, with runc as with
# Reaper): remove those as an operator would, through containerd, and count them.
orphans=$(ctrd -n k8s.io containers ls -q)
for id in $orphans; do
	e2e_log "containerd orphan unknown to CRI: $id (task: $(ctrd -n k8s.io tasks ls | awk -v i="$id" '$1 == i { print $3 }'))"
	ctrd -n k8s.io tasks kill -a -s KILL "$id" >/dev/null 2>&1 || true
	ctrd -n k8s.io tasks rm -f "$id" >/dev/null 2>&1 || true
	ctrd -n k8s.io containers rm "$id" >/dev/null 2>&1 || e2e_fail "cannot remove the orphan container $id"
done

# A shim whose `start` ran but whose Create never came (the kill fell in between) serves no task:
# containerd keeps it and its bundle, CRI never knew the task (so with runc too). An operator
# would kill it; containerd then cleans up after it. A shim that serves a task is never killed here.
idle=0
for pid in $(containerd_shim_pids); do
	id=$(tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n '/^-id$/{n;p}')
	[[ -n $id && ! -e $REAPER_ROOT/k8s.io/$id ]] || continue
	e2e_log "shim $pid of $id serves no task (its Create never came): killed"
	kill -KILL "$pid"
	idle=$((idle + 1))
done

e2e_log "nothing left"
kill "${recorders[@]}" 2>/dev/null || true
e2e_wait_until 30 containerd_no_shims ||
	e2e_fail "shims left: $(for p in $(containerd_shim_pids); do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)"
reaper_cri_assert_no_process
left=$(find "$REAPER_ROOT/k8s.io" -mindepth 1 -maxdepth 1 2>/dev/null | head -n 5)
[[ -z $left ]] || e2e_fail "Reaper state left: $left"
# containerd 2.x renames a bundle to .<id> before removing it: one whose removal the kill cut short
# stays until containerd's next start (its own leftover, not a task's).
bundles() { find "$CTRD_STATE/io.containerd.runtime.v2.task/k8s.io" -mindepth 1 -maxdepth 1 ! -name '.*' 2>/dev/null; }
no_bundles() { [[ -z $(bundles) ]]; }
e2e_wait_until 20 no_bundles || e2e_fail "task bundles left: $(bundles)"
left=$(grep -F -e "$CTRD_STATE" -e "$REAPER_ROOT" /proc/self/mountinfo || true)
[[ -z $left ]] || e2e_fail "mounts left: $left"
while read -r pod; do
	sock=/run/containerd/s/$(printf '%s' "$CTRD_SOCK/k8s.io/$pod" | sha256sum | cut -d' ' -f1)
	[[ ! -e $sock ]] || e2e_fail "shim socket of pod $pod left: $sock"
done <"$d/pods"
e2e_log "PASS ($(wc -l <"$d/pods") pods, $idle idle shims, $(wc -w <<<"$orphans") containerd orphans)"
