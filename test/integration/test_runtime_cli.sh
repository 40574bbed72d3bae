#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The CLI around the lifecycle: errors in a --log file (JSON lines with --log-format json, as
# containerd's go-runc reads them), state permissions (dirs 0700, files 0600), namespaces kept
# apart, concurrent creates of one id (one wins, the others harm nothing), concurrent first
# runs building the overlay namespace, list and ps formats.
source "$(dirname "$0")/lib.sh"

# --log FILE --log-format json: the error as one JSON line; text without --log-format.
new_bundle missing /nonexistent/logged >/dev/null
expect_fail "create with a missing program, logged" rt --log "$T/log.json" --log-format json create --bundle "$T/missing" logged
"$PYTHON" - "$T/log.json" <<'PY' || fail "log.json: $(cat "$T/log.json")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
errors = [l for l in lines if l["level"] == "error"]
assert errors and "/nonexistent/logged" in errors[-1]["msg"], lines
assert all(set(l) >= {"level", "msg", "time"} for l in lines), lines
PY
assert_contains "$ERR" "/nonexistent/logged" "stderr of a logged failure"
expect_fail "state of an unknown id, logged as text" rt --log "$T/log.txt" state nosuch
assert_contains "$(cat "$T/log.txt")" "nosuch does not exist" "text log"
pass "errors go to --log as JSON lines (level, msg, time) or text"

# Permissions of the state.
new_bundle perms sleep 100 >/dev/null
run_detached perms
for d in "$ROOT/default" "$ROOT/default/perms"; do
	assert_eq 700 "$(stat -c %a "$d")" "mode of $d"
done
assert_eq 600 "$(stat -c %a "$ROOT/default/perms/state.json")" "mode of state.json"
pass "state dirs are 0700, state.json 0600"

# Namespaces: the same id in two namespaces, each seen only in its own.
rt --namespace other create --bundle "$T/perms" perms >/dev/null 2>&1 || fail "create perms in namespace other"
REAPER_NAMESPACE=third rt create --bundle "$T/perms" perms >/dev/null 2>&1 || fail "create perms in namespace third (REAPER_NAMESPACE)"
assert_eq running "$(status_of perms)" "perms in default"
assert_eq created "$(json_get "$(rt --namespace other state perms)" status)" "perms in other"
assert_eq perms "$(rt --namespace other list --quiet)" "list in namespace other"
rt --namespace other delete perms || fail "delete perms in other"
rt --namespace third delete perms || fail "delete perms in third"
assert_eq running "$(status_of perms)" "perms in default after deletes elsewhere"
rt delete --force perms
pass "namespaces keep the same id apart"

# Concurrent creates of one id: exactly one wins; the losers say so and remove nothing.
new_bundle same sleep 100 >/dev/null
for i in 1 2 3 4 5 6; do
	rt create --bundle "$T/same" same >/dev/null 2>"$T/same.$i.err" &
done
wait # each create's verdict is in its stderr file
won=0
for i in 1 2 3 4 5 6; do
	if [[ -s $T/same.$i.err ]]; then
		assert_contains "$(cat "$T/same.$i.err")" "already exists" "a losing create"
	else
		won=$((won + 1))
	fi
done
assert_eq 1 "$won" "creates of one id that succeeded"
assert_eq created "$(status_of same)" "the winner"
pid_alive "$(json_get "$(rt state same)" pid)" || fail "the winner's process is gone"
rt delete same || fail "delete same"
pass "of 6 concurrent creates of one id, one wins and the others fail cleanly"

# A fresh overlay base, built by the first of several concurrent runs.
export REAPER_OVERLAY_BASE=$T/ov2
new_bundle par sh -c 'echo "$0" >/etc/reaper-par-$0; ls /etc/reaper-par-* | wc -l' >/dev/null
for i in 1 2 3 4 5 6; do
	edit_config par "c['process']['args'] = c['process']['args'][:3] + ['p$i']"
	cp -r "$T/par" "$T/par$i"
	rt run --bundle "$T/par$i" "par$i" >"$T/par$i.out" 2>"$T/par$i.err" &
	runners[i]=$!
done
for i in 1 2 3 4 5 6; do
	wait "${runners[i]}" || fail "concurrent first run par$i failed: $(cat "$T/par$i.err")"
done
[[ $(grep -c " $REAPER_OVERLAY_BASE/groups/_default/mnt " /proc/self/mountinfo) -eq 1 ]] || fail "the overlay namespace is pinned $(grep -c " $REAPER_OVERLAY_BASE/groups/_default/mnt " /proc/self/mountinfo) times"
new_bundle count sh -c 'ls /etc/reaper-par-* | wc -l' >/dev/null
rt run --bundle "$T/count" count >"$T/count.out" 2>&1 || fail "run count"
assert_eq 6 "$(cat "$T/count.out")" "files the concurrent runs wrote, seen by the next one"
[[ -z $(ls /etc/reaper-par-* 2>/dev/null) ]] || fail "the concurrent runs wrote to the host's /etc"
pass "6 concurrent first runs share one overlay namespace"

# list and ps formats.
new_bundle fmt sh -c 'sleep 100 & exec sleep 100' >/dev/null
run_detached fmt
wait_until 5 eval '[[ $(rt ps fmt | tail -n +2 | wc -l) -eq 2 ]]' || fail "fmt: ps does not show 2 processes"
assert_eq "$(rt ps fmt | tail -n +2 | sort -n | tr '\n' ' ')" "$("$PYTHON" -c 'import json, sys; print(" ".join(str(p) for p in sorted(json.loads(sys.argv[1]))) + " ")' "$(rt ps --format json fmt)")" "ps table vs json"
assert_eq "PID" "$(rt ps fmt | head -1)" "ps header"
list=$(rt list --format json)
assert_eq "fmt running" "$("$PYTHON" -c 'import json, sys; print(*[c["id"] + " " + c["status"] for c in json.loads(sys.argv[1])])' "$list")" "list --format json"
assert_eq fmt "$(rt list -q)" "list -q"
rt delete --force fmt
assert_eq "[]" "$(rt list --format json | tr -d ' \n')" "list --format json with no containers"
pass "list and ps in table and JSON formats"

finish
