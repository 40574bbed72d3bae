#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bad input gets a clear error naming the problem and harms nothing: invalid ids (every command),
# invalid namespaces, and malformed bundles (bad JSON, missing or mistyped fields, a missing
# config, a bad mount source). Nothing is left behind and an existing container is untouched.
source "$(dirname "$0")/lib.sh"

# Something to harm: a running container whose state dir must survive every bad request.
new_bundle keeper sleep 100 >/dev/null
run_detached keeper
keeper_pid=$(json_get "$(rt state keeper)" pid)

# Everything under the state root but the keeper.
others_in_root() {
	find "$ROOT" -mindepth 1 -not -path "$ROOT/default" -not -path "$ROOT/default/keeper" -not -path "$ROOT/default/keeper/*"
}

assert_nothing_left() {
	local what=$1 left
	left=$(others_in_root)
	[[ -z $left ]] || fail "$what left $left"
	assert_eq running "$(status_of keeper)" "keeper after $what"
	pid_alive "$keeper_pid" || fail "keeper's process died after $what"
	wait_until 5 only_keeper_runs || fail "$what left processes: $(describe_live)"
}

only_keeper_runs() {
	local monitor
	monitor=$(record keeper monitor_pid)
	[[ $(live_marked_pids | grep -vxF -e "$keeper_pid" -e "$monitor") == "" ]]
}

new_bundle good true >/dev/null
expect_fail "create with an empty --bundle" rt create --bundle "" emptybundle
assert_contains "$ERR" "no bundle given" "create with an empty --bundle (it read /config.json)"
long=$(printf 'x%.0s' {1..300})
bad_ids=("a/b" ".." "." "../keeper" "keeper/.." "with space" "$long" "")
problems=("character outside" "not allowed" "not allowed" "character outside" "character outside"
	"character outside" "300 bytes long" "must not be empty")
for i in "${!bad_ids[@]}"; do
	id=${bad_ids[$i]} problem=${problems[$i]}
	expect_fail "create with id '${id:0:20}'" rt create --bundle "$T/good" "$id"
	assert_contains "$ERR" "container id" "create with id '${id:0:20}'"
	assert_contains "$ERR" "$problem" "create with id '${id:0:20}'"
	for cmd in start state kill delete "delete --force" ps exec; do
		if [[ $cmd == exec ]]; then
			expect_fail "exec in '${id:0:20}'" rt exec "$id" true
		else
			# shellcheck disable=SC2086 # cmd may hold a flag
			expect_fail "$cmd '${id:0:20}'" rt $cmd "$id"
		fi
		assert_contains "$ERR" "$problem" "$cmd with id '${id:0:20}'"
	done
	assert_nothing_left "requests with id '${id:0:20}'"
done
pass "invalid ids are refused by every command, naming the problem (e.g. '$ERR')"

expect_fail "run with a bad namespace" rt --namespace ../x run --bundle "$T/good" ok
assert_contains "$ERR" "namespace" "bad namespace"
assert_nothing_left "a bad namespace"
pass "an invalid namespace is refused: $ERR"

# bad_config ID NEEDLE CONFIG-TEXT: create fails, naming NEEDLE; nothing is left.
bad_config() {
	local id=$1 needle=$2
	mkdir -p "$T/$id"
	printf '%s' "$3" >"$T/$id/config.json"
	expect_fail "create $id" rt create --bundle "$T/$id" "$id"
	assert_contains "$ERR" "$needle" "create $id"
	assert_nothing_left "create $id"
	pass "$id: $ERR"
}
proc='"cwd": "/", "env": ["PATH=/bin:/usr/bin"]'
bad_config badjson "invalid JSON at line 1" '{"process": {"args": ["true"]'
bad_config notobject "must be a JSON object" '["true"]'
bad_config empty "invalid JSON" ''
bad_config noversion "ociVersion: is required" '{"process": {"args": ["true"]}}'
bad_config noprocess "process: is required" '{"ociVersion": "1.0.2"}'
bad_config noargs "process.args" '{"ociVersion": "1.0.2", "process": {'"$proc"'}}'
bad_config emptyargs "process.args" '{"ociVersion": "1.0.2", "process": {'"$proc"', "args": []}}'
bad_config argsstring "process.args: must be a non-empty array of strings" '{"ociVersion": "1.0.2", "process": {'"$proc"', "args": "true"}}'
bad_config argsnumbers "process.args[0]" '{"ociVersion": "1.0.2", "process": {'"$proc"', "args": [1, 2]}}'
bad_config terminalstring "process.terminal: must be a boolean" '{"ociVersion": "1.0.2", "process": {'"$proc"', "args": ["true"], "terminal": "yes"}}'
bad_config uidstring "process.user.uid" '{"ociVersion": "1.0.2", "process": {'"$proc"', "args": ["true"], "user": {"uid": "root", "gid": 0}}}'
bad_config uidnegative "process.user.uid" '{"ociVersion": "1.0.2", "process": {'"$proc"', "args": ["true"], "user": {"uid": -1, "gid": 0}}}'
bad_config relcwd "process.cwd: must be an absolute path" '{"ociVersion": "1.0.2", "process": {"cwd": "tmp", "args": ["true"]}}'
bad_config envobject "process.env" '{"ociVersion": "1.0.2", "process": {"cwd": "/", "env": {"A": "b"}, "args": ["true"]}}'
bad_config mountsobject "mounts" '{"ociVersion": "1.0.2", "process": {'"$proc"', "args": ["true"]}, "mounts": {"destination": "/x"}}'
bad_config annotationnumber "annotations" '{"ociVersion": "1.0.2", "process": {'"$proc"', "args": ["true"]}, "annotations": {"a": 1}}'
bad_config badmountsource "$T/no-such-source" '{"ociVersion": "1.0.2", "process": {'"$proc"', "args": ["true"]}, "mounts": [{"destination": "/x", "type": "bind", "source": "'"$T/no-such-source"'", "options": ["rbind"]}]}'

mkdir -p "$T/noconfig"
expect_fail "create without config.json" rt create --bundle "$T/noconfig" noconfig
assert_contains "$ERR" "$T/noconfig/config.json" "create without config.json"
assert_contains "$ERR" "No such file" "create without config.json"
assert_nothing_left "create without config.json"
pass "noconfig: $ERR"
expect_fail "create with a missing bundle" rt create --bundle "$T/no-such-bundle" nobundle
assert_contains "$ERR" "$T/no-such-bundle" "create with a missing bundle"
assert_nothing_left "create with a missing bundle"
pass "nobundle: $ERR"
mkdir -p "$T/configdir/config.json"
expect_fail "create with a directory as config.json" rt create --bundle "$T/configdir" configdir
assert_contains "$ERR" "config.json" "create with a directory as config.json"
assert_nothing_left "create with a directory as config.json"
pass "configdir: $ERR"

# Usage errors: exit status 2 and the usage text.
expect_fail "create without an id" rt create --bundle "$T/good"
assert_eq 2 "$RC" "exit status of a usage error"
assert_contains "$ERR" "usage" "create without an id"
expect_fail "unknown command" rt frobnicate
assert_contains "$ERR" "unknown command" "unknown command"
expect_fail "kill with a bad signal" rt kill keeper SIGNOPE
assert_contains "$ERR" "SIGNOPE" "kill with a bad signal"
assert_nothing_left "usage errors"
pass "usage errors are reported (exit 2) and harm nothing"

rt delete --force keeper || fail "delete keeper"
finish
