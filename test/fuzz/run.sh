#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets with clang and run each for a while (default 20 s each, about a
# minute in all). Usage: test/fuzz/run.sh [seconds-per-target]. Exits non-zero on a crash, a leak
# or a sanitizer report; the reproducer is left in $FUZZ_OUT (default build-fuzz/findings).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-20}
build=${FUZZ_BUILD:-$src/build-fuzz}
out=${FUZZ_OUT:-$build/findings}

CC=clang cmake -S "$src" -B "$build" -DREAPER_FUZZ=ON -DREAPER_STATIC=OFF -DREAPER_TESTS=ON \
	-DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	>/dev/null
cmake --build "$build" -j2 --target fuzz_ttrpc_frame fuzz_ttrpc_server fuzz_ttrpc_client fuzz_spec fuzz_toml \
	fuzz_config >/dev/null

corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
# Seeds: a valid Echo request (service f.S), a Later request with a 1 ms timeout, an even stream
# id, a Data frame, and an OK response to stream 1 carrying KeyValue{k, v}.
echo_req='\x0a\x03f.S\x12\x04Echo\x1a\x06\x0a\x01k\x12\x01v'
later_req='\x0a\x03f.S\x12\x05Later\x1a\x00\x20\xc0\x84\x3d'
mkdir -p "$corpus"/{ttrpc_frame,ttrpc_server,ttrpc_client,spec,toml,config} "$out"
printf "\x00\x00\x00\x13\x00\x00\x00\x01\x01\x00$echo_req" >"$corpus/ttrpc_server/echo"
printf "\x00\x00\x00\x13\x00\x00\x00\x01\x01\x00$echo_req\x00\x00\x00\x12\x00\x00\x00\x03\x01\x00$later_req" >"$corpus/ttrpc_server/later"
printf "\x00\x00\x00\x13\x00\x00\x00\x02\x01\x00$echo_req" >"$corpus/ttrpc_server/even"
printf "\x00\x00\x00\x01\x00\x00\x00\x01\x03\x00x" >"$corpus/ttrpc_server/data"
printf "\x00\x00\x00\x08\x00\x00\x00\x01\x02\x00\x12\x06\x0a\x01k\x12\x01v" >"$corpus/ttrpc_client/ok"
printf "\x07\x00\x00\x00\x13\x00\x00\x00\x01\x01\x00$echo_req" >"$corpus/ttrpc_frame/echo"

# A small but complete config.json for the spec parser, with a seccomp profile.
cat >"$corpus/spec/config.json" <<'JSON'
{"ociVersion":"1.0.2","process":{"terminal":false,"user":{"uid":1,"gid":2,"umask":18,"additionalGids":[3]},
"args":["sh","-c","true"],"env":["PATH=/bin"],"cwd":"/","capabilities":{"bounding":["CAP_KILL"]},
"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"noNewPrivileges":true,"oomScoreAdj":5},
"root":{"path":"rootfs"},"hostname":"h","mounts":[{"destination":"/data","type":"bind","source":"/tmp",
"options":["rbind","ro","nosuid"]},{"destination":"/t","type":"tmpfs","source":"tmpfs","options":["size=1m"]}],
"annotations":{"io.kubernetes.cri.container-type":"sandbox"},
"linux":{"sysctl":{"a.b":"1"},"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,
"architectures":["SCMP_ARCH_X86_64"],"flags":["SECCOMP_FILTER_FLAG_LOG"],"syscalls":[{"names":["read"],
"action":"SCMP_ACT_ALLOW"},{"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,
"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},{"names":["mount"],"action":"SCMP_ACT_ERRNO",
"errnoRet":1}]}}}
JSON

# A containerd config with imports, quoted and dotted keys, an inline table and strings.
cat >"$corpus/toml/config.toml" <<'TOML'
version = 2
imports = ["/etc/containerd/conf.d/*.toml", 'rel.toml']
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2" # comment
  options = { SystemdCgroup = true, "x.y" = [1, 2.5, "s"] }
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes."reaper-v2"]
  runtime_type = 'io.containerd.reaper.v2'
  text = """multi
line"""
  when = 1979-05-27 07:32:00Z
TOML

# A node settings file: comments, quotes, an inline comment, a list, an unknown key, a bad value.
cat >"$corpus/config/reaper.conf" <<'CONF'
# Reaper's node settings
REAPER_ROOT=/run/reaper
  REAPER_LOG_LEVEL = "debug"   # quoted
REAPER_FILTER_PATHS='/srv/a b':/etc/*.key # globs
REAPER_FILTER_ENABLED=yes
REAPER_DNS_MODE=kubernetes
REAPER_FILTER_MODE=merge
CONF

status=0
for target in ttrpc_frame ttrpc_server ttrpc_client spec toml config; do
	echo "fuzz_$target: ${secs}s"
	(cd "$out" && "$build/test/fuzz_$target" -max_total_time="$secs" -max_len=65536 \
		-print_final_stats=1 "$corpus/$target" 2>"$out/$target.log") || {
		status=1
		echo "fuzz_$target FAILED; see $out/$target.log" >&2
		tail -40 "$out/$target.log" >&2
	}
	grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$out/$target.log" || true
done
exit $status
