#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The node configuration, through reaper-runtime, reaper overlay and reaper doctor: the file
# REAPER_CONFIG names sets the state root and the runtime's log; the environment overrides it key
# by key; a bad value there, a bad value in the environment, a missing or unsafe file fail create,
# run and exec with an error naming the file, the line and the key, and leave nothing behind,
# while state, delete and the rest go on with a warning; an unknown key is a logged warning; the
# doctor shows every setting with its value and source, and FAILs on a bad file.
source "$(dirname "$0")/lib.sh"

CONF=$T/reaper.conf
export REAPER_CONFIG=$CONF

# reaper-runtime without --root: the state root comes from the settings.
rt_settings() {
	env "$MARK" "$RUNTIME" "$@"
}

# The container and exec directories under a state root (the namespace directory may stay).
left_in() {
	find "$1" -mindepth 2 2>/dev/null
}

write_conf() {
	printf '%s\n' "$@" >"$CONF"
	chmod 0644 "$CONF"
}

good=(
	"# Reaper's node settings for this test"
	""
	"REAPER_ROOT=$ROOT"
	"REAPER_RUNTIME_LOG = \"$T/runtime.log\"   # quoted, with a comment"
	"REAPER_LOG_FORMAT=json"
)
write_conf "${good[@]}"
new_bundle sleeper sleep 100 >/dev/null
new_bundle quick true >/dev/null

# ---- the file's settings apply ----------------------------------------------------------------
rt_settings create --bundle "$T/sleeper" c1 || fail "create with the file's settings"
[[ -d $ROOT/default/c1 ]] || fail "the state root of the file ($ROOT) was not used: $(ls "$ROOT" 2>&1)"
rt_settings kill c1 KILL
wait_status c1 stopped || fail "c1 did not stop"
rt_settings delete c1 || fail "delete with the file's settings"
pass "REAPER_ROOT from $CONF is the state root"

# Something logged through the file's log settings: a failing command logs its error in JSON.
expect_fail "start of a missing container" rt_settings start nosuch
last=$(tail -n1 "$T/runtime.log")
assert_contains "$last" '{"level":"error","msg":"' "runtime log line (REAPER_RUNTIME_LOG and REAPER_LOG_FORMAT=json)"
pass "REAPER_RUNTIME_LOG and REAPER_LOG_FORMAT from the file"

# ---- the environment overrides the file, key by key -------------------------------------------
REAPER_ROOT=$T/env-root rt_settings create --bundle "$T/sleeper" c2 || fail "create with REAPER_ROOT in the environment"
[[ -d $T/env-root/default/c2 ]] || fail "REAPER_ROOT of the environment was not used"
[[ ! -e $ROOT/default/c2 ]] || fail "the file's REAPER_ROOT was used although the environment set it"
REAPER_ROOT=$T/env-root rt_settings delete --force c2 || fail "delete in the environment's root"
[[ -z $(left_in "$T/env-root") ]] || fail "c2 left $(left_in "$T/env-root")"
REAPER_LOG_FORMAT=text rt_settings start nosuch 2>/dev/null && fail "start of a missing container succeeded"
assert_contains "$(tail -n1 "$T/runtime.log")" 'level=error msg="' "the environment's REAPER_LOG_FORMAT, the file's log"
pass "the environment overrides the file key by key"

# ---- a bad value refuses every workload, and nothing is left ------------------------------------
rt create --bundle "$T/sleeper" keeper || fail "create keeper"
rt start keeper || fail "start keeper"
write_conf "${good[@]}" "REAPER_HIDDEN_SOCKETS=/run/containerd" "REAPER_FILTER_MODE=merge"
want="$CONF:7: REAPER_FILTER_MODE: must be append or replace, not \"merge\""
expect_fail "create with a bad setting" rt create --bundle "$T/sleeper" bad1
assert_contains "$ERR" "create container bad1: node configuration: $want" "create's error"
expect_fail "run with a bad setting" rt run --bundle "$T/quick" bad2
assert_contains "$ERR" "$want" "run's error"
expect_fail "exec with a bad setting" rt exec keeper true
assert_contains "$ERR" "$want" "exec's error"
[[ -z $(left_in "$ROOT" | grep -v "^$ROOT/default/keeper") ]] || fail "a refused create left $(left_in "$ROOT")"
[[ -z $(ls -A "$ROOT/default/keeper/exec" 2>/dev/null) ]] || fail "a refused exec left $(ls "$ROOT/default/keeper/exec")"
# What is there keeps working: state, kill and delete warn and go on.
out=$(rt state keeper 2>"$T/state.err") || fail "state with a bad setting: $(cat "$T/state.err")"
assert_eq running "$(json_get "$out" status)" "keeper's status"
assert_contains "$(cat "$T/state.err")" "reaper-runtime: warning: node configuration: $want (the default is used)" "state's warning"
rt kill keeper KILL 2>/dev/null || fail "kill with a bad setting"
wait_status keeper stopped || fail "keeper did not stop"
rt delete keeper 2>/dev/null || fail "delete with a bad setting"
pass "a bad value in the file fails create, run and exec naming file, line and key; nothing is left"

expect_fail "overlay status with a bad setting" "$REAPER_BIN" overlay status
assert_contains "$ERR" "reaper overlay: node configuration: $want" "overlay's error"

write_conf "${good[@]}"
REAPER_SYSCTLS=allow expect_fail "create with a bad setting in the environment" rt create --bundle "$T/quick" bad3
assert_contains "$ERR" "node configuration: environment: REAPER_SYSCTLS: must be refuse or ignore, not \"allow\"" "create's error"
REAPER_CONFIG=$T/none.conf expect_fail "create with REAPER_CONFIG naming no file" rt create --bundle "$T/quick" bad4
assert_contains "$ERR" "node configuration: REAPER_CONFIG: $T/none.conf: No such file or directory" "create's error"
chmod 0666 "$CONF"
expect_fail "create with a file anyone may write" rt create --bundle "$T/quick" bad5
assert_contains "$ERR" "node configuration: $CONF: refused: writable by group or others (mode 0666; chmod go-w)" "create's error"
chmod 0644 "$CONF"
[[ -z $(left_in "$ROOT") ]] || fail "refused creates left $(left_in "$ROOT")"
pass "a bad value in the environment, a missing file, a file others can write: refused"

# ---- an unknown key is a warning in the log ------------------------------------------------------
write_conf "${good[@]}" "REAPER_NO_SUCH_SETTING=1"
rt run --bundle "$T/quick" unknown-key || fail "run with an unknown key"
grep -qF "\"level\":\"warning\",\"msg\":\"node configuration: $CONF:6: unknown setting REAPER_NO_SUCH_SETTING (ignored)\"" "$T/runtime.log" ||
	fail "no warning about the unknown key in the log: $(tail -n3 "$T/runtime.log")"
pass "an unknown key is logged as a warning naming file and line"

# ---- doctor ----------------------------------------------------------------------------------------
doctor() {
	REAPER_FILTER_PATHS=/srv/secret:/srv/*.key "$REAPER_BIN" doctor 2>&1 || true
}
out=$(doctor)
assert_contains "$out" "ok    node configuration $CONF: read without errors" "doctor"
assert_contains "$out" "warn  node configuration: $CONF:6: unknown setting REAPER_NO_SUCH_SETTING (ignored)" "doctor"
assert_contains "$out" "  REAPER_ROOT=$ROOT  ($CONF:3)" "doctor"
assert_contains "$out" "  REAPER_OVERLAY_BASE=$REAPER_OVERLAY_BASE  (environment)" "doctor"
assert_contains "$out" "  REAPER_FILTER_PATHS=/srv/secret:/srv/*.key  (environment)" "doctor"
assert_contains "$out" "  REAPER_FILTER_MODE=append  (default)" "doctor"
assert_contains "$out" "  REAPER_SYSCTLS=refuse  (default)" "doctor"
assert_contains "$out" "  hidden from every container: /etc/shadow " "doctor"
assert_contains "$out" " /srv/secret /srv/*.key"$'\n' "doctor"
assert_contains "$out" "ok    state dir $ROOT:" "doctor: the state dir of the settings"
write_conf "${good[@]}" "REAPER_FILTER_ENABLED=maybe"
out=$(doctor)
assert_contains "$out" "FAIL  node configuration: $CONF:6: REAPER_FILTER_ENABLED: must be true or false (or yes/no, 1/0), not \"maybe\"" "doctor on a bad file"
assert_contains "$out" "  REAPER_FILTER_ENABLED=true  (default)" "doctor: a bad value keeps the default"
rc=0
"$REAPER_BIN" doctor >/dev/null 2>&1 || rc=$?
assert_eq 1 "$rc" "doctor's exit status with a bad file"
pass "doctor shows each setting and its source, and FAILs on a bad file"

write_conf "${good[@]}"
finish
