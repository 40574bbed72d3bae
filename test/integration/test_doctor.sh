#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `reaper doctor --host-root` against fake node roots, as the DaemonSet runs it:
#   - every path is the node's: its reaper.conf, the state dir and overlay base that file names,
#     containerd's systemd unit (ExecStart=, a drop-in's Environment=PATH), the shim on that PATH;
#   - containerd itself confirms the handler: `containerd config dump` of the node's binary (copied
#     into the root with its libraries, run chrooted there) for each containerd version at hand
#     (1.6 the machine's, 1.7 and 2.x through scripts/containerd-versions.sh; REAPER_DOCTOR_VERSIONS
#     picks), with version 2 configs and, for 2.x, version 3;
#   - a CRI drop-in that hides the handler under containerd 1.x: FAIL from the files and from
#     containerd's own view; containerd 2.x merges it, and both say ok;
#   - a config containerd cannot load (duplicated tables): FAIL, though the files scan;
#   - the running daemon: started after the config last changed, or not.
set -euo pipefail
source "$(dirname "$0")/../e2e/lib/containerd.sh"

e2e_require_root
e2e_require_cmd ldd containerd
REAPER_BIN=${REAPER_BIN:?REAPER_BIN is not set}
SOURCE_DIR=${REAPER_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
e2e_init

doctor() {
	set +e
	DOCTOR=$("$REAPER_BIN" doctor --host-root "$HOST" "$@" 2>&1)
	DOCTOR_RC=$?
	set -e
}

# expect_line VERDICT TEXT: the doctor printed a check line VERDICT (ok, warn, FAIL) holding TEXT.
expect_line() {
	local verdict=$1 text=$2
	grep -E "^  $verdict +" <<<"$DOCTOR" | grep -qF -- "$text" ||
		e2e_fail "doctor has no '$verdict' line with '$text':"$'\n'"$DOCTOR"
}

# A program and the libraries it loads, into the host root at the same paths.
copy_with_libs() {
	local src=$1 dst=$2
	mkdir -p "$(dirname "$HOST$dst")"
	cp "$src" "$HOST$dst"
	e2e_copy_libs "$HOST" "$src"
}

# new_node NAME VERSION BINDIR: a node root with containerd (from BINDIR) as its systemd unit
# runs it, a config of config version VERSION with a CRI section of its own.
new_node() {
	HOST="$E2E_DIR/node-$1"
	CONFIG="$HOST/etc/containerd/config.toml"
	mkdir -p "$HOST/etc/containerd" "$HOST/etc/systemd/system"
	copy_with_libs "$3/containerd" /usr/bin/containerd
	e2e_copy_libs "$HOST" # the shim the doctor runs there is the reaper installed from $REAPER_BIN
	printf '[Service]\nExecStart=/usr/bin/containerd\n' >"$HOST/etc/systemd/system/containerd.service"
	if (($2 == 3)); then
		printf 'version = 3\n\n[plugins."io.containerd.cri.v1.runtime"]\n  restrict_oom_score_adj = true\n' >"$CONFIG"
	else
		printf 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "example.invalid/pause:1"\n' >"$CONFIG"
	fi
}

versions=${REAPER_DOCTOR_VERSIONS:-1.6 1.7 2}
tested=()
for v in $versions; do
	if ! dir=$("$SOURCE_DIR/scripts/containerd-versions.sh" "$v" 2>"$E2E_DIR/versions.err"); then
		e2e_log "containerd $v is not at hand ($(tail -n1 "$E2E_DIR/versions.err")): not tested"
		continue
	fi
	release=$("$dir/containerd" --version | awk '{ print $3 }')
	major=${release#v}
	major=${major%%.*}
	config_versions=2
	((major < 2)) || config_versions="3 2"
	for cv in $config_versions; do
		e2e_log "containerd $release, config version $cv: the handler confirmed by containerd itself"
		new_node "c$v-v$cv" "$cv" "$dir"
		"$REAPER_BIN" install --host-root "$HOST" >/dev/null
		doctor
		e2e_assert_eq 0 "$DOCTOR_RC" "doctor after install (containerd $release, config v$cv): $DOCTOR"
		expect_line ok "containerd $release (/usr/bin/containerd) confirms: its merged config declares the handler reaper-v2 (config dump)"
		expect_line ok "shim: /usr/local/bin/containerd-shim-reaper-v2 on containerd's PATH"
		((cv == 3)) && continue

		e2e_log "containerd $release: a CRI drop-in imported after the config that declares the handler"
		new_node "c$v-dropin" 2 "$dir"
		sed -i '1a imports = ["/etc/containerd/conf.d/*.toml"]' "$CONFIG"
		mkdir -p "$HOST/etc/containerd/conf.d"
		"$REAPER_BIN" install --host-root "$HOST" >/dev/null # the root has CRI settings: appended there
		printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n' \
			>"$HOST/etc/containerd/conf.d/50-mirrors.toml"
		doctor
		if ((major < 2)); then
			e2e_assert_eq 1 "$DOCTOR_RC" "doctor with a hiding drop-in (containerd $release)"
			expect_line FAIL "/etc/containerd/conf.d/50-mirrors.toml, loaded after it, configures the CRI plugin too, and the node's containerd 1.x keeps only the last file's CRI section: the handler is hidden. Move"
			expect_line FAIL "containerd $release (/usr/bin/containerd) does not see the handler reaper-v2"
		else
			e2e_assert_eq 0 "$DOCTOR_RC" "doctor with a drop-in containerd $release merges: $DOCTOR"
			expect_line ok "2 files configure the CRI plugin; containerd $major.x merges them key by key"
			expect_line ok "containerd $release (/usr/bin/containerd) confirms"
		fi
	done
	tested+=("$release")
done
((${#tested[@]} > 0)) || e2e_fail "no containerd version could be tested"
e2e_log "containerd versions confirmed: ${tested[*]}"

e2e_log "a config containerd cannot load: the files scan, containerd refuses"
new_node broken 2 "$(dirname "$(command -v containerd)")"
printf '[plugins."io.containerd.grpc.v1.cri"]\n  restrict_oom_score_adj = true\n' >>"$CONFIG"
doctor
e2e_assert_eq 1 "$DOCTOR_RC" "doctor on a config with duplicated tables"
expect_line FAIL "cannot load its config:"
expect_line FAIL "it would not start; fix what it names"

e2e_log "an entry installed before Reaper honoured annotations: no pod_annotations"
new_node old-entry 2 "$(dirname "$(command -v containerd)")"
"$REAPER_BIN" install --host-root "$HOST" >/dev/null
grep -q '^  pod_annotations = \["reaper.runtime/\*"\]$' "$CONFIG" || e2e_fail "install wrote no pod_annotations: $(cat "$CONFIG")"
doctor
[[ $DOCTOR != *"no pod_annotations"* ]] || e2e_fail "doctor warns of pod_annotations after install: $DOCTOR"
sed -i '/pod_annotations/d' "$CONFIG"
doctor
expect_line warn "the handler reaper-v2 has no pod_annotations = [\"reaper.runtime/*\"]: containerd keeps the pods' reaper.runtime/ annotations"

e2e_log "containerd's PATH from its unit's drop-in; the node's settings and directories"
new_node paths 2 "$(dirname "$(command -v containerd)")"
"$REAPER_BIN" install --host-root "$HOST" >/dev/null
mkdir -p "$HOST/etc/systemd/system/containerd.service.d"
printf '[Service]\nEnvironment="PATH=/opt/bin:/usr/bin" "OTHER=1"\n' >"$HOST/etc/systemd/system/containerd.service.d/10-path.conf"
doctor
e2e_assert_eq 1 "$DOCTOR_RC" "doctor with the shim off containerd's PATH"
expect_line FAIL "shim: containerd-shim-reaper-v2 is not on containerd's PATH (/opt/bin:/usr/bin:/usr/bin, from /etc/systemd/system/containerd.service"
expect_line FAIL "add PREFIX/bin to containerd's PATH (Environment=PATH=... in a drop-in of containerd.service)"
printf '[Service]\nEnvironment=PATH=/opt/bin:/usr/local/bin:/usr/bin\n' >"$HOST/etc/systemd/system/containerd.service.d/20-path.conf"
# The node's own settings name other directories: the doctor checks those, under the host root.
printf 'REAPER_ROOT=/srv/reaper/state\nREAPER_OVERLAY_BASE=/srv/reaper/overlay\n' >"$HOST/etc/reaper/reaper.conf"
mkdir -p "$HOST/srv/reaper"
touch "$HOST/srv/reaper/overlay"
doctor
e2e_assert_eq 1 "$DOCTOR_RC" "doctor with the overlay base a file"
expect_line ok "shim: /usr/local/bin/containerd-shim-reaper-v2 on containerd's PATH"
expect_line ok "state dir /srv/reaper/state: absent, will be created under /srv/reaper (writable)"
expect_line FAIL "overlay base /srv/reaper/overlay: /srv/reaper/overlay is not a directory: remove it, or set REAPER_OVERLAY_BASE"
expect_line ok "node configuration /etc/reaper/reaper.conf: read without errors"
expect_line ok "kernel overlayfs"
expect_line ok "the mount API, openat2, pidfds and close_range are there"
rm "$HOST/srv/reaper/overlay"

e2e_log "the running containerd: started after its config last changed, or not"
# The node's config with the harness's private paths, so that a containerd can run it here; at a
# path of its own (a containerd of this machine reading the default path is not this node's).
CONFIG=$HOST/etc/containerd/node.toml
{
	containerd_base_config --version 2 --no-cri
	printf '\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "example.invalid/pause:1"\n'
} >"$CONFIG"
touch -d '-10 seconds' "$CONFIG"
containerd_start --config "$CONFIG"
doctor --config /etc/containerd/node.toml
expect_line ok "started after its config last changed: it runs with it"
touch -d '+10 seconds' "$CONFIG"
doctor --config /etc/containerd/node.toml
expect_line warn "started before /etc/containerd/node.toml last changed: it has not loaded the handler yet; restart it"
containerd_stop
doctor --config /etc/containerd/node.toml
expect_line warn "no daemon reading /etc/containerd/node.toml is visible here"

e2e_log "PASS"
