#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What a Kubernetes user sees of a container run by Reaper through containerd's CRI plugin:
# it reaches CONTAINER_EXITED with its exit code, CRI's log file holds its stdout and stderr
# lines with their stream tags (all of them, long ones split, a tty's on stdout), and its env,
# workingDir, args, runAsUser and runAsGroup are honoured.
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

e2e_log "a burst of output arrives whole, in order, even when the workload exits at once"
# containerd 1.6.20's task.Delete closes CRI's FIFO read ends before waiting for them to drain,
# so output CRI has not read when it handles the exit is lost (runc lost the tail of
# `seq 1 50000` in 6 runs of 8). Reaper's shim holds the exit back until the FIFOs are read.
for attempt in 1 2 3; do
	c=$(cri run "$pod" --name "burst$attempt" -- /usr/bin/seq 1 50000)
	reaper_cri_exited "$c"
	log="$E2E_DIR/logs/run/burst$attempt/0.log"
	e2e_assert_eq 50000 "$(wc -l <"$log")" "lines in $log when the exit is reported"
done
e2e_assert_eq 50000 "$(awk '{ if ($4 != NR) { print "line " NR " is " $4; exit } } END { print NR }' "$log")" "lines in order"

e2e_log "a line longer than CRI's 16 KiB is split into partial (P) lines"
c=$(cri run "$pod" --name long -- /bin/sh -c 'head -c 40000 /dev/zero | tr "\0" x; echo; echo after; sleep 1')
reaper_cri_exited "$c"
log="$E2E_DIR/logs/run/long/0.log"
e2e_assert_eq "stdout P 16384,stdout P 16384,stdout F 7232,stdout F 5" \
	"$(awk '{ printf "%s%s %s %d", (NR > 1 ? "," : ""), $2, $3, length($4) }' "$log")" "log lines (stream tag length)"

e2e_log "killed by a signal: 128 + the signal"
c=$(cri run "$pod" --name killed -- /bin/sh -c 'kill -9 $$')
reaper_cri_exited "$c"
e2e_assert_eq 137 "$(cri_field "$c" status.exit_code)" "exit code of a shell that killed itself with SIGKILL"

e2e_log "a terminal: both streams on stdout, a real tty"
c=$(cri run "$pod" --name tty --tty -- /bin/sh -c 'echo out; echo err >&2; tty')
reaper_cri_exited "$c"
log="$E2E_DIR/logs/run/tty/0.log"
reaper_cri_log_has "$log" " stdout F out"
reaper_cri_log_has "$log" " stdout F err"
reaper_cri_log_has "$log" " stdout F /dev/pts/"
! grep -q ' stderr ' "$log" || e2e_fail "stderr lines in the log of a tty container: $(cat "$log")"

e2e_log "a restarted container (attempt 1) logs to its own file"
c=$(cri run "$pod" --name echo --attempt 1 -- /bin/echo second-attempt)
reaper_cri_exited "$c"
e2e_assert_eq "$E2E_DIR/logs/run/echo/1.log" "$(reaper_cri_log "$c")" "log path of attempt 1"
reaper_cri_log_has "$E2E_DIR/logs/run/echo/1.log" " stdout F second-attempt"
e2e_assert_eq 1 "$(wc -l <"$E2E_DIR/logs/run/echo/0.log")" "lines of attempt 0's log"

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
