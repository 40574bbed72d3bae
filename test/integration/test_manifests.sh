#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# deploy/ without a cluster: every YAML document parses and has what its kind needs, the Helm
# chart renders (helm_lite; helm too when installed) into the plain manifests byte for byte,
# the DaemonSet, RBAC and RuntimeClass fit together, the Containerfile copies the musl build.
# Then broken copies of the tree must fail with the right message, and the DaemonSet's own
# command lines (install, doctor, kubectl label, pause, uninstall; then install and doctor with
# node settings from the chart's ConfigMap) run against a temporary host root with the real
# binary ($REAPER_BIN).
set -euo pipefail

top=${REAPER_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3
checker=$top/test/integration/check_manifests.py
if ! "$py" -c 'import yaml' 2>/dev/null; then
	echo "SKIP: needs python3-yaml (apt-get install python3-yaml)" >&2
	[[ -z "${REAPER_TEST_NO_SKIP:-}" ]] || exit 1 # CI: a skip fails
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/reaper-manifests.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "== the tree as it is"
"$py" "$checker" --root "$top" check

# A copy of what the checker reads, to break.
fresh_copy() {
	rm -rf "$tmp/t"
	mkdir -p "$tmp/t/src/base" "$tmp/t/third_party"
	cp -r "$top/deploy" "$top/CMakeLists.txt" "$top/CMakePresets.json" "$tmp/t/"
	cp -r "$top/src/applets" "$tmp/t/src/"
	cp "$top/src/base/names.h" "$top/src/base/config.c" "$tmp/t/src/base/"
	cp "$top/third_party/build-musl.sh" "$tmp/t/third_party/"
}

echo "== an unbroken copy passes (so the failures below come from the breakage)"
fresh_copy
"$py" "$checker" --root "$tmp/t" check >"$tmp/out" 2>&1 || {
	cat "$tmp/out"
	echo "FAIL: the unmodified copy does not pass" >&2
	exit 1
}

# broken WHAT FILE SED_EXPR NEEDLE: break FILE with SED_EXPR; the check must fail saying NEEDLE.
failures=0
broken() {
	local what=$1 file=$2 expr=$3 needle=$4
	fresh_copy
	cp "$tmp/t/$file" "$tmp/before"
	sed -i "$expr" "$tmp/t/$file"
	if cmp -s "$tmp/before" "$tmp/t/$file"; then
		echo "FAIL: $what: the sed expression changed nothing in $file" >&2
		failures=$((failures + 1))
		return
	fi
	local rc=0
	"$py" "$checker" --root "$tmp/t" check >"$tmp/out" 2>&1 || rc=$?
	if [[ $rc -ne 1 ]] || ! grep -qF -- "$needle" "$tmp/out"; then
		grep -E '^(FAIL|check_manifests)' "$tmp/out" >&2 || true
		echo "FAIL: $what: expected exit 1 saying '$needle', got exit $rc" >&2
		failures=$((failures + 1))
		return
	fi
	echo "ok    $what: $(grep -F -m1 -- "$needle" "$tmp/out")"
}

tpl=deploy/helm/reaper/templates
plain=deploy/manifests/reaper.yaml
broken "RuntimeClass handler" $plain 's/^handler: reaper-v2$/handler: runc/' \
	"differs from install --handler=reaper-v2"
broken "plain manifest edited by hand" $plain 's/cpu: 5m/cpu: 50m/' \
	"differs from the chart's rendering"
broken "selector does not match the pod labels" $tpl/daemonset.yaml \
	's/{{- include "reaper.labels" . | nindent 8 }}/app: other/' "does not match the pod template's labels"
broken "installer not privileged" $tpl/daemonset.yaml '/privileged: true/d' \
	"securityContext.privileged must be true"
broken "no hostPID" $tpl/daemonset.yaml '/hostPID: true/d' "hostPID must be true"
broken "misspelt installer option" $tpl/daemonset.yaml 's/--host-root=/--hostroot=/' \
	"unknown option --hostroot for install"
broken "main container not a reaper applet" $tpl/daemonset.yaml 's/args: \[pause\]/args: [sleep, infinity]/' \
	"do not start with a reaper applet"
broken "NODE_NAME not defined" $tpl/daemonset.yaml 's/- name: NODE_NAME/- name: NODE/' \
	'uses $(NODE_NAME) but env does not define it'
broken "misspelt value in a template" $tpl/runtimeclass.yaml 's/runtimeClass.handler/runtimeClass.hanlder/' \
	".Values.runtimeClass.hanlder: no such value"
broken "RuntimeClass selects another label" $tpl/runtimeclass.yaml 's/{{ .Values.nodeLabel.key }}:/reaper.io\/ready:/' \
	"is not the label the DaemonSet sets"
broken "label value not a string" $tpl/runtimeclass.yaml 's/{{ .Values.nodeLabel.value | quote }}/true/' \
	"must be a string"
broken "RBAC without patch" $tpl/rbac.yaml 's/verbs: \[get, patch\]/verbs: [get]/' \
	"kubectl label needs get and patch on nodes"
broken "YAML indentation" deploy/examples/job.yaml 's/^  backoffLimit: 0/ backoffLimit: 0/' "YAML:"
broken "duplicate key" deploy/examples/volumes.yaml 's/^  restartPolicy: Never/&\n  restartPolicy: Always/' \
	"duplicate key 'restartPolicy'"
broken "example on an unknown RuntimeClass" deploy/examples/job.yaml 's/runtimeClassName: reaper-v2/runtimeClassName: reaper/' \
	"is not a RuntimeClass of deploy/manifests/reaper.yaml"
broken "admission policy names another RuntimeClass" $tpl/admission.yaml \
	"s/!= '{{ .Values.runtimeClass.name }}'/!= 'reaper'/" "no validation expression names the RuntimeClass"
broken "admission policy off by default" deploy/helm/reaper/values.yaml 's/^  enabled: true$/  enabled: false/' \
	"the admission policy that limits the RuntimeClass must be on by default"
broken "admission binding that only audits" $tpl/admission.yaml 's/validationActions: \[Deny\]/validationActions: [Audit]/' \
	"validationActions must be [Deny]"
broken "every taint tolerated by default" deploy/helm/reaper/values.yaml 's/^tolerations: \[\].*/tolerations: [{operator: Exists}]/' \
	"must not tolerate every taint"
broken "every Linux node by default" deploy/helm/reaper/values.yaml '/^  reaper.io\/enabled: "true"$/d' \
	"node selection must be opt-in by default"
broken "control plane by default" deploy/helm/reaper/values.yaml 's/^controlPlane: false/controlPlane: true/' \
	"the control plane must be excluded by default"
broken "namespace without the Pod Security label" $tpl/namespace.yaml 's/enforce: privileged/enforce: baseline/' \
	"must carry pod-security.kubernetes.io/enforce: privileged"
broken "Containerfile copies another build" deploy/Containerfile 's|^COPY build-musl/reaper|COPY build/reaper|' \
	"must COPY build-musl/reaper /reaper"
broken "settings file outside the ConfigMap mount" $tpl/daemonset.yaml \
	's|--node-config=/etc/reaper-values/|--node-config=/etc/elsewhere/|' \
	"--node-config=/etc/elsewhere/reaper.conf is not a file of a ConfigMap volume"
broken "settings without the checksum that rolls the pods" $tpl/daemonset.yaml \
	's|reaper.io/node-config-sha256:|reaper.io/other:|' "new settings would not roll the pods"
broken "a setting Reaper does not know" src/base/config.c 's|{"REAPER_FILTER_MODE"|{"REAPER_FILTER_MOD"|' \
	"is not KEY=VALUE of a setting Reaper knows"
broken "Containerfile entrypoint in shell form" deploy/Containerfile 's|^ENTRYPOINT .*|ENTRYPOINT /reaper|' \
	"one ENTRYPOINT in JSON (exec) form"
if ((failures)); then
	echo "FAIL: $failures broken copies were not caught" >&2
	exit 1
fi

echo "== the DaemonSet's commands on a temporary host root"
if [[ -z "${REAPER_BIN:-}" ]]; then
	echo "skip: REAPER_BIN is not set (ctest sets it)"
	[[ -z "${REAPER_TEST_NO_SKIP:-}" ]] || exit 1 # CI: a skip fails
else
	"$py" "$checker" --root "$top" simulate "$REAPER_BIN"
fi
echo "test_manifests: all passed"
