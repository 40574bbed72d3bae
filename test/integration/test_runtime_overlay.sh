#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The host is protected by the shared overlay: a workload's writes outside its volumes never reach
# the host, yet the next workload (same overlay base) sees them. Volumes are real host dirs:
# read-only ones refuse writes (EROFS), read-write ones land in the host source dir, and one
# container's volumes are invisible to another.
source "$(dirname "$0")/lib.sh"

run_out() {
	local rc=0
	rt run --bundle "$T/$1" "$1" >"$T/$1.out" 2>"$T/$1.err" || rc=$?
	((rc == 0)) || fail "run $1 exited $rc: $(cat "$T/$1.err") $(cat "$T/$1.out")"
	OUT=$(cat "$T/$1.out")
}

# Writes to /etc, to a host file, and a deletion.
etc_file=/etc/reaper-test-${T##*.}
at_teardown "rm -f '$etc_file'"
echo original >"$T/hostfile"
echo keep >"$T/keepme"
new_bundle writer sh -c "echo from-workload >$etc_file && echo changed >$T/hostfile && rm $T/keepme && echo wrote" >/dev/null
run_out writer
assert_eq wrote "$OUT" "writer output"
[[ ! -e $etc_file ]] || fail "a workload's write to /etc reached the host: $etc_file exists"
assert_eq original "$(cat "$T/hostfile")" "host file after a workload rewrote it"
[[ -e $T/keepme ]] || fail "a workload's rm reached the host"
pass "writes, rewrites and deletions by a workload do not reach the host"

new_bundle reader sh -c "cat $etc_file $T/hostfile; test -e $T/keepme && echo still-there || echo gone" >/dev/null
run_out reader
assert_eq "$(printf 'from-workload\nchanged\ngone')" "$OUT" "what the next workload sees"
pass "the next workload sees the first one's changes"

upper=$REAPER_OVERLAY_BASE/groups/_default/upper # the group of containers without Kubernetes metadata
[[ -f $upper$etc_file ]] || fail "the write is not in the overlay's upper layer ($upper$etc_file)"
pass "the writes live in the overlay base ($upper)"

# Read-only and read-write bind mounts.
mkdir -p "$T/rosrc" "$T/rwsrc"
echo readable >"$T/rosrc/existing"
new_bundle vols sh -c 'cat /mnt/ro/existing; touch /mnt/ro/new 2>&1 || echo "ro-refused"; echo written >/mnt/rw/new && echo rw-ok; grep -E " /mnt/r[ow] " /proc/self/mountinfo | awk "{ print \$5, \$6 }" | cut -d, -f1' >/dev/null
edit_config vols 'c["mounts"] += [
  {"destination": "/mnt/ro", "type": "bind", "source": "'"$T/rosrc"'", "options": ["rbind", "ro"]},
  {"destination": "/mnt/rw", "type": "bind", "source": "'"$T/rwsrc"'", "options": ["rbind", "rw"]}]'
run_out vols
mapfile -t lines <<<"$OUT"
assert_eq readable "${lines[0]}" "read from a read-only volume"
assert_contains "${lines[1]}" "Read-only file system" "write to a read-only volume"
assert_eq ro-refused "${lines[2]}" "write to a read-only volume"
assert_eq rw-ok "${lines[3]}" "write to a read-write volume"
assert_eq "/mnt/ro ro" "${lines[4]}" "mount entry of the read-only volume"
assert_eq "/mnt/rw rw" "${lines[5]}" "mount entry of the read-write volume"
[[ ! -e $T/rosrc/new ]] || fail "a file appeared in the read-only volume's source"
assert_eq written "$(cat "$T/rwsrc/new")" "the read-write volume's source dir on the host"
pass "ro bind mount refuses writes with EROFS; rw one writes through to the host dir"

# A file bind mount.
echo "file volume" >"$T/single"
new_bundle filevol cat /mnt/single-file >/dev/null
edit_config filevol 'c["mounts"].append({"destination": "/mnt/single-file", "type": "bind", "source": "'"$T/single"'", "options": ["bind", "ro"]})'
run_out filevol
assert_eq "file volume" "$OUT" "a file bind-mounted"
pass "a single file can be a volume"

# A source relative to the bundle (whose path has a space and a non-ASCII letter), and a tmpfs
# volume: private to the container, gone with it.
new_bundle "odd name é" sh -c 'cat /mnt/rel/f; echo scratch >/mnt/scratch/y && cat /mnt/scratch/y; awk "\$5 == \"/mnt/scratch\" { print \$9 }" /proc/self/mountinfo' >/dev/null
mkdir -p "$T/odd name é/relsrc"
echo relative >"$T/odd name é/relsrc/f"
edit_config "odd name é" 'c["mounts"] += [
  {"destination": "/mnt/rel", "type": "bind", "source": "relsrc", "options": ["rbind", "ro"]},
  {"destination": "/mnt/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "size=1m"]}]'
rc=0
rt run --bundle "$T/odd name é" odd >"$T/odd.out" 2>"$T/odd.err" || rc=$?
assert_eq 0 "$rc" "run odd: $(cat "$T/odd.err")"
assert_eq "$(printf 'relative\nscratch\ntmpfs')" "$(cat "$T/odd.out")" "relative bind source and tmpfs volume"
new_bundle after sh -c 'ls /mnt/scratch | wc -l' >/dev/null
run_out after
assert_eq 0 "$OUT" "files in /mnt/scratch seen by the next container"
pass "bind source relative to the bundle; a tmpfs volume stays private"

# One container's volume stays out of another's view (and out of the host's).
mkdir -p "$T/private"
echo secret >"$T/private/file"
dest=/srv/reaper-private-${T##*.}
new_bundle holder sleep 100 >/dev/null
edit_config holder 'c["mounts"].append({"destination": "'"$dest"'", "type": "bind", "source": "'"$T/private"'", "options": ["rbind", "rw"]})'
run_detached holder
wait_status holder running
holder_pid=$(json_get "$(rt state holder)" pid)
assert_eq secret "$(cat "/proc/$holder_pid/root$dest/file")" "the holder's own view of its volume"
new_bundle other sh -c "cat $dest/file 2>/dev/null || echo not-visible; grep -c ' $dest ' /proc/self/mountinfo || true" >/dev/null
run_out other
assert_eq "$(printf 'not-visible\n0')" "$OUT" "another container's view of the holder's volume"
if grep -q " $dest " /proc/self/mountinfo; then fail "the holder's volume is mounted on the host"; fi
rt kill holder KILL
wait_status holder stopped
rt delete holder
pass "a container's volume is not visible in another container nor on the host"

finish
