# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# shellcheck disable=SC2034 # RC, ERR and SANITIZER_BUILD are set here for the tests to read
# Shared pieces of the reaper-runtime integration tests (test_runtime_*.sh). Source it first:
#   source "$(dirname "$0")/lib.sh"
#
# The script re-executes itself under the subreaper helper (subreaper.c): pid 1 here reaps no
# orphans, and a monitor outlives the `create` that spawned it, as under containerd's shim.
# Each script gets its own temp dir $T holding the state root, the overlay base, the bundles and
# the volumes; the exit trap deletes what is left, unmounts the overlay and removes $T.
#
#   rt ARGS...                reaper-runtime --root $ROOT ARGS (monitors carry the run's marker)
#   rt_exec ARGS... &         the same in the background, $! being the CLI's own pid
#   new_bundle NAME ARGS...   $T/NAME/config.json running ARGS; prints the bundle dir
#   edit_config NAME PYTHON   run PYTHON on the parsed config `c` and write it back
#   record ID KEY             a field of ID's state.json record
#   status_of ID              the status `state` reports
#   wait_status ID STATUS     poll `state` until STATUS (5 s)
#   wait_until SECS CMD...    poll CMD every 20 ms until it succeeds
#   expect_fail WHAT CMD...   CMD must exit non-zero; its stderr lands in $ERR
#   assert_eq / assert_contains / assert_not_contains / fail / pass
#   live_marked_pids          processes of this run still alive (monitors and workloads)
#   describe_live             those, with their command lines, for messages
#   finish                    final checks (nothing running, no zombies, no sanitizer report)
#   at_teardown CMD           eval CMD in the exit trap (for what a broken runtime might leave)

set -euo pipefail

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

pass() {
	printf 'ok: %s\n' "$*" >&2
}

# REAPER_TEST_NO_SKIP (set by .ci/run) turns every skip into a failure.
skip() {
	if [[ -n "${REAPER_TEST_NO_SKIP:-}" ]]; then
		printf 'FAIL: cannot run: %s (REAPER_TEST_NO_SKIP is set: a skip fails)\n' "$*" >&2
		exit 1
	fi
	printf 'SKIP: %s\n' "$*" >&2
	exit 77
}

[[ $(id -u) -eq 0 ]] || skip "needs root"
REAPER_BIN=$(readlink -f "${REAPER_BIN:?REAPER_BIN is not set}")
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || skip "needs $PYTHON"

if [[ -z "${REAPER_TEST_SUBREAPER:-}" ]]; then
	SUBREAPER=${REAPER_SUBREAPER:-$(dirname "$REAPER_BIN")/test/subreaper}
	[[ -x "$SUBREAPER" ]] || fail "subreaper helper not found (set REAPER_SUBREAPER; build target subreaper)"
	exec "$SUBREAPER" bash "$0" "$@"
fi

T=$(mktemp -d /tmp/rrt.XXXXXX)
chmod 0755 "$T"
ROOT=$T/state
export REAPER_OVERLAY_BASE=$T/ov
MARK="REAPER_TEST_MARK=$T"
# A sanitizer build (REAPER_SANITIZE) reports to files here, checked by finish: a leak report
# would otherwise only land in some command's stderr, which the assertions do not compare whole.
mkdir -p "$T/sanitizer"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/sanitizer/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/sanitizer/ubsan:print_stacktrace=1"
SANITIZER_BUILD=
if ldd "$REAPER_BIN" 2>/dev/null | grep -q libasan; then
	SANITIZER_BUILD=1
fi
mkdir -p "$T/bin"
ln -s "$REAPER_BIN" "$T/bin/reaper-runtime"
RUNTIME=$T/bin/reaper-runtime

rt() {
	env "$MARK" "$RUNTIME" --root "$ROOT" "$@"
}

# rt_exec ARGS... &: the background job's pid ($!) is the CLI itself, not a subshell.
rt_exec() {
	exec env "$MARK" "$RUNTIME" --root "$ROOT" "$@"
}

# Pids of live (non-zombie) processes carrying this run's marker: monitors inherit it from rt,
# workloads get it from config.json.
live_marked_pids() {
	local f pid state
	for f in $(grep -lsaF "$MARK" /proc/[0-9]*/environ 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%/environ}
		state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
		[[ -n $state && $state != Z ]] && echo "$pid"
	done
	return 0
}

describe_live() {
	# shellcheck disable=SC2046 # one word per pid
	describe_pids $(live_marked_pids)
}

describe_pids() {
	local pid
	for pid in "$@"; do
		printf '%s(%s) ' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | head -c 100)"
	done
}

# Zombies anywhere below the subreaper other than its own children (which it reaps at once).
zombies_in_tree() {
	"$PYTHON" - "$REAPER_TEST_SUBREAPER" <<'EOF'
import os, sys
top = int(sys.argv[1])
procs = {}
for d in os.listdir('/proc'):
    if not d.isdigit():
        continue
    try:
        s = open(f'/proc/{d}/stat').read()
    except OSError:
        continue
    rest = s[s.rindex(')') + 2:].split()
    procs[int(d)] = (rest[0], int(rest[1]))
def under(pid):
    seen = 0
    while pid in procs and seen < 64:
        pid = procs[pid][1]
        if pid == top:
            return True
        seen += 1
    return False
for pid, (state, ppid) in sorted(procs.items()):
    if state == 'Z' and ppid != top and under(pid):
        print(pid, 'parent', ppid)
EOF
}

AT_TEARDOWN=()
at_teardown() {
	AT_TEARDOWN+=("$1")
}

teardown() {
	local rc=$? id mp pids cmd
	trap - EXIT
	set +e
	for cmd in "${AT_TEARDOWN[@]}"; do
		eval "$cmd"
	done
	if [[ -d $ROOT ]]; then
		for id in $(rt list --quiet 2>/dev/null); do
			rt delete --force "$id" >/dev/null 2>&1
		done
	fi
	pids=$(live_marked_pids)
	if [[ -n $pids ]]; then
		# shellcheck disable=SC2086 # one word per pid
		printf 'teardown: killing leftovers %s\n' "$(describe_pids $pids)" >&2
		# shellcheck disable=SC2086
		kill -9 $pids 2>/dev/null
	fi
	for mp in $(awk -v d="$T/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || printf 'teardown: cannot unmount %s\n' "$mp" >&2
	done
	if [[ -n ${KEEP_TEST_DIR:-} ]]; then
		printf 'keeping %s\n' "$T" >&2
	else
		rm -rf --one-file-system "$T"
	fi
	exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_until() {
	local secs=$1
	shift
	local deadline=$((SECONDS + secs))
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.02
	done
}

assert_eq() {
	[[ "$1" == "$2" ]] || fail "${3:-value}: expected '$1', got '$2'"
}

assert_contains() {
	[[ "$1" == *"$2"* ]] || fail "${3:-output} does not contain '$2': '$1'"
}

assert_not_contains() {
	[[ "$1" != *"$2"* ]] || fail "${3:-output} contains '$2': '$1'"
}

# expect_fail WHAT CMD...: CMD must fail; stderr goes to $ERR, the exit status to $RC.
expect_fail() {
	local what=$1
	shift
	RC=0
	# A file, not a pipe: a command that wrongly succeeds may leave processes holding its stderr.
	"$@" >/dev/null 2>"$T/expect_fail.err" || RC=$?
	ERR=$(cat "$T/expect_fail.err")
	((RC != 0)) || fail "$what: succeeded, expected a failure"
}

# new_bundle NAME ARGS...: a bundle whose process runs ARGS as root in /, terminal off.
new_bundle() {
	local name=$1
	shift
	mkdir -p "$T/$name/rootfs"
	"$PYTHON" - "$T/$name/config.json" "$MARK" "$@" <<'EOF'
import json, sys
path, mark, args = sys.argv[1], sys.argv[2], sys.argv[3:]
config = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": args,
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", mark],
        "cwd": "/",
    },
    "root": {"path": "rootfs", "readonly": False},  # the suites write to the overlay
    "hostname": "reaper-test",
    "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
    "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]},
}
with open(path, "w") as f:
    json.dump(config, f, indent=1)
EOF
	printf '%s\n' "$T/$name"
}

edit_config() {
	local file=$T/$1/config.json
	"$PYTHON" - "$file" "$2" <<'EOF'
import json, sys
path, code = sys.argv[1], sys.argv[2]
c = json.load(open(path))
exec(code)
with open(path, "w") as f:
    json.dump(c, f, indent=1)
EOF
}

# json_get JSON KEY: a top-level field, as Python prints it (strings bare).
json_get() {
	"$PYTHON" -c 'import json, sys; v = json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

record() {
	json_get "$(cat "$ROOT/default/$1/state.json")" "$2"
}

status_of() {
	local doc
	doc=$(rt state "$1" 2>/dev/null) || return 0
	json_get "$doc" status
}

wait_status() {
	local id=$1 want=$2
	wait_until 5 is_status "$id" "$want" || fail "$id: status is '$(status_of "$id")', expected $want"
}

is_status() {
	[[ $(status_of "$1") == "$2" ]]
}

pid_alive() {
	local state
	state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
	[[ -n $state && $state != Z ]]
}

pid_gone() {
	[[ ! -e /proc/$1 ]]
}

# run_detached ID: create + start with stdio to $T/ID.out and $T/ID.err.
run_detached() {
	local id=$1
	rt create --bundle "$T/$id" "$id" >"$T/$id.out" 2>"$T/$id.err" || fail "create $id: $(cat "$T/$id.err")"
	rt start "$id" || fail "start $id"
}

finish() {
	local ids
	ids=$(rt list --quiet 2>/dev/null || true)
	[[ -z $ids ]] || fail "containers left at the end: $ids"
	wait_until 5 no_marked_pids || fail "processes left at the end: $(describe_live)"
	wait_until 5 no_zombies || fail "zombies left at the end: $(zombies_in_tree)"
	if [[ -d $ROOT/default ]]; then
		[[ -z $(ls -A "$ROOT/default") ]] || fail "state left behind: $(ls -A "$ROOT/default")"
	fi
	[[ -z $(ls -A "$T/sanitizer") ]] || fail "sanitizer reports: $(cat "$T"/sanitizer/* | head -c 4000)"
	pass "nothing left running, no zombies, no state"
}

no_marked_pids() {
	[[ -z $(live_marked_pids) ]]
}

no_zombies() {
	[[ -z $(zombies_in_tree) ]]
}

# run_out ID: run bundle ID in the foreground, which must exit 0; its stdout in $OUT.
run_out() {
	local rc=0
	rt run --bundle "$T/$1" "$1" >"$T/$1.out" 2>"$T/$1.err" || rc=$?
	((rc == 0)) || fail "run $1 exited $rc: $(cat "$T/$1.err") $(cat "$T/$1.out")"
	OUT=$(cat "$T/$1.out")
}

# unprivileged NAME: make bundle NAME what containerd's CRI plugin writes for a non-privileged
# container: Kubernetes' default capabilities, kubelet's masked and read-only paths, the kernel
# filesystems' mounts with /sys read-only, a /dev tmpfs.
unprivileged() {
	edit_config "$1" 'caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
  "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
c["process"]["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted")}
c["linux"]["maskedPaths"] = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
  "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
  "/sys/firmware", "/sys/devices/virtual/powercap"]
c["linux"]["readonlyPaths"] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
c["mounts"] = [
  {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
  {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
  {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
  {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
  {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
  {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
  {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]}]'
}
