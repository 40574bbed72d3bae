#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Set up and run every test: unit (Check), integration (reaper-runtime on real bundles),
# end-to-end (a private containerd driving Reaper) and interop (the Go ttrpc). Needs root.
# REAPER_TEST_BINARY=PATH makes the integration and end-to-end suites drive another build's
# reaper (CI: the musl release binary, build-musl/reaper); unset, they drive build/reaper.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
test_binary=${REAPER_TEST_BINARY:+$(readlink -f "$REAPER_TEST_BINARY")}
cmake -S . -B build -DREAPER_WERROR=ON -DREAPER_TEST_BINARY="$test_binary"
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure --no-tests=error "$@"
