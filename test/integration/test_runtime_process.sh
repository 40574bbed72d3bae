#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The process as config.json describes it: user, additional groups, umask, cwd, env (HOME from
# /etc/passwd when unset), PATH lookup, rlimits, capabilities, no_new_privs; /proc readable, and
# the root seen through the shared overlay.
source "$(dirname "$0")/lib.sh"

# run_out ID: run the bundle in the foreground; its stdout in $OUT, stderr in $T/ID.err.
mkdir -m 0777 "$T/vol"
volume='c["mounts"].append({"destination": "/data", "type": "bind", "source": "'"$T/vol"'", "options": ["rbind", "rw"]})'

# User, groups, umask.
new_bundle user sh -c 'echo "uid=$(id -u) gid=$(id -g) groups=$(id -G | tr " " "\n" | sort -n | tr "\n" " ")"; echo "umask=$(umask)"; echo data >/data/made-by-1000' >/dev/null
edit_config user 'c["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [2001, 2002], "umask": 0o077}'
edit_config user "$volume"
run_out user
assert_contains "$OUT" "uid=1000 gid=1000 groups=1000 2001 2002 " "id of a uid 1000 process"
assert_contains "$OUT" "umask=0077" "umask"
assert_eq "600 1000:1000" "$(stat -c '%a %u:%g' "$T/vol/made-by-1000")" "mode and owner of a file made under umask 077"
pass "user 1000:1000 with additional gids 2001 2002, umask 077 gives mode 0600"

# Without additionalGids the root's supplementary groups are dropped.
new_bundle nogroups sh -c 'id -G' >/dev/null
edit_config nogroups 'c["process"]["user"] = {"uid": 1000, "gid": 1000}'
run_out nogroups
assert_eq "1000" "$OUT" "groups of a process without additionalGids"
pass "no inherited supplementary groups"

# cwd and env.
mkdir -p "$T/work dir"
new_bundle env sh -c 'pwd; echo "FOO=$FOO"; echo "SPACED=$SPACED"; echo "EQ=$EQ"; echo "HOME=$HOME"; env | grep -c "^REAPER_TEST_LEAK=" || true' >/dev/null
edit_config env 'c["process"]["cwd"] = "'"$T/work dir"'"; c["process"]["env"] += ["FOO=bar", "SPACED=a b  c", "EQ=x=y"]'
REAPER_TEST_LEAK=1 run_out env
assert_eq "$(printf '%s\n' "$T/work dir" "FOO=bar" "SPACED=a b  c" "EQ=x=y" "HOME=/root" 0)" "$OUT" "cwd and env"
pass "cwd and env from config.json (HOME from /etc/passwd), nothing of the CLI's env leaks"

new_bundle home sh -c 'echo "HOME=$HOME"' >/dev/null
edit_config home 'c["process"]["env"].append("HOME=/custom")'
run_out home
assert_eq "HOME=/custom" "$OUT" "HOME given in config.json"
pass "HOME from config.json is kept"

# PATH from the process env finds the program.
mkdir -p "$T/pbin"
printf '#!/bin/sh\necho "mytool ran with $1"\n' >"$T/pbin/mytool"
chmod 0755 "$T/pbin/mytool"
new_bundle path mytool arg1 >/dev/null
edit_config path 'c["process"]["env"][0] = "PATH=/nonexistent:'"$T/pbin"':/usr/bin:/bin"'
run_out path
assert_eq "mytool ran with arg1" "$OUT" "program found through the config's PATH"
pass "the program is looked up in the config's PATH"

# rlimits, capabilities, no_new_privs.
new_bundle limits sh -c 'ulimit -n; ulimit -Hn; grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status' >/dev/null
edit_config limits 'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 1000, "soft": 500}]
c["process"]["capabilities"] = {k: ["CAP_KILL", "CAP_CHOWN"] for k in ("bounding", "effective", "permitted")}
c["process"]["noNewPrivileges"] = True'
run_out limits
assert_eq "$(printf '500\n1000\nCapEff:\t0000000000000021\nCapBnd:\t0000000000000021\nNoNewPrivs:\t1')" "$OUT" "limits and capabilities"
pass "rlimits, capabilities and noNewPrivileges applied"

# /proc is readable and shows the workload itself; the root is the overlay.
new_bundle proc sh -c 'head -1 /proc/self/status; tr "\0" " " </proc/$$/cmdline; echo; awk "\$5 == \"/\" { sub(/.* - /, \"\"); print \$1 }" /proc/self/mountinfo; test -r /proc/1/stat && echo pid1-visible' >/dev/null
run_out proc
mapfile -t lines <<<"$OUT"
assert_eq "$(printf 'Name:\thead')" "${lines[0]}" "/proc/self/status inside"
assert_eq "sh -c head -1 /proc/self/status; " "${lines[1]:0:33}" "/proc/PID/cmdline of the workload's shell"
assert_eq "overlay" "${lines[2]}" "filesystem type of / inside"
assert_eq "pid1-visible" "${lines[3]}" "/proc/1 inside"
pass "/proc is readable inside; the root filesystem is the overlay"

finish
