#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The musl release binary (third_party/build-musl.sh, built by CI before this suite) links
# libseccomp statically and enforces seccomp as the glibc build does: file(1) calls it statically
# linked, it names no shared library, and the seccomp suite passes with it as reaper-runtime.
# Skipped (77) when there is no build-musl/reaper.
set -euo pipefail
musl=${REAPER_SOURCE_DIR:?}/build-musl/reaper
if [[ ! -x $musl ]]; then
	echo "SKIP: no musl build at $musl (third_party/build-musl.sh makes it)" >&2
	exit 77
fi
kind=$(file -b "$musl")
[[ $kind == *"statically linked"* ]] || { echo "FAIL: $musl is not static: $kind" >&2; exit 1; }
if readelf -d "$musl" 2>/dev/null | grep -q NEEDED; then
	echo "FAIL: $musl needs shared libraries: $(readelf -d "$musl" | grep NEEDED)" >&2
	exit 1
fi
"$musl" --version | grep -q "build: musl, static" || { echo "FAIL: $musl is not the musl build" >&2; exit 1; }
echo "ok: $musl is a static musl binary" >&2
REAPER_BIN=$musl exec bash "$(dirname "$0")/test_runtime_seccomp.sh"
