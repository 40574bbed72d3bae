#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The multi-call dispatcher (src/main.c): --list, --version, --help, `reaper APPLET`, dispatch on
# argv[0] through symlinks, short applet names, exit codes (0 ok, 1 failed operation, 2 usage,
# 127 unknown applet), and `cmake --install` laying out the binary and its relative symlink farm.
set -euo pipefail
source "$(dirname "$0")/../e2e/lib/common.sh"

REAPER_BIN=${REAPER_BIN:?REAPER_BIN is not set}
REAPER_BUILD_DIR=${REAPER_BUILD_DIR:-$(dirname "$REAPER_BIN")}
e2e_init

# Applets run by their own name (installed as links), and all applets.
LINKED=(containerd-shim-reaper-v2 reaper-runtime reaper-monitor)
ALL_APPLETS=(containerd-shim-reaper-v2 doctor install overlay reaper-monitor reaper-pause reaper-runtime)

# run CMD...: sets OUT, ERR and RC without tripping set -e.
run() {
	local rc=0
	"$@" >"$E2E_DIR/out" 2>"$E2E_DIR/err" || rc=$?
	OUT=$(cat "$E2E_DIR/out")
	ERR=$(cat "$E2E_DIR/err")
	RC=$rc
}

expect_rc() {
	local want=$1
	shift
	run "$@"
	[[ $RC == "$want" ]] || e2e_fail "$*: exit $RC, expected $want (stdout: ${OUT:0:300}; stderr: ${ERR:0:300})"
}

# The four version lines every applet prints.
check_version() {
	local name=$1 text=$2
	local re_version="^$name version [0-9]+\.[0-9]+\.[0-9]+"
	local -a lines
	mapfile -t lines <<<"$text"
	((${#lines[@]} == 4)) || e2e_fail "$name --version: ${#lines[@]} lines: $text"
	[[ ${lines[0]} =~ $re_version ]] || e2e_fail "$name --version line 1: '${lines[0]}'"
	[[ ${lines[1]} =~ ^commit:\ [0-9a-f]{7,40}(-dirty)?$|^commit:\ unknown$ ]] ||
		e2e_fail "$name --version line 2: '${lines[1]}'"
	[[ ${lines[2]} =~ ^spec:\ 1\.[0-9]+\.[0-9]+$ ]] || e2e_fail "$name --version line 3: '${lines[2]}'"
	[[ ${lines[3]} =~ ^build:\ (glibc|musl),\ (static|dynamic)$ ]] ||
		e2e_fail "$name --version line 4: '${lines[3]}'"
}

# The usage an applet prints for --help: on stdout, exit 0, first line "usage: NAME ...".
check_help() {
	local name=$1
	shift
	expect_rc 0 "$@" --help
	[[ -z $ERR ]] || e2e_fail "$* --help wrote to stderr: $ERR"
	local first=${OUT%%$'\n'*}
	local short=${name#reaper-}
	[[ $first == "usage: $name"* || $first == "usage: reaper $short"* ]] ||
		e2e_fail "$* --help: first line '$first' is not the usage of $name"
	HELP_FIRST_LINE=$first
}

# ---- reaper --list ----
expect_rc 0 "$REAPER_BIN" --list
[[ -z $ERR ]] || e2e_fail "--list wrote to stderr: $ERR"
e2e_assert_eq "$(printf '%s\n' "${ALL_APPLETS[@]}")" "$OUT" "reaper --list"
e2e_assert_eq "$(LC_ALL=C sort <<<"$OUT")" "$OUT" "reaper --list order"
[[ -z $(uniq -d <<<"$OUT") ]] || e2e_fail "reaper --list has duplicates: $OUT"

# ---- --version, --help and the overview ----
expect_rc 0 "$REAPER_BIN" --version
check_version reaper "$OUT"
expect_rc 0 "$REAPER_BIN" --help
e2e_assert_contains "$OUT" "usage: reaper APPLET" "reaper --help"
for applet in "${ALL_APPLETS[@]}"; do
	grep -qE "^  $applet +[a-z]" <<<"$OUT" || e2e_fail "reaper --help does not list $applet with a summary"
done
expect_rc 0 "$REAPER_BIN" -h
e2e_assert_contains "$OUT" "usage: reaper APPLET" "reaper -h"
# No arguments: the overview on stderr, nothing on stdout, a usage error.
expect_rc 2 "$REAPER_BIN"
[[ -z $OUT ]] || e2e_fail "reaper without arguments wrote to stdout: $OUT"
e2e_assert_contains "$ERR" "usage: reaper APPLET" "reaper without arguments"

for applet in "${ALL_APPLETS[@]}"; do
	expect_rc 0 "$REAPER_BIN" "$applet" --version
	check_version "$applet" "$OUT"
	check_help "$applet" "$REAPER_BIN" "$applet"
done

# ---- the README's applet table names exactly what --list prints ----
readme=${REAPER_SOURCE_DIR:-$(dirname "$0")/../..}/README.md
if [[ -f $readme ]]; then
	expect_rc 0 "$REAPER_BIN" --list
	named=$(sed -n '/^| `reaper --list` name |/,/^$/p' "$readme" | grep -oE '^\| `[a-z0-9-]+`' | tr -d '|` ' | LC_ALL=C sort)
	e2e_assert_eq "$OUT" "$named" "applets named in README.md's table"
fi

# ---- CLI conventions: --help/-h anywhere, --version/-v, reaper help, one error prefix ----
# help_anywhere PROG ARGS...: --help and -h at the end of ARGS print PROG's usage on stdout, exit 0.
help_anywhere() {
	local prog=$1 flag
	shift
	for flag in --help -h; do
		expect_rc 0 "$@" "$flag"
		[[ -z $ERR ]] || e2e_fail "$* $flag wrote to stderr: $ERR"
		[[ ${OUT%%$'\n'*} == "usage: $prog"* ]] || e2e_fail "$* $flag: '${OUT%%$'\n'*}' is not the usage of $prog"
	done
}
help_anywhere "reaper-runtime" "$REAPER_BIN" runtime --root "$E2E_DIR/r" --namespace x
help_anywhere "reaper-runtime state" "$REAPER_BIN" runtime --root "$E2E_DIR/r" state
help_anywhere "reaper-runtime create" "$REAPER_BIN" runtime create --bundle /nonexistent
help_anywhere "reaper-runtime exec" "$REAPER_BIN" runtime exec --tty
help_anywhere "reaper-runtime kill" "$REAPER_BIN" runtime kill --all
for cmd in start delete list ps features run; do
	help_anywhere "reaper-runtime $cmd" "$REAPER_BIN" runtime "$cmd"
done
help_anywhere "reaper install" "$REAPER_BIN" install --dry-run --host-root /nonexistent
help_anywhere "reaper doctor" "$REAPER_BIN" doctor --host-root /nonexistent
help_anywhere "reaper overlay" "$REAPER_BIN" overlay reset --force
help_anywhere "containerd-shim-reaper-v2" "$REAPER_BIN" containerd-shim-reaper-v2 -namespace x -id y
help_anywhere "reaper-monitor" "$REAPER_BIN" reaper-monitor --root /x --namespace y
help_anywhere "reaper-pause" "$REAPER_BIN" pause
# An exec's own command keeps its --help: it is not reaper-runtime's.
expect_rc 1 "$REAPER_BIN" runtime --root "$E2E_DIR/r" exec missing /bin/sh --help
e2e_assert_contains "$ERR" "missing" "exec of a command given --help"
for v in --version -v; do
	expect_rc 0 "$REAPER_BIN" "$v"
	check_version reaper "$OUT"
	for applet in "${ALL_APPLETS[@]}"; do
		expect_rc 0 "$REAPER_BIN" "$applet" "$v"
		check_version "$applet" "$OUT"
	done
done
expect_rc 0 "$REAPER_BIN" runtime --root "$E2E_DIR/r" --version
check_version reaper-runtime "$OUT"
expect_rc 0 "$REAPER_BIN" help
e2e_assert_contains "$OUT" "usage: reaper APPLET" "reaper help"
expect_rc 0 "$REAPER_BIN" help install
e2e_assert_contains "$OUT" "usage: reaper install" "reaper help install"
expect_rc 0 "$REAPER_BIN" help runtime
e2e_assert_contains "$OUT" "usage: reaper-runtime" "reaper help runtime"
expect_rc 127 "$REAPER_BIN" help nope
# usage_error PROG ARGS...: exit 2, every line of stderr that is not usage text starts with
# "PROG:", and it ends with the hint to PROG's --help.
usage_error() {
	local prog=$1
	shift
	expect_rc 2 "$@"
	[[ -z $OUT ]] || e2e_fail "$*: a usage error wrote to stdout: $OUT"
	[[ ${ERR%%$'\n'*} == "$prog: "* ]] || e2e_fail "$*: first line of stderr '${ERR%%$'\n'*}' lacks the prefix '$prog: '"
	[[ ${ERR##*$'\n'} == "Try '$prog"*"--help' for more information." ]] ||
		e2e_fail "$*: last line of stderr '${ERR##*$'\n'}' is not the hint to $prog --help"
}
usage_error reaper "$REAPER_BIN" --bogus
usage_error reaper-runtime "$REAPER_BIN" runtime --bogus
usage_error reaper-runtime "$REAPER_BIN" runtime state --bogus x
usage_error reaper-runtime "$REAPER_BIN" runtime state a b
usage_error reaper-runtime "$REAPER_BIN" runtime frobnicate
usage_error reaper-runtime "$REAPER_BIN" runtime --root
usage_error "reaper install" "$REAPER_BIN" install --bogus
usage_error "reaper install" "$REAPER_BIN" install --restart always
usage_error "reaper install" "$REAPER_BIN" install --config
usage_error "reaper doctor" "$REAPER_BIN" doctor --bogus
usage_error "reaper doctor" "$REAPER_BIN" doctor extra
usage_error "reaper overlay" "$REAPER_BIN" overlay frob
usage_error containerd-shim-reaper-v2 "$REAPER_BIN" containerd-shim-reaper-v2 -bogus
usage_error containerd-shim-reaper-v2 "$REAPER_BIN" containerd-shim-reaper-v2 -namespace x
usage_error reaper-monitor "$REAPER_BIN" reaper-monitor --bogus
usage_error reaper-pause "$REAPER_BIN" pause extra
# The runtime's operation errors carry the same prefix.
expect_rc 1 "$REAPER_BIN" runtime --root "$E2E_DIR/r" state missing
[[ $ERR == "reaper-runtime: "* ]] || e2e_fail "state of a missing container: '$ERR'"

# ---- dispatch on argv[0]: the links of the build directory's farm and of our own ----
FARM=$(e2e_reaper_farm)
for link in "${LINKED[@]}"; do
	for dir in "$REAPER_BUILD_DIR" "$FARM"; do
		[[ -L $dir/$link ]] || e2e_fail "$dir/$link is not a symlink"
		expect_rc 0 "$dir/$link" --version
		check_version "$link" "$OUT"
		check_help "$link" "$dir/$link"
		via_link=$HELP_FIRST_LINE
		check_help "$link" "$REAPER_BIN" "$link"
		e2e_assert_eq "$HELP_FIRST_LINE" "$via_link" "$link --help, by link and by 'reaper $link'"
	done
done
# Called as reaper (through a link of that name too), it is the multi-call front end.
expect_rc 0 "$FARM/reaper" --list
e2e_assert_eq "$(printf '%s\n' "${ALL_APPLETS[@]}")" "$OUT" "reaper --list through a link"

# ---- short names: `reaper runtime` is reaper-runtime ----
check_help reaper-runtime "$REAPER_BIN" runtime
short=$OUT
check_help reaper-runtime "$REAPER_BIN" reaper-runtime
e2e_assert_eq "$OUT" "$short" "reaper runtime --help"
expect_rc 0 "$REAPER_BIN" monitor --version
check_version reaper-monitor "$OUT"

# ---- unknown applets ----
expect_rc 127 "$REAPER_BIN" no-such-applet
[[ -z $OUT ]] || e2e_fail "an unknown applet wrote to stdout: $OUT"
e2e_assert_contains "$ERR" "unknown applet 'no-such-applet'" "stderr of an unknown applet"
expect_rc 127 "$REAPER_BIN" no-such-applet --help
expect_rc 127 "$REAPER_BIN" "$(printf 'x%.0s' {1..100})" # longer than any name buffer
expect_rc 127 "$REAPER_BIN" ""

# ---- exit codes of an applet: usage errors 2, failed operations 1 ----
ROOT="$E2E_DIR/root"
mkdir -p "$ROOT"
RUNTIME="$FARM/reaper-runtime"
expect_rc 2 "$RUNTIME"
e2e_assert_contains "$ERR" "usage: reaper-runtime" "reaper-runtime without a command"
[[ -z $OUT ]] || e2e_fail "a usage error wrote to stdout: $OUT"
expect_rc 2 "$RUNTIME" --root "$ROOT" kill a b c
e2e_assert_contains "$ERR" "usage: reaper-runtime kill" "kill with too many arguments"
expect_rc 2 "$RUNTIME" --root "$ROOT" state
expect_rc 2 "$RUNTIME" --root "$ROOT" frobnicate x
e2e_assert_contains "$ERR" "unknown command 'frobnicate'" "an unknown command"
expect_rc 2 "$RUNTIME" --no-such-flag state x
expect_rc 1 "$RUNTIME" --root "$ROOT" state missing
e2e_assert_contains "$ERR" "container missing does not exist" "state of a missing container"
[[ -z $OUT ]] || e2e_fail "a failed state wrote to stdout: $OUT"
expect_rc 1 "$RUNTIME" --root "$ROOT" kill missing
expect_rc 1 "$RUNTIME" --root "$ROOT" delete missing
expect_rc 0 "$RUNTIME" --root "$ROOT" list --quiet
[[ -z $OUT ]] || e2e_fail "list of an empty root: $OUT"
# An invalid id is refused before anything is touched.
expect_rc 1 "$RUNTIME" --root "$ROOT" state ../escape
e2e_assert_contains "$ERR" "container id" "state of an invalid id"
[[ -z $(ls -A "$ROOT") ]] || e2e_fail "failed operations left files in $ROOT: $(ls -A "$ROOT")"

# ---- cmake --install: the binary and relative links, each dispatching to its applet ----
command -v cmake >/dev/null || e2e_skip "needs cmake for the install check"
[[ -f $REAPER_BUILD_DIR/CMakeCache.txt ]] || e2e_fail "$REAPER_BUILD_DIR is not a CMake build directory"
check_install() {
	local bin=$1
	[[ -f $bin/reaper && -x $bin/reaper && ! -L $bin/reaper ]] || e2e_fail "$bin/reaper is not an executable file"
	cmp -s "$REAPER_BIN" "$bin/reaper" || e2e_fail "$bin/reaper differs from $REAPER_BIN"
	local link
	for link in "${LINKED[@]}"; do
		[[ -L $bin/$link ]] || e2e_fail "$bin/$link is not a symlink"
		e2e_assert_eq reaper "$(readlink "$bin/$link")" "target of $bin/$link (relative)"
		check_help "$link" "$bin/$link"
		local installed=$HELP_FIRST_LINE
		check_help "$link" "$REAPER_BIN" "$link"
		e2e_assert_eq "$HELP_FIRST_LINE" "$installed" "$bin/$link --help"
	done
	e2e_assert_eq "$(printf '%s\n' reaper "${LINKED[@]}" | LC_ALL=C sort)" "$(cd "$bin" && LC_ALL=C ls)" \
		"files in $bin"
}
PREFIX="$E2E_DIR/prefix"
run cmake --install "$REAPER_BUILD_DIR" --prefix "$PREFIX"
[[ $RC == 0 ]] || e2e_fail "cmake --install failed ($RC): $OUT $ERR"
check_install "$PREFIX/bin"
# Again over the existing tree: the links are replaced, not an error.
run cmake --install "$REAPER_BUILD_DIR" --prefix "$PREFIX"
[[ $RC == 0 ]] || e2e_fail "a second cmake --install failed ($RC): $OUT $ERR"
check_install "$PREFIX/bin"
# Moved elsewhere the farm still works: the links are relative.
mv "$PREFIX" "$E2E_DIR/moved"
check_install "$E2E_DIR/moved/bin"
# Packagers stage with DESTDIR: everything lands under the stage, nothing in the prefix itself.
STAGED_PREFIX=/nonexistent-reaper-prefix-$$
run env DESTDIR="$E2E_DIR/stage" cmake --install "$REAPER_BUILD_DIR" --prefix "$STAGED_PREFIX"
[[ $RC == 0 ]] || e2e_fail "cmake --install with DESTDIR failed ($RC): $OUT $ERR"
check_install "$E2E_DIR/stage$STAGED_PREFIX/bin"
[[ ! -e $STAGED_PREFIX ]] || e2e_fail "cmake --install with DESTDIR wrote $STAGED_PREFIX"

e2e_log "dispatch: all checks passed"
