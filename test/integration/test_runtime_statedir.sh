#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A full or read-only state directory (the runtime root on a small tmpfs here): create fails
# cleanly with a message naming the path and leaves nothing behind, and the exit of a container
# that is already running is still recorded.
source "$(dirname "$0")/lib.sh"

SMALL=$T/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=256k,mode=0700 tmpfs "$SMALL" || skip "cannot mount a tmpfs"
at_teardown "umount -l '$SMALL' 2>/dev/null"
ROOT=$SMALL/state

# Fill the tmpfs to the last page.
fill() {
	dd if=/dev/zero of="$SMALL/filler" bs=4k 2>/dev/null || true
	dd if=/dev/zero of="$SMALL/filler2" bs=1 2>/dev/null || true
}
unfill() {
	rm -f "$SMALL/filler" "$SMALL/filler2"
}

# A container started while there is room, its exit after the disk filled up.
new_bundle early sleep 1000 >/dev/null
run_detached early
wait_status early running
fill
rt kill early KILL || fail "kill early on a full state directory"
wait_until 5 eval '[[ $(record early status) == stopped ]]' ||
	fail "the exit of early was not recorded on a full state directory: $(cat "$ROOT/default/early/state.json")"
assert_eq 137 "$(record early exit_code)" "recorded exit code of early"
pass "the exit of a running container is recorded when the state directory is full"

# Create on the full directory: a clear error naming where, nothing left.
new_bundle late sh -c 'echo should-not-run' >/dev/null
expect_fail "create on a full state directory" rt create --bundle "$T/late" late
assert_contains "$ERR" "$ROOT/default/late" "the error"
assert_contains "$ERR" "No space left on device" "the error"
[[ ! -e $ROOT/default/late ]] || fail "a failed create left $(ls -A "$ROOT/default/late")"
[[ -z $(live_marked_pids | grep -v "^$(record early monitor_pid)$" || true) ]] ||
	fail "a failed create left processes: $(describe_live)"
pass "create on a full state directory fails naming the path and leaves nothing"

# The recorded exit survives whatever fails later.
expect_fail "start of a stopped container" rt start early
assert_eq 137 "$(record early exit_code)" "recorded exit code of early after a failed write"
unfill
rt delete early || fail "delete early"

# A read-only state directory.
mkdir -p "$ROOT/default"
mount -o remount,ro "$SMALL" || fail "remount read-only"
expect_fail "create on a read-only state directory" rt create --bundle "$T/late" late
assert_contains "$ERR" "$ROOT/default/late" "the error"
assert_contains "$ERR" "Read-only file system" "the error"
[[ ! -e $ROOT/default/late ]] || fail "a failed create left $ROOT/default/late"
mount -o remount,rw "$SMALL"
pass "create on a read-only state directory fails naming the path and leaves nothing"

# And once there is room again, everything works.
assert_eq should-not-run "$(rt run --bundle "$T/late" late)" "run once the directory has room"
finish
