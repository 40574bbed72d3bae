#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `reaper install` into a temporary host root: files, links, record, idempotence, dry run,
# errors; then the config it wrote is loaded by the real containerd 1.6 (CRI plugin ok, the
# reaper-v2 handler in CRI's config, the root config's own CRI settings kept), and --uninstall
# restores the original byte for byte and leaves nothing of its own behind. The node settings
# file (/etc/reaper/reaper.conf): the commented defaults or --node-config, never an operator's
# file overwritten, removed on uninstall only if unchanged; reaper doctor reads it.
# Rollout (issue 15): a re-run changes nothing and drift is healed in every placement (append,
# drop-in, create) with version 2 and 3 configs; a stray backup is moved aside, a stale one goes;
# uninstall takes out only Reaper's lines (an operator's additions stay); symlinked configs are
# refused (absolute, relative, dangling); another --prefix, --handler or --config is refused; an
# upgrade says old -> new; a record of an older reaper is read and moved.
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

# reaper doctor on the host root (every path it checks is the node's, under it); sets DOCTOR and
# DOCTOR_RC.
doctor() {
	set +e
	DOCTOR=$("$REAPER_BIN" doctor --host-root "$HOST" "$@" 2>&1)
	DOCTOR_RC=$?
	set -e
}

# A node's root config of config version $CFG_VERSION (default 2): the private paths of the
# harness, top-level keys TOP (after the version line: TOML puts keys after a table header into
# that table), then the tables from stdin.
new_host() {
	HOST="$E2E_DIR/host-$1"
	CONFIG="$HOST/etc/containerd/config.toml"
	mkdir -p "$HOST/etc/containerd"
	e2e_copy_libs "$HOST" # the doctor runs the installed shim chrooted in the node root
	{
		containerd_base_config --version "${CFG_VERSION:-2}" | sed -n 1p
		printf '%s\n' "${2:-}"
		containerd_base_config --version "${CFG_VERSION:-2}" | sed 1d
		cat
	} >"$CONFIG"
	cp -p "$CONFIG" "$E2E_DIR/original-$1.toml"
	BEFORE=$(tree_state "$HOST")
}

# expect_install_fails NEEDLE ARGS...: install exits 1 saying NEEDLE and changes nothing.
expect_install_fails() {
	local needle=$1 out rc=0
	shift
	out=$(install "$@" 2>&1) || rc=$?
	e2e_assert_eq 1 "$rc" "install $* (output: $out)"
	e2e_assert_contains "$out" "$needle" "install $*"
	e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after a refused install $*"
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
	[[ -f "$HOST/var/lib/reaper/install.json" ]] || e2e_fail "no install record"
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
e2e_assert_contains "$DOCTOR" "FAIL  shim: containerd-shim-reaper-v2 is not on containerd's PATH" "doctor before install"
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
e2e_assert_contains "$DOCTOR" "ok    node configuration /etc/reaper/reaper.conf: read without errors" "doctor"
e2e_assert_contains "$DOCTOR" "  REAPER_OVERLAY_BASE=/run/reaper/overlay  (default)" "doctor"
e2e_assert_contains "$DOCTOR" "ok    containerd config: handler reaper-v2 has runtime_type io.containerd.reaper.v2" "doctor"
e2e_assert_contains "$DOCTOR" "ok    shim: /usr/local/bin/containerd-shim-reaper-v2 on containerd's PATH (containerd-shim-reaper-v2 version" "doctor"
doctor --handler other
e2e_assert_eq 1 "$DOCTOR_RC" "doctor asking for a handler that is not there"
# A shim earlier on containerd's PATH that is not Reaper's.
mkdir -p "$HOST/usr/local/sbin"
printf '#!/bin/sh\necho containerd-shim-runc-v2 1.0\n' >"$HOST/usr/local/sbin/containerd-shim-reaper-v2"
chmod +x "$HOST/usr/local/sbin/containerd-shim-reaper-v2"
doctor
rm -r "$HOST/usr/local/sbin"
e2e_assert_eq 1 "$DOCTOR_RC" "doctor with a shim that is not reaper"
e2e_assert_contains "$DOCTOR" "FAIL  shim: /usr/local/sbin/containerd-shim-reaper-v2, the first on containerd's PATH, is not a reaper" "doctor"
mkdir -p "$HOST/run/reaper"
touch "$HOST/run/reaper/overlay"
doctor
rm -r "$HOST/run"
e2e_assert_eq 1 "$DOCTOR_RC" "doctor with the overlay base a file"
e2e_assert_contains "$DOCTOR" "FAIL  overlay base /run/reaper/overlay: /run/reaper/overlay is not a directory: remove it, or set REAPER_OVERLAY_BASE" "doctor"
after_first=$(tree_state "$HOST")
out=$(install)
e2e_assert_contains "$out" "nothing to do" "second install"
e2e_assert_eq "$after_first" "$(tree_state "$HOST")" "host tree after the second install"
assert_containerd_loads
assert_uninstall_restores plain

e2e_log "v2 config importing conf.d, no CRI section anywhere: a drop-in"
# containerd reads the import as a path of this machine, the installer as a path under the host
# root: name the host root's conf.d, and let the host root see the same directory at that path
# (a node's own absolute link: the installer resolves it inside the host root).
new_host dropin "imports = [\"$E2E_DIR/host-dropin/etc/containerd/conf.d/*.toml\"]" </dev/null
mkdir -p "$HOST$HOST/etc/containerd"
ln -s /etc/containerd/conf.d "$HOST$HOST/etc/containerd/conf.d"
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
ln -s /etc/containerd/conf.d "$HOST$HOST/etc/containerd/conf.d"
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
expect_install_fails "/etc/containerd/config.toml is a symlink to config.toml.real" 
expect_install_fails "Run it again with --config /etc/containerd/config.toml.real"

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
e2e_copy_libs "$HOST"
BEFORE=$(tree_state "$HOST")
out=$(install --prefix /opt/reaper)
e2e_assert_contains "$out" "create with the handler" "install without a config"
grep -qx "version = 2" "$CONFIG" || e2e_fail "created config lacks version = 2: $(cat "$CONFIG")"
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

# ---- rollout: re-runs, drift, leftovers, exactness, symlinks, changed options, upgrades ----

# containerd 1.6's verdict on a version-2 config: it loads (config dump succeeds) or not.
containerd_accepts() {
	containerd --config "$1" config dump >/dev/null 2>"$E2E_DIR/dump.err" ||
		e2e_fail "containerd refuses $1: $(cat "$E2E_DIR/dump.err"): $(cat "$1")"
}

# rerun_and_drift NAME VERSION PLACEMENT: install; again (nothing to do, nothing changed); drift
# (the config put back, the drop-in or the created config deleted) healed by the next run, back to
# exactly the first install's tree; uninstall restores the original tree.
rerun_and_drift() {
	local name=$1 version=$2 placement=$3 out after_first edited
	e2e_log "re-run and drift: $placement, config version $version"
	case $placement in
	append) CFG_VERSION=$version new_host "$name" </dev/null ;;
	dropin)
		CFG_VERSION=$version new_host "$name" "imports = [\"/etc/containerd/conf.d/*.toml\"]" </dev/null
		mkdir -p "$HOST/etc/containerd/conf.d"
		BEFORE=$(tree_state "$HOST")
		;;
	create)
		HOST="$E2E_DIR/host-$name"
		CONFIG="$HOST/etc/containerd/config.toml"
		mkdir -p "$HOST"
		e2e_copy_libs "$HOST"
		BEFORE=$(tree_state "$HOST")
		;;
	esac
	local dropin=$HOST/etc/containerd/conf.d/reaper.toml
	out=$(install)
	case $placement in
	append) e2e_assert_contains "$out" "append the handler" "first install ($name)" ;;
	dropin) e2e_assert_contains "$out" "write a drop-in" "first install ($name)" ;;
	create) e2e_assert_contains "$out" "create with the handler" "first install ($name)" ;;
	esac
	after_first=$(tree_state "$HOST")
	out=$(install)
	e2e_assert_contains "$out" "nothing to do: already installed" "second install ($name)"
	e2e_assert_eq "$after_first" "$(tree_state "$HOST")" "host tree after the second install ($name)"
	case $placement in
	append) cp -p "$E2E_DIR/original-$name.toml" "$CONFIG" ;; # configuration management puts it back
	dropin) rm "$dropin" ;;
	create) rm "$CONFIG" ;;
	esac
	out=$(install)
	[[ $placement != append ]] ||
		e2e_assert_contains "$out" "replace with the config as it is (the copy of an earlier install)" "install after drift ($name)"
	e2e_assert_contains "$out" "installed" "install after drift ($name)"
	e2e_assert_eq "$after_first" "$(tree_state "$HOST")" "host tree healed ($name)"
	e2e_assert_contains "$(install)" "nothing to do" "install after the heal ($name)"
	if [[ $placement == append ]]; then
		# Put back in a newer version: the backup follows it; uninstall gives back that version.
		edited=$(cat "$E2E_DIR/original-$name.toml"; printf '# managed by cfgmgmt, v2\n')
		printf '%s\n' "$edited" >"$CONFIG"
		install >/dev/null
		e2e_assert_eq "$edited" "$(cat "$CONFIG.reaper-backup")" "backup after a newer config ($name)"
		install --uninstall >/dev/null
		e2e_assert_eq "$edited" "$(cat "$CONFIG")" "config after uninstall ($name)"
		[[ ! -e $CONFIG.reaper-backup ]] || e2e_fail "backup left after uninstall ($name)"
		cp -p "$E2E_DIR/original-$name.toml" "$CONFIG"
	else
		install --uninstall >/dev/null
	fi
	e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after uninstall ($name)"
}
rerun_and_drift drift-v2-append 2 append
rerun_and_drift drift-v2-dropin 2 dropin
rerun_and_drift drift-v2-create 2 create
rerun_and_drift drift-v3-append 3 append
rerun_and_drift drift-v3-dropin 3 dropin

e2e_log "a backup no record names is kept, renamed aside; it never blocks"
new_host stray </dev/null
printf 'left by someone\n' >"$CONFIG.reaper-backup"
out=$(install)
e2e_assert_contains "$out" "it is kept, renamed /etc/containerd/config.toml.reaper-backup." "install over a stray backup"
aside=$(ls "$CONFIG".reaper-backup.*)
e2e_assert_eq "left by someone" "$(cat "$aside")" "the stray backup, moved aside"
cmp "$E2E_DIR/original-stray.toml" "$CONFIG.reaper-backup" || e2e_fail "the new backup is not the config"
install --uninstall >/dev/null
cmp "$E2E_DIR/original-stray.toml" "$CONFIG" || e2e_fail "uninstall did not restore the config"
e2e_assert_eq "left by someone" "$(cat "$aside")" "the stray backup after uninstall"

e2e_log "uninstall after an operator's edit: only Reaper's lines go, no backup is left to block"
new_host edited </dev/null
install >/dev/null
printf '\n[debug]\n  level = "debug"\n' >>"$CONFIG"
out=$(install --uninstall)
e2e_assert_contains "$out" "remove Reaper's lines; keep the rest as it is now" "uninstall after an edit"
e2e_assert_contains "$out" "backup   /etc/containerd/config.toml.reaper-backup: remove" "uninstall after an edit"
e2e_assert_eq "$(cat "$E2E_DIR/original-edited.toml"; printf '\n[debug]\n  level = "debug"\n')" "$(cat "$CONFIG")" \
	"config after uninstall: the original plus the operator's edit"
[[ ! -e $CONFIG.reaper-backup ]] || e2e_fail "a stale backup was left"
containerd_accepts "$CONFIG"
e2e_assert_contains "$(install)" "installed" "install again after that uninstall"
install --uninstall >/dev/null

e2e_log "uninstall keeps what an operator added between the markers, and runc when it is needed"
new_host inside </dev/null
install >/dev/null
# runc's options, written under Reaper's runc table, inside the markers.
python3 - "$CONFIG" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
anchor = '  runtime_type = "io.containerd.runc.v2"\n'
s = s.replace(anchor, anchor + '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n    SystemdCgroup = true\n', 1)
open(p, "w").write(s)
PY
containerd_accepts "$CONFIG"
out=$(install --uninstall)
e2e_assert_contains "$out" "lines were added between the markers since install: they stay" "uninstall"
grep -qF 'SystemdCgroup = true' "$CONFIG" || e2e_fail "the operator's line was removed"
grep -qF '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]' "$CONFIG" ||
	e2e_fail "the runc table the operator's line falls in was removed"
! grep -qE 'reaper-v2|BEGIN reaper' "$CONFIG" || e2e_fail "Reaper's handler or markers are left: $(cat "$CONFIG")"
containerd_accepts "$CONFIG"
# In a config Reaper created, a table added after the block keeps the file and its version line.
HOST="$E2E_DIR/host-created-edit"
CONFIG="$HOST/etc/containerd/config.toml"
mkdir -p "$HOST"
e2e_copy_libs "$HOST"
install >/dev/null
printf '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n' >>"$CONFIG"
out=$(install --uninstall)
e2e_assert_contains "$out" "keep the file (it holds lines added since)" "uninstall of an edited created config"
head -n1 "$CONFIG" | grep -qx 'version = 2' || e2e_fail "the version line the operator's table needs is gone: $(cat "$CONFIG")"
grep -qF 'config_path = "/etc/containerd/certs.d"' "$CONFIG" || e2e_fail "the operator's table is gone"
! grep -q 'reaper' "$CONFIG" || e2e_fail "Reaper's lines are left: $(cat "$CONFIG")"
containerd_accepts "$CONFIG"

e2e_log "symlinked configs are refused, whatever the link"
new_host abslink </dev/null
mkdir -p "$HOST/var/lib/cfg"
mv "$CONFIG" "$HOST/var/lib/cfg/config.toml"
ln -s /var/lib/cfg/config.toml "$CONFIG"
BEFORE=$(tree_state "$HOST")
expect_install_fails "Run it again with --config /var/lib/cfg/config.toml"
out=$(install --config /var/lib/cfg/config.toml)
e2e_assert_contains "$out" "config   /var/lib/cfg/config.toml: append the handler" "install with --config naming the target"
e2e_assert_eq /var/lib/cfg/config.toml "$(readlink "$CONFIG")" "the node's link after install"
install --config /var/lib/cfg/config.toml --uninstall >/dev/null
e2e_assert_eq "$BEFORE" "$(tree_state "$HOST")" "host tree after uninstall through the link's target"
rm "$HOST/var/lib/cfg/config.toml"
BEFORE=$(tree_state "$HOST")
expect_install_fails "which does not exist"

e2e_log "another --prefix, --handler or --config is refused, not installed twice"
new_host options </dev/null
outside_etc() { find "$HOST" -path "$HOST/etc" -prune -o -mindepth 1 -print | sort; }
node_own=$(outside_etc) # the libraries e2e_copy_libs put there, if any
install >/dev/null
BEFORE=$(tree_state "$HOST")
expect_install_fails "a different --prefix is not an upgrade" --prefix /opt/reaper
expect_install_fails "a different --handler is not an upgrade" --handler other
expect_install_fails "a different --config is not an upgrade" --config /etc/containerd/other.toml
expect_install_fails "Uninstall first (reaper install --uninstall --host-root $HOST)" --prefix /opt/reaper

e2e_log "an upgrade says old -> new; a record of an older reaper is read and moved"
record=$HOST/var/lib/reaper/install.json
python3 - "$record" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["reaper"] = "0.0.9 (commit 0ld)"; json.dump(r, open(sys.argv[1], "w"))
PY
cp "$REAPER_BIN" "$E2E_DIR/reaper-next"
printf 'x' >>"$E2E_DIR/reaper-next" # another binary, as a new build is
out=$("$E2E_DIR/reaper-next" install --host-root "$HOST")
e2e_assert_contains "$out" "upgrade  reaper 0.0.9 (commit 0ld) -> $("$REAPER_BIN" --version | sed -n '1s/^reaper version //p') (commit" "upgrade"
cmp "$E2E_DIR/reaper-next" "$HOST/usr/local/bin/reaper" || e2e_fail "the new binary was not installed"
# The record as a reaper before format 2 kept it: in PREFIX/lib/reaper, without version or prefix.
python3 - "$record" "$HOST/usr/local/lib/reaper/install.json" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
for k in ("reaper", "prefix"):
    r.pop(k)
r["format"] = 1
r["config"].pop("root"); r["config"].pop("version")
r["created_dirs"] = [d for d in r["created_dirs"] if not d.startswith("/var")] + ["/usr/local/lib", "/usr/local/lib/reaper"]
os.makedirs(os.path.dirname(sys.argv[2]))
json.dump(r, open(sys.argv[2], "w"))
os.unlink(sys.argv[1])
d = os.path.dirname(sys.argv[1])
for _ in range(3):  # var/lib/reaper, var/lib, var: an older reaper made none of them
    os.rmdir(d)
    d = os.path.dirname(d)
PY
out=$(install)
e2e_assert_contains "$out" "upgrade  reaper (an earlier version) ->" "install over an older record"
[[ -f $record && ! -e $HOST/usr/local/lib/reaper/install.json ]] || e2e_fail "the record was not moved to $record"
install --uninstall >/dev/null
cmp "$E2E_DIR/original-options.toml" "$CONFIG" || e2e_fail "uninstall after the move did not restore the config"
e2e_assert_eq "$node_own" "$(outside_etc)" "what is outside /etc after uninstall"

e2e_log "PASS"
