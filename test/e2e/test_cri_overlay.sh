#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The overlay a pod's group (its Kubernetes namespace) runs in, seen through CRI: a workload's writes to
# the host's filesystem stay in the overlay (the host never sees them), pods share them, and what
# the host unmounts, or a removed pod had mounted, does not live on in the overlay namespace
# (memory pinned, and another pod could read files the host has already let go of). Volatile
# mounts (a tmpfs, like a kubelet secret volume) are not taken into the namespace at all.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

reaper_cri_start
tag=$(e2e_id ovl)

# As a kubelet would have before the first Reaper pod (hence the overlay) exists: a tmpfs
# volume (a secret) of some other pod.
secret_dir="$E2E_DIR/kubelet/pods/other-uid/volumes/kubernetes.io~secret/token"
mkdir -p "$secret_dir"
mount -t tmpfs -o size=1m tmpfs "$secret_dir"
echo the-other-pods-secret >"$secret_dir/token"

e2e_log "a workload's writes stay in the overlay; another pod sees them, the host does not"
pod_a=$(reaper_cri_pod a)
ns_file=$REAPER_OVERLAY_BASE/groups/default/mnt # the pods are in Kubernetes namespace "default"
[[ -e "$ns_file" ]] || e2e_fail "no overlay namespace at $ns_file"
c=$(cri run "$pod_a" --name writer -- /bin/sh -c "
	echo from-a >/etc/reaper-e2e-$tag && echo etc-write=ok
	echo from-a >$E2E_DIR/written-by-workload && echo tmp-write=ok
	cat $secret_dir/token 2>/dev/null || echo secret=unseen")
reaper_cri_exited "$c"
e2e_assert_eq 0 "$(cri_field "$c" status.exit_code)" "writer exit code"
log="$E2E_DIR/logs/a/writer/0.log"
reaper_cri_log_has "$log" " stdout F etc-write=ok"
reaper_cri_log_has "$log" " stdout F tmp-write=ok"
reaper_cri_log_has "$log" " stdout F secret=unseen"
! grep -q "the-other-pods-secret" "$log" || e2e_fail "a workload reads another pod's tmpfs volume: $(cat "$log")"
[[ ! -e /etc/reaper-e2e-$tag ]] || { rm -f "/etc/reaper-e2e-$tag"; e2e_fail "a workload's write reached the host's /etc"; }
[[ ! -e "$E2E_DIR/written-by-workload" ]] || e2e_fail "a workload's write reached the host's $E2E_DIR"
pod_b=$(reaper_cri_pod b)
c=$(cri run "$pod_b" --name reader -- /bin/sh -c "cat /etc/reaper-e2e-$tag $E2E_DIR/written-by-workload")
reaper_cri_exited "$c"
e2e_assert_eq "from-a from-a" "$(awk '$2 == "stdout" { print $4 }' "$E2E_DIR/logs/b/reader/0.log" | paste -sd' ')" \
	"what a workload of another pod reads"

e2e_log "the host unmounts the other pod's volume and pod a goes: the overlay lets go of both"
umount "$secret_dir"
cri stopp "$pod_a"
cri rmp "$pod_a"
c=$(cri run "$pod_b" --name peek -- /bin/sh -c "
	cat $secret_dir/token 2>/dev/null || echo secret=unreadable
	grep -cE '$pod_a|kubernetes.io~secret' /proc/self/mountinfo | sed 's/^/mounts=/'")
reaper_cri_exited "$c"
log="$E2E_DIR/logs/b/peek/0.log"
reaper_cri_log_has "$log" " stdout F mounts="
! grep -q "the-other-pods-secret" "$log" || e2e_fail "a workload reads a tmpfs volume the host has unmounted: $(cat "$log")"
overlay_mounts=$(nsenter --mount="$ns_file" cat /proc/self/mountinfo | grep -E "$pod_a|kubernetes.io~secret" || true)
[[ -z "$overlay_mounts" ]] || e2e_fail "the overlay namespace keeps mounts the host or the removed pod let go of: $overlay_mounts"
reaper_cri_log_has "$log" " stdout F secret=unreadable"
reaper_cri_log_has "$log" " stdout F mounts=0"

cri stopp "$pod_b"
cri rmp "$pod_b"
e2e_log "PASS"
