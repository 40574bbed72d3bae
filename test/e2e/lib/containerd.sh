# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# A private containerd for end-to-end tests: its own root, state, sockets and config under
# $E2E_DIR, the PATH it finds shims on, and a cleanup that leaves nothing behind.
#
#   containerd_start [OPTIONS]   start it and wait until it answers (fails the test otherwise)
#       --path DIR               prepend DIR to containerd's PATH (repeatable); e.g. the reaper farm
#       --cri                    load the CRI plugin (off otherwise) with handlers runc and reaper-v2
#       --handler NAME=TYPE      declare one more CRI runtime handler (implies --cri)
#       --extra-config FILE      append FILE's TOML to the generated config
#       --config FILE            use FILE as the whole config (see containerd_base_config)
#       --env NAME=VALUE         extra environment for containerd and the shims it starts
#       --debug                  log at debug level
#   containerd_stop [--kill]     stop it (SIGTERM, or SIGKILL) and wait; shims keep running
#   containerd_restart           stop it and start it again with the same config and state
#   containerd_running           true while the daemon is alive
#   containerd_base_config [--no-cri] [--version N]  print the private-path part of a config (root,
#                                state, sockets) in config version N (containerd_config_version)
#   containerd_cri_config [--version N] [H=T...]  print the CRI plugin section (runc + reaper-v2 +
#                                H=T...); version 3 puts it in io.containerd.cri.v1.runtime/images
#   containerd_version, containerd_at_least X.Y, containerd_config_version(s)
#   containerd_log_tail [N]      last N lines of containerd's log
#   ctrd ARGS...                 ctr against this containerd (add -n k8s.io for CRI's namespace)
#   containerd_shim_pids         pids of the shims serving this containerd
#   containerd_no_shims          true when no shim serves it any more
#   containerd_teardown          kill tasks, stop the daemon (run at exit by e2e_init's trap)
#
# The containerd under test is the one on PATH, or the one in $REAPER_CONTAINERD_DIR (see below and
# scripts/containerd-versions.sh).
#
# Variables: CTRD_DIR CTRD_SOCK CTRD_TTRPC_SOCK CTRD_CONFIG CTRD_LOG CTRD_PID CTRD_ROOT CTRD_STATE

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Which containerd: the one on PATH (the machine's), or the one in $REAPER_CONTAINERD_DIR
# (containerd, ctr and its containerd-shim-runc-v2; scripts/containerd-versions.sh prints such a
# directory). It goes first on PATH for the test and for the containerd it starts.
if [[ -n "${REAPER_CONTAINERD_DIR:-}" ]]; then
	[[ -x "$REAPER_CONTAINERD_DIR/containerd" && -x "$REAPER_CONTAINERD_DIR/ctr" ]] ||
		e2e_fail "REAPER_CONTAINERD_DIR=$REAPER_CONTAINERD_DIR holds no containerd and ctr"
	if [[ ":$PATH:" != *":$REAPER_CONTAINERD_DIR:"* ]]; then
		PATH="$REAPER_CONTAINERD_DIR:$PATH"
		export PATH
	fi
fi

CTRD_PID=""
CTRD_LAUNCH_ARGS=()
REAPER_RUNTIME_TYPE=io.containerd.reaper.v2
REAPER_HANDLER=reaper-v2

# The version of the containerd on PATH, e.g. 1.7.24 (empty when there is none).
containerd_version() {
	if [[ -z "${CTRD_VERSION+set}" ]]; then
		CTRD_VERSION=$(containerd --version 2>/dev/null | awk '{ sub(/^v/, "", $3); sub(/[~+].*/, "", $3); print $3 }')
	fi
	printf '%s\n' "$CTRD_VERSION"
}

# True when the containerd on PATH is at least MAJOR.MINOR (containerd_at_least 2.0).
containerd_at_least() {
	local have want=$1
	have=$(containerd_version)
	[[ -n "$have" ]] || return 1
	[[ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" == "$want" ]]
}

# CRI's default sandbox image of that containerd (pause:3.6 in 1.6, 3.8 in 1.7, 3.10 in 2.1): the
# one a node's config without sandbox_image asks for.
containerd_default_pause_image() {
	containerd config default 2>/dev/null | grep -o 'registry.k8s.io/pause:[0-9.]*' | head -n1
}

if [[ -z "${E2E_PAUSE_IMAGE:-}" ]]; then
	E2E_PAUSE_IMAGE=$(containerd_default_pause_image)
	E2E_PAUSE_IMAGE=${E2E_PAUSE_IMAGE:-registry.k8s.io/pause:3.6}
fi

containerd_paths() {
	CTRD_DIR="$E2E_DIR/c"
	CTRD_ROOT="$CTRD_DIR/root"
	CTRD_STATE="$CTRD_DIR/state"
	CTRD_SOCK="$CTRD_DIR/sock"
	CTRD_TTRPC_SOCK="$CTRD_DIR/sock.ttrpc"
	CTRD_LOG="$CTRD_DIR/containerd.log"
	export CTRD_DIR CTRD_ROOT CTRD_STATE CTRD_SOCK CTRD_TTRPC_SOCK CTRD_LOG
}

# The config version containerd_start writes: 3 (containerd 2.x's own schema) from 2.0 on, 2
# before. REAPER_CONTAINERD_CONFIG_VERSION=2 gives 2.x a version-2 config (migrated in memory,
# as on a node upgraded from 1.x).
containerd_config_version() {
	if [[ -n "${REAPER_CONTAINERD_CONFIG_VERSION:-}" ]]; then
		echo "$REAPER_CONTAINERD_CONFIG_VERSION"
	elif containerd_at_least 2.0; then
		echo 3
	else
		echo 2
	fi
}

# The config versions the containerd under test reads: "2" before 2.0, "3 2" from 2.0 on.
containerd_config_versions() {
	if containerd_at_least 2.0; then echo "3 2"; else echo 2; fi
}

# containerd_base_config [--no-cri] [--version N]
containerd_base_config() {
	containerd_paths
	local version no_cri=0 disabled=""
	version=$(containerd_config_version)
	while (($#)); do
		case $1 in
		--no-cri) no_cri=1; shift ;;
		--version) version=$2; shift 2 ;;
		*) e2e_fail "containerd_base_config: unknown option $1" ;;
		esac
	done
	# From 2.0 on CRI is three plugins; its runtime and images services stay loaded (the sandbox
	# controllers depend on them), only the CRI API goes.
	((no_cri)) && disabled='disabled_plugins = ["io.containerd.grpc.v1.cri"]'
	cat <<TOML
version = $version
$disabled
root = "$CTRD_ROOT"
state = "$CTRD_STATE"

[grpc]
  address = "$CTRD_SOCK"

[ttrpc]
  address = "$CTRD_TTRPC_SOCK"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CTRD_DIR/opt"
TOML
}

# The CRI section: declaring any runtime replaces containerd's built-in list, so runc is declared
# too; root here lacks CAP_SYS_RESOURCE, hence restrict_oom_score_adj.
#   containerd_cri_config [--version N] [NAME=TYPE...]
containerd_cri_config() {
	local version
	version=$(containerd_config_version)
	if [[ "${1:-}" == --version ]]; then
		version=$2
		shift 2
	fi
	local handlers=("runc=io.containerd.runc.v2" "$REAPER_HANDLER=$REAPER_RUNTIME_TYPE" "$@")
	local cri
	if ((version >= 3)); then
		cri='plugins."io.containerd.cri.v1.runtime"'
		cat <<TOML

[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "$E2E_PAUSE_IMAGE"

[$cri]
  restrict_oom_score_adj = true
  [$cri.cni]
    bin_dirs = ["$CTRD_DIR/cni/bin"]
    conf_dir = "$CTRD_DIR/cni/conf"
  [$cri.containerd]
    default_runtime_name = "runc"
TOML
	else
		cri='plugins."io.containerd.grpc.v1.cri"'
		cat <<TOML

[$cri]
  sandbox_image = "$E2E_PAUSE_IMAGE"
  restrict_oom_score_adj = true
  [$cri.cni]
    bin_dir = "$CTRD_DIR/cni/bin"
    conf_dir = "$CTRD_DIR/cni/conf"
  [$cri.containerd]
    default_runtime_name = "runc"
TOML
	fi
	local h
	for h in "${handlers[@]}"; do
		printf '  [%s.containerd.runtimes."%s"]\n    runtime_type = "%s"\n' "$cri" "${h%%=*}" "${h#*=}"
		# As `reaper install` declares it: CRI passes Reaper's pod annotations on.
		[[ ${h#*=} != "$REAPER_RUNTIME_TYPE" ]] || printf '    pod_annotations = ["reaper.runtime/*"]\n'
	done
}

containerd_log_tail() {
	tail -n "${1:-40}" "$CTRD_LOG" 2>/dev/null | sed 's/^/  containerd| /' >&2
}

ctrd() {
	ctr -a "$CTRD_SOCK" --connect-timeout 3s "$@"
}

containerd_running() {
	[[ -n "$CTRD_PID" ]] && kill -0 "$CTRD_PID" 2>/dev/null
}

containerd_answers() {
	containerd_running || return 2
	ctr -a "$CTRD_SOCK" --connect-timeout 1s version >/dev/null 2>&1
}

containerd_start() {
	e2e_init
	containerd_paths
	local paths=() envs=() extra="" config="" cri=0 debug=0 handlers=()
	while (($#)); do
		case $1 in
		--path) paths+=("$2"); shift 2 ;;
		--cri) cri=1; shift ;;
		--handler) handlers+=("$2"); cri=1; shift 2 ;;
		--extra-config) extra=$2; shift 2 ;;
		--config) config=$2; shift 2 ;;
		--env) envs+=("$2"); shift 2 ;;
		--debug) debug=1; shift ;;
		*) e2e_fail "containerd_start: unknown option $1" ;;
		esac
	done
	mkdir -p "$CTRD_DIR"
	if [[ -n "$config" ]]; then
		CTRD_CONFIG=$config
	else
		CTRD_CONFIG="$CTRD_DIR/config.toml"
		{
			if ((cri)); then
				containerd_base_config
				containerd_cri_config "${handlers[@]}"
			else
				containerd_base_config --no-cri
			fi
			if ((debug)); then
				printf '\n[debug]\n  level = "debug"\n'
			fi
			if [[ -n "$extra" ]]; then
				cat "$extra"
			fi
		} >"$CTRD_CONFIG"
	fi
	export CTRD_CONFIG
	CTRD_LAUNCH_ARGS=("${paths[@]/#/--path=}" "${envs[@]/#/--env=}")
	containerd_launch "${CTRD_LAUNCH_ARGS[@]}"
}

# Start the daemon inside the tracking cgroup (before it can fork anything) and wait for it.
containerd_launch() {
	local path_prefix="" envs=() a
	for a in "$@"; do
		case $a in
		--path=*) path_prefix+="${a#--path=}:" ;;
		--env=*) envs+=("${a#--env=}") ;;
		esac
	done
	CTRD_PATH="${path_prefix}${PATH}"
	local cg_procs=/dev/null
	[[ -n "$E2E_CGROUP" ]] && cg_procs="$E2E_CGROUP/cgroup.procs"
	# setsid: a terminal's ^C goes to the test, which then cleans up, not straight to containerd.
	setsid bash -c 'echo $$ >"$1" 2>/dev/null; shift; exec "$@"' _ "$cg_procs" \
		env "$E2E_MARK" "PATH=$CTRD_PATH" "${envs[@]}" containerd --config "$CTRD_CONFIG" \
		>>"$CTRD_LOG" 2>&1 </dev/null &
	CTRD_PID=$!
	e2e_track_pid "$CTRD_PID"
	if [[ -z "${CTRD_TEARDOWN_REGISTERED:-}" ]]; then
		CTRD_TEARDOWN_REGISTERED=1
		e2e_on_cleanup containerd_teardown
	fi
	local sock
	sock=$(awk -F'"' '/^\[grpc\]/ { g = 1; next } /^\[/ { g = 0 } g && $1 ~ /address/ { print $2; exit }' "$CTRD_CONFIG")
	if [[ -n "$sock" ]]; then
		CTRD_SOCK=$sock
	fi
	if ! e2e_wait_until "${CTRD_START_TIMEOUT:-30}" containerd_answers; then
		containerd_log_tail 60
		containerd_running || e2e_fail "containerd exited during startup (config $CTRD_CONFIG)"
		e2e_fail "containerd did not answer on $CTRD_SOCK"
	fi
	e2e_log "containerd pid $CTRD_PID up on $CTRD_SOCK"
}

containerd_stop() {
	local sig=TERM
	[[ "${1:-}" == --kill ]] && sig=KILL
	containerd_running || return 0
	kill -s "$sig" "$CTRD_PID"
	if ! e2e_wait_until 20 containerd_exited; then
		kill -9 "$CTRD_PID" 2>/dev/null
		e2e_wait_until 5 containerd_exited
	fi
	wait "$CTRD_PID" 2>/dev/null || true
	CTRD_PID=""
}

containerd_exited() {
	! kill -0 "$CTRD_PID" 2>/dev/null
}

# Same config, same root and state: running tasks and their shims must be picked up again.
containerd_restart() {
	containerd_stop "$@"
	containerd_launch "${CTRD_LAUNCH_ARGS[@]}"
}

containerd_shim_pids() {
	local pid
	for pid in $(grep -lsaF -- "$CTRD_SOCK" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
		if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == containerd-shim* ]]; then
			echo "$pid"
		fi
	done
	return 0
}

# Task bundles in the state dir, or live shims: something a running containerd would clean up.
containerd_has_tasks() {
	[[ -n "$(containerd_shim_pids)" ]] && return 0
	compgen -G "$CTRD_STATE/io.containerd.runtime.v2.task/*/*" >/dev/null
}

containerd_no_shims() {
	[[ -z "$(containerd_shim_pids)" ]]
}

# Shim sockets live in /run/containerd/s whatever containerd's state dir is; a shim killed
# hard leaves its socket behind, so note them before killing.
containerd_shim_sockets() {
	local pid fd inode
	for pid in $(containerd_shim_pids); do
		for fd in /proc/"$pid"/fd/*; do
			inode=$(readlink "$fd" 2>/dev/null) || continue
			[[ $inode == socket:* ]] || continue
			inode=${inode//[^0-9]/}
			awk -v i="$inode" '$7 == i && $8 ~ /^\/run\/containerd\/s\// { print $8 }' /proc/net/unix
		done
	done | sort -u
}

# Best effort, bounded: kill and delete every task in every namespace so runc-style shims
# clean up after themselves, then stop the daemon, then kill whatever is left.
containerd_teardown() {
	# A test that stopped or killed containerd may leave tasks behind: bring it back so the
	# shims clean up their containers (a dead shim's bundle is cleaned by containerd itself).
	if ! containerd_running && [[ -n "${CTRD_CONFIG:-}" ]] && containerd_has_tasks; then
		e2e_log "teardown: restarting containerd to clean up its tasks"
		containerd_launch "${CTRD_LAUNCH_ARGS[@]}" || true
	fi
	if containerd_running; then
		local ns id
		for ns in $(timeout 10 ctr -a "$CTRD_SOCK" --connect-timeout 2s namespaces ls -q 2>/dev/null); do
			for id in $(timeout 10 ctr -a "$CTRD_SOCK" --connect-timeout 2s -n "$ns" tasks ls -q 2>/dev/null); do
				timeout 10 ctr -a "$CTRD_SOCK" -n "$ns" tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true
				timeout 10 ctr -a "$CTRD_SOCK" -n "$ns" tasks delete -f "$id" >/dev/null 2>&1 || true
			done
			for id in $(timeout 10 ctr -a "$CTRD_SOCK" --connect-timeout 2s -n "$ns" containers ls -q 2>/dev/null); do
				timeout 10 ctr -a "$CTRD_SOCK" -n "$ns" containers delete "$id" >/dev/null 2>&1 || true
			done
		done
	fi
	local sockets
	sockets=$(containerd_shim_sockets)
	containerd_stop
	e2e_kill_owned
	local s
	for s in $sockets; do
		if [[ -S "$s" ]]; then
			rm -f "$s"
		fi
	done
	return 0
}
