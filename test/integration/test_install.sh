#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `reaper install` into a temporary host root: files, links, record, idempotence, dry run,
# errors; then the config it wrote is loaded by the real containerd 1.6 (CRI plugin ok, the
# reaper-v2 handler in CRI's config, the root config's own CRI settings kept), and --uninstall
# restores the original byte for byte and leaves nothing of its own behind. The node settings
# file (/etc/reaper/reaper.conf): the commented defaults or --node-config, never an operator's
# file overwritten, removed on uninstall only if unchanged; reaper doctor reads it.
set -euo pipefail
source "$(dirname "$0")/../e2e/lib/containerd.sh"
source "$(dirname "$0")/../e2e/lib/cri.sh"

e2e_require_root
e2e_require_cmd containerd ctr
REAPER_BIN=${REAPER_BIN:?REAPER_BIN is not set}
e2e_init

# Everything under DIR with type, mode, link target and content hash: a tree to compare.
tree_state() {
	(cd "$1" && find . -printf '%p %y %m %l\n' | sort && find . -type f -print0 | sort -z | xargs -0r sha256sum)
}

install() {
	"$REAPER_BIN" install --host-root "$HOST" "$@"
}

# reaper doctor on the host root, with $DOCTOR_PATH (default: the installed farm) first on PATH;
# sets DOCTOR and DOCTOR_RC. The overlay base it checks is the host root's (its reaper.conf's).
doctor() {
	set +e
	DOCTOR=$(PATH="${DOCTOR_PATH:-$HOST/usr/local/bin}:$PATH" \
		"$REAPER_BIN" doctor --host-root "$HOST" --root "$E2E_DIR/state" "$@" 2>&1)
	DOCTOR_RC=$?
	set -e
}

# A node's root config: the private paths of the harness, top-level keys TOP (after the version
# line: TOML puts keys after a table header into that table), then the tables from stdin.
new_host() {
	HOST="$E2E_DIR/host-$1"
	CONFIG="$HOST/etc/containerd/config.toml"
	mkdir -p "$HOST/etc/containerd"
	{
		containerd_base_config | sed -n 1p
		printf '%s\n' "${2:-}"
		containerd_base_config | sed 1d
		cat
	} >"$CONFIG"
	cp -p "$CONFIG" "$E2E_DIR/original-$1.toml"
	BEFORE=$(tree_state "$HOST")
}

assert_installed_files() {
	local bin="$HOST/usr/local/bin"
	cmp "$REAPER_BIN" "$bin/reaper" || e2e_fail "installed binary differs from $REAPER_BIN"
	[[ -x "$bin/reaper" ]] || e2e_fail "$bin/reaper is not executable"
	local l
	for l in containerd-shim-reaper-v2 reaper-runtime reaper-monitor; do
		e2e_assert_eq reaper "$(readlink "$bin/$l")" "link $l"
	done
	"$bin/containerd-shim-reaper-v2" --version >/dev/null || e2e_fail "the installed shim link does not run"
	[[ -f "$HOST/usr/local/lib/reaper/install.json" ]] || e2e_fail "no install record"
}

assert_uninstall_restores() {
	local name=$1 out
	out=$(install --uninstall) || e2e_fail "uninstall failed: $out"
	cmp "$E2E_DIR/original-$name.toml" "$CONFIG" || e2e_fail "config not restored byte for byte"
	e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after uninstall"
	out=$(install --uninstall)
	e2e_assert_contains "$out" "nothing to do" "second uninstall"
}

# Start containerd on the installed config with the installed farm on its PATH; check that CRI
# loaded and declares the handler; HANDLERS holds `cri handlers`.
assert_containerd_loads() {
	containerd_start --config "$CONFIG" --path "$HOST/usr/local/bin"
	local plugins
	plugins=$(ctrd plugins ls)
	grep -E '^io\.containerd\.grpc\.v1[[:space:]]+cri[[:space:]].*[[:space:]]ok[[:space:]]*$' <<<"$plugins" >/dev/null ||
		{ containerd_log_tail 20; e2e_fail "CRI plugin did not load: $(grep cri <<<"$plugins")"; }
	cri_init
	HANDLERS=$(cri handlers)
	e2e_assert_contains "$HANDLERS" "reaper-v2 io.containerd.reaper.v2" "CRI runtime handlers"
	e2e_assert_contains "$HANDLERS" "runc io.containerd.runc.v2" "CRI runtime handlers"
	containerd_stop
}

e2e_log "containerd 1.6 fact: declaring only reaper-v2 drops runc and the CRI plugin fails"
new_host fact <<'TOML'

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes."reaper-v2"]
  runtime_type = "io.containerd.reaper.v2"
TOML
containerd_start --config "$CONFIG"
ctrd plugins ls | grep -E '^io\.containerd\.grpc\.v1[[:space:]]+cri[[:space:]].*error' >/dev/null ||
	e2e_fail "expected the CRI plugin to fail without runc: $(ctrd plugins ls | grep cri)"
containerd_stop

e2e_log "v2 config without imports: append to the root config"
new_host plain <<'TOML'

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
  restrict_oom_score_adj = true
TOML
doctor
e2e_assert_eq 1 "$DOCTOR_RC" "doctor before install"
e2e_assert_contains "$DOCTOR" "FAIL  containerd config" "doctor before install"
e2e_assert_contains "$DOCTOR" "FAIL  shim: containerd-shim-reaper-v2 not found" "doctor before install"
e2e_assert_contains "$DOCTOR" "ok    kernel overlayfs" "doctor before install"
out=$(install --dry-run)
e2e_assert_contains "$out" "would append the handler" "dry run"
e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after --dry-run"
out=$(install)
e2e_assert_contains "$out" "installed" "install"
assert_installed_files
cmp "$E2E_DIR/original-plain.toml" "$CONFIG.reaper-backup" || e2e_fail "backup differs from the original"
grep -qF '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes."reaper-v2"]' "$CONFIG" || e2e_fail "no handler in $CONFIG"
head -c "$(stat -c %s "$E2E_DIR/original-plain.toml")" "$CONFIG" | cmp - "$E2E_DIR/original-plain.toml" ||
	e2e_fail "install changed the existing part of the config"
settings=$HOST/etc/reaper/reaper.conf
[[ -f $settings ]] || e2e_fail "install wrote no $settings"
e2e_assert_eq 644 "$(stat -c %a "$settings")" "mode of $settings"
grep -vE '^(#.*)?$' "$settings" && e2e_fail "$settings has a line that is not a comment"
grep -qx '#REAPER_FILTER_MODE=append' "$settings" || e2e_fail "$settings lacks the commented default of REAPER_FILTER_MODE"
doctor
e2e_assert_eq 0 "$DOCTOR_RC" "doctor after install: $DOCTOR"
e2e_assert_contains "$DOCTOR" "ok    node configuration $settings: read without errors" "doctor"
e2e_assert_contains "$DOCTOR" "  REAPER_OVERLAY_BASE=/run/reaper/overlay  (default)" "doctor"
e2e_assert_contains "$DOCTOR" "ok    containerd config: handler reaper-v2 has runtime_type io.containerd.reaper.v2" "doctor"
e2e_assert_contains "$DOCTOR" "ok    shim: $HOST/usr/local/bin/containerd-shim-reaper-v2 -> $HOST/usr/local/bin/reaper (containerd-shim-reaper-v2 version" "doctor"
doctor --handler other
e2e_assert_eq 1 "$DOCTOR_RC" "doctor asking for a handler that is not there"
mkdir -p "$E2E_DIR/fake"
printf '#!/bin/sh\necho containerd-shim-runc-v2 1.0\n' >"$E2E_DIR/fake/containerd-shim-reaper-v2"
chmod +x "$E2E_DIR/fake/containerd-shim-reaper-v2"
DOCTOR_PATH="$E2E_DIR/fake" doctor
e2e_assert_eq 1 "$DOCTOR_RC" "doctor with a shim that is not reaper"
e2e_assert_contains "$DOCTOR" "is not a reaper (its --version says 'containerd-shim-runc-v2 1.0')" "doctor"
mkdir -p "$HOST/run/reaper"
touch "$HOST/run/reaper/overlay"
doctor
rm -r "$HOST/run"
e2e_assert_eq 1 "$DOCTOR_RC" "doctor with the overlay base a file"
e2e_assert_contains "$DOCTOR" "FAIL  overlay base $HOST/run/reaper/overlay: $HOST/run/reaper/overlay is not a directory" "doctor"
after_first=$(tree_state "$HOST")
out=$(install)
e2e_assert_contains "$out" "nothing to do" "second install"
e2e_assert_eq "$after_first" "$(tree_state "$HOST")" "host tree after the second install"
assert_containerd_loads
assert_uninstall_restores plain

e2e_log "v2 config importing conf.d, no CRI section anywhere: a drop-in"
# containerd reads the import as a path of this machine, the installer as a path under the host
# root: name the host root's conf.d, and let the host root see the same directory at that path.
new_host dropin "imports = [\"$E2E_DIR/host-dropin/etc/containerd/conf.d/*.toml\"]" </dev/null
mkdir -p "$HOST$HOST/etc/containerd"
ln -s "$HOST/etc/containerd/conf.d" "$HOST$HOST/etc/containerd/conf.d"
mkdir -p "$HOST/etc/containerd/conf.d"
cp -p "$CONFIG" "$E2E_DIR/original-dropin.toml"
BEFORE=$(tree_state "$HOST")
out=$(install)
e2e_assert_contains "$out" "write a drop-in" "install with imports"
[[ -f "$HOST/etc/containerd/conf.d/reaper.toml" ]] || e2e_fail "no drop-in written: $out"
cmp "$E2E_DIR/original-dropin.toml" "$CONFIG" || e2e_fail "the root config was edited although a drop-in was used"
assert_installed_files
assert_containerd_loads
assert_uninstall_restores dropin

e2e_log "v2 config importing conf.d with its own CRI section: root edited, its CRI settings kept"
new_host keep "imports = [\"$E2E_DIR/host-keep/etc/containerd/conf.d/*.toml\"]" <<'TOML'

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "example.invalid/kept-setting:1"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
TOML
mkdir -p "$HOST/etc/containerd/conf.d" "$HOST$HOST/etc/containerd"
ln -s "$HOST/etc/containerd/conf.d" "$HOST$HOST/etc/containerd/conf.d"
BEFORE=$(tree_state "$HOST")
# Why not a drop-in here: containerd 1.6 would let its CRI section replace the root's.
cat >"$HOST/etc/containerd/conf.d/probe.toml" <<'TOML'
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
TOML
containerd_start --config "$CONFIG"
cri_init
[[ "$(cri status -v -f info.config.sandboxImage)" != "example.invalid/kept-setting:1" ]] ||
	e2e_fail "expected containerd 1.6 to drop the root's CRI settings when a drop-in has a CRI section"
containerd_stop
rm "$HOST/etc/containerd/conf.d/probe.toml"
out=$(install)
e2e_assert_contains "$out" "append the handler" "install with imports and a CRI section"
grep -qF 'runtimes.runc]' <(sed -n '/BEGIN reaper install/,$p' "$CONFIG") &&
	e2e_fail "runc declared twice (it was declared already)"
assert_containerd_loads
containerd_start --config "$CONFIG" --path "$HOST/usr/local/bin"
e2e_assert_eq "example.invalid/kept-setting:1" "$(cri status -v -f info.config.sandboxImage)" "root CRI setting"
containerd_stop
assert_uninstall_restores keep

e2e_log "errors are clear and change nothing"
new_host garbage <<'TOML'
[plugins."io.containerd.grpc.v1.cri"
TOML
set +e
out=$(install 2>&1)
rc=$?
set -e
e2e_assert_eq 1 "$rc" "install on a garbage config"
e2e_assert_contains "$out" "/etc/containerd/config.toml: line" "error message"
doctor
e2e_assert_eq 1 "$DOCTOR_RC" "doctor on a garbage config"
e2e_assert_contains "$DOCTOR" "FAIL  containerd config: $HOST/etc/containerd/config.toml: line 1" "doctor"
e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after a failed install"

new_host taken <<'TOML'

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes."reaper-v2"]
  runtime_type = "io.containerd.runc.v2"
TOML
set +e
out=$(install 2>&1)
rc=$?
set -e
e2e_assert_eq 1 "$rc" "install over a handler of another runtime type"
e2e_assert_contains "$out" "already declares the runtime handler 'reaper-v2'" "error message"
e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after a refused install"

new_host linked </dev/null
mv "$CONFIG" "$CONFIG.real"
ln -s config.toml.real "$CONFIG"
BEFORE=$(tree_state "$HOST")
set +e
out=$(install 2>&1)
rc=$?
set -e
e2e_assert_eq 1 "$rc" "install on a symlinked config"
e2e_assert_contains "$out" "/etc/containerd/config.toml is a symlink" "error message"
e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after a refused install"

set +e
out=$("$REAPER_BIN" install --host-root "$HOST" --prefix relative 2>&1)
rc=$?
set -e
e2e_assert_eq 2 "$rc" "relative --prefix"
if [[ "$(cat /proc/1/comm)" != systemd ]]; then
	set +e
	out=$(install --restart systemd 2>&1)
	rc=$?
	set -e
	e2e_assert_eq 1 "$rc" "--restart systemd without systemd as pid 1"
	e2e_assert_contains "$out" "not systemd" "error message"
	e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after a refused --restart"
fi

e2e_log "missing config: created, then removed by uninstall"
HOST="$E2E_DIR/host-missing"
CONFIG="$HOST/etc/containerd/config.toml"
mkdir -p "$HOST"
BEFORE=$(tree_state "$HOST")
out=$(install --prefix /opt/reaper)
e2e_assert_contains "$out" "create with the handler" "install without a config"
head -n1 "$CONFIG" | grep -qx 'version = 2' || e2e_fail "created config lacks version = 2: $(cat "$CONFIG")"
out=$(install --prefix /opt/reaper --uninstall)
e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after uninstall of a created config"

e2e_log "node settings: --node-config, an operator's file, uninstall"
new_host settings </dev/null
settings=$HOST/etc/reaper/reaper.conf
printf '# from the chart\nREAPER_FILTER_MODE=replace\nREAPER_FILTER_PATHS=/srv/secret\n' >"$E2E_DIR/values.conf"
printf 'REAPER_FILTER_MODE=merge\n' >"$E2E_DIR/bad.conf"
set +e
out=$(install --node-config "$E2E_DIR/bad.conf" 2>&1)
rc=$?
set -e
e2e_assert_eq 1 "$rc" "install with a bad --node-config"
e2e_assert_contains "$out" "--node-config: $E2E_DIR/bad.conf:1: REAPER_FILTER_MODE: must be append or replace, not \"merge\"" "error message"
e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after a refused --node-config"
out=$(install --node-config "$E2E_DIR/values.conf")
e2e_assert_contains "$out" "settings /etc/reaper/reaper.conf: write the settings of --node-config" "install --node-config"
cmp "$E2E_DIR/values.conf" "$settings" || e2e_fail "$settings is not the --node-config file"
doctor
e2e_assert_contains "$DOCTOR" "  REAPER_FILTER_MODE=replace  ($settings:2)" "doctor reads the node's file"
e2e_assert_contains "$DOCTOR" "  hidden from every container: /srv/secret"$'\n' "doctor: the replaced filter list"
out=$(install --node-config "$E2E_DIR/values.conf")
e2e_assert_contains "$out" "nothing to do" "the same --node-config again"
printf 'REAPER_SYSCTLS=ignore\n' >"$E2E_DIR/values.conf"
out=$(install --node-config "$E2E_DIR/values.conf")
e2e_assert_contains "$out" "replace (written by reaper install, unchanged since)" "new --node-config"
cmp "$E2E_DIR/values.conf" "$settings" || e2e_fail "$settings was not replaced"
out=$(install)
e2e_assert_contains "$out" "replace (written by reaper install, unchanged since)" "back to the defaults"
grep -qx '#REAPER_SYSCTLS=refuse' "$settings" || e2e_fail "$settings does not hold the defaults again"
# An operator changes the file: it is theirs from now on.
printf 'REAPER_FILTER_MODE=merge\n' >>"$settings"
cp -p "$settings" "$E2E_DIR/operator.conf"
out=$(install)
e2e_assert_contains "$out" "settings /etc/reaper/reaper.conf: left as is (not written by reaper install, or changed since)" "install over an operator's file"
e2e_assert_contains "$out" "warning: /etc/reaper/reaper.conf:$(wc -l <"$settings"): REAPER_FILTER_MODE: must be append or replace, not \"merge\"" "install warns of a bad operator's file"
set +e
out=$(install --node-config "$E2E_DIR/values.conf" 2>&1)
rc=$?
set -e
e2e_assert_eq 1 "$rc" "--node-config over an operator's file"
e2e_assert_contains "$out" "is never overwritten" "error message"
cmp "$E2E_DIR/operator.conf" "$settings" || e2e_fail "the operator's file was changed"
doctor
e2e_assert_eq 1 "$DOCTOR_RC" "doctor with a bad setting"
e2e_assert_contains "$DOCTOR" "FAIL  node configuration: $settings:$(wc -l <"$settings"): REAPER_FILTER_MODE: must be append or replace, not \"merge\"" "doctor"
out=$(install --uninstall)
e2e_assert_contains "$out" "settings /etc/reaper/reaper.conf: left as is (not written by reaper install)" "uninstall"
cmp "$E2E_DIR/operator.conf" "$settings" || e2e_fail "uninstall changed the operator's file"
rm -r "$HOST/etc/reaper"
e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after uninstall (the operator's file removed by hand)"

e2e_log "PASS"
