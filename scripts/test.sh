#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Set up and run every test: unit (Check), integration (reaper-runtime on real bundles),
# end-to-end (a private containerd driving Reaper) and interop (the Go ttrpc). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DREAPER_WERROR=ON
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure --no-tests=error "$@"
