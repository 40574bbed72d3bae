#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Overlay groups through CRI: pods of one Kubernetes namespace share files, pods of another do not
# see them, a named group (reaper.runtime/overlay-name) is a group within its namespace, nothing
# reaches the host; an invalid or unknown reaper.runtime/ annotation refuses the pod naming it; a
# group is reset while another runs; the DNS mode chooses the pod's or the node's resolv.conf;
# with REAPER_ANNOTATIONS_ENABLED=false the annotations are not honoured; a group that fills up
# gets ENOSPC alone.
set -euo pipefail
source "$(dirname "$0")/lib/reaper_cri.sh"

reaper_cri_start
echo "REAPER_OVERLAY_SIZE=32m" >>"$REAPER_CONFIG"
tag=$(e2e_id grp)
file=/etc/reaper-e2e-$tag
e2e_on_cleanup "rm -f '$file'"
out_of() { awk '$2 == "stdout" { print $4 }' "$E2E_DIR/logs/$1/$2/0.log" | paste -sd' '; }
# run_in POD NAME CMD: a container of POD (logs under the pod's name), waited for.
run_in() {
	local c
	c=$(cri run "$1" --name "$2" -- /bin/sh -c "$3")
	reaper_cri_exited "$c"
}

e2e_log "a writer in namespace team-a; who sees its file"
a1=$(reaper_cri_pod a1 --namespace team-a)
run_in "$a1" w "echo from-a >$file"
a2=$(reaper_cri_pod a2 --namespace team-a)
run_in "$a2" r "cat $file 2>/dev/null || echo unseen"
b1=$(reaper_cri_pod b1 --namespace team-b)
run_in "$b1" r "cat $file 2>/dev/null || echo unseen"
an=$(reaper_cri_pod an --namespace team-a --annotation reaper.runtime/overlay-name=cache)
run_in "$an" r "cat $file 2>/dev/null || echo unseen; echo from-named >$file.named"
bn=$(reaper_cri_pod bn --namespace team-b --annotation reaper.runtime/overlay-name=cache)
run_in "$bn" r "cat $file.named 2>/dev/null || echo unseen"
e2e_assert_eq from-a "$(out_of a2 r)" "another pod of team-a"
e2e_assert_eq unseen "$(out_of b1 r)" "a pod of team-b"
e2e_assert_eq unseen "$(out_of an r)" "a pod of team-a in the named group cache"
e2e_assert_eq unseen "$(out_of bn r)" "a pod of team-b in its own group named cache"
[[ ! -e $file && ! -e $file.named ]] || e2e_fail "a workload's write reached the host"
status=$(REAPER_OVERLAY_BASE=$REAPER_OVERLAY_BASE REAPER_ROOT=$REAPER_ROOT "$REAPER_BIN" overlay status)
for g in team-a team-b team-a.cache team-b.cache; do
	grep -q "^$g " <<<"$status" || e2e_fail "group $g is not listed: $status"
done
e2e_log "ok: namespaces and named groups see only their own files; groups: $(awk 'NR > 2 { print $1 }' <<<"$status" | paste -sd' ')"

e2e_log "bad annotations refuse the pod, naming them"
for bad in "reaper.runtime/overlay-name=Not_A_Label" "reaper.runtime/dns-mode=sideways" \
	"reaper.runtime/overlay-isolation=node"; do
	if out=$(cri runp --name bad --namespace team-c --handler "$REAPER_HANDLER" --annotation "$bad" 2>&1); then
		e2e_fail "a pod with $bad was accepted: $out"
	fi
	e2e_assert_contains "$out" "annotation ${bad%%=*}" "the refusal of $bad"
done
e2e_log "ok: invalid or unknown reaper.runtime/ annotations refuse the pod"

e2e_log "reset team-b while team-a runs"
c=$(cri run "$a1" --name sleeper -- /bin/sleep 300)
e2e_assert_eq CONTAINER_RUNNING "$(cri wait "$c" --state CONTAINER_RUNNING)" "the team-a sleeper"
cri stopp "$b1" && cri rmp "$b1"
cri stopp "$bn" && cri rmp "$bn"
"$REAPER_BIN" overlay reset team-b | grep -q "discarded" || e2e_fail "reset team-b"
if "$REAPER_BIN" overlay reset team-a 2>"$E2E_DIR/err"; then e2e_fail "reset of team-a went ahead with a live container"; fi
e2e_assert_eq CONTAINER_RUNNING "$(cri_field "$c" status.state)" "the team-a sleeper after team-b's reset"
e2e_log "ok: a group is reset while another runs; a group with a live container is not"

e2e_log "DNS: the pod's resolv.conf (kubernetes) or the node's (host)"
dns_k=$(reaper_cri_pod dnsk --namespace team-a --dns-server 192.0.2.53)
run_in "$dns_k" r "grep -c 192.0.2.53 /etc/resolv.conf || true"
dns_h=$(reaper_cri_pod dnsh --namespace team-a --dns-server 192.0.2.53 --annotation reaper.runtime/dns-mode=host)
run_in "$dns_h" r "grep -c 192.0.2.53 /etc/resolv.conf || true"
e2e_assert_eq 1 "$(out_of dnsk r)" "kubernetes mode: the pod's resolv.conf (nameserver 192.0.2.53)"
e2e_assert_eq "$(grep -c 192.0.2.53 /etc/resolv.conf || true)" "$(out_of dnsh r)" "host mode: the node's resolv.conf"
e2e_log "ok: DNS modes"

e2e_log "a group that fills up gets ENOSPC; another group writes on"
full=$(reaper_cri_pod full --namespace team-full)
run_in "$full" w "head -c 100000000 /dev/zero >/var/tmp/big 2>/dev/null && echo wrote || echo enospc"
run_in "$a2" w2 "echo fine >/var/tmp/small && echo wrote"
e2e_assert_eq enospc "$(out_of full w)" "a write past REAPER_OVERLAY_SIZE (32m here)"
e2e_assert_eq wrote "$(out_of a2 w2)" "a write in another group"
e2e_log "ok: the size bound holds per group"

e2e_log "REAPER_ANNOTATIONS_ENABLED=false: the annotations are not honoured"
echo "REAPER_ANNOTATIONS_ENABLED=false" >>"$REAPER_CONFIG"
off=$(reaper_cri_pod off --namespace team-a --annotation reaper.runtime/overlay-name=ignored)
run_in "$off" r "cat $file 2>/dev/null || echo unseen"
e2e_assert_eq from-a "$(out_of off r)" "a pod naming a group when annotations are off (it stays in team-a)"
! grep -q "^team-a.ignored " <<<"$("$REAPER_BIN" overlay status)" || e2e_fail "a group was made from a switched-off annotation"
e2e_log "ok: switched-off annotations make no group"
