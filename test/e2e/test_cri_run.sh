#!/bin/bash
# What a Kubernetes user sees of a container run by Reaper through containerd's CRI plugin:
# it reaches CONTAINER_EXITED with its exit code, CRI's log file holds its stdout and stderr
# lines with their stream tags, and its env, workingDir, runAsUser and runAsGroup are honoured.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

reaper_cri_start
pod=$(reaper_cri_pod run)

e2e_log "echo: exits 0, its line in the CRI log"
c=$(cri run "$pod" --name echo -- /bin/echo hello-from-reaper)
reaper_cri_exited "$c"
e2e_assert_eq 0 "$(cri_field "$c" status.exit_code)" "exit code of echo"
e2e_assert_eq "$E2E_DIR/logs/run/echo/0.log" "$(reaper_cri_log "$c")" "log path"
reaper_cri_log_has "$c" " stdout F hello-from-reaper"
# The exit time is the real one (nanoseconds since the epoch). CRI takes started_at itself after
# Start returns, so a quick echo may well finish before it: compare with created_at instead.
created=$(cri_field "$c" status.created_at)
finished=$(cri_field "$c" status.finished_at)
now=$(date +%s%N)
((created > 0 && finished >= created && finished <= now)) ||
	e2e_fail "created_at $created, finished_at $finished, now $now"

e2e_log "exit code 42 is reported"
c=$(cri run "$pod" --name exit42 -- /bin/sh -c 'exit 42')
reaper_cri_exited "$c"
e2e_assert_eq 42 "$(cri_field "$c" status.exit_code)" "exit code"
e2e_assert_eq Error "$(cri_field "$c" status.reason)" "reason of a non-zero exit"

e2e_log "stdout and stderr lines, each with its stream tag, in order"
c=$(cri run "$pod" --name streams -- /bin/sh -c 'echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2')
reaper_cri_exited "$c"
e2e_assert_eq 0 "$(cri_field "$c" status.exit_code)" "exit code"
log=$(reaper_cri_log "$c")
for line in "stdout F out-1" "stderr F err-1" "stdout F out-2" "stderr F err-2"; do
	reaper_cri_log_has "$c" " $line"
done
# Per stream, the order the program wrote in (CRI reads the two FIFOs separately).
e2e_assert_eq "out-1 out-2" "$(awk '$2 == "stdout" { print $4 }' "$log" | paste -sd' ')" "stdout lines"
e2e_assert_eq "err-1 err-2" "$(awk '$2 == "stderr" { print $4 }' "$log" | paste -sd' ')" "stderr lines"
e2e_assert_eq 4 "$(wc -l <"$log")" "lines in $log"

e2e_log "env and workingDir"
mkdir -p "$E2E_DIR/work dir"
c=$(cri run "$pod" --name env --env GREETING=hello --env "SPACED=a b  c" --workdir "$E2E_DIR/work dir" \
	-- /bin/sh -c 'echo "greeting=$GREETING"; echo "spaced=$SPACED"; echo "pwd=$(pwd)"')
reaper_cri_exited "$c"
e2e_assert_eq 0 "$(cri_field "$c" status.exit_code)" "exit code"
reaper_cri_log_has "$c" " stdout F greeting=hello"
reaper_cri_log_has "$c" " stdout F spaced=a b  c"
reaper_cri_log_has "$c" " stdout F pwd=$E2E_DIR/work dir"

e2e_log "args after the command, and the command looked up on the container's PATH"
c=$(cri run "$pod" --name args --arg 'one two' --arg three -- sh -c 'echo "argc=$# 1=$1 2=$2"' argv0)
reaper_cri_exited "$c"
reaper_cri_log_has "$c" " stdout F argc=2 1=one two 2=three"

e2e_log "runAsUser and runAsGroup"
c=$(cri run "$pod" --name user --user 1234 --group 4321 -- /bin/sh -c 'echo "uid=$(id -u) gid=$(id -g) euid=$(id -u -r)"')
reaper_cri_exited "$c"
e2e_assert_eq 0 "$(cri_field "$c" status.exit_code)" "exit code"
reaper_cri_log_has "$c" " stdout F uid=1234 gid=4321 euid=1234"
c=$(cri run "$pod" --name root -- /bin/sh -c 'echo "uid=$(id -u) gid=$(id -g)"')
reaper_cri_exited "$c"
reaper_cri_log_has "$c" " stdout F uid=0 gid=0"

e2e_log "a missing executable fails StartContainer with a clear message, as with runc"
set +e
out=$(cri run "$pod" --name missing -- /no/such/program 2>&1)
rc=$?
set -e
((rc != 0)) || e2e_fail "StartContainer of a missing executable succeeded: $out"
e2e_assert_contains "$out" 'exec: "/no/such/program": stat /no/such/program: No such file or directory' "StartContainer error"
set +e
out=$(cri run "$pod" --name unknown -- no-such-program-on-path 2>&1)
rc=$?
set -e
((rc != 0)) || e2e_fail "StartContainer of an unknown command succeeded: $out"
e2e_assert_contains "$out" 'exec: "no-such-program-on-path": executable file not found in $PATH' "StartContainer error"
e2e_assert_eq SANDBOX_READY "$(cri inspectp "$pod" -f status.state)" "pod state after failed starts"

cri stopp "$pod"
cri rmp "$pod"
e2e_log "PASS"
