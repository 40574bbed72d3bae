#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job: set everything up, start a private containerd (its own sockets and state under a
# temporary directory), and run a command through it with Reaper as the runtime.
#   scripts/demo.sh [COMMAND ARGS...]     default: a short greeting from the host
# Needs root. Leaves nothing running.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" --target reaper >/dev/null
export REAPER_BIN=$top/build/reaper
source test/e2e/lib/containerd.sh
source test/e2e/lib/image.sh
e2e_require_root
e2e_init
export REAPER_ROOT=$E2E_DIR/reaper REAPER_OVERLAY_BASE=$E2E_DIR/overlay
containerd_start --path "$(e2e_reaper_farm)" --env REAPER_ROOT="$REAPER_ROOT" \
	--env REAPER_OVERLAY_BASE="$REAPER_OVERLAY_BASE" >&2
image_import default >&2
if (($# == 0)); then
	set -- /bin/sh -c 'echo "hello from $(hostname), run by Reaper through containerd"; id; ps -o pid,comm -p $$ $PPID'
fi
echo "+ ctr run --rm --runtime io.containerd.reaper.v2 $E2E_IMAGE demo $*" >&2
ctrd run --rm --runtime io.containerd.reaper.v2 "$E2E_IMAGE" "$(e2e_id demo)" "$@"
