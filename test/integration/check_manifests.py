#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Validate deploy/ without a cluster.

  check_manifests.py [--root DIR] check            every YAML document, the chart, the plain
                                                   manifests, the examples, the Containerfile
  check_manifests.py [--root DIR] write            regenerate deploy/manifests/{reaper,uninstall}.yaml
                                                   from the chart
  check_manifests.py [--root DIR] simulate REAPER  run the DaemonSet's commands (install, doctor,
                                                   label, pause, uninstall) on a temporary host root

The chart is rendered with helm_lite (Helm is not in Debian); with a helm on PATH it is also
linted and rendered by helm, and both renderings must agree. `check` exits 1 on any failure.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helm_lite  # noqa: E402

CHART = "deploy/helm/reaper"


def skip(what):
    """A check that cannot run here. REAPER_TEST_NO_SKIP (CI) makes it a failure."""
    if os.environ.get("REAPER_TEST_NO_SKIP"):
        raise SystemExit(f"FAIL  {what} (REAPER_TEST_NO_SKIP is set: a skipped check fails)")
    print(f"skip  {what}")


TEMPLATE_ORDER = ["namespace.yaml", "rbac.yaml", "runtimeclass.yaml", "admission.yaml", "config.yaml",
                  "daemonset.yaml"]
# The label nodes opt in with (values.yaml's nodeSelector), and the admission policy's namespace label.
OPT_IN_LABEL = "reaper.io/enabled"
ALLOWED_LABEL = "reaper.io/allowed"
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
RUNTIME_CLASS = "reaper-v2"
HANDLER = "reaper-v2"
NAMESPACE = "reaper-system"
RELEASE = "reaper"
# The committed plain manifests: file -> the chart values they are rendered with.
PLAIN = {
    "deploy/manifests/reaper.yaml": ["namespace.create=true"],
    "deploy/manifests/uninstall.yaml": ["namespace.create=true", "mode=uninstall"],
}
# Other value sets the chart must render into valid objects: (name, --set list, mode).
VARIANTS = [
    ("helm defaults", [], "install"),
    ("mode=uninstall", ["mode=uninstall"], "uninstall"),
    ("nodeLabel.manage=false", ["nodeLabel.manage=false"], "install"),
    ("uninstall, nodeLabel.manage=false", ["mode=uninstall", "nodeLabel.manage=false"], "uninstall"),
    ("install.doctor=false", ["install.doctor=false"], "install"),
    ("install.restart=none", ["install.restart=none"], "install"),
    ("node settings", ["config.REAPER_FILTER_MODE=replace", "config.REAPER_FILTER_PATHS=/srv/secret",
                       "config.REAPER_FILTER_ENABLED=true"], "install"),
    ("uninstall with node settings", ["mode=uninstall", "config.REAPER_SYSCTLS=ignore"], "uninstall"),
    ("custom names", ["runtimeClass.name=fast", "runtimeClass.handler=reaper-fast",
                      "nodeLabel.key=example.com/reaper", "install.prefix=/opt/reaper",
                      "image.repository=registry.example.com/reaper", "image.tag=dev",
                      "priorityClassName=system-node-critical"], "install"),
    ("admission.enabled=false", ["admission.enabled=false"], "install"),
    ("admission for Kubernetes 1.28-1.29",
     ["admission.apiVersion=admissionregistration.k8s.io/v1beta1"], "install"),
    ("control plane and a tainted pool",
     ["controlPlane=true", "tolerations[0].key=node-role.kubernetes.io/control-plane",
      "tolerations[0].operator=Exists", "tolerations[0].effect=NoSchedule",
      "tolerations[1].key=reaper.io/dedicated", "tolerations[1].operator=Exists",
      "runtimeClass.tolerations[0].key=reaper.io/dedicated",
      "runtimeClass.tolerations[0].operator=Exists",
      "runtimeClass.tolerations[0].effect=NoSchedule"], "install"),
    ("uninstall.force=true", ["mode=uninstall", "uninstall.force=true"], "uninstall"),
    ("namespace.create=true", ["namespace.create=true"], "install"),
]
# Values the chart must refuse, and the message it refuses them with.
BAD_VALUES = [
    (["mode=remove"], "mode must be install or uninstall"),
    (["install.restart=always"], "install.restart must be systemd or none"),
]

# ---- what the API server would accept (the subset these manifests use) --------------------

KINDS = {
    ("v1", "Namespace"): False, ("v1", "ServiceAccount"): True, ("v1", "ConfigMap"): True,
    ("v1", "Pod"): True, ("apps/v1", "DaemonSet"): True, ("batch/v1", "Job"): True,
    ("node.k8s.io/v1", "RuntimeClass"): False,
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): False,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): False,
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy"): False,
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding"): False,
    ("admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicy"): False,
    ("admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicyBinding"): False,
}  # value: namespaced
TOP_KEYS = {
    "Namespace": {"spec"}, "ServiceAccount": {"automountServiceAccountToken", "imagePullSecrets",
                                              "secrets"},
    "ConfigMap": {"data", "binaryData", "immutable"}, "Pod": {"spec"}, "DaemonSet": {"spec"},
    "Job": {"spec"}, "RuntimeClass": {"handler", "overhead", "scheduling"},
    "ClusterRole": {"rules", "aggregationRule"}, "ClusterRoleBinding": {"roleRef", "subjects"},
    "ValidatingAdmissionPolicy": {"spec"}, "ValidatingAdmissionPolicyBinding": {"spec"},
}
METADATA_KEYS = {"name", "namespace", "labels", "annotations"}
DAEMONSET_SPEC_KEYS = {"selector", "template", "updateStrategy", "minReadySeconds",
                       "revisionHistoryLimit"}
JOB_SPEC_KEYS = {"activeDeadlineSeconds", "backoffLimit", "backoffLimitPerIndex", "completionMode",
                 "completions", "manualSelector", "maxFailedIndexes", "parallelism",
                 "podFailurePolicy", "podReplacementPolicy", "selector", "successPolicy",
                 "suspend", "template", "ttlSecondsAfterFinished"}
POD_SPEC_KEYS = {
    "activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers", "dnsConfig",
    "dnsPolicy", "enableServiceLinks", "hostAliases", "hostIPC", "hostNetwork", "hostPID",
    "hostUsers", "hostname", "imagePullSecrets", "initContainers", "nodeName", "nodeSelector", "os",
    "overhead", "preemptionPolicy", "priority", "priorityClassName", "readinessGates",
    "restartPolicy", "runtimeClassName", "schedulerName", "securityContext", "serviceAccountName",
    "setHostnameAsFQDN", "shareProcessNamespace", "subdomain", "terminationGracePeriodSeconds",
    "tolerations", "topologySpreadConstraints", "volumes"}
CONTAINER_KEYS = {
    "args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle", "livenessProbe",
    "name", "ports", "readinessProbe", "resizePolicy", "resources", "restartPolicy",
    "securityContext", "startupProbe", "stdin", "stdinOnce", "terminationMessagePath",
    "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts", "workingDir"}
SECURITY_CONTEXT_KEYS = {"allowPrivilegeEscalation", "appArmorProfile", "capabilities",
                         "privileged", "procMount", "readOnlyRootFilesystem", "runAsGroup",
                         "runAsNonRoot", "runAsUser", "seLinuxOptions", "seccompProfile"}
VOLUME_SOURCES = {"configMap", "emptyDir", "hostPath", "secret", "projected", "downwardAPI",
                  "persistentVolumeClaim", "ephemeral", "csi", "nfs"}
VOLUME_MOUNT_KEYS = {"name", "mountPath", "readOnly", "subPath", "subPathExpr",
                     "mountPropagation", "recursiveReadOnly"}
TOLERATION_KEYS = {"key", "operator", "value", "effect", "tolerationSeconds"}
RESOURCE_NAMES = {"cpu", "memory", "ephemeral-storage"}

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$")
# Kubernetes expands $(VAR) in command and args (and leaves an unknown one as it is); a shell's
# own $(cmd) must be written $$(cmd).
ENV_REF = re.compile(r"(?<!\$)\$\(([^)]*)\)")


class Report:
    def __init__(self):
        self.failures = []
        self.checks = 0

    def fail(self, where, msg):
        self.failures.append(f"{where}: {msg}")
        print(f"FAIL  {where}: {msg}")

    def expect(self, cond, where, msg):
        self.checks += 1
        if not cond:
            self.fail(where, msg)
        return bool(cond)

    def ok(self, msg):
        print(f"ok    {msg}")


class StrictLoader(yaml.SafeLoader):
    """Rejects duplicate keys, as kubectl does (PyYAML keeps the last one silently)."""


def _no_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def load_docs(text, where, report):
    try:
        return [d for d in yaml.load_all(text, Loader=StrictLoader) if d is not None]
    except yaml.YAMLError as e:
        report.fail(where, f"YAML: {str(e).replace(chr(10), ' ')}")
        return None


def obj_name(o):
    md = o.get("metadata") if isinstance(o, dict) else None
    return f"{o.get('kind')}/{md.get('name') if isinstance(md, dict) else '?'}"


# ---- generic object checks ----------------------------------------------------------------

def check_labels(labels, where, r):
    if not r.expect(isinstance(labels, dict), where, "labels must be a map"):
        return
    for k, v in labels.items():
        prefix, _, name = str(k).rpartition("/")
        r.expect((not prefix or (len(prefix) <= 253 and DNS_SUBDOMAIN.match(prefix)))
                 and len(name) <= 63 and LABEL_NAME.match(name), where, f"invalid label key {k!r}")
        r.expect(isinstance(v, str) and len(v) <= 63 and (v == "" or LABEL_NAME.match(v)), where,
                 f"label {k}: value {v!r} must be a string of at most 63 name characters")


def check_keys(d, allowed, where, r):
    if not r.expect(isinstance(d, dict), where, "must be a map"):
        return False
    for k in d:
        r.expect(k in allowed, where, f"unknown field {k!r}")
    return True


def check_quantities(res, where, r):
    if not check_keys(res, {"requests", "limits", "claims"}, where, r):
        return
    for part in ("requests", "limits"):
        for k, v in (res.get(part) or {}).items():
            r.expect(k in RESOURCE_NAMES, f"{where}.{part}", f"unknown resource {k!r}")
            r.expect(isinstance(v, (int, str)) and QUANTITY.match(str(v)), f"{where}.{part}",
                     f"{k}: {v!r} is not a quantity")


def check_container(c, volumes, where, r):
    if not check_keys(c, CONTAINER_KEYS, where, r):
        return
    r.expect(isinstance(c.get("name"), str) and DNS_LABEL.match(c["name"]), where,
             f"name {c.get('name')!r} must be a DNS label")
    r.expect(isinstance(c.get("image"), str) and c["image"].strip(), where, "no image")
    r.expect(c.get("imagePullPolicy", "IfNotPresent") in ("Always", "IfNotPresent", "Never"),
             where, f"imagePullPolicy {c.get('imagePullPolicy')!r}")
    env = c.get("env") or []
    names = set()
    for e in env:
        if not check_keys(e, {"name", "value", "valueFrom"}, f"{where}.env", r):
            continue
        names.add(e.get("name"))
        r.expect(isinstance(e.get("name"), str), f"{where}.env", "an entry without a name")
        r.expect(("value" in e) != ("valueFrom" in e), f"{where}.env",
                 f"{e.get('name')}: exactly one of value and valueFrom")
        r.expect("value" not in e or isinstance(e["value"], str), f"{where}.env",
                 f"{e.get('name')}: value must be a string, not {e.get('value')!r}")
    for field in ("command", "args"):
        v = c.get(field)
        if v is None:
            continue
        if not r.expect(isinstance(v, list) and all(isinstance(a, str) for a in v), where,
                        f"{field} must be a list of strings: {v!r}"):
            continue
        for a in v:
            for ref in ENV_REF.findall(a):
                r.expect(ref in names, where, f"{field} uses $({ref}) but env does not define it "
                         "(Kubernetes expands $(VAR); write $$(...) for the shell)")
    sc = c.get("securityContext")
    if sc is not None:
        check_keys(sc, SECURITY_CONTEXT_KEYS, f"{where}.securityContext", r)
    if c.get("resources") is not None:
        check_quantities(c["resources"], f"{where}.resources", r)
    for m in c.get("volumeMounts") or []:
        if check_keys(m, VOLUME_MOUNT_KEYS, f"{where}.volumeMounts", r):
            r.expect(m.get("name") in volumes, f"{where}.volumeMounts",
                     f"mounts volume {m.get('name')!r}, which the pod does not define")
            r.expect(str(m.get("mountPath", "")).startswith("/"), f"{where}.volumeMounts",
                     f"mountPath {m.get('mountPath')!r} must be absolute")


def check_pod_spec(spec, where, r, restart_policies):
    if not check_keys(spec, POD_SPEC_KEYS, where, r):
        return
    volumes = {}
    for v in spec.get("volumes") or []:
        if not r.expect(isinstance(v, dict) and DNS_LABEL.match(str(v.get("name", ""))),
                        f"{where}.volumes", f"volume name {v!r}"):
            continue
        r.expect(v["name"] not in volumes, f"{where}.volumes", f"volume {v['name']} twice")
        sources = [k for k in v if k != "name"]
        r.expect(len(sources) == 1 and sources[0] in VOLUME_SOURCES, f"{where}.volumes",
                 f"volume {v['name']}: exactly one known source, not {sources}")
        volumes[v["name"]] = v
    containers = spec.get("containers")
    if not r.expect(isinstance(containers, list) and containers, where, "no containers"):
        return
    seen = set()
    for kind in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(kind) or []):
            cw = f"{where}.{kind}[{c.get('name', i) if isinstance(c, dict) else i}]"
            check_container(c, volumes, cw, r)
            if isinstance(c, dict):
                r.expect(c.get("name") not in seen, cw, "container name used twice")
                seen.add(c.get("name"))
    r.expect(spec.get("restartPolicy", "Always") in restart_policies, where,
             f"restartPolicy {spec.get('restartPolicy')!r} (allowed: {restart_policies})")
    for t in spec.get("tolerations") or []:
        if check_keys(t, TOLERATION_KEYS, f"{where}.tolerations", r):
            r.expect(t.get("operator", "Equal") in ("Equal", "Exists"), f"{where}.tolerations",
                     f"operator {t.get('operator')!r}")
    if "nodeSelector" in spec:
        check_labels(spec["nodeSelector"], f"{where}.nodeSelector", r)


def check_object(o, where, r, namespaced_in=None):
    """Fields every kind needs; namespaced_in: the namespace namespaced objects must name."""
    if not r.expect(isinstance(o, dict), where, "a document that is not a map"):
        return False
    w = f"{where}: {obj_name(o)}"
    api, kind = o.get("apiVersion"), o.get("kind")
    if not r.expect(isinstance(api, str) and isinstance(kind, str), w, "no apiVersion or kind"):
        return False
    if not r.expect((api, kind) in KINDS, w, f"unknown apiVersion/kind {api}/{kind}"):
        return False
    check_keys(o, {"apiVersion", "kind", "metadata"} | TOP_KEYS[kind], w, r)
    md = o.get("metadata")
    if not r.expect(isinstance(md, dict), w, "no metadata"):
        return False
    check_keys(md, METADATA_KEYS, f"{w}.metadata", r)
    name = md.get("name")
    pattern = DNS_LABEL if kind == "Namespace" else DNS_SUBDOMAIN
    r.expect(isinstance(name, str) and len(name) <= 253 and pattern.match(name), w,
             f"metadata.name {name!r} is not a valid name")
    if "labels" in md:
        check_labels(md["labels"], f"{w}.metadata.labels", r)
    if "annotations" in md:
        r.expect(isinstance(md["annotations"], dict)
                 and all(isinstance(v, str) for v in md["annotations"].values()), w,
                 "annotation values must be strings")
    if KINDS[(api, kind)]:
        if namespaced_in is not None:
            r.expect(md.get("namespace") == namespaced_in, w,
                     f"namespace {md.get('namespace')!r}, expected {namespaced_in}")
    else:
        r.expect("namespace" not in md, w, "a cluster-scoped object with a namespace")
    if kind == "DaemonSet":
        check_workload(o, w, r, DAEMONSET_SPEC_KEYS, ("Always",))
    elif kind == "Job":
        check_workload(o, w, r, JOB_SPEC_KEYS, ("Never", "OnFailure"))
    elif kind == "Pod":
        check_pod_spec(o.get("spec"), f"{w}.spec", r, ("Always", "Never", "OnFailure"))
    elif kind == "RuntimeClass":
        r.expect(isinstance(o.get("handler"), str) and DNS_LABEL.match(o["handler"]), w,
                 f"handler {o.get('handler')!r} must be a DNS label")
        sched = o.get("scheduling")
        if sched is not None and check_keys(sched, {"nodeSelector", "tolerations"},
                                            f"{w}.scheduling", r):
            check_labels(sched.get("nodeSelector") or {}, f"{w}.scheduling.nodeSelector", r)
    elif kind == "ClusterRole":
        for rule in o.get("rules") or []:
            if check_keys(rule, {"apiGroups", "resources", "verbs", "resourceNames",
                                 "nonResourceURLs"}, f"{w}.rules", r):
                for f in ("apiGroups", "resources", "verbs"):
                    r.expect("*" not in (rule.get(f) or []), f"{w}.rules",
                             f"wildcard in {f}: grant only what the installer needs")
    elif kind == "ClusterRoleBinding":
        ref = o.get("roleRef") or {}
        r.expect(ref.get("apiGroup") == "rbac.authorization.k8s.io"
                 and ref.get("kind") in ("ClusterRole", "Role") and ref.get("name"), w,
                 f"roleRef {ref!r}")
        for s in o.get("subjects") or []:
            r.expect(s.get("kind") != "ServiceAccount" or s.get("namespace"), w,
                     "a ServiceAccount subject needs its namespace")
    return True


def check_workload(o, w, r, spec_keys, restart_policies):
    spec = o.get("spec")
    if not check_keys(spec, spec_keys, f"{w}.spec", r):
        return
    tmpl = spec.get("template")
    if not check_keys(tmpl, {"metadata", "spec"}, f"{w}.spec.template", r):
        return
    labels = (tmpl.get("metadata") or {}).get("labels") or {}
    sel = spec.get("selector")
    if o["kind"] == "DaemonSet" or sel is not None:
        match = (sel or {}).get("matchLabels") or {}
        r.expect(match, w, "spec.selector.matchLabels is empty")
        for k, v in match.items():
            r.expect(labels.get(k) == v, w,
                     f"spec.selector.matchLabels {k}={v} does not match the pod template's labels")
    check_pod_spec(tmpl.get("spec"), f"{w}.spec.template.spec", r, restart_policies)


def pod_spec_of(o):
    if o.get("kind") == "Pod":
        return o.get("spec") or {}
    return ((o.get("spec") or {}).get("template") or {}).get("spec") or {}


# ---- Reaper's own rules -------------------------------------------------------------------

def applet_name_macros(root):
    """APPLET_X_NAME -> "name", from src/base/names.h (REAPER_APPLET lines may use these)."""
    with open(os.path.join(root, "src/base/names.h")) as fh:
        return dict(re.findall(r'^#define ([A-Z_]+)\s+"([^"]+)"', fh.read(), re.M))


def reaper_settings(root):
    """The node settings' names, from the key table of src/base/config.c."""
    with open(os.path.join(root, "src/base/config.c")) as fh:
        return set(re.findall(r'^\t\{"(REAPER_[A-Z_]+)"', fh.read(), re.M))


class Applets(dict):
    """applet name -> its long options; .settings: the node settings' names."""


def reaper_applets(root):
    """applet name -> its long options, from the REAPER_APPLET lines and longopts tables."""
    applets = Applets()
    applets.settings = reaper_settings(root)
    macros = applet_name_macros(root)
    adir = os.path.join(root, "src/applets")
    for f in sorted(os.listdir(adir)):
        if not f.endswith(".c"):
            continue
        with open(os.path.join(adir, f)) as fh:
            text = fh.read()
        opts = set(re.findall(r'\{"([a-z][a-z0-9-]*)",\s*(?:no|required|optional)_argument', text))
        for m in re.finditer(r'^REAPER_APPLET\(\w+,\s*(?:"([^"]+)"|([A-Z_]+))', text, re.M):
            applets[m.group(1) or macros[m.group(2)]] = opts
    return applets


def resolve_applet(applets, name):
    """`reaper NAME` runs applet NAME, else reaper-NAME (src/applets/main.c)."""
    if name in applets:
        return name
    return f"reaper-{name}" if f"reaper-{name}" in applets else None


def parse_options(args):
    """--opt=value and bare --flag items -> {opt: value or True}; stray words -> list."""
    opts, stray = {}, []
    for a in args:
        if a.startswith("--"):
            k, sep, v = a[2:].partition("=")
            opts[k] = v if sep else True
        else:
            stray.append(a)
    return opts, stray


def check_node_config(by_kind, spec, ds, inst, iopts, mode, iw, r, settings):
    """--node-config names a file of a ConfigMap volume of the set, holding known settings."""
    cms = {o["metadata"]["name"]: o for o in by_kind.get("ConfigMap", [])}
    path = iopts.get("node-config")
    annotations = ((ds["spec"].get("template") or {}).get("metadata") or {}).get("annotations") or {}
    if path is None:
        r.expect(not cms, iw, f"ConfigMaps {sorted(cms)} that no --node-config reads")
        r.expect("reaper.io/node-config-sha256" not in annotations, iw,
                 "a node-config checksum without --node-config")
        return
    r.expect(mode == "install", iw, "--node-config in uninstall mode")
    vols = {v["name"]: v for v in spec.get("volumes") or []}
    found = None
    for m in inst.get("volumeMounts") or []:
        src = (vols.get(m.get("name")) or {}).get("configMap")
        mp = str(m.get("mountPath", "")).rstrip("/")
        if src and str(path).startswith(mp + "/"):
            found = (src.get("name"), path[len(mp) + 1:], m)
    if not r.expect(found, iw, f"--node-config={path} is not a file of a ConfigMap volume"):
        return
    name, key, mount = found
    r.expect(mount.get("readOnly") is True, iw, "the settings' ConfigMap must be mounted readOnly")
    cm = cms.get(name)
    if not r.expect(cm is not None, iw, f"ConfigMap {name!r} is not in the set"):
        return
    text = (cm.get("data") or {}).get(key)
    if not r.expect(isinstance(text, str), iw, f"ConfigMap {name} has no data key {key!r}"):
        return
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        k, eq, _ = line.partition("=")
        r.expect(eq and k.strip() in settings, iw,
                 f"{name}/{key} line {n}: {line!r} is not KEY=VALUE of a setting Reaper knows "
                 "(src/base/config.c)")
    r.expect("reaper.io/node-config-sha256" in annotations, iw,
             "no reaper.io/node-config-sha256 annotation: new settings would not roll the pods")


def check_reaper_set(objs, where, mode, r, applets, expect_defaults, want_namespace=False):
    """The objects of one rendering: the DaemonSet's steps, its RBAC, the RuntimeClass.
    Returns the node label (key, value or None) the set manages, or None."""
    by_kind = {}
    for o in objs:
        by_kind.setdefault(o.get("kind"), []).append(o)
    dss = by_kind.get("DaemonSet", [])
    if not r.expect(len(dss) == 1, where, f"{len(dss)} DaemonSets, expected 1"):
        return None
    ds = dss[0]
    w = f"{where}: {obj_name(ds)}"
    spec = pod_spec_of(ds)
    inits, mains = spec.get("initContainers") or [], spec.get("containers") or []
    r.expect(spec.get("hostPID") is True, w,
             "hostPID must be true (reaper install --restart systemd joins pid 1's namespaces)")
    blanket = any(t.get("operator") == "Exists" and "key" not in t
                  for t in spec.get("tolerations") or [])
    if expect_defaults:
        check_secure_defaults(spec, w, r, blanket)
    host_vols = {v["name"] for v in spec.get("volumes") or []
                 if (v.get("hostPath") or {}).get("path") == "/"}
    rcs = by_kind.get("RuntimeClass", [])
    if mode == "install":
        r.expect(len(rcs) == 1, where, f"{len(rcs)} RuntimeClasses, expected 1")
    else:
        r.expect(not rcs, where, "the uninstall set must not declare the RuntimeClass")

    steps = []  # (kind of step, container)
    for c in inits + mains:
        cw = f"{w}: container {c.get('name')}"
        r.expect((c.get("resources") or {}).get("requests"), cw, "no resources.requests")
        args = c.get("args") or []
        if c.get("command"):
            r.expect(False, cw, "sets command: the images' entrypoints (/reaper, kubectl) are meant")
            continue
        if args[:1] == ["label"]:
            steps.append(("label", c))
            continue
        applet = resolve_applet(applets, args[0]) if args else None
        if not r.expect(applet, cw, f"args {args!r} do not start with a reaper applet"):
            continue
        opts, stray = parse_options(args[1:])
        for k in opts:
            r.expect(k in applets[applet], cw, f"unknown option --{k} for {applet}")
        r.expect(not stray, cw, f"stray arguments {stray} (write options as --name=value)")
        host_root = opts.get("host-root")
        if host_root is not None:
            mounts = {m.get("mountPath"): m.get("name") for m in c.get("volumeMounts") or []}
            r.expect(mounts.get(host_root) in host_vols, cw,
                     f"--host-root={host_root} is not a mount of the node's / (hostPath /)")
        steps.append((applet, c, opts))
    if not r.expect(len(mains) == 1 and steps and steps[-1][0] == "reaper-pause", w,
                    "the one long-running container must run `reaper pause`"):
        return None
    pause = mains[0]
    r.expect(not (pause.get("securityContext") or {}).get("privileged") and
             not pause.get("volumeMounts"), f"{w}: container {pause.get('name')}",
             "the pause container needs no privilege and no host mount")

    installs = [s for s in steps if s[0] == "install"]
    if not r.expect(len(installs) == 1, w, f"{len(installs)} install steps, expected 1"):
        return None
    _, inst, iopts = installs[0]
    iw = f"{w}: container {inst.get('name')}"
    r.expect(inst in inits, iw, "install must be an init container")
    r.expect((inst.get("securityContext") or {}).get("privileged") is True, iw,
             "securityContext.privileged must be true (it writes the node's root and setns)")
    r.expect("host-root" in iopts, iw, "no --host-root")
    r.expect(("uninstall" in iopts) == (mode == "uninstall"), iw,
             f"--uninstall {'missing' if mode == 'uninstall' else 'given'} in {mode} mode")
    r.expect(iopts.get("restart") in ("systemd", "none"), iw,
             f"--restart={iopts.get('restart')}: systemd or none")
    handler = iopts.get("handler", HANDLER)
    order = [s[0] for s in steps]
    check_node_config(by_kind, spec, ds, inst, iopts, mode, iw, r, applets.settings)

    label = None
    labels = [s[1] for s in steps if s[0] == "label"]
    for c in labels:
        cw = f"{w}: container {c.get('name')}"
        args = c["args"]
        ok = r.expect(len(args) >= 4 and args[1] == "node" and args[2] == "$(NODE_NAME)", cw,
                      f"expected `label node $(NODE_NAME) KEY=VALUE|KEY-`, got {args}")
        env = {e.get("name"): e for e in c.get("env") or []}
        r.expect(((env.get("NODE_NAME") or {}).get("valueFrom") or {}).get("fieldRef", {})
                 .get("fieldPath") == "spec.nodeName", cw, "NODE_NAME must come from spec.nodeName")
        if ok:
            key, eq, value = args[3].partition("=")
            if mode == "install":
                r.expect(eq and "--overwrite" in args, cw, f"{args[3]}: expected KEY=VALUE --overwrite")
                label = (key, value)
            else:
                r.expect(not eq and key.endswith("-"), cw, f"{args[3]}: expected KEY- (removal)")
                label = (key[:-1], None)
    if mode == "install":
        if labels:
            r.expect(order.index("install") < order.index("label"), w, "label before install")
            if "doctor" in order:
                r.expect(order.index("doctor") < order.index("label"), w, "label before doctor")
        if "doctor" in order:
            r.expect(order.index("install") < order.index("doctor"), w, "doctor before install")
            d = next(s for s in steps if s[0] == "doctor")
            r.expect(d[2].get("host-root") == iopts.get("host-root"), w,
                     "the doctor must check the node the installer wrote (the same --host-root)")
            r.expect(d[2].get("config", "/etc/containerd/config.toml") ==
                     iopts.get("config", "/etc/containerd/config.toml"), w,
                     "doctor and install: other containerd configs")
            r.expect(d[2].get("handler", HANDLER) == handler, w, "doctor and install: other handlers")
    else:
        r.expect("doctor" not in order, w, "no doctor in uninstall mode")
        if labels:
            r.expect(order.index("label") < order.index("install"), w,
                     "the label must go before the uninstall (no new pods meanwhile)")

    # RBAC: kubectl needs a token bound to get+patch on nodes; without kubectl, no token, no role.
    sa_name = spec.get("serviceAccountName")
    sas = {o["metadata"]["name"] for o in by_kind.get("ServiceAccount", [])
           if o["metadata"].get("namespace") == ds["metadata"].get("namespace")}
    r.expect(sa_name in sas, w, f"serviceAccountName {sa_name!r} is not a ServiceAccount of the set")
    roles = {o["metadata"]["name"]: o for o in by_kind.get("ClusterRole", [])}
    granted = set()
    for b in by_kind.get("ClusterRoleBinding", []):
        bw = f"{where}: {obj_name(b)}"
        role = roles.get((b.get("roleRef") or {}).get("name"))
        r.expect(role is not None, bw, "roleRef names no ClusterRole of the set")
        for s in b.get("subjects") or []:
            if (s.get("kind"), s.get("name"), s.get("namespace")) == (
                    "ServiceAccount", sa_name, ds["metadata"].get("namespace")) and role:
                for rule in role.get("rules") or []:
                    if "" in (rule.get("apiGroups") or []) and "nodes" in (rule.get("resources") or []):
                        granted |= set(rule.get("verbs") or [])
    if labels:
        r.expect({"get", "patch"} <= granted, w,
                 f"kubectl label needs get and patch on nodes; the ServiceAccount has {sorted(granted)}")
        r.expect(spec.get("automountServiceAccountToken") is not False, w,
                 "kubectl needs the ServiceAccount token (automountServiceAccountToken)")
    else:
        r.expect(not roles and not granted, w, "RBAC without a container that uses it")
        r.expect(spec.get("automountServiceAccountToken") is False, w,
                 "no container uses the API: automountServiceAccountToken must be false")

    for rc in rcs:
        rw = f"{where}: {obj_name(rc)}"
        r.expect(rc.get("handler") == handler, rw,
                 f"handler {rc.get('handler')!r} differs from install --handler={handler}")
        if expect_defaults:
            r.expect(rc["metadata"]["name"] == RUNTIME_CLASS, rw, f"name must be {RUNTIME_CLASS}")
            r.expect(rc.get("handler") == HANDLER, rw, f"handler must be {HANDLER}")
        sel = (rc.get("scheduling") or {}).get("nodeSelector") or {}
        r.expect(len(sel) == 1, rw, "scheduling.nodeSelector must hold the installed-node label")
        if label:
            r.expect(sel == {label[0]: label[1]}, rw,
                     f"scheduling.nodeSelector {sel} is not the label the DaemonSet sets "
                     f"({label[0]}={label[1]})")
    nss = [o["metadata"]["name"] for o in by_kind.get("Namespace", [])]
    r.expect(nss == ([NAMESPACE] if want_namespace else []), where,
             f"Namespaces {nss}, expected {[NAMESPACE] if want_namespace else []}")
    for ns in by_kind.get("Namespace", []):
        r.expect(((ns["metadata"].get("labels") or {}).get("pod-security.kubernetes.io/enforce"))
                 == "privileged", f"{where}: {obj_name(ns)}",
                 "the namespace must carry pod-security.kubernetes.io/enforce: privileged (the "
                 "installer is privileged)")
    check_admission(by_kind, rcs, where, mode, r, expect_defaults)
    return label


def check_secure_defaults(spec, w, r, blanket):
    """The chart out of the box: opt-in nodes, no control plane, no blanket toleration."""
    r.expect(not blanket, w, "the default tolerations must not tolerate every taint (control plane "
             "and dedicated pools are opt-in)")
    r.expect((spec.get("nodeSelector") or {}).get(OPT_IN_LABEL) == "true", w,
             f"node selection must be opt-in by default: nodeSelector {OPT_IN_LABEL}: \"true\"")
    terms = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
              .get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or [])
    r.expect(terms and all(any(e.get("key") == CONTROL_PLANE_LABEL and e.get("operator") == "DoesNotExist"
                               for e in t.get("matchExpressions") or []) for t in terms), w,
             f"the control plane must be excluded by default ({CONTROL_PLANE_LABEL} DoesNotExist)")


def check_admission(by_kind, rcs, where, mode, r, expect_defaults):
    """The ValidatingAdmissionPolicy that limits the RuntimeClass, and its binding."""
    policies = {o["metadata"]["name"]: o for o in by_kind.get("ValidatingAdmissionPolicy", [])}
    bindings = by_kind.get("ValidatingAdmissionPolicyBinding", [])
    if expect_defaults and mode == "install":
        r.expect(len(policies) == 1 and len(bindings) == 1, where,
                 "the admission policy that limits the RuntimeClass must be on by default")
    if mode != "install":
        r.expect(not policies and not bindings, where, "no admission policy in uninstall mode")
    names = {rc["metadata"]["name"] for rc in rcs}
    for p in policies.values():
        pw = f"{where}: {obj_name(p)}"
        spec = p.get("spec") or {}
        r.expect(spec.get("failurePolicy") == "Fail", pw, "failurePolicy must be Fail")
        rules = ((spec.get("matchConstraints") or {}).get("resourceRules")) or []
        r.expect(any("pods" in (x.get("resources") or []) and "CREATE" in (x.get("operations") or [])
                     for x in rules), pw, "must match the creation of pods")
        exprs = [v.get("expression", "") for v in spec.get("validations") or []]
        r.expect(names and all(any(f"'{n}'" in e for e in exprs) for n in names), pw,
                 f"no validation expression names the RuntimeClass ({sorted(names)})")
    for b in bindings:
        bw = f"{where}: {obj_name(b)}"
        spec = b.get("spec") or {}
        r.expect(spec.get("policyName") in policies, bw,
                 f"policyName {spec.get('policyName')!r} is not a policy of the set")
        r.expect(spec.get("validationActions") == ["Deny"], bw, "validationActions must be [Deny]")
        exprs = (((spec.get("matchResources") or {}).get("namespaceSelector") or {})
                 .get("matchExpressions") or [])
        r.expect(any(e.get("operator") == "NotIn" and e.get("values") == ["true"] for e in exprs), bw,
                 "must apply to every namespace not labelled as allowed (NotIn [\"true\"])")
        if expect_defaults:
            r.expect(any(e.get("key") == ALLOWED_LABEL for e in exprs), bw,
                     f"the default allowed-namespace label is {ALLOWED_LABEL}")


# ---- the files ----------------------------------------------------------------------------

def render(root, sets):
    texts = helm_lite.render_chart(os.path.join(root, CHART), RELEASE, NAMESPACE,
                                   helm_lite.parse_set(sets))
    return texts


def plain_text(texts, sets):
    out = [f"# Generated from {CHART} (--set {','.join(sets)}) by\n"
           "# test/integration/check_manifests.py write: edit the chart, not this file.\n"]
    for name in TEMPLATE_ORDER:
        body = texts.get(name, "").strip()
        if body:
            out.append(f"---\n# Source: reaper/templates/{name}\n{body}\n")
    extra = sorted(set(texts) - set(TEMPLATE_ORDER) - {"NOTES.txt"})
    if extra:
        raise helm_lite.RenderError(f"templates {extra} are not in TEMPLATE_ORDER")
    return "".join(out)


# helm_lite against what Helm (Go's text/template plus Sprig) gives for the same text.
HELM_LITE_CASES = [
    ('a  {{- " b" }}', {}, "a b"),
    ("{{ .x -}}  \n  y", {"x": 1}, "1y"),
    ("{{/* note */}}z", {}, "z"),
    ("{{ .s | quote }}", {"s": 'say "hi"'}, '"say \\"hi\\""'),
    ('{{ .e | default "d" }}/{{ .f | default "d" }}', {"e": "", "f": "v"}, "d/v"),
    ("{{ if .b }}y{{ else }}n{{ end }}", {"b": False}, "n"),
    ('{{ if eq .s "x" "y" }}in{{ end }}', {"s": "y"}, "in"),
    ("{{ if and .a (not .b) }}ok{{ end }}", {"a": 1, "b": []}, "ok"),
    ("{{ with .m }}{{ .k }}{{ else }}none{{ end }}", {"m": {"k": "v"}}, "v"),
    ("{{ with .m }}{{ .k }}{{ else }}none{{ end }}", {"m": {}}, "none"),
    ("l:{{ toYaml .l | nindent 2 }}", {"l": [{"b": 1, "a": "x"}]}, "l:\n  - a: x\n    b: 1"),
    ("{{ toYaml .m | indent 2 }}", {"m": {"k": "10%"}}, "  k: 10%"),
    ('{{ define "t" }}[{{ .k }}]{{ end }}{{ include "t" .m }}', {"m": {"k": 3}}, "[3]"),
    ("{{ $.k }}{{ .b }}", {"k": "r", "b": True}, "rtrue"),
    ("{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}", {"m": {"b": 2, "a": "x", "c": False}},
     "a=x;b=2;c=false;"),
    ("{{ range $i, $e := .l }}{{ $i }}{{ $e }}{{ . }}{{ end }}", {"l": ["a", "b"]}, "0aa1bb"),
    ("{{ range $v := .l }}{{ $v }}{{ $.k }}{{ end }}", {"l": [1], "k": "r"}, "1r"),
    ("{{ range .l }}[{{ . }}]{{ else }}none{{ end }}", {"l": []}, "none"),
    ("{{ range $k, $v := .m }}\n{{ $k }}={{ $v }}\n{{- end }}", {"m": {"K": "v"}}, "\nK=v"),
    ('{{ "abc" | sha256sum }}', {},
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
]


def check_helm_lite(r):
    for text, values, want in HELM_LITE_CASES:
        try:
            got = helm_lite.render_text(text, values)
        except helm_lite.RenderError as e:
            got = f"error: {e}"
        r.expect(got == want, "helm_lite", f"{text!r} with {values}: {got!r}, expected {want!r}")
    for text, values, needle in [("{{ .nope }}", {}, ".nope: no such value"),
                                 ("{{ if .a }}x", {"a": 1}, "missing {{ end }}"),
                                 ('{{ template "t" }}', {}, "not supported"),
                                 ("{{ range .l }}{{ $x }}{{ end }}", {"l": [1]}, "undefined variable $x"),
                                 ("{{ .m }}", {"m": {"a": 1}}, "cannot print"),
                                 ('{{ fail "stop" }}', {}, "fail: stop")]:
        try:
            helm_lite.render_text(text, values)
            r.fail("helm_lite", f"{text!r} rendered; expected an error saying {needle!r}")
        except helm_lite.RenderError as e:
            r.expect(needle in str(e), "helm_lite", f"{text!r}: error {e}, expected {needle!r}")
    r.ok(f"helm_lite renders {len(HELM_LITE_CASES)} cases as Helm does and refuses 6 bad ones")


def check_yaml_files(root, r):
    """Every YAML file under deploy/ parses (templates are Go templates: rendered instead)."""
    docs = {}
    tdir = os.path.join(root, CHART, "templates")
    for dirpath, _, files in os.walk(os.path.join(root, "deploy")):
        if os.path.abspath(dirpath) == os.path.abspath(tdir):
            continue
        for f in sorted(files):
            if f.endswith((".yaml", ".yml")):
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root)
                with open(path) as fh:
                    d = load_docs(fh.read(), rel, r)
                r.checks += 1
                if d is not None:
                    docs[rel] = d
    r.ok(f"{len(docs)} YAML files under deploy/ parse")
    return docs


def check_chart(root, r, applets):
    cdir = os.path.join(root, CHART)
    with open(os.path.join(cdir, "Chart.yaml")) as f:
        chart = yaml.safe_load(f)
    with open(os.path.join(root, "CMakeLists.txt")) as f:
        version = re.search(r"project\(reaper VERSION ([0-9.]+)", f.read()).group(1)
    r.expect(chart.get("apiVersion") == "v2" and chart.get("name") == "reaper", CHART,
             "Chart.yaml: apiVersion v2, name reaper")
    r.expect(re.match(r"^\d+\.\d+\.\d+", str(chart.get("version", ""))), CHART,
             "Chart.yaml: version must be SemVer")
    r.expect(str(chart.get("appVersion")) == version, CHART,
             f"Chart.yaml: appVersion {chart.get('appVersion')!r} differs from the project's "
             f"version {version} (the default image tag)")

    renders = {}
    for name, sets, mode in VARIANTS:
        where = f"chart ({name})"
        try:
            texts = render(root, sets)
        except helm_lite.RenderError as e:
            r.fail(where, f"render: {e}")
            continue
        objs = []
        for t, text in sorted(texts.items()):
            if t.endswith(".yaml"):
                objs += load_docs(text, f"{where} templates/{t}", r) or []
        for o in objs:
            check_object(o, where, r, NAMESPACE)
        label = check_reaper_set(objs, where, mode, r, applets, expect_defaults=not sets,
                                 want_namespace="namespace.create=true" in sets)
        renders[name] = (objs, label)
    r.expect(renders.get("helm defaults", (0, 0))[1] is not None and
             renders.get("mode=uninstall", (0, 0))[1] is not None and
             renders["helm defaults"][1][0] == renders["mode=uninstall"][1][0], CHART,
             "install and uninstall modes manage different node labels")
    r.ok(f"the chart renders {len(renders)} value sets into valid objects")
    for sets, msg in BAD_VALUES:
        try:
            render(root, sets)
            r.fail(CHART, f"--set {sets} rendered; expected the chart to refuse it")
        except helm_lite.RenderError as e:
            r.expect(msg in str(e), CHART, f"--set {sets}: expected '{msg}', got '{e}'")
    r.ok("the chart refuses bad values")
    return renders


def check_plain(root, r, applets, docs):
    labels = {}
    for rel, sets in PLAIN.items():
        path = os.path.join(root, rel)
        try:
            want = plain_text(render(root, sets), sets)
        except helm_lite.RenderError as e:
            r.fail(rel, f"render: {e}")
            continue
        with open(path) as f:
            have = f.read()
        r.expect(have == want, rel, "differs from the chart's rendering: run "
                 "`test/integration/check_manifests.py write` (edit the chart, not this file)")
        objs = docs.get(rel) or []
        for o in objs:
            check_object(o, rel, r, NAMESPACE)
        mode = "uninstall" if "mode=uninstall" in sets else "install"
        labels[mode] = check_reaper_set(objs, rel, mode, r, applets, expect_defaults=True,
                                        want_namespace=True)
    r.expect(labels.get("install") and labels.get("uninstall") and
             labels["install"][0] == labels["uninstall"][0], "deploy/manifests",
             f"uninstall.yaml removes label {labels.get('uninstall')}, reaper.yaml sets "
             f"{labels.get('install')}")
    r.ok("plain manifests match the chart and pass the checks")


def check_kustomize(root, r, docs):
    rel = "deploy/manifests/kustomization.yaml"
    k = (docs.get(rel) or [None])[0]
    if not r.expect(isinstance(k, dict) and k.get("kind") == "Kustomization", rel,
                    "not a Kustomization"):
        return
    for res in k.get("resources") or []:
        r.expect(os.path.exists(os.path.join(root, "deploy/manifests", res)), rel,
                 f"resource {res} does not exist")
    kubectl = shutil.which("kubectl")
    if not kubectl:
        skip("kubectl kustomize: no kubectl on PATH (the resources were checked to exist)")
        return
    p = subprocess.run([kubectl, "kustomize", os.path.join(root, "deploy/manifests")],
                       capture_output=True, text=True)
    if not r.expect(p.returncode == 0, rel, f"kubectl kustomize: {p.stderr.strip()}"):
        return
    built = load_docs(p.stdout, f"{rel} (kubectl kustomize)", r) or []
    base = docs.get("deploy/manifests/reaper.yaml") or []
    key = lambda o: json.dumps(o, sort_keys=True)  # noqa: E731
    r.expect(sorted(map(key, built)) == sorted(map(key, base)), rel,
             "kubectl kustomize does not give the objects of reaper.yaml")
    r.ok("kubectl kustomize deploy/manifests gives the objects of reaper.yaml")


def check_examples(root, r, docs):
    rcs = {o["metadata"]["name"] for o in docs.get("deploy/manifests/reaper.yaml") or []
           if isinstance(o, dict) and o.get("kind") == "RuntimeClass"}
    # The namespaces the examples define that the default admission policy lets use Reaper.
    allowed = {o["metadata"]["name"] for rel, objs in docs.items() if rel.startswith("deploy/examples/")
               for o in objs if isinstance(o, dict) and o.get("kind") == "Namespace"
               and ((o.get("metadata") or {}).get("labels") or {}).get(ALLOWED_LABEL) == "true"}
    n = 0
    for rel, objs in sorted(docs.items()):
        if not rel.startswith("deploy/examples/"):
            continue
        cms = {o["metadata"]["name"] for o in objs if isinstance(o, dict)
               and o.get("kind") == "ConfigMap" and isinstance(o.get("metadata"), dict)}
        policies = {o["metadata"]["name"]: o for o in objs if isinstance(o, dict)
                    and o.get("kind") == "ValidatingAdmissionPolicy"}
        for o in objs:
            if not check_object(o, rel, r):
                continue
            w = f"{rel}: {obj_name(o)}"
            if o["kind"] == "ValidatingAdmissionPolicy":
                exprs = [v.get("expression", "") for v in (o.get("spec") or {}).get("validations") or []]
                r.expect(exprs and any(f"'{rc}'" in e for e in exprs for rc in rcs), w,
                         f"no validation expression names the RuntimeClass ({sorted(rcs)})")
            if o["kind"] == "ValidatingAdmissionPolicyBinding":
                spec = o.get("spec") or {}
                r.expect(spec.get("policyName") in policies, w,
                         f"policyName {spec.get('policyName')!r} is not a policy of the same file")
                acts = spec.get("validationActions") or []
                r.expect(acts and set(acts) <= {"Deny", "Warn", "Audit"}, w,
                         f"validationActions {acts!r}")
            if o["kind"] not in ("Pod", "Job"):
                continue
            n += 1
            spec = pod_spec_of(o)
            r.expect(o["metadata"].get("namespace") in allowed, w,
                     f"namespace {o['metadata'].get('namespace')!r} is not one the examples define with "
                     f"{ALLOWED_LABEL}=true: the chart's admission policy would refuse it")
            r.expect(spec.get("runtimeClassName") in rcs, w,
                     f"runtimeClassName {spec.get('runtimeClassName')!r} is not a RuntimeClass "
                     f"of deploy/manifests/reaper.yaml ({sorted(rcs)})")
            for v in spec.get("volumes") or []:
                if "configMap" in v:
                    r.expect(v["configMap"].get("name") in cms, w,
                             f"volume {v.get('name')}: ConfigMap {v['configMap'].get('name')!r} "
                             "is not in the same file")
    r.expect(n >= 2, "deploy/examples", f"{n} example workloads, expected at least 2")
    r.ok(f"{n} example workloads run on the RuntimeClass")


def check_containerfile(root, r, applets):
    rel = "deploy/Containerfile"
    with open(os.path.join(root, rel)) as f:
        lines = [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    instr = [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1] if " " in ln else "") for ln in lines]
    with open(os.path.join(root, "CMakePresets.json")) as f:
        presets = json.load(f)
    musl = next((p for p in presets["configurePresets"] if p["name"] == "musl"), {})
    build_dir = musl.get("binaryDir", "").replace("${sourceDir}/", "")
    binary = f"{build_dir}/reaper"
    r.expect(binary == "build-musl/reaper", "CMakePresets.json",
             f"the musl preset builds {binary}; docs and deploy/ say build-musl/reaper")
    with open(os.path.join(root, "third_party/build-musl.sh")) as f:
        r.expect(f'/{binary}"' in f.read(), "third_party/build-musl.sh",
                 f"does not print {binary} as its result")
    r.expect(instr[:1] == [("FROM", "scratch")], rel, "must start FROM scratch (the static binary alone)")
    copies = [a for i, a in instr if i == "COPY"]
    r.expect(copies == [f"{binary} /reaper"], rel,
             f"must COPY {binary} /reaper (what third_party/build-musl.sh builds), has {copies}")
    r.expect(not any(i == "RUN" for i, _ in instr), rel, "RUN needs a shell; scratch has none")
    for word in ("ENTRYPOINT", "CMD"):
        vals = [a for i, a in instr if i == word]
        try:
            arr = json.loads(vals[0]) if len(vals) == 1 else None
        except ValueError:
            arr = None
        if not r.expect(isinstance(arr, list) and arr, rel,
                        f"one {word} in JSON (exec) form: there is no shell"):
            continue
        if word == "ENTRYPOINT":
            r.expect(arr == ["/reaper"], rel, f"ENTRYPOINT {arr}: the manifests pass applets as args")
        else:
            r.expect(resolve_applet(applets, arr[0]) == "reaper-pause", rel,
                     f"CMD {arr}: expected the pause applet")
    ign = os.path.join(root, "deploy/Containerfile.dockerignore")
    with open(ign) as f:
        rules = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
    r.expect(f"!{binary}" in rules, ign, f"the ignore file must let {binary} into the context")
    r.ok(f"{rel}: FROM scratch, COPY {binary} /reaper, ENTRYPOINT [/reaper], CMD [pause]")


def check_helm(root, r):
    helm = shutil.which("helm")
    if not helm:
        # Not a skip: helm cannot be had from Debian (no package), so this is as far as it goes.
        print("helm  not run: Debian does not package helm, and nothing outside Debian's archive "
              "is installed; the chart was rendered by helm_lite and checked above")
        return
    chart = os.path.join(root, CHART)
    p = subprocess.run([helm, "lint", "--strict", chart], capture_output=True, text=True)
    r.expect(p.returncode == 0, CHART, f"helm lint --strict: {p.stdout}{p.stderr}")
    for name, sets, _ in VARIANTS:
        cmd = [helm, "template", RELEASE, chart, "--namespace", NAMESPACE]
        for s in sets:
            cmd += ["--set", s]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if not r.expect(p.returncode == 0, CHART, f"helm template ({name}): {p.stderr}"):
            continue
        theirs = load_docs(p.stdout, f"helm template ({name})", r) or []
        ours = []
        for t, text in render(root, sets).items():
            if t.endswith(".yaml"):
                ours += load_docs(text, t, r) or []
        key = lambda o: json.dumps(o, sort_keys=True)  # noqa: E731
        r.expect(sorted(map(key, theirs)) == sorted(map(key, ours)), CHART,
                 f"helm template ({name}) and helm_lite disagree")
    r.ok("helm lint --strict passes; helm template agrees with helm_lite")


def cmd_check(root):
    r = Report()
    applets = reaper_applets(root)
    check_helm_lite(r)
    docs = check_yaml_files(root, r)
    check_chart(root, r, applets)
    check_plain(root, r, applets, docs)
    check_kustomize(root, r, docs)
    check_examples(root, r, docs)
    check_containerfile(root, r, applets)
    check_helm(root, r)
    print(f"check_manifests: {r.checks} checks, {len(r.failures)} failed")
    return 1 if r.failures else 0


def cmd_write(root):
    for rel, sets in PLAIN.items():
        with open(os.path.join(root, rel), "w") as f:
            f.write(plain_text(render(root, sets), sets))
        print(f"wrote {rel}")
    return 0


# ---- simulate: the DaemonSet's commands on a temporary host root --------------------------

def _daemonset(root, rel):
    with open(os.path.join(root, rel)) as f:
        objs = [o for o in yaml.safe_load_all(f) if o]
    return next(o for o in objs if o.get("kind") == "DaemonSet"), objs


def _map_host(value, host, mounts=None):
    """/host inside the pod is the node's /: here a temporary directory; so are MOUNTS, the
    pod's other mount paths -> local directories."""
    for path, local in (mounts or {}).items():
        value = re.sub(r"(^|=|:)" + re.escape(path) + r"(?=/|$|:)", lambda m: m.group(1) + local, value)
    return re.sub(r"(^|=|:)/host(?=/|$|:)", lambda m: m.group(1) + host, value)


def _configmap_mounts(c, spec, objs, tmp):
    """Write each ConfigMap volume c mounts into a directory under tmp: mountPath -> directory."""
    cms = {o["metadata"]["name"]: o for o in objs if o.get("kind") == "ConfigMap"}
    vols = {v["name"]: v for v in spec.get("volumes") or []}
    mounts = {}
    for m in c.get("volumeMounts") or []:
        src = (vols.get(m["name"]) or {}).get("configMap")
        if not src:
            continue
        local = os.path.join(tmp, "configmap-" + m["name"])
        os.makedirs(local, exist_ok=True)
        for key, text in (cms[src["name"]].get("data") or {}).items():
            with open(os.path.join(local, key), "w") as f:
                f.write(text)
        mounts[m["mountPath"]] = local
    return mounts


def _reaper_argv(reaper, c, host, mounts=None):
    args = [_map_host(a, host, mounts) for a in c["args"]]
    # Never restart a real containerd from a test: the restart itself needs a node.
    args = ["--restart=none" if a == "--restart=systemd" else a for a in args]
    env = {"PATH": "/usr/bin:/bin"}
    for e in c.get("env") or []:
        env[e["name"]] = _map_host(e["value"], host)
    return [reaper] + args, env


def _run(argv, env, what, want_rc=0):
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    out = (p.stdout + p.stderr).strip()
    print(f"$ {' '.join(argv)}\n" + "\n".join("    " + ln for ln in out.splitlines()))
    if p.returncode != want_rc:
        raise SystemExit(f"FAIL  {what}: exit {p.returncode}, expected {want_rc}")
    return out


def _kubectl_label(c, node_file, what):
    args = c["args"]
    argv = ["kubectl", "label", "--local", "-f", node_file, "-o", "json"] + args[3:]
    out = _run(argv, dict(os.environ), what)
    with open(node_file, "w") as f:
        f.write(out[out.index("{"):])
    with open(node_file) as f:
        return json.load(f)["metadata"].get("labels") or {}


def _files(host, own=()):
    """What is under host, but for the paths in own (those the test put there)."""
    return sorted(p for d, dirs, files in os.walk(host) for f in files + dirs
                  if (p := os.path.relpath(os.path.join(d, f), host)) not in own)


def _copy_libs(program, host):
    """The shared libraries program loads, copied into host at their own paths, so that it also
    runs chrooted there (the doctor runs the node's shim so); none for the static release binary.
    Returns what host then holds."""
    ldd = subprocess.run(["ldd", program], capture_output=True, text=True)
    for lib in re.findall(r"(/\S+)", ldd.stdout) if ldd.returncode == 0 else []:
        os.makedirs(os.path.dirname(host + lib), exist_ok=True)
        shutil.copy(lib, host + lib)
    return set(_files(host))


def _pause(reaper, c, host):
    argv, env = _reaper_argv(reaper, c, host)
    sc = c.get("securityContext") or {}
    uid = sc.get("runAsUser") if os.geteuid() == 0 else None
    p = subprocess.Popen(argv, env=env, user=uid)
    try:
        # Ready once it waits in sigwait (during which the kernel shows the waited signals
        # unblocked, so SigBlk cannot tell). Where wchan is hidden ("0"), once it sleeps.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and p.poll() is None:
            with open(f"/proc/{p.pid}/wchan") as f:
                wchan = f.read()
            with open(f"/proc/{p.pid}/stat") as f:
                comm_state = f.read().split(") ", 1)
            if "sigtimedwait" in wchan or (wchan == "0" and comm_state[0].endswith("(reaper")
                                           and comm_state[1].startswith("S")):
                break
            time.sleep(0.02)
        else:
            raise SystemExit(f"FAIL  pause: not waiting for a signal (exit {p.poll()})")
        if p.poll() is not None:
            raise SystemExit(f"FAIL  pause: exited early with {p.returncode}")
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    print(f"$ {' '.join(argv)}  (uid {uid if uid is not None else os.geteuid()}; SIGTERM) -> exit {rc}")
    if rc != 0:
        raise SystemExit(f"FAIL  pause: exit {rc} on SIGTERM, expected 0")


def cmd_simulate(root, reaper):
    reaper = os.path.abspath(reaper)
    have_kubectl = shutil.which("kubectl") is not None
    with tempfile.TemporaryDirectory(prefix="reaper-deploy.") as tmp:
        host = os.path.join(tmp, "host")
        os.mkdir(host)
        own = _copy_libs(reaper, host)
        node_file = os.path.join(tmp, "node.json")
        with open(node_file, "w") as f:
            json.dump({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}}, f)
        ds, objs = _daemonset(root, "deploy/manifests/reaper.yaml")
        rc = next(o for o in objs if o.get("kind") == "RuntimeClass")
        spec = pod_spec_of(ds)
        for attempt in ("first start", "restarted pod"):
            print(f"-- install DaemonSet, {attempt}")
            for c in spec["initContainers"]:
                what = f"init container {c['name']} ({attempt})"
                if c["args"][0] == "label":
                    if not have_kubectl:
                        skip(f"{what}: no kubectl")
                        continue
                    labels = _kubectl_label(c, node_file, what)
                    sel = rc["scheduling"]["nodeSelector"]
                    if any(labels.get(k) != v for k, v in sel.items()):
                        raise SystemExit(f"FAIL  {what}: node labels {labels} do not satisfy the "
                                         f"RuntimeClass's nodeSelector {sel}")
                    continue
                argv, env = _reaper_argv(reaper, c, host)
                out = _run(argv, env, what)
                if c["args"][0] == "install" and attempt == "restarted pod" and \
                        "nothing to do" not in out:
                    raise SystemExit(f"FAIL  {what}: a second install changed something")
            shim = os.path.join(host, "usr/local/bin/containerd-shim-reaper-v2")
            if not os.path.islink(shim):
                raise SystemExit(f"FAIL  install left no {shim}")
        _pause(reaper, spec["containers"][0], host)

        print("-- uninstall DaemonSet")
        ds, _ = _daemonset(root, "deploy/manifests/uninstall.yaml")
        spec = pod_spec_of(ds)
        for c in spec["initContainers"]:
            what = f"init container {c['name']}"
            if c["args"][0] == "label":
                if have_kubectl:
                    labels = _kubectl_label(c, node_file, what)
                    if any(k in labels for k in rc["scheduling"]["nodeSelector"]):
                        raise SystemExit(f"FAIL  {what}: the label is still there: {labels}")
                else:
                    skip(f"{what}: no kubectl")
                continue
            argv, env = _reaper_argv(reaper, c, host)
            _run(argv, env, what)
        _pause(reaper, spec["containers"][0], host)
        left = _files(host, own)
        if left:
            raise SystemExit(f"FAIL  uninstall left {left} on the host root")

        name, sets, _ = next(v for v in VARIANTS if v[0] == "node settings")
        print(f"-- install DaemonSet of the chart with {name} ({' '.join(sets)})")
        objs = []
        for t, text in render(root, sets).items():
            if t.endswith(".yaml"):
                objs += [o for o in yaml.safe_load_all(text) if o]
        ds = next(o for o in objs if o.get("kind") == "DaemonSet")
        spec = pod_spec_of(ds)
        for c in spec["initContainers"]:
            if c["args"][0] == "label":
                continue
            argv, env = _reaper_argv(reaper, c, host, _configmap_mounts(c, spec, objs, tmp))
            out = _run(argv, env, f"init container {c['name']} ({name})")
            if c["args"][0] == "doctor" and \
                    f"REAPER_FILTER_MODE=replace  ({host}/etc/reaper/reaper.conf:" not in out:
                raise SystemExit("FAIL  the doctor does not show the chart's REAPER_FILTER_MODE "
                                 "from the node's reaper.conf")
        cm = next(o for o in objs if o.get("kind") == "ConfigMap")
        with open(os.path.join(host, "etc/reaper/reaper.conf")) as f:
            if f.read() != cm["data"]["reaper.conf"]:
                raise SystemExit("FAIL  the node's reaper.conf is not the chart's ConfigMap")
        ds, _ = _daemonset(root, "deploy/manifests/uninstall.yaml")
        for c in pod_spec_of(ds)["initContainers"]:
            if c["args"][0] != "label":
                argv, env = _reaper_argv(reaper, c, host)
                _run(argv, env, f"init container {c['name']}")
        left = _files(host, own)
        if left:
            raise SystemExit(f"FAIL  uninstall left {left} on the host root")
    print("simulate: install (twice), doctor, label, pause, unlabel, uninstall, and install with "
          "node settings: the host root is empty again")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")))
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("check")
    sub.add_parser("write")
    sim = sub.add_parser("simulate")
    sim.add_argument("reaper")
    a = ap.parse_args()
    if a.cmd == "check":
        return cmd_check(a.root)
    if a.cmd == "write":
        return cmd_write(a.root)
    return cmd_simulate(a.root, a.reaper)


if __name__ == "__main__":
    sys.exit(main())
