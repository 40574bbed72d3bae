#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `reaper install --uninstall` while Reaper is in use on the node: a container running from the
# installed binary (its monitor, its recorded state under the node's REAPER_ROOT) makes uninstall
# refuse, list what is alive and change nothing; --dry-run shows the same; once the container is
# deleted uninstall goes through; --force uninstalls over a live container and says so.
source "$(dirname "$0")/lib.sh"

HOST=$T/host
CONFIG=$HOST/etc/containerd/config.toml
mkdir -p "$HOST/etc/containerd"
printf 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "x/pause:1"\n' >"$CONFIG"
cp -p "$CONFIG" "$T/original.toml"

# The installed runtime, with the node's default state root under the host root.
hrt() {
	env "$MARK" "$HOST/usr/local/bin/reaper-runtime" --root "$HOST/run/reaper" "$@"
}
at_teardown 'env "$MARK" "$REAPER_BIN" runtime --root "$HOST/run/reaper" delete --force alive >/dev/null 2>&1 || true'

tree() {
	(cd "$HOST" && find . -path ./run -prune -o -printf '%p %y %m %l\n' | sort)
}

"$REAPER_BIN" install --host-root "$HOST" >/dev/null
bundle=$(new_bundle alive sleep 300)
hrt run --detach --bundle "$bundle" alive
assert_eq running "$(json_get "$(hrt state alive)" status)" "the container from the installed binary"
installed=$(tree)

expect_fail "uninstall with a live container" "$REAPER_BIN" install --host-root "$HOST" --uninstall
assert_contains "$ERR" "1 Reaper container and" "refusal"
assert_contains "$ERR" "alive on this node (/run/reaper)" "refusal"
assert_contains "$ERR" "or add --force" "refusal"
out=$("$REAPER_BIN" install --host-root "$HOST" --uninstall --dry-run 2>&1 || true)
assert_contains "$out" "alive    container default/alive (pid" "the listing"
assert_contains "$out" "reaper-monitor" "the listing names the monitor"
assert_eq "$installed" "$(tree)" "the node after refused uninstalls"
cmp -s "$T/original.toml" "$CONFIG" && fail "the config lost Reaper's handler although uninstall was refused"
pass "uninstall refuses while a container runs from the installed binary, and lists it"

hrt kill alive KILL
wait_until 5 bash -c "[[ \$(env '$MARK' '$HOST/usr/local/bin/reaper-runtime' --root '$HOST/run/reaper' state alive) == *stopped* ]]"
hrt delete alive
out=$("$REAPER_BIN" install --host-root "$HOST" --uninstall)
assert_contains "$out" "uninstalled" "uninstall once the container is gone"
cmp "$T/original.toml" "$CONFIG" || fail "the config was not restored"
pass "with the container deleted, uninstall goes through"

"$REAPER_BIN" install --host-root "$HOST" >/dev/null
hrt run --detach --bundle "$bundle" alive
out=$("$REAPER_BIN" install --host-root "$HOST" --uninstall --force)
assert_contains "$out" "--force: uninstalling all the same" "uninstall --force"
assert_contains "$out" "uninstalled" "uninstall --force"
[[ ! -e $HOST/usr/local/bin/reaper ]] || fail "the binary is still there after uninstall --force"
# The container is still there; the build's own runtime takes it down.
env "$MARK" "$REAPER_BIN" runtime --root "$HOST/run/reaper" delete --force alive
pass "--force uninstalls over a live container"
finish
