#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The release flavour in one command: build (or reuse) the musl dependencies, configure the
# `musl` preset and build the fully static reaper into build-musl/.
#
#   third_party/build-musl.sh [CMAKE_ARGS...]     e.g. third_party/build-musl.sh -DREAPER_WERROR=ON
#
# Environment: JOBS (parallel jobs, default 2), plus build-deps.sh's (MUSL_CC, REAPER_DEPS_CACHE...).
set -euo pipefail

top=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$top"
prefix=$(third_party/build-deps.sh)

# A new musl or gcc gets a new prefix: start the build directory afresh rather than mixing.
fresh=()
cache=build-musl/CMakeCache.txt
if [ -f "$cache" ] && ! grep -qxF "REAPER_DEPS_PREFIX:PATH=$prefix" "$cache"; then
	fresh=(--fresh)
fi
cmake --preset musl "${fresh[@]}" -DREAPER_DEPS_PREFIX="$prefix" "$@"
cmake --build --preset musl --parallel "${JOBS:-2}"
echo "$top/build-musl/reaper"
