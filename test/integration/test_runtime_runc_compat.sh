#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The same bundle under runc and reaper-runtime: the same `state` keys in each state, the same
# statuses, the same exit codes from `run`, the same verdicts (success or failure) on legal and
# illegal operations, the same pid-file format; `features` prints JSON with runc's keys.
source "$(dirname "$0")/lib.sh"
command -v runc >/dev/null || skip "needs runc"
BUSYBOX=$(command -v busybox) || skip "needs busybox (busybox-static)"
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' || skip "needs a static busybox (busybox-static)"

RUNC_ROOT=$T/runc-state
# runc names cgroups after container ids: ids unique to this run keep parallel runs apart.
RUN=${T##*.}
runc_() {
	runc --root "$RUNC_ROOT" "$@"
}
reaper_() {
	rt "$@"
}
at_teardown 'for id in $(runc --root "$RUNC_ROOT" list -q 2>/dev/null); do runc --root "$RUNC_ROOT" delete --force "$id" >/dev/null 2>&1; done'

# A runc bundle: `runc spec`, a busybox rootfs, the given args; rootless of nothing else.
compat_bundle() {
	local name=$1
	shift
	mkdir -p "$T/$name/rootfs/bin"
	cp "$BUSYBOX" "$T/$name/rootfs/bin/busybox"
	local applet
	for applet in sh true sleep echo cat; do
		ln -s busybox "$T/$name/rootfs/bin/$applet"
	done
	(cd "$T/$name" && runc spec)
	local args
	args=$("$PYTHON" -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")
	edit_config "$name" 'c["process"]["args"] = '"$args"'; c["process"]["terminal"] = False; c["process"]["env"].append("'"$MARK"'")'
}

keys_of() {
	"$PYTHON" -c 'import json, sys; print(" ".join(sorted(json.loads(sys.argv[1]))))' "$1"
}

# Both runtimes, each step: the verdict of each and the state's key set and status must match.
compat_bundle long sleep 100
edit_config long 'c["annotations"] = {"org.example.test": "compat"}'
for runtime in runc reaper; do
	"${runtime}_" create --bundle "$T/long" --pid-file "$T/$runtime.pid" "long-$runtime-$RUN" >"$T/$runtime.out" 2>"$T/$runtime.err" ||
		fail "$runtime create: $(cat "$T/$runtime.err")"
done
declare -A keys
step() {
	local what=$1 want_status=$2 runtime doc
	for runtime in runc reaper; do
		doc=$("${runtime}_" state "long-$runtime-$RUN") || fail "$runtime state ($what)"
		keys[$runtime]=$(keys_of "$doc")
		assert_eq "$want_status" "$(json_get "$doc" status)" "$runtime status $what"
		assert_eq "$T/long" "$(json_get "$doc" bundle)" "$runtime bundle $what"
		assert_eq "{'org.example.test': 'compat'}" "$(json_get "$doc" annotations)" "$runtime annotations $what"
		if [[ $want_status == stopped ]]; then
			assert_eq 0 "$(json_get "$doc" pid)" "$runtime pid $what"
		else
			pid_alive "$(json_get "$doc" pid)" || fail "$runtime: the pid in state $what is not alive"
		fi
	done
	assert_eq "${keys[runc]}" "${keys[reaper]}" "state keys $what (runc vs reaper)"
	pass "$what: both $want_status, state keys: ${keys[reaper]}"
}
# verdicts WHAT ARGS...: run `RUNTIME_ ARGS` on both, with ID replaced by the container's id;
# both must succeed or both fail.
verdicts() {
	local what=$1 runtime rc
	shift
	declare -A got
	for runtime in runc reaper; do
		rc=0
		"${runtime}_" "${@/#ID/long-$runtime-$RUN}" >/dev/null 2>&1 || rc=$?
		got[$runtime]=$([[ $rc -eq 0 ]] && echo ok || echo fails)
	done
	assert_eq "${got[runc]}" "${got[reaper]}" "$what (runc vs reaper)"
	pass "$what: ${got[reaper]} under both"
}
step "after create" created
for runtime in runc reaper; do
	pid=$(cat "$T/$runtime.pid")
	[[ $pid =~ ^[0-9]+$ ]] || fail "$runtime pid file holds '$pid'"
	[[ $(tail -c 1 "$T/$runtime.pid" | od -An -c | tr -d ' ') != '\n' ]] || fail "$runtime pid file ends in a newline"
	pid_alive "$pid" || fail "$runtime: pid $pid from the pid file is not alive"
done
pass "pid files: a bare pid (no newline) of a live process under both"
verdicts "kill 0 of a created container" kill ID 0
verdicts "start" start ID
step "after start" running
verdicts "start of a running container" start ID
verdicts "delete of a running container without --force" delete ID
step "after the refused delete" running
verdicts "kill 0 of a running container" kill ID 0
for runtime in runc reaper; do
	ps=$("${runtime}_" ps --format json "long-$runtime-$RUN") || fail "$runtime ps --format json"
	pid=$(json_get "$("${runtime}_" state "long-$runtime-$RUN")" pid)
	assert_eq "[$pid]" "$(tr -d ' \n' <<<"$ps")" "$runtime ps --format json"
done
pass "ps --format json: [pid] under both"
verdicts "kill KILL" kill ID KILL
for runtime in runc reaper; do
	wait_until 5 eval '[[ $(json_get "$('"${runtime}_"' state long-'"$runtime-$RUN"')" status) == stopped ]]' ||
		fail "$runtime: long did not stop"
done
step "after kill" stopped
verdicts "start of a stopped container" start ID
verdicts "kill of a stopped container" kill ID KILL
verdicts "kill 0 of a stopped container" kill ID 0
verdicts "kill --all of a stopped container" kill --all ID KILL
verdicts "ps of a stopped container" ps ID
verdicts "delete of a stopped container" delete ID
verdicts "state of a deleted container" state ID
verdicts "kill of a deleted container" kill ID KILL

# A created container can be deleted without --force under both.
for runtime in runc reaper; do
	"${runtime}_" create --bundle "$T/long" "long-$runtime-$RUN" >/dev/null 2>&1 </dev/null || fail "$runtime create again"
done
verdicts "delete of a created container without --force" delete ID
verdicts "state of the deleted created container" state ID

# Exit codes of `run` in the foreground.
for code in 0 7 42; do
	compat_bundle "exit$code" sh -c "exit $code"
	for runtime in runc reaper; do
		rc=0
		"${runtime}_" run --bundle "$T/exit$code" "exit$code-$runtime-$RUN" >/dev/null 2>&1 </dev/null || rc=$?
		assert_eq "$code" "$rc" "$runtime run exit $code"
	done
done
pass "run exits 0, 7, 42 under both"

compat_bundle killed sleep 100
for runtime in runc reaper; do
	"${runtime}_" run --bundle "$T/killed" "killed-$runtime-$RUN" >/dev/null 2>&1 </dev/null &
	runner=$!
	wait_until 5 eval '[[ $(json_get "$('"${runtime}_"' state killed-'"$runtime-$RUN"' 2>/dev/null || echo "{}")" status) == running ]]' ||
		fail "$runtime: killed did not start"
	"${runtime}_" kill "killed-$runtime-$RUN" KILL || fail "$runtime kill"
	rc=0
	wait "$runner" || rc=$?
	assert_eq 137 "$rc" "$runtime run killed by KILL"
done
pass "run killed by SIGKILL exits 137 under both"

# Output of the same command; without annotations, the same state keys still.
compat_bundle hello sh -c 'echo hello from $0; echo to stderr >&2'
for runtime in runc reaper; do
	"${runtime}_" create --bundle "$T/hello" "plain-$runtime-$RUN" >/dev/null 2>&1 </dev/null || fail "$runtime create plain"
	keys[$runtime]=$(keys_of "$("${runtime}_" state "plain-$runtime-$RUN")")
	"${runtime}_" delete "plain-$runtime-$RUN" || fail "$runtime delete plain"
done
assert_eq "${keys[runc]}" "${keys[reaper]}" "state keys without annotations (runc vs reaper)"
pass "without annotations, the same state keys: ${keys[reaper]}"
for runtime in runc reaper; do
	"${runtime}_" run --bundle "$T/hello" "hello-$runtime-$RUN" >"$T/hello.$runtime.out" 2>"$T/hello.$runtime.err" </dev/null ||
		fail "$runtime run hello"
done
cmp "$T/hello.runc.out" "$T/hello.reaper.out" || fail "stdout differs: runc '$(cat "$T/hello.runc.out")' reaper '$(cat "$T/hello.reaper.out")'"
cmp "$T/hello.runc.err" "$T/hello.reaper.err" || fail "stderr differs: runc '$(cat "$T/hello.runc.err")' reaper '$(cat "$T/hello.reaper.err")'"
pass "the same output under both"

[[ -z $(runc_ list -q) ]] || fail "runc containers left: $(runc_ list -q)"

# features.
features=$(rt features) || fail "features"
"$PYTHON" -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["ociVersionMin"] and d["ociVersionMax"], d' "$features" ||
	fail "features is not the expected JSON: $features"
assert_eq "$(keys_of "$(runc features)")" "$(keys_of "$features")" "features keys (runc vs reaper)"
pass "features prints JSON with runc's keys: $(keys_of "$features")"

finish
