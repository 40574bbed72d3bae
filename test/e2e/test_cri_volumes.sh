#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Kubernetes volumes of a container Reaper runs, as CRI passes them (bind mounts): a hostPath
# directory read-only (reads work, writes fail), an emptyDir-like host directory read-write
# (writes land in it, the pod's other containers see them), a single file, a bind over a
# directory the host has. Each container's mounts are its own: not on the host, not in the
# shared overlay, not in the pod's other containers.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

reaper_cri_start
pod=$(reaper_cri_pod vol)
log_of() { echo "$E2E_DIR/logs/vol/$1/0.log"; }

hostpath="$E2E_DIR/hostpath"
emptydir="$E2E_DIR/pods/volumes/cache"
mkdir -p "$hostpath" "$emptydir" "$E2E_DIR/shadowed"
echo from-the-host >"$hostpath/data"
echo config-line >"$E2E_DIR/config.txt"
echo host-only >"$E2E_DIR/shadowed/host-only"
# Container paths under a directory the host does not have: created in the overlay only.
ctr_dir=/reaper-e2e-$(e2e_id vol)
[[ ! -e $ctr_dir ]] || e2e_fail "$ctr_dir exists on the host before the test"

e2e_log "hostPath read-only, emptyDir read-write, a file, a bind over a host directory"
c=$(cri run "$pod" --name writer \
	--mount "$hostpath:$ctr_dir/hostpath:ro" \
	--mount "$emptydir:$ctr_dir/cache" \
	--mount "$E2E_DIR/config.txt:$ctr_dir/etc/app.conf:ro" \
	--mount "$hostpath:$E2E_DIR/shadowed:ro" \
	-- /bin/sh -c '
		d=$1
		echo "read=$(cat $d/hostpath/data)"
		if echo x >$d/hostpath/new 2>/dev/null; then echo ro-write=succeeded; else echo ro-write=failed; fi
		echo written-by-writer >$d/cache/file && echo rw-write=ok
		echo "conf=$(cat $d/etc/app.conf)"
		echo "shadowed=$(ls '"$E2E_DIR"'/shadowed | paste -sd, -)"
		grep -c " $d/" /proc/self/mountinfo | sed "s/^/mounts=/"
		echo ready; sleep 1000' sh "$ctr_dir")
e2e_assert_eq CONTAINER_RUNNING "$(cri wait "$c" --state CONTAINER_RUNNING)" "writer state"
log=$(log_of writer)
reaper_cri_log_has "$log" " stdout F ready"
reaper_cri_log_has "$log" " stdout F read=from-the-host"
reaper_cri_log_has "$log" " stdout F ro-write=failed"
reaper_cri_log_has "$log" " stdout F rw-write=ok"
reaper_cri_log_has "$log" " stdout F conf=config-line"
reaper_cri_log_has "$log" " stdout F shadowed=data"
reaper_cri_log_has "$log" " stdout F mounts=3"
[[ ! -e "$hostpath/new" ]] || e2e_fail "a write to the read-only hostPath reached the host"
e2e_assert_eq written-by-writer "$(cat "$emptydir/file" 2>/dev/null)" "file the container wrote into the read-write volume, seen from the host"
e2e_assert_eq host-only "$(ls "$E2E_DIR/shadowed")" "the host's view of the directory the container bound over"
[[ ! -e $ctr_dir ]] || e2e_fail "the container's mount points appeared on the host: $(ls -la "$ctr_dir")"
! grep -F "$ctr_dir" /proc/self/mountinfo || e2e_fail "the container's volumes are mounted on the host"
# The shared overlay namespace (every workload's view) does not carry them either.
! nsenter --mount="$REAPER_OVERLAY_BASE/groups/default/mnt" grep -F "$ctr_dir" /proc/self/mountinfo ||
	e2e_fail "the container's volumes are mounted in the shared overlay namespace"

e2e_log "the same directory in another container of the pod: it sees what the first wrote"
c2=$(cri run "$pod" --name reader --mount "$emptydir:/reaper-e2e-cache" \
	-- /bin/sh -c 'cat /reaper-e2e-cache/file; echo appended-by-reader >>/reaper-e2e-cache/file')
reaper_cri_exited "$c2"
e2e_assert_eq 0 "$(cri_field "$c2" status.exit_code)" "reader exit code"
reaper_cri_log_has "$(log_of reader)" " stdout F written-by-writer"
e2e_assert_eq "written-by-writer appended-by-reader" "$(paste -sd' ' "$emptydir/file")" "shared volume content"

e2e_log "a container without the volumes does not see them"
# Their mount points may exist in the shared overlay (empty directories), their content not.
c3=$(cri run "$pod" --name outsider -- /bin/sh -c "cat $ctr_dir/cache/file $ctr_dir/hostpath/data 2>/dev/null | grep -c . ; grep -c ' $ctr_dir/' /proc/self/mountinfo; echo done")
reaper_cri_exited "$c3"
reaper_cri_log_has "$(log_of outsider)" " stdout F done"
e2e_assert_eq "0 0 done" "$(awk '$2 == "stdout" { print $4 }' "$(log_of outsider)" | paste -sd' ')" "what a container without the volumes sees"

e2e_log "the volumes go with the container"
cri stop "$c" --grace 1
cri rm "$c"
! grep -F "$E2E_DIR/hostpath" /proc/self/mountinfo || e2e_fail "volume mounts left on the host"
[[ -d "$emptydir" && -d "$hostpath" ]] || e2e_fail "volume sources were removed"
e2e_assert_eq from-the-host "$(cat "$hostpath/data")" "hostPath content after the pod"
cri stopp "$pod"
cri rmp "$pod"
e2e_log "PASS"
