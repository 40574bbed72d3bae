#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Seccomp through containerd's CRI plugin, which builds the profile itself (RuntimeDefault is
# containerd's own default profile, Localhost a file on the node) and puts it in config.json:
# a normal workload runs under RuntimeDefault while unshare, mount and keyctl fail with EPERM;
# a Localhost profile that blocks sethostname holds; Unconfined means no filter; an exec runs
# under its container's filter; a profile Reaper cannot honour fails StartContainer by name.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

SYSPROBE=${REAPER_SYSPROBE:?}
[[ -x $SYSPROBE ]] || e2e_fail "the sysprobe helper is missing (build target sysprobe)"

reaper_cri_start
# The pod's own seccomp profile applies to its sandbox, Reaper's pause.
pod=$(reaper_cri_pod seccomp --seccomp runtime-default)
e2e_assert_eq SANDBOX_READY "$(cri inspectp "$pod" -f status.state)" "pod under RuntimeDefault"
pause=$(reaper_cri_pid "$pod")
e2e_assert_eq "Seccomp:	2" "$(grep '^Seccomp:' "/proc/$pause/status")" "the pause process's seccomp mode"

# log_of C: container C's output lines, without CRI's timestamps and stream tags.
log_of() {
	cut -d' ' -f4- "$(reaper_cri_log "$1")"
}

e2e_log "RuntimeDefault: a normal workload runs; unshare, mount and keyctl fail with EPERM"
c=$(cri run "$pod" --name default --seccomp runtime-default -- /bin/sh -c \
	"echo normal-workload; ls / >/dev/null && echo ls-works; grep -E '^Seccomp(_filters)?:' /proc/self/status; $SYSPROBE unshare mount keyctl")
reaper_cri_exited "$c"
e2e_assert_eq 0 "$(cri_field "$c" status.exit_code)" "exit code under RuntimeDefault"
want=$(printf '%s\n' normal-workload ls-works "Seccomp:	2" "Seccomp_filters:	1" \
	"unshare EPERM" "mount EPERM" "keyctl EPERM")
e2e_assert_eq "$want" "$(log_of "$c")" "output under RuntimeDefault"

e2e_log "RuntimeDefault with no_new_privs (PodSecurity restricted): the same"
c=$(cri run "$pod" --name restricted --seccomp runtime-default --no-new-privs --user 1000 -- \
	"$SYSPROBE" unshare mount keyctl)
reaper_cri_exited "$c"
e2e_assert_eq "$(printf '%s\n' "unshare EPERM" "mount EPERM" "keyctl EPERM")" "$(log_of "$c")" "output as uid 1000 with no_new_privs"

e2e_log "an exec runs under its container's filter"
c=$(cri run "$pod" --name target --seccomp runtime-default -- /bin/sleep 1000)
e2e_assert_eq CONTAINER_RUNNING "$(cri wait "$c" --state CONTAINER_RUNNING)" "state"
out=$(cri exec "$c" -- "$SYSPROBE" unshare keyctl getppid) || e2e_fail "exec in target: $out"
e2e_assert_eq "$(printf '%s\n' "unshare EPERM" "keyctl EPERM" "getppid ok")" "$out" "exec under RuntimeDefault"
cri stop "$c"

e2e_log "Localhost: a profile on the node that blocks sethostname"
cat >"$E2E_DIR/no-sethostname.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["sethostname"], "action": "SCMP_ACT_ERRNO"}]}
EOF
c=$(cri run "$pod" --name localhost --seccomp "localhost/$E2E_DIR/no-sethostname.json" -- \
	"$SYSPROBE" sethostname keyctl)
reaper_cri_exited "$c"
e2e_assert_eq "$(printf '%s\n' "sethostname EPERM" "keyctl ok")" "$(log_of "$c")" "output under the Localhost profile"

e2e_log "Unconfined: no filter at all"
c=$(cri run "$pod" --name unconfined --seccomp unconfined -- /bin/sh -c \
	"grep '^Seccomp:' /proc/self/status; $SYSPROBE keyctl")
reaper_cri_exited "$c"
e2e_assert_eq "$(printf '%s\n' "Seccomp:	0" "keyctl ok")" "$(log_of "$c")" "output unconfined"

e2e_log "one compiled program serves the pod's containers and execs"
entries=$(find "$REAPER_ROOT/@seccomp" -name '*.bpf' | wc -l)
# RuntimeDefault for the sandbox, for containers (the sandbox's list differs: containerd adds
# rules by capabilities) and the Localhost profile.
((entries >= 2 && entries <= 3)) || e2e_fail "$entries compiled programs in $REAPER_ROOT/@seccomp: $(ls "$REAPER_ROOT/@seccomp")"

e2e_log "a profile Reaper cannot honour fails StartContainer, naming the field"
refused() {
	local name=$1 profile=$2 needle=$3 err
	printf '%s\n' "$profile" >"$E2E_DIR/$name.json"
	if err=$(cri run "$pod" --name "$name" --seccomp "localhost/$E2E_DIR/$name.json" -- /bin/true 2>&1); then
		e2e_fail "container $name with profile $profile started"
	fi
	e2e_assert_contains "$err" "$needle" "StartContainer error for $name"
}
refused notify '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock"}' \
	'linux.seccomp.listenerPath: seccomp notify is not supported'
refused badaction '{"defaultAction": "SCMP_ACT_SOMETIMES"}' \
	'linux.seccomp.defaultAction: unknown action "SCMP_ACT_SOMETIMES"'
refused blockwrite '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["write"], "action": "SCMP_ACT_KILL"}]}' \
	'the profile blocks write(2)'
reaper_cri_assert_no_process "$E2E_DIR/.*true"

cri stopp "$pod"
cri rmp "$pod"
no_process() { [[ -z "$(reaper_cri_owned_pids)" ]]; }
e2e_wait_until 10 no_process || reaper_cri_assert_no_process
e2e_log "PASS"
