# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Reaper's shim (containerd-shim-reaper-v2) driven through a private containerd with ctr: setup,
# task helpers, and the checks every test_shim_*.sh ends with (no task, shim, monitor, zombie,
# state or socket left).
#
#   shim_setup [containerd_start options]  root check, $E2E_DIR, containerd with the Reaper farm on
#                               its PATH and REAPER_ROOT, REAPER_OVERLAY_BASE, REAPER_SHIM_LOG and
#                               REAPER_CONFIG (node settings, empty unless a test writes some) under
#                               $E2E_DIR; image imported into namespace default
#   tid NAME                    a task id for this run (e2e_id), remembered for the socket check
#   rrun ARGS...                ctr run --runtime io.containerd.reaper.v2 ARGS (add --rm or -d)
#   task_status ID, task_pid ID status and pid from `ctr task ls` (empty when not listed)
#   wait_status ID STATUS [SECS]            poll `ctr task ls` until ID shows STATUS
#   shim_of_task ID             the shim serving task ID (parent of its monitor)
#   monitor_of_task ID          the monitor of task ID
#   shim_monitors               live monitors of this run
#   shim_zombies                zombies whose parent belongs to this run
#   shim_socket GROUP           the socket path containerd's convention gives a shim of GROUP
#   shim_assert_clean           the end-of-file checks, then teardown and no process left
#   shim_pass                   log PASS (and keep the diagnostics quiet)

source "$(dirname "${BASH_SOURCE[0]}")/containerd.sh"
source "$(dirname "${BASH_SOURCE[0]}")/image.sh"

SHIM_RUNTIME=io.containerd.reaper.v2
SHIM_NS=default
SHIM_PASSED=""

shim_setup() {
	e2e_require_root
	e2e_require_cmd containerd ctr python3
	[[ -n "${REAPER_BIN:-}" && -x "${REAPER_BIN:-}" ]] || e2e_fail "REAPER_BIN must name the built reaper binary"
	e2e_init
	export REAPER_ROOT="$E2E_DIR/reaper" REAPER_OVERLAY_BASE="$E2E_DIR/ovl" SHIM_LOG="$E2E_DIR/shim.log"
	export REAPER_CONFIG="$E2E_DIR/reaper.conf"
	install -m 0644 /dev/null "$REAPER_CONFIG"
	SHIM_IDS_FILE="$E2E_DIR/ids"
	: >"$SHIM_IDS_FILE"
	local farm
	farm=$(e2e_reaper_farm) || e2e_fail "cannot build the reaper symlink farm"
	e2e_on_cleanup shim_diagnostics
	containerd_start --path "$farm" --env "REAPER_ROOT=$REAPER_ROOT" \
		--env "REAPER_OVERLAY_BASE=$REAPER_OVERLAY_BASE" --env "REAPER_SHIM_LOG=$SHIM_LOG" \
		--env "REAPER_CONFIG=$REAPER_CONFIG" "$@"
	image_import "$SHIM_NS"
}

# On failure, what the shims and containerd said: the first thing to read in a post mortem.
shim_diagnostics() {
	[[ -n "$SHIM_PASSED" ]] && return 0
	e2e_log "shim log ($SHIM_LOG), last lines:"
	tail -n 40 "$SHIM_LOG" 2>/dev/null | sed 's/^/  shim| /' >&2
	containerd_log_tail 30
}

shim_pass() {
	SHIM_PASSED=1
	e2e_log "PASS"
}

tid() {
	local id
	id=$(e2e_id "$1")
	printf '%s\n' "$id" >>"$SHIM_IDS_FILE"
	printf '%s\n' "$id"
}

rrun() {
	ctrd run --runtime "$SHIM_RUNTIME" "$@"
}

task_field() {
	ctrd tasks ls 2>/dev/null | awk -v t="$1" -v f="$2" '$1 == t { print $f }'
}

task_status() { task_field "$1" 3; }
task_pid() { task_field "$1" 2; }

task_has_status() {
	[[ "$(task_status "$1")" == "$2" ]]
}

wait_status() {
	local id=$1 want=$2 secs=${3:-10}
	e2e_wait_until "$secs" task_has_status "$id" "$want" ||
		e2e_fail "task $id: expected status $want, got '$(task_status "$id")' ($(ctrd tasks ls 2>&1))"
}

task_listed() {
	[[ -n "$(task_status "$1")" ]]
}

ppid_of() {
	awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$1/stat" 2>/dev/null
}

comm_of() {
	cat "/proc/$1/comm" 2>/dev/null
}

cmdline_of() {
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null
}

state_of() {
	awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null
}

# Live monitors of this run: named reaper-monitor, state root under $E2E_DIR.
shim_monitors() {
	local pid
	for pid in $(grep -lsaF -- "$REAPER_ROOT" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
		if [[ "$(comm_of "$pid")" == reaper-monitor && "$(state_of "$pid")" != Z ]]; then
			echo "$pid"
		fi
	done
	return 0
}

monitor_of_task() {
	local id=$1 pid
	for pid in $(shim_monitors); do
		# The id is the monitor's last argument.
		if [[ "$(cmdline_of "$pid")" == *" $id " ]]; then
			echo "$pid"
		fi
	done
	return 0
}

shim_of_task() {
	local mon
	mon=$(monitor_of_task "$1")
	[[ -n "$mon" ]] || return 0
	ppid_of "$mon"
}

# Zombies whose parent is one of this run's processes (containerd, a shim, a monitor: their
# command lines name $E2E_DIR). Their parent must reap them: any such zombie is a bug. A shim
# that exited shows as a zombie under pid 1, which does not reap orphans on these machines: that
# is an artifact of the machine, not a leak, and not reported here.
shim_zombies() {
	local pid ppid stat comm
	while read -r pid ppid stat comm; do
		[[ "$stat" == Z* && "$ppid" != 1 ]] || continue
		if [[ "$(cmdline_of "$ppid")" == *"$E2E_DIR"* ]]; then
			echo "$pid($comm) parent $ppid($(comm_of "$ppid"))"
		fi
	done < <(ps -eo pid=,ppid=,stat=,comm=)
	return 0
}

no_zombies() { [[ -z "$(shim_zombies)" ]]; }
no_monitors() { [[ -z "$(shim_monitors)" ]]; }

# containerd's rule for a shim's socket: sha256 of "<grpc address>/<namespace>/<group>".
shim_socket() {
	local hex
	hex=$(printf '%s' "$CTRD_SOCK/$SHIM_NS/$1" | sha256sum | cut -d' ' -f1)
	printf '/run/containerd/s/%s\n' "$hex"
}

# Task (container) state directories left under $REAPER_ROOT; the namespace directories
# themselves may stay.
shim_state_left() {
	find "$REAPER_ROOT" -mindepth 2 2>/dev/null | head -n 20
}

# Mounts of the host and of the overlay groups' namespaces that mention S.
mounts_mentioning() {
	local s=$1
	grep -F -- "$s" /proc/self/mountinfo
	local ns
	for ns in "$REAPER_OVERLAY_BASE"/groups/*/mnt; do
		[[ -e "$ns" ]] && command -v nsenter >/dev/null || continue
		nsenter --mount="$ns" cat /proc/self/mountinfo 2>/dev/null | grep -F -- "$s"
	done
	return 0
}

# Everything a test file must leave behind: nothing.
shim_assert_clean() {
	local left
	left=$(ctrd tasks ls -q)
	[[ -z "$left" ]] || e2e_fail "tasks left: $left"
	left=$(ctrd containers ls -q)
	[[ -z "$left" ]] || e2e_fail "containers left: $left"
	e2e_wait_until 10 containerd_no_shims ||
		e2e_fail "shims left: $(for p in $(containerd_shim_pids); do echo "$p($(cmdline_of "$p"))"; done)"
	e2e_wait_until 10 no_monitors ||
		e2e_fail "monitors left: $(for p in $(shim_monitors); do echo "$p($(cmdline_of "$p"))"; done)"
	e2e_wait_until 5 no_zombies || e2e_fail "zombies not reaped: $(shim_zombies)"
	left=$(shim_state_left)
	[[ -z "$left" ]] || e2e_fail "state left under $REAPER_ROOT: $left"
	local id sock
	while read -r id; do
		sock=$(shim_socket "$id")
		[[ ! -e "$sock" ]] || e2e_fail "shim socket of $id left: $sock"
	done <"$SHIM_IDS_FILE"
	left=$(mounts_mentioning "$CTRD_STATE")
	[[ -z "$left" ]] || e2e_fail "mounts of task bundles left: $left"
	containerd_teardown
	left=$(e2e_leftover_processes)
	[[ -z "$left" ]] || e2e_fail "processes left after teardown: $left"
	e2e_wait_until 5 no_zombies || e2e_fail "zombies after teardown: $(shim_zombies)"
}
