#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What a non-privileged container (Kubernetes' default capabilities, kubelet's masked and read-only
# paths) can no longer do to the node, and what it still can: /proc/sys, /sys and /run are
# read-only, the masked paths read empty, /dev holds only the usual devices, the host's secrets
# read empty, yet a host unix socket under /run still answers. A privileged container (CAP_SYS_ADMIN)
# sees the node's overlay as it is.
source "$(dirname "$0")/lib.sh"

run_out() {
	local rc=0
	rt run --bundle "$T/$1" "$1" >"$T/$1.out" 2>"$T/$1.err" || rc=$?
	((rc == 0)) || fail "run $1 exited $rc: $(cat "$T/$1.err") $(cat "$T/$1.out")"
	OUT=$(cat "$T/$1.out")
}

# A host unix socket under /run that workloads may use (munge, the journal, nscd do the same).
sock_dir=/run/reaper-test-sock-${T##*.}
mkdir -p "$sock_dir"
at_teardown "kill \$(cat '$T/server.pid' 2>/dev/null) 2>/dev/null; rm -rf '$sock_dir'"
"$PYTHON" - "$sock_dir/s" "$T/server.pid" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
open(sys.argv[2], "w").write(str(os.getpid()))
while True:
    c, _ = s.accept()
    c.sendall(b"hello from the host\n")
    c.close()
EOF
wait_until 5 test -S "$sock_dir/s"
host_core=$(cat /proc/sys/kernel/core_pattern)
# Should the protections fail, undo what the probe did to the node.
at_teardown "echo '$host_core' >/proc/sys/kernel/core_pattern; rm -rf /run/reaper-test-file /run/reaper-test-dir; rmdir /sys/fs/cgroup/reaper-test-* 2>/dev/null"

probe='
w() { if sh -c "$2" 2>/dev/null; then echo "$1: allowed"; else echo "$1: refused"; fi; }
w core_pattern "echo x >/proc/sys/kernel/core_pattern"
w sysrq "echo h >/proc/sysrq-trigger"
w sys-cgroup "mkdir /sys/fs/cgroup/reaper-test-$$"
w sys-uevent "echo x >/sys/kernel/uevent_helper"
w run-file "touch /run/reaper-test-file"
w run-dir "mkdir /run/reaper-test-dir"
w dev-node "mknod /dev/reaper-sda b 8 0"
w tmp-node "mknod /tmp/reaper-sda b 8 0 && head -c1 /tmp/reaper-sda >/dev/null"
w dev-null "echo x >/dev/null"
echo "kcore: $(head -c 16 /proc/kcore 2>/dev/null | wc -c)"
echo "timer_list: $(wc -c </proc/timer_list)"
echo "firmware: $(ls -A /sys/firmware | wc -l)"
echo "shadow: $(wc -c </etc/shadow)"
echo "dev: $(ls /dev | tr "\n" " ")"
echo "socket: $(python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(s.recv(64).decode().strip())" '"$sock_dir/s"')"
'
new_bundle unpriv sh -c "$probe" >/dev/null
unprivileged unpriv
run_out unpriv
expect() { grep -qxF -- "$1" <<<"$OUT" || fail "non-privileged: expected '$1' in: $OUT"; }
expect "core_pattern: refused"
expect "sysrq: refused"
expect "sys-cgroup: refused"
expect "sys-uevent: refused"
expect "run-file: refused"
expect "run-dir: refused"
expect "dev-node: refused"
expect "tmp-node: refused"
expect "dev-null: allowed"
expect "kcore: 0"
expect "timer_list: 0"
expect "firmware: 0"
expect "shadow: 0"
expect "dev: core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "
expect "socket: hello from the host"
assert_eq "$host_core" "$(cat /proc/sys/kernel/core_pattern)" "the host's core_pattern"
[[ ! -e /run/reaper-test-file && ! -e /run/reaper-test-dir ]] || fail "a workload created files in the host's /run"
[[ -s /etc/shadow ]] || fail "the host's /etc/shadow changed"
pass "non-privileged: /proc/sys, /sys, /run and /dev are closed, masked paths and secrets read empty, a host socket answers"

# The same probe with CAP_SYS_ADMIN: the node's overlay as it is (nothing is written: only the
# mount flags are compared).
new_bundle priv sh -c 'grep -E " /(sys|proc/sys) " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1; ls /dev | grep -c .' >/dev/null
unprivileged priv
edit_config priv 'c["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
c["linux"]["maskedPaths"] = []
c["linux"]["readonlyPaths"] = []
c["mounts"][4]["options"].remove("ro")'
run_out priv
mapfile -t lines <<<"$OUT"
assert_eq "/sys rw" "${lines[0]}" "privileged: /sys"
[[ ${lines[1]} -gt 15 ]] || fail "privileged: /dev has ${lines[1]} entries, expected the host's"
pass "privileged (CAP_SYS_ADMIN): /sys writable and the host's /dev, as under runc"

# Both kinds still see a file another workload wrote to the shared overlay.
new_bundle writer sh -c 'echo shared >/tmp/reaper-protect-shared' >/dev/null
unprivileged writer
run_out writer
new_bundle reader cat /tmp/reaper-protect-shared >/dev/null
unprivileged reader
run_out reader
assert_eq shared "$OUT" "a non-privileged workload reads another one's file"
[[ ! -e /tmp/reaper-protect-shared ]] || fail "the shared file reached the host"
pass "non-privileged workloads still share the overlay"

# A spec that mounts its own /run (ctr's default spec does) over the hidden sockets, which are
# masked first: the later directory masks still get their empty directory.
new_bundle own-run sh -c 'ls -A /run | wc -l; ls -A /sys/firmware | wc -l; ls -A /proc/scsi 2>/dev/null | wc -l' >/dev/null
unprivileged own-run
edit_config own-run 'c["mounts"].append({"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]})
c["linux"]["maskedPaths"] = ["/sys/firmware", "/proc/scsi"]'
REAPER_HIDDEN_SOCKETS=$sock_dir run_out own-run
assert_eq "0 0 0" "$(echo $OUT)" "/run, /sys/firmware and /proc/scsi under a spec's own /run"
pass "directory masks made after a spec's own /run covers the first one"

# The node's settings: the hidden sockets are a list of its own, the allowlist un-hides a secret
# (read when the overlay namespace is built: a fresh base here).
new_bundle hidden sh -c "$probe" >/dev/null
unprivileged hidden
REAPER_HIDDEN_SOCKETS=$sock_dir rt run --bundle "$T/hidden" hidden >"$T/hidden.out" 2>&1 || true
assert_contains "$(cat "$T/hidden.out")" "socket: " "a socket the node's settings hide"
assert_not_contains "$(cat "$T/hidden.out")" "hello from the host" "a socket the node's settings hide"
pass "REAPER_HIDDEN_SOCKETS hides a socket directory of the node's choice"

new_bundle allowed sh -c 'wc -c </etc/shadow; wc -c </etc/gshadow' >/dev/null
unprivileged allowed
REAPER_OVERLAY_BASE=$T/ov-allow REAPER_FILTER_ALLOWLIST=/etc/shadow run_out allowed
at_teardown "umount '$T/ov-allow/mnt' '$T/ov-allow' 2>/dev/null"
mapfile -t lines <<<"$OUT"
assert_eq "$(wc -c </etc/shadow)" "${lines[0]}" "/etc/shadow with REAPER_FILTER_ALLOWLIST=/etc/shadow"
assert_eq 0 "${lines[1]}" "/etc/gshadow (still hidden)"
pass "REAPER_FILTER_ALLOWLIST shows an allowed secret, the others stay hidden"

finish
