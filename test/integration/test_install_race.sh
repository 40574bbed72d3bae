#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `reaper install` against concurrent writers (issue 12.1). The window between the plan and the
# edit is widened deterministically: strace delays every fsync of one install by a fraction of a
# second, so the record it saves first appears long before it edits containerd's config.
#   - Two installs at once: the second waits for the first (a lock on the host root from check to
#     apply) and then has nothing to do: one runtime block, the backup is the original, uninstall
#     restores it byte for byte. (Before: both planned an append; the config got two blocks, the
#     second backup was the first install's output, containerd refused the config.)
#   - Another tool edits config.toml between the plan and the edit: the install notices that the
#     bytes are not those it planned from, changes nothing of the config and says so; the next run
#     installs onto the tool's version. (Before: the block planned for the old bytes was appended to
#     the new ones: runc declared twice, containerd refused the config.)
#   - A lock held by someone else makes install wait, and say so, until it is released.
set -euo pipefail
source "$(dirname "$0")/../e2e/lib/containerd.sh"

e2e_require_root
e2e_require_cmd strace flock containerd
REAPER_BIN=${REAPER_BIN:?REAPER_BIN is not set}
e2e_init

# A node whose config declares no runtime: the installer appends the handler and runc.
new_host() {
	HOST="$E2E_DIR/host-$1"
	CONFIG="$HOST/etc/containerd/config.toml"
	mkdir -p "$HOST/etc/containerd"
	e2e_copy_libs "$HOST"
	cat >"$CONFIG" <<TOML
version = 2
root = "$E2E_DIR/c/root"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
TOML
	cp -p "$CONFIG" "$E2E_DIR/original-$1.toml"
}

# The record an install saves before it changes anything (either place a version keeps it).
record_saved() {
	[[ -f $HOST/var/lib/reaper/install.json || -f $HOST/usr/local/lib/reaper/install.json ]]
}

# An install whose every fsync takes 300 ms; OUT_FILE gets its output, the pid is $SLOW.
slow_install() {
	local out=$1
	shift
	# LeakSanitizer cannot run under ptrace (a sanitizer build): off for this one process.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:delay_exit=300000 \
		"$REAPER_BIN" install --host-root "$HOST" "$@" >"$out" 2>&1 &
	SLOW=$!
	e2e_track_pid "$SLOW"
}

# containerd's own verdict on a config: it loads (dump succeeds) or not.
containerd_accepts() {
	containerd --config "$1" config dump >/dev/null 2>"$E2E_DIR/dump.err"
}

blocks_in() {
	grep -c '^# BEGIN reaper install' "$1" || true
}

e2e_log "two installs at once"
new_host two
slow_install "$E2E_DIR/a.out"
e2e_wait_until 20 record_saved || e2e_fail "the first install saved no record: $(cat "$E2E_DIR/a.out")"
rc_b=0
out_b=$("$REAPER_BIN" install --host-root "$HOST" 2>&1) || rc_b=$?
rc_a=0
wait "$SLOW" || rc_a=$?
e2e_log "first install (exit $rc_a): $(tr '\n' '|' <"$E2E_DIR/a.out")"
e2e_log "second install (exit $rc_b): $(tr '\n' '|' <<<"$out_b")"
e2e_assert_eq 1 "$(blocks_in "$CONFIG")" "runtime blocks in the config after two installs at once"
cmp "$E2E_DIR/original-two.toml" "$CONFIG.reaper-backup" || e2e_fail "the backup is not the original config"
containerd_accepts "$CONFIG" || e2e_fail "containerd refuses the config: $(cat "$E2E_DIR/dump.err")"
e2e_assert_eq "0 0" "$rc_a $rc_b" "exit codes of the two installs"
e2e_assert_contains "$out_b" "waiting for another reaper install" "the second install"
e2e_assert_contains "$out_b" "nothing to do" "the second install"
"$REAPER_BIN" install --host-root "$HOST" --uninstall >/dev/null
cmp "$E2E_DIR/original-two.toml" "$CONFIG" || e2e_fail "uninstall did not restore the original"

e2e_log "another tool edits config.toml between the plan and the edit"
new_host tool
slow_install "$E2E_DIR/a.out"
e2e_wait_until 20 record_saved || e2e_fail "the install saved no record: $(cat "$E2E_DIR/a.out")"
# What nvidia-ctk or kubeadm would do: declare runc with options, by writing a new file over it.
cat >"$CONFIG.tool" <<'TOML'
version = 2

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    SystemdCgroup = true
TOML
cp -p "$CONFIG.tool" "$E2E_DIR/tool.toml"
mv "$CONFIG.tool" "$CONFIG"
rc_a=0
wait "$SLOW" || rc_a=$?
out_a=$(cat "$E2E_DIR/a.out")
e2e_log "install (exit $rc_a): $(tr '\n' '|' <<<"$out_a")"
containerd_accepts "$CONFIG" || e2e_fail "containerd refuses the config: $(cat "$E2E_DIR/dump.err")"
e2e_assert_eq 1 "$rc_a" "exit code of the install whose config changed under it"
e2e_assert_contains "$out_a" "changed while reaper install was working" "the install's error"
cmp "$E2E_DIR/tool.toml" "$CONFIG" || e2e_fail "the config is not the tool's version"
[[ ! -e $CONFIG.reaper-backup ]] || e2e_fail "a backup was left of a config that was not edited"
out=$("$REAPER_BIN" install --host-root "$HOST")
e2e_assert_contains "$out" "append the handler" "the next install"
e2e_assert_eq 1 "$(blocks_in "$CONFIG")" "runtime blocks"
e2e_assert_eq 1 "$(grep -c 'runtimes.runc]' "$CONFIG")" "runc tables (the tool's only)"
containerd_accepts "$CONFIG" || e2e_fail "containerd refuses the config: $(cat "$E2E_DIR/dump.err")"
cmp "$E2E_DIR/tool.toml" "$CONFIG.reaper-backup" || e2e_fail "the backup is not the tool's version"
"$REAPER_BIN" install --host-root "$HOST" --uninstall >/dev/null
cmp "$E2E_DIR/tool.toml" "$CONFIG" || e2e_fail "uninstall did not restore the tool's version"

e2e_log "a lock held elsewhere: install waits until it is released"
new_host locked
exec {lock_fd}<"$HOST"
flock -x "$lock_fd"
# (The lock's fd is not passed on: the waiter would hold the very lock it waits for.)
"$REAPER_BIN" install --host-root "$HOST" >"$E2E_DIR/w.out" 2>&1 {lock_fd}<&- &
waiter=$!
e2e_track_pid "$waiter"
waiting() { grep -q "waiting for another reaper install" "$E2E_DIR/w.out"; }
e2e_wait_until 10 waiting || e2e_fail "install did not say it waits: $(cat "$E2E_DIR/w.out")"
kill -0 "$waiter" 2>/dev/null || e2e_fail "install did not wait for the lock: $(cat "$E2E_DIR/w.out")"
! record_saved || e2e_fail "install went on while the lock was held"
exec {lock_fd}<&-
wait "$waiter" || e2e_fail "install failed after the lock was released: $(cat "$E2E_DIR/w.out")"
e2e_assert_eq 1 "$(blocks_in "$CONFIG")" "runtime blocks"
"$REAPER_BIN" install --host-root "$HOST" --uninstall >/dev/null
cmp "$E2E_DIR/original-locked.toml" "$CONFIG" || e2e_fail "uninstall did not restore the original"

e2e_log "PASS"
