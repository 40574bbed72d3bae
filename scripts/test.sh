#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Set up and run every test: unit (Check), integration (reaper-runtime on real bundles),
# end-to-end (a private containerd driving Reaper) and interop (the Go ttrpc). Needs root.
# REAPER_TEST_BINARY=PATH makes the integration and end-to-end suites drive another build's
# reaper (CI: the musl release binary, build-musl/reaper); unset, they drive build/reaper.
# REAPER_TEST_NO_SKIP=1 makes every skipped test a failure (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
test_binary=${REAPER_TEST_BINARY:+$(readlink -f "$REAPER_TEST_BINARY")}
cmake -S . -B build -DREAPER_WERROR=ON -DREAPER_TEST_BINARY="$test_binary"
cmake --build build -j"$(nproc)"
cd build
if [[ -z ${REAPER_TEST_NO_SKIP:-} ]]; then
	ctest --output-on-failure --no-tests=error "$@"
	exit
fi
# REAPER_TEST_NO_SKIP (CI): a skip fails the suite itself (its helpers exit 1); a test that still
# reports "skipped" or did not run at all fails here.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ctest --output-on-failure --no-tests=error "$@" 2>&1 | tee "$log"
if grep -E '\*\*\*Skipped|Not Run|Disabled' "$log"; then
	echo "REAPER_TEST_NO_SKIP: the tests above did not run" >&2
	exit 1
fi
