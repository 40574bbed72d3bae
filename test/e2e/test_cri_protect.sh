#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Host protection through CRI, with what the kubelet sends (masked and read-only paths for a
# non-privileged container, the service-account token under /var/run/secrets): a non-privileged
# pod cannot write /proc/sys, /sys or the host's /run, reads the host's secrets as empty, cannot
# reach containerd's socket, yet reaches a host socket under /run and its token; a volume whose
# mount point would be made in the host's /sys is refused with the reason; a privileged pod keeps
# /proc/sys writable.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

reaper_cri_start
pod=$(reaper_cri_pod protect)
log_of() { echo "$E2E_DIR/logs/protect/$1/0.log"; }

# A host socket under /run, as munge or the journal offer one.
sock_dir=/run/reaper-e2e-sock-$(e2e_id s)
mkdir -p "$sock_dir"
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"host-socket-answers\n"); c.close()' "$sock_dir/s" &
server=$!
e2e_on_cleanup "kill $server 2>/dev/null; rm -rf '$sock_dir'"
mkdir -p "$E2E_DIR/sa" && echo the-token >"$E2E_DIR/sa/token"
host_secrets=$([[ -e /run/secrets ]] && echo present || echo absent)
host_core=$(cat /proc/sys/kernel/core_pattern)
e2e_on_cleanup "echo '$host_core' >/proc/sys/kernel/core_pattern; rm -f /run/reaper-e2e-file"
[[ $host_secrets == present ]] || e2e_on_cleanup "rm -rf /run/secrets"

e2e_log "a non-privileged container, as the kubelet creates it"
c=$(cri run "$pod" --name unpriv --service-account "$E2E_DIR/sa" -- /bin/sh -c '
	w() { if sh -c "$2" 2>/dev/null; then echo "$1=allowed"; else echo "$1=refused"; fi; }
	w core_pattern "echo x >/proc/sys/kernel/core_pattern"
	w sys "mkdir /sys/fs/cgroup/reaper-e2e"
	w run "touch /run/reaper-e2e-file"
	echo "token=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)"
	echo "shadow=$(wc -c </etc/shadow)"
	echo "containerd=$(ls -A /run/containerd | wc -l)"
	echo "socket=$(python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(s.recv(64).decode().strip())" '"$sock_dir/s"')"
	echo done')
reaper_cri_exited "$c"
log=$(log_of unpriv)
for line in core_pattern=refused sys=refused run=refused token=the-token shadow=0 containerd=0 \
	socket=host-socket-answers done; do
	reaper_cri_log_has "$log" " stdout F $line"
done
e2e_assert_eq "$host_core" "$(cat /proc/sys/kernel/core_pattern)" "the host's core_pattern"
e2e_assert_eq "$host_secrets" "$([[ -e /run/secrets ]] && echo present || echo absent)" "the host's /run/secrets"
[[ ! -e /run/reaper-e2e-file ]] || e2e_fail "the container created a file in the host's /run"
[[ -s /etc/shadow ]] || e2e_fail "the host's /etc/shadow is empty"
e2e_log "ok: non-privileged: /proc/sys, /sys and /run closed, secrets and containerd's socket out of reach, token and host socket reachable"

e2e_log "a volume whose mount point would be made in the host's /sys is refused, with the reason"
cg=/sys/fs/cgroup/reaper-e2e-$(e2e_id v)
e2e_on_cleanup "rmdir '$cg' 2>/dev/null || true"
# CRI makes the task at StartContainer: that is where the refusal shows.
if out=$(cri run "$pod" --name sysvol --mount "$E2E_DIR/sa:$cg" -- /bin/true 2>&1); then
	e2e_fail "a volume at $cg was accepted: $out"
fi
e2e_assert_contains "$out" "mount point $cg does not exist and cannot be made" "StartContainer's error"
[[ ! -e $cg ]] || e2e_fail "a host cgroup directory was made: $cg"
e2e_log "ok: refused: $(grep -o 'mount point .*' <<<"$out" | head -c 160)"

e2e_log "a privileged container keeps /proc/sys writable (it writes the value it reads)"
ppod=$(reaper_cri_pod protect-priv --privileged)
c=$(cri run "$ppod" --name priv --privileged -- /bin/sh -c '
	v=$(cat /proc/sys/kernel/core_pattern)
	if echo "$v" >/proc/sys/kernel/core_pattern; then echo write=allowed; else echo write=refused; fi')
reaper_cri_exited "$c"
reaper_cri_log_has "$E2E_DIR/logs/protect-priv/priv/0.log" " stdout F write=allowed"
e2e_assert_eq "$host_core" "$(cat /proc/sys/kernel/core_pattern)" "the host's core_pattern after the privileged write"
e2e_log "ok: privileged: /proc/sys writable, as under runc"
