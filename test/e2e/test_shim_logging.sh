#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# binary:// logging (containerd's convention: the logger reads the container's stdout on fd 3 and
# stderr on fd 4, closes fd 5 once ready, and gets CONTAINER_ID and CONTAINER_NAMESPACE).
set -euo pipefail
source "$(dirname "$0")/lib/shim.sh"
shim_setup

logger=$E2E_DIR/logger.sh
out=$E2E_DIR/logged
cat >"$logger" <<'SH'
#!/bin/bash
# A logging binary: copy the container's streams into files named by its id, then say ready.
dir=$(dirname "$0")/logged
mkdir -p "$dir"
echo "$CONTAINER_NAMESPACE $CONTAINER_ID $*" >"$dir/env"
echo $$ >"$dir/pid"
cat <&3 >"$dir/stdout" 4<&- 5>&- &
cat <&4 >"$dir/stderr" 3<&- 5>&- &
exec 3<&- 4<&- 5>&-
wait
SH
chmod +x "$logger"

id=$(tid logged)
rrun --rm --log-uri "binary://$logger?tag=a" "$E2E_IMAGE" "$id" \
	/bin/sh -c 'echo to-stdout; echo to-stderr >&2; seq 1 3000 | tail -n1'
e2e_wait_until 5 test -s "$out/stdout" || e2e_fail "the logger got no stdout"
e2e_wait_until 5 grep -q 3000 "$out/stdout" || e2e_fail "stdout incomplete: $(tail -n2 "$out/stdout")"
e2e_assert_eq "to-stdout 3000" "$(paste -sd' ' "$out/stdout")" "stdout through the logger"
e2e_assert_eq "to-stderr" "$(cat "$out/stderr")" "stderr through the logger"
e2e_assert_eq "default $id tag a" "$(cat "$out/env")" "the logger's environment and arguments"
logger_gone() { ! kill -0 "$(cat "$out/pid")" 2>/dev/null; }
e2e_wait_until 5 logger_gone || e2e_fail "the logger outlived the container (its streams never ended)"

shim_assert_clean
shim_pass
