#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The installer round trip, as a node operator does it: `reaper install` into a host root whose
# etc/containerd/config.toml is a config of the containerd under test (version 2 for 1.x, version 3
# and the version 2 an upgraded node keeps for 2.x), containerd started on the resulting
# config with the installed links on its PATH runs a pod with handler reaper-v2 through the
# installed shim, the pod's reaper.runtime/ annotation reaches Reaper through the entry's
# pod_annotations, and `reaper install --uninstall` restores the config byte for byte.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

e2e_require_root
e2e_require_cmd containerd ctr cmp
REAPER_BIN=${REAPER_BIN:?REAPER_BIN is not set}
e2e_init
reaper_cri_env

# Everything under DIR with type, mode, link target and content hash.
tree_state() {
	(cd "$1" && find . -printf '%p %y %m %l\n' | sort && find . -type f -print0 | sort -z | xargs -0r sha256sum)
}

# The installer's round trip on a node config of config VERSION (2: containerd 1.x's schema, which
# 2.x migrates in memory; 3: containerd 2.x's own).
round_trip() {
	local version=$1 cri_plugin
	case $version in
	2) cri_plugin=io.containerd.grpc.v1.cri ;;
	3) cri_plugin=io.containerd.cri.v1.runtime ;;
	esac
	e2e_log "config version $version, containerd $(containerd_version)"
	local host="$E2E_DIR/host-v$version"
	local config="$host/etc/containerd/config.toml"
	local bin="$host/usr/local/bin"
	mkdir -p "$host/etc/containerd"
	# A node's containerd config (private paths of this run) with a CRI section of its own, no
	# runtimes declared: the installer has to keep runc when it declares reaper-v2.
	{
		containerd_base_config --version "$version"
		if ((version >= 3)); then
			cat <<TOML

# kept as is by the installer
[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "$E2E_PAUSE_IMAGE"

[plugins."io.containerd.cri.v1.runtime"]
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["$E2E_DIR/cni/bin"]
    conf_dir = "$E2E_DIR/cni/conf"
TOML
		else
			cat <<TOML

# kept as is by the installer
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$E2E_PAUSE_IMAGE"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$E2E_DIR/cni/bin"
    conf_dir = "$E2E_DIR/cni/conf"
TOML
		fi
	} >"$config"
	cp -p "$config" "$E2E_DIR/original-v$version.toml"
	local before out handlers pod c shim
	before=$(tree_state "$host")

	e2e_log "install into $host"
	out=$("$REAPER_BIN" install --host-root "$host")
	e2e_assert_contains "$out" "installed" "install output"
	cmp "$REAPER_BIN" "$bin/reaper" || e2e_fail "the installed binary differs from $REAPER_BIN"
	e2e_assert_eq reaper "$(readlink "$bin/containerd-shim-reaper-v2")" "shim link"
	! cmp -s "$E2E_DIR/original-v$version.toml" "$config" || e2e_fail "install did not change $config"
	grep -qF "[plugins.\"$cri_plugin\".containerd.runtimes.\"reaper-v2\"]" "$config" ||
		e2e_fail "no reaper-v2 handler in $config: $(cat "$config")"

	e2e_log "containerd on the installed config, the installed links on its PATH (and no other reaper)"
	containerd_start --config "$config" --path "$bin" "${REAPER_CRI_ENV[@]}"
	reaper_cri_ready
	handlers=$(cri handlers)
	e2e_assert_contains "$handlers" "reaper-v2 io.containerd.reaper.v2" "CRI handlers"
	e2e_assert_contains "$handlers" "runc io.containerd.runc.v2" "CRI handlers"
	pod=$(reaper_cri_pod "installed-v$version" --annotation reaper.runtime/overlay-name="probe-v$version")
	c=$(cri run "$pod" --name hello -- /bin/echo hello-through-the-installed-shim)
	reaper_cri_exited "$c"
	e2e_assert_eq 0 "$(cri_field "$c" status.exit_code)" "exit code"
	reaper_cri_log_has "$E2E_DIR/logs/installed-v$version/hello/0.log" " stdout F hello-through-the-installed-shim"
	# containerd passed the annotation on (pod_annotations): the pod is in its named group.
	grep -q "^default.probe-v$version " <<<"$("$REAPER_BIN" overlay status)" ||
		e2e_fail "no group default.probe-v$version: the annotation did not reach Reaper: $("$REAPER_BIN" overlay status)"
	shim=$(containerd_shim_pids)
	[[ -n "$shim" ]] || e2e_fail "no shim serves the pod"
	e2e_assert_eq "$bin/reaper" "$(readlink -f "/proc/$shim/exe")" "executable of the pod's shim"
	cri stopp "$pod"
	cri rmp "$pod"
	e2e_wait_until 10 containerd_no_shims || e2e_fail "shim still running after the pod was removed: $(containerd_shim_pids)"
	containerd_stop

	e2e_log "uninstall restores the config byte for byte"
	out=$("$REAPER_BIN" install --host-root "$host" --uninstall)
	cmp "$E2E_DIR/original-v$version.toml" "$config" ||
		e2e_fail "config not restored byte for byte: $(diff "$E2E_DIR/original-v$version.toml" "$config")"
	e2e_assert_eq "$before" "$(tree_state "$host")" "host root after uninstall"

	e2e_log "and containerd on the restored config has no reaper-v2 handler"
	containerd_start --config "$config" "${REAPER_CRI_ENV[@]}"
	cri_init
	handlers=$(cri handlers)
	[[ "$handlers" != *reaper-v2* ]] || e2e_fail "reaper-v2 still declared after uninstall: $handlers"
	containerd_stop
}

for version in $(containerd_config_versions); do
	round_trip "$version"
done
e2e_log "PASS"
