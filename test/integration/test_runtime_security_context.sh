#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The rest of a security context, with reaper-runtime: sysctls would change the node (Reaper
# shares its namespaces), so create refuses them by name, unless the node setting
# REAPER_SYSCTLS=ignore (here in a reaper.conf of the test's own), which logs a warning and leaves
# the node's values alone; SELinux labels are refused, for a container and for an exec; an
# AppArmor profile is refused where the host has no AppArmor; a user namespace (hostUsers: false)
# is refused.
source "$(dirname "$0")/lib.sh"

SYSCTL=kernel.shm_rmid_forced
before=$(cat /proc/sys/kernel/shm_rmid_forced)
asked=$((1 - before))

# assert_refused ID NEEDLE: create ID fails naming NEEDLE and leaves nothing.
assert_refused() {
	expect_fail "create $1" rt create --bundle "$T/$1" "$1"
	assert_contains "$ERR" "$2" "create $1 error"
	[[ ! -e $ROOT/default/$1 ]] || fail "create $1 failed but left $ROOT/default/$1"
	wait_until 5 no_marked_pids || fail "create $1 failed but left processes: $(describe_live)"
}

new_bundle sysctl sh -c "cat /proc/sys/kernel/shm_rmid_forced" >/dev/null
edit_config sysctl "c['linux']['sysctl'] = {'$SYSCTL': '$asked', 'net.core.somaxconn': '1024'}"
assert_refused sysctl "linux.sysctl: $SYSCTL=$asked, net.core.somaxconn=1024: refused"
assert_contains "$ERR" "REAPER_SYSCTLS=ignore" "the refusal names the node setting"
pass "sysctls are refused by name: $ERR"

printf 'REAPER_SYSCTLS=ignore\n' >"$T/reaper.conf"
chmod 0644 "$T/reaper.conf"
OUT=$(REAPER_CONFIG=$T/reaper.conf rt --log "$T/runtime.log" run --bundle "$T/sysctl" sysctl) ||
	fail "run with REAPER_SYSCTLS=ignore: $OUT"
assert_eq "$before" "$OUT" "the node's $SYSCTL seen by the workload"
assert_eq "$before" "$(cat /proc/sys/kernel/shm_rmid_forced)" "the node's $SYSCTL afterwards"
log=$(cat "$T/runtime.log")
assert_contains "$log" "level=warning" "runtime log"
assert_contains "$log" "linux.sysctl: not applied, as the node setting REAPER_SYSCTLS=ignore asks: $SYSCTL=$asked, net.core.somaxconn=1024" "runtime log"
pass "REAPER_SYSCTLS=ignore runs the container without its sysctls and says so in the log"

new_bundle selinux true >/dev/null
edit_config selinux "c['process']['selinuxLabel'] = 'system_u:system_r:container_t:s0:c1,c2'"
assert_refused selinux "process.selinuxLabel: SELinux labels are not supported"
new_bundle mountlabel true >/dev/null
edit_config mountlabel "c['linux']['mountLabel'] = 'system_u:object_r:container_file_t:s0:c1,c2'"
assert_refused mountlabel "linux.mountLabel: SELinux labels are not supported"
pass "SELinux process and mount labels are refused"

new_bundle userns true >/dev/null
edit_config userns "c['linux'].setdefault('namespaces', []).append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]"
assert_refused userns "linux.namespaces: a user namespace (Kubernetes' hostUsers: false) is refused"
pass "a user namespace is refused: $ERR"

new_bundle box sleep 100 >/dev/null
run_detached box
printf '{"args": ["true"], "cwd": "/", "selinuxLabel": "system_u:system_r:container_t:s0"}' >"$T/process.json"
expect_fail "exec with an SELinux label" rt exec --process "$T/process.json" box
assert_contains "$ERR" "process: selinuxLabel: SELinux labels are not supported" "exec error"
pass "an exec with an SELinux label is refused: $ERR"
rt delete --force box

if [[ ! -e /sys/kernel/security/apparmor ]]; then
	new_bundle apparmor true >/dev/null
	edit_config apparmor "c['process']['apparmorProfile'] = 'cri-containerd.apparmor.d'"
	assert_refused apparmor 'process.apparmorProfile: "cri-containerd.apparmor.d" cannot be applied: AppArmor is not enabled on this host'
	pass "an AppArmor profile is refused on a host without AppArmor: $ERR"
fi

finish
