#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# linux.seccomp with reaper-runtime on real bundles: the filter is in force for the container's
# process (with and without no_new_privs, as root and as another user) and for its execs; actions
# and errnos are the profile's; one compiled file serves every container with the same profile;
# a profile Reaper cannot honour fails create with the field named, and leaves nothing.
source "$(dirname "$0")/lib.sh"

SYSPROBE=${REAPER_SYSPROBE:?}
[[ -x $SYSPROBE ]] || fail "the sysprobe helper is missing (build target sysprobe)"

# with_profile NAME PROFILE_PYTHON: set linux.seccomp of bundle NAME to a Python expression.
with_profile() {
	edit_config "$1" "c['linux']['seccomp'] = $2"
}

BLOCK_SETHOSTNAME='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["sethostname"], "action": "SCMP_ACT_ERRNO"}]}'

# The filter holds whichever way it is loaded: without no_new_privs before the user switch (it
# takes CAP_SYS_ADMIN), with it after the start gate.
for nnp in False True; do
	for uid in 0 1000; do
		id=local-$uid-$nnp
		new_bundle "$id" "$SYSPROBE" sethostname getppid >/dev/null
		with_profile "$id" "$BLOCK_SETHOSTNAME"
		edit_config "$id" "c['process']['noNewPrivileges'] = $nnp; c['process']['user'] = {'uid': $uid, 'gid': $uid}"
		run_out "$id"
		assert_eq "$(printf 'sethostname EPERM\ngetppid ok')" "$OUT" "probes of uid $uid, noNewPrivileges $nnp"
	done
done
pass "a profile blocking sethostname holds for uid 0 and 1000, with and without no_new_privs"

# An allow-list over an errno default, the shape of containerd's RuntimeDefault: every system
# call of this architecture but mount, unshare and keyctl, which get ENOSYS.
"$PYTHON" - "$T/allowlist.json" <<'EOF'
import glob, json, re, sys
header = (glob.glob("/usr/include/*/asm/unistd_64.h") + ["/usr/include/asm/unistd_64.h"])[0]
names = sorted(set(re.findall(r"#define __NR_(\w+) ", open(header).read())))
blocked = {"mount", "unshare", "keyctl"}
profile = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
           "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
           "syscalls": [{"names": [n for n in names if n not in blocked], "action": "SCMP_ACT_ALLOW"}]}
json.dump(profile, open(sys.argv[1], "w"))
EOF
new_bundle allow sh -c "echo shell-works; $SYSPROBE mount unshare keyctl getppid" >/dev/null
with_profile allow "json.load(open('$T/allowlist.json'))"
# As CRI makes a non-privileged container: its view of the filesystem is built before the filter.
unprivileged allow
edit_config allow "c['process']['user'] = {'uid': 1000, 'gid': 1000}"
run_out allow
assert_eq "$(printf 'shell-works\nmount ENOSYS\nunshare ENOSYS\nkeyctl ENOSYS\ngetppid ok')" "$OUT" "allow-list probes"
pass "an allow-list with defaultErrnoRet 38, non-privileged: a shell runs as uid 1000, the rest fails with ENOSYS"

# Execs run under the container's filter, whatever their own process says.
new_bundle shared sleep 100 >/dev/null
with_profile shared "$BLOCK_SETHOSTNAME"
run_detached shared
OUT=$(rt exec shared "$SYSPROBE" sethostname getppid) || fail "exec in shared"
assert_eq "$(printf 'sethostname EPERM\ngetppid ok')" "$OUT" "probes of an exec"
printf '{"args": ["%s", "sethostname"], "cwd": "/", "noNewPrivileges": true, "user": {"uid": 1000, "gid": 1000}}' \
	"$SYSPROBE" >"$T/process.json"
OUT=$(rt exec --process "$T/process.json" shared) || fail "exec --process in shared"
assert_eq "sethostname EPERM" "$OUT" "probe of an exec with no_new_privs as uid 1000"
pass "execs (root, and uid 1000 with no_new_privs) run under the container's filter"

# One compiled program per profile: containers link the same cache entry.
new_bundle shared2 sleep 100 >/dev/null
with_profile shared2 "$BLOCK_SETHOSTNAME"
run_detached shared2
ino1=$(stat -c %i "$ROOT/default/shared/seccomp.bpf")
ino2=$(stat -c %i "$ROOT/default/shared2/seccomp.bpf")
assert_eq "$ino1" "$ino2" "inode of the two containers' seccomp.bpf"
cached=$(find "$ROOT/@seccomp" -inum "$ino1")
[[ -n $cached ]] || fail "no cache entry is the containers' seccomp.bpf"
assert_eq 3 "$(stat -c %h "$cached")" "links to the cache entry"
assert_eq "700 600" "$(stat -c %a "$ROOT/@seccomp") $(stat -c %a "$cached")" "modes of the cache"
rt kill shared KILL && rt kill shared2 KILL
wait_status shared stopped && wait_status shared2 stopped
rt delete shared && rt delete shared2
assert_eq 1 "$(stat -c %h "$cached")" "links to the cache entry once both are deleted"
pass "containers with one profile share one compiled program; delete drops their links"

# Actions are the profile's: KILL_PROCESS ends the process with SIGSYS, exit 159.
new_bundle killed "$SYSPROBE" getppid >/dev/null
with_profile killed '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
rc=0
rt run --bundle "$T/killed" killed >/dev/null 2>&1 || rc=$?
assert_eq 159 "$rc" "exit status of a process killed by its filter"
pass "SCMP_ACT_KILL_PROCESS kills with SIGSYS (exit 159)"

# Profiles Reaper cannot honour fail create, naming the field; nothing is left.
assert_refused() {
	local id=$1 profile=$2 needle=$3
	new_bundle "$id" true >/dev/null
	with_profile "$id" "$profile"
	expect_fail "create $id" rt create --bundle "$T/$id" "$id"
	assert_contains "$ERR" "$needle" "create $id error"
	[[ ! -e $ROOT/default/$id ]] || fail "create $id failed but left $ROOT/default/$id"
	wait_until 5 no_marked_pids || fail "create $id failed but left processes: $(describe_live)"
	pass "refused at create: $ERR"
}
assert_refused notify '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock"}' \
	'linux.seccomp.listenerPath: seccomp notify is not supported'
assert_refused badaction '{"defaultAction": "SCMP_ACT_PERHAPS"}' \
	'linux.seccomp.defaultAction: unknown action "SCMP_ACT_PERHAPS"'
assert_refused badarch '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_PDP11"]}' \
	'linux.seccomp.architectures[0]: "SCMP_ARCH_PDP11" is not supported by libseccomp'
assert_refused badflag '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]}' \
	'linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NEW_LISTENER"'
assert_refused unknowncall '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["frobnicate"], "action": "SCMP_ACT_ERRNO"}]}' \
	'system call "frobnicate" is unknown to libseccomp'
assert_refused blockswrite '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["write"], "action": "SCMP_ACT_ERRNO"}]}' \
	'the profile blocks write(2), which the process needs after the filter is installed'

# features says what a profile may use.
"$PYTHON" - "$(rt features)" <<'EOF' || fail "features: $(rt features)"
import json, sys
s = json.loads(sys.argv[1])["linux"]["seccomp"]
assert s["enabled"] is True, s
assert "SCMP_ACT_ERRNO" in s["actions"] and "SCMP_ACT_NOTIFY" not in s["actions"], s["actions"]
assert "SCMP_CMP_MASKED_EQ" in s["operators"] and "SCMP_ARCH_X86_64" in s["archs"], s
assert "SECCOMP_FILTER_FLAG_LOG" in s["supportedFlags"], s
EOF
pass "features lists seccomp's actions (no notify), operators, architectures and flags"

# A kill during setup (before no_new_privs, the user switch runs under the filter) is named.
new_bundle setupkill true >/dev/null
with_profile setupkill '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["setresuid"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
edit_config setupkill "c['process']['user'] = {'uid': 1000, 'gid': 1000}"
expect_fail "create setupkill" rt create --bundle "$T/setupkill" setupkill
assert_contains "$ERR" "killed by signal 31" "create setupkill error"
[[ ! -e $ROOT/default/setupkill ]] || fail "create setupkill failed but left its state"
pass "a filter that kills the process during setup fails create: $ERR"

finish
