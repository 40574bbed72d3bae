# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Common pieces of the end-to-end harness: a private temp dir, a cleanup stack run on exit,
# process tracking, polling with a deadline, assertions. Source it (containerd.sh does).
#
#   e2e_init                  create $E2E_DIR (short path under /tmp) and install the exit trap
#   e2e_on_cleanup CMD...     run CMD at exit (last registered runs first)
#   e2e_track_pid PID         kill PID and everything it started at exit
#   e2e_wait_until SECS CMD   run CMD until it succeeds; fail after SECS seconds
#   e2e_fail MSG / e2e_skip MSG / e2e_log MSG
#   e2e_assert_eq WANT GOT MSG, e2e_assert_contains TEXT NEEDLE MSG, e2e_assert_file_contains F NEEDLE
#   e2e_reaper_farm           symlink farm for $REAPER_BIN in $E2E_DIR/bin; prints the dir
#   e2e_id NAME               NAME plus the run's random suffix (ids shared state dirs see)
#   e2e_leftover_processes    pids still alive that this run started (empty when clean)

if [[ -n "${E2E_COMMON_SOURCED:-}" ]]; then
	return 0
fi
E2E_COMMON_SOURCED=1

E2E_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_ROOT_DIR="$(cd "$E2E_LIB_DIR/.." && pwd)"
E2E_SKIP_CODE=77
E2E_CLEANUP_CMDS=()
E2E_TRACKED_PIDS=()
E2E_CGROUP=""

e2e_log() {
	printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*" >&2
}

e2e_fail() {
	printf '[e2e] FAIL: %s\n' "$*" >&2
	exit 1
}

# REAPER_TEST_NO_SKIP (set by .ci/run) turns every skip into a failure: CI must run everything.
e2e_skip() {
	if [[ -n "${REAPER_TEST_NO_SKIP:-}" ]]; then
		printf '[e2e] FAIL: cannot run: %s (REAPER_TEST_NO_SKIP is set: a skip fails)\n' "$*" >&2
		exit 1
	fi
	printf '[e2e] SKIP: %s\n' "$*" >&2
	exit "$E2E_SKIP_CODE"
}

e2e_require_root() {
	[[ $(id -u) -eq 0 ]] || e2e_skip "needs root"
}

# Skip unless every named command exists.
e2e_require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || e2e_skip "needs $c"
	done
}

e2e_assert_eq() {
	local want=$1 got=$2 what=${3:-value}
	[[ "$want" == "$got" ]] || e2e_fail "$what: expected '$want', got '$got'"
}

e2e_assert_contains() {
	local text=$1 needle=$2 what=${3:-output}
	[[ "$text" == *"$needle"* ]] || e2e_fail "$what does not contain '$needle': '$text'"
}

e2e_assert_file_contains() {
	local file=$1 needle=$2
	[[ -f "$file" ]] || e2e_fail "$file does not exist"
	grep -qF -- "$needle" "$file" || e2e_fail "$file does not contain '$needle': $(head -c 2000 "$file")"
}

# Poll CMD (every 50 ms) until it succeeds or SECS seconds pass. Tests may poll; Reaper may not.
e2e_wait_until() {
	local secs=$1
	shift
	local deadline=$((SECONDS + secs))
	until "$@"; do
		if ((SECONDS >= deadline)); then
			e2e_log "timed out after ${secs}s waiting for: $*"
			return 1
		fi
		sleep 0.05
	done
}

# A cgroup v2 directory that every tracked process and its descendants land in, so cleanup can
# kill them all with cgroup.kill whatever they did (setsid, double fork). Best effort: without a
# writable cgroup2 mount, cleanup falls back to the environment marker.
e2e_make_cgroup() {
	local mnt
	mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[[ -n "$mnt" && -w "$mnt" ]] || return 0
	local dir="$mnt/reaper-e2e.${E2E_DIR##*.}"
	if mkdir "$dir" 2>/dev/null && [[ -e "$dir/cgroup.kill" ]]; then
		E2E_CGROUP=$dir
	else
		rmdir "$dir" 2>/dev/null
	fi
	return 0
}

e2e_init() {
	[[ -n "${E2E_DIR:-}" ]] && return 0
	# Unix socket paths are limited to 108 bytes: keep the base short, whatever TMPDIR says.
	E2E_DIR=$(mktemp -d "${E2E_TMPDIR:-/tmp}/rp.XXXXXX") || e2e_fail "cannot create a temp dir"
	chmod 0711 "$E2E_DIR"
	export E2E_DIR
	# Daemons started through the harness (containerd, hence its shims) carry this marker in
	# their environment; the test shell itself does not, so its own tools are never matched.
	E2E_MARK="E2E_OWNER=$E2E_DIR"
	e2e_make_cgroup
	e2e_sanitizer_setup
	trap 'e2e_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# A sanitizer build of Reaper (cmake -DREAPER_SANITIZE=ON: ASan, UBSan, LeakSanitizer) reports into
# $E2E_DIR/sanitizer from every shim, monitor and CLI of the run: the options are exported before
# containerd starts, and containerd passes its environment on to the shims. Reports never reach
# stderr (the shim's stdout and stderr are protocol). Any report fails the test at exit.
e2e_sanitizer_setup() {
	mkdir -p "$E2E_DIR/sanitizer"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$E2E_DIR/sanitizer/asan"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$E2E_DIR/sanitizer/ubsan:print_stacktrace=1"
}

# e2e_copy_libs ROOT [PROGRAM]: the shared libraries PROGRAM (default $REAPER_BIN) loads, copied
# into the node root ROOT at their own paths, so that it also runs chrooted there (the doctor runs
# the node's shim that way). Nothing to copy for a static binary such as the release build; the
# sanitizer build is dynamic.
e2e_copy_libs() {
	local root=$1 program=${2:-$REAPER_BIN} lib
	for lib in $(ldd "$program" 2>/dev/null | grep -oE '/[^ ]+'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# The reports, if any (run after every process of the run is gone).
e2e_sanitizer_reports() {
	local f
	for f in "$E2E_DIR"/sanitizer/*; do
		[[ -s "$f" ]] || continue
		printf '==== %s\n' "${f##*/}"
		head -c 6000 "$f"
	done
	return 0
}

e2e_on_cleanup() {
	E2E_CLEANUP_CMDS+=("$*")
}

e2e_track_pid() {
	local pid=$1
	E2E_TRACKED_PIDS+=("$pid")
	if [[ -n "$E2E_CGROUP" ]]; then
		echo "$pid" >"$E2E_CGROUP/cgroup.procs" 2>/dev/null || true
	fi
}

e2e_id() {
	local suffix=${E2E_DIR##*.}
	printf '%s-%s\n' "$1" "${suffix,,}"
}

# Pids of live processes started by this run: the cgroup's members, the tracked pids, and any
# process whose environment carries our marker.
e2e_owned_pids() {
	local pid
	{
		if [[ -n "$E2E_CGROUP" && -r "$E2E_CGROUP/cgroup.procs" ]]; then
			cat "$E2E_CGROUP/cgroup.procs"
		fi
		for pid in "${E2E_TRACKED_PIDS[@]}"; do
			if [[ -d /proc/$pid ]]; then
				echo "$pid"
			fi
		done
		grep -lsaF "$E2E_MARK" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 || true
	} | sort -un | while read -r pid; do
		# Zombies are their parent's to reap, not ours to kill.
		local state
		state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
		if [[ -n "$state" && "$state" != Z && $pid != "$$" ]]; then
			echo "$pid"
		fi
	done
	return 0
}

e2e_leftover_processes() {
	local pid out=""
	for pid in $(e2e_owned_pids); do
		out+="$pid($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | head -c 120)) "
	done
	printf '%s' "$out"
}

e2e_kill_owned() {
	if [[ -n "$E2E_CGROUP" && -e "$E2E_CGROUP/cgroup.kill" ]]; then
		echo 1 >"$E2E_CGROUP/cgroup.kill" 2>/dev/null || true
	fi
	local pids
	pids=$(e2e_owned_pids)
	if [[ -n "$pids" ]]; then
		kill -9 $pids 2>/dev/null || true
	fi
	e2e_wait_until 10 e2e_no_owned_pids || e2e_log "processes survived cleanup: $(e2e_leftover_processes)"
	return 0
}

e2e_no_owned_pids() {
	[[ -z "$(e2e_owned_pids)" ]]
}

# Unmount everything mounted under $E2E_DIR, deepest first.
e2e_unmount_all() {
	local mp
	for mp in $(awk -v d="$E2E_DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || e2e_log "cannot unmount $mp"
	done
	return 0
}

e2e_cleanup() {
	local rc=$?
	trap - EXIT
	set +e
	local i
	# Each step in a subshell: a step that fails (e2e_fail exits) must not skip the others.
	for ((i = ${#E2E_CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		(eval "${E2E_CLEANUP_CMDS[$i]}")
	done
	if [[ -n "${E2E_DIR:-}" ]]; then
		e2e_kill_owned
		e2e_unmount_all
		local reports
		reports=$(e2e_sanitizer_reports)
		if [[ -n "$reports" ]]; then
			printf '[e2e] FAIL: sanitizer reports from the processes of this run:\n%s\n' "$reports" >&2
			rc=1
		fi
		if [[ -n "$E2E_CGROUP" ]]; then
			rmdir "$E2E_CGROUP" 2>/dev/null || e2e_log "cannot remove $E2E_CGROUP"
		fi
		if [[ -n "${E2E_KEEP:-}" ]]; then
			e2e_log "keeping $E2E_DIR (E2E_KEEP set)"
		else
			rm -rf --one-file-system "$E2E_DIR"
		fi
	fi
	exit "$rc"
}

# The multi-call binary under test, linked under every name containerd and the shim look up.
e2e_reaper_farm() {
	# In $(...) a fresh e2e_init would make a dir the subshell's trap deletes at once.
	[[ -n "${E2E_DIR:-}" ]] || e2e_fail "e2e_reaper_farm: call e2e_init first"
	local bin=${REAPER_BIN:?REAPER_BIN is not set}
	local dir="$E2E_DIR/bin"
	mkdir -p "$dir"
	local name
	for name in reaper containerd-shim-reaper-v2 reaper-runtime reaper-monitor; do
		ln -sfn "$(readlink -f "$bin")" "$dir/$name"
	done
	printf '%s\n' "$dir"
}
