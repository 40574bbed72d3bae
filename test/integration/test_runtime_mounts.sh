#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Mount points never touch the host: a volume under /var/run lands in Reaper's /run, one whose
# mount point would have to be made in the host's /sys is refused naming it. The spec's options
# are honoured as runc honours them: ro is the top mount's and rro the whole tree's, propagation
# rprivate / rslave / rshared, a bind source that is a symlink, root.readonly.
source "$(dirname "$0")/lib.sh"

run_out() {
	local rc=0
	rt run --bundle "$T/$1" "$1" >"$T/$1.out" 2>"$T/$1.err" || rc=$?
	((rc == 0)) || fail "run $1 exited $rc: $(cat "$T/$1.err") $(cat "$T/$1.out")"
	OUT=$(cat "$T/$1.out")
}

bind() { # bind DEST SOURCE OPTIONS...: a JSON mount
	local dest=$1 src=$2 opts
	shift 2
	opts=$(printf '"%s",' "$@")
	printf '{"destination": "%s", "type": "bind", "source": "%s", "options": [%s]}' "$dest" "$src" "${opts%,}"
}

# The service-account token's path: /var/run is a link to /run, and /run/secrets is nobody's.
mkdir -p "$T/sa" && echo token >"$T/sa/token"
host_secrets_before=$([[ -e /run/secrets ]] && echo present || echo absent)
[[ $host_secrets_before == present ]] || at_teardown "rm -rf /run/secrets"
new_bundle token cat /var/run/secrets/kubernetes.io/serviceaccount/token >/dev/null
unprivileged token
edit_config token "c['mounts'].append($(bind /var/run/secrets/kubernetes.io/serviceaccount "$T/sa" rbind ro))"
run_out token
assert_eq token "$OUT" "the token through /var/run"
assert_eq "$host_secrets_before" "$([[ -e /run/secrets ]] && echo present || echo absent)" "the host's /run/secrets"
pass "a volume under /var/run is mounted without creating anything in the host's /run"

# Under /sys, where Reaper never writes: refused, naming the mount, nothing made on the host.
cg=/sys/fs/cgroup/reaper-mounts-${T##*.}
at_teardown "rmdir '$cg' 2>/dev/null"
new_bundle sysvol true >/dev/null
unprivileged sysvol
edit_config sysvol "c['mounts'].append($(bind "$cg" "$T/sa" rbind))"
expect_fail "a mount point under /sys" rt run --bundle "$T/sysvol" sysvol
assert_contains "$ERR" "mount point $cg does not exist and cannot be made" "the refusal"
assert_contains "$ERR" "on the host's" "the refusal names the host's mount"
[[ ! -e $cg ]] || fail "a host cgroup directory was created: $cg"
[[ -z $(ls "$ROOT/default" 2>/dev/null) ]] || fail "state left after the refusal: $(ls "$ROOT/default")"
pass "a mount point under the host's /sys is refused, naming the mount; nothing is left"

# ro is the top mount's, rro the whole tree's (a tmpfs mounted inside the source).
mkdir -p "$T/tree/sub"
mount -t tmpfs reaper-test-sub "$T/tree/sub"
at_teardown "umount '$T/tree/sub' 2>/dev/null"
check='touch /v/top 2>/dev/null && echo top-rw || echo top-ro; touch /v/sub/f 2>/dev/null && echo sub-rw || echo sub-ro'
new_bundle ro sh -c "$check" >/dev/null
edit_config ro "c['mounts'].append($(bind /v "$T/tree" rbind ro))"
run_out ro
assert_eq "$(printf 'top-ro\nsub-rw')" "$OUT" "rbind,ro"
new_bundle rro sh -c "$check" >/dev/null
edit_config rro "c['mounts'].append($(bind /v "$T/tree" rbind rro))"
run_out rro
assert_eq "$(printf 'top-ro\nsub-ro')" "$OUT" "rbind,rro"
pass "ro applies to the top mount only, rro to the submounts too"

# A bind source that is a symlink is resolved on the host.
ln -s "$T/sa" "$T/sa-link"
new_bundle symlink cat /s/token >/dev/null
edit_config symlink "c['mounts'].append($(bind /s "$T/sa-link" rbind))"
run_out symlink
assert_eq token "$OUT" "a volume whose host path is a symlink"
pass "a bind source that is a symlink mounts its target"

# Propagation: a shared host directory; the container mounts inside its volume and reports what it
# sees of a mount the host makes while it runs.
mkdir -p "$T/shared"
mount --bind "$T/shared" "$T/shared"
mount --make-shared "$T/shared"
at_teardown "umount -R '$T/shared' 2>/dev/null"
propagation() { # propagation OPTION: "<container sees host's> <host sees container's>"
	local name=prop-$1 sig=$T/sig-$1
	mkdir -p "$T/shared/from-host-$1" "$T/shared/from-ctr-$1" "$sig"
	# The container and the test meet in a volume of their own: the container's /tmp is the overlay.
	new_bundle "$name" sh -c "mount -t tmpfs reaper-ctr /v/from-ctr-$1; touch /sig/ready; while [ ! -e /sig/go ]; do sleep 0.05; done; grep -q ' /v/from-host-$1 ' /proc/self/mountinfo && echo seen || echo unseen" >/dev/null
	unprivileged "$name"
	edit_config "$name" "caps = c['process']['capabilities']
for k in ('bounding', 'effective', 'permitted'):
    caps[k].append('CAP_SYS_ADMIN')
c['mounts'] += [$(bind /v "$T/shared" rbind "$1"), $(bind /sig "$sig" rbind)]"
	rt run --bundle "$T/$name" "$name" >"$T/$name.out" 2>"$T/$name.err" &
	local cli=$!
	wait_until 5 test -e "$sig/ready" || fail "$name did not start: $(cat "$T/$name.err")"
	mount -t tmpfs reaper-host "$T/shared/from-host-$1"
	local host_sees=unseen
	grep -q " $T/shared/from-ctr-$1 " /proc/self/mountinfo && host_sees=seen
	touch "$sig/go"
	wait "$cli" || fail "$name exited with an error: $(cat "$T/$name.err")"
	umount "$T/shared/from-host-$1"
	umount "$T/shared/from-ctr-$1" 2>/dev/null || true
	echo "$(cat "$T/$name.out") $host_sees"
}
assert_eq "unseen unseen" "$(propagation rprivate)" "rprivate: container sees host's, host sees container's"
assert_eq "seen unseen" "$(propagation rslave)" "rslave"
assert_eq "seen seen" "$(propagation rshared)" "rshared"
pass "propagation: rprivate nothing either way, rslave host to container only, rshared both ways"

# root.readonly: the whole view is read-only but the volumes and the writable kernel filesystems.
mkdir -p "$T/rw"
new_bundle rootro sh -c 'touch /etc/reaper-x 2>/dev/null && echo etc-rw || echo etc-ro; touch /data/f && echo vol-rw; touch /dev/shm/f && echo shm-rw' >/dev/null
unprivileged rootro
edit_config rootro "c['root']['readonly'] = True
c['mounts'].append($(bind /data "$T/rw" rbind rw))"
run_out rootro
assert_eq "$(printf 'etc-ro\nvol-rw\nshm-rw')" "$OUT" "root.readonly"
pass "root.readonly: read-only but for the volumes and /dev/shm"

# No devices cgroup: a non-privileged container's volumes are nodev through and through, so a
# device node a volume holds (a hostPath of /dev), or one it makes on a tmpfs volume, opens for
# no one; a privileged container opens it, as under runc.
mkdir -p "$T/devs"
mknod "$T/devs/zero" c 1 5
devcheck='head -c1 /devs/zero >/dev/null 2>&1 && echo bind-open || echo bind-refused
mknod /scratch/zero c 1 5 && { head -c1 /scratch/zero >/dev/null 2>&1 && echo tmpfs-open || echo tmpfs-refused; }'
tmpfs_vol='{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["dev"]}'
new_bundle nodev sh -c "$devcheck" >/dev/null
unprivileged nodev
edit_config nodev "c['mounts'] += [$(bind /devs "$T/devs" rbind rw dev), $tmpfs_vol]"
run_out nodev
assert_eq "$(printf 'bind-refused\ntmpfs-refused')" "$OUT" "device nodes on a non-privileged container's volumes"
new_bundle devpriv sh -c "$devcheck" >/dev/null
edit_config devpriv "c['mounts'] += [$(bind /devs "$T/devs" rbind rw dev), $tmpfs_vol]"
run_out devpriv
assert_eq "$(printf 'bind-open\ntmpfs-open')" "$OUT" "device nodes on a privileged container's volumes"
pass "a non-privileged container's volumes are nodev (even asked 'dev'); a privileged one's as asked"

finish
