#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A small kubelet-like CRI client for Reaper's end-to-end tests.

It talks CRI v1 (runtime.v1) over containerd's gRPC socket, the way the kubelet does: pods with
host networking, containers with command, args, env, mounts, user and log path, exec_sync,
status, lists. The proto subset (runtime_v1.proto, next to this file) is compiled at run time with
grpc_tools.protoc into $CRI_GEN_DIR (or a temp dir), never committed.

Run it with Debian's /usr/bin/python3 (python3-grpcio, python3-grpc-tools). As a library:

    import cri
    c = cri.Client("unix:///run/containerd/containerd.sock")
    pod = c.run_pod(name="p", handler="reaper-v2", log_dir="/tmp/logs")
    cid = c.create_container(pod, name="c", command=["/bin/echo", "hi"])

As a command, `cri.py --help` lists the subcommands; ids go to stdout, JSON for inspect/status.
"""

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = "runtime_v1.proto"
DEFAULT_IMAGE = os.environ.get("E2E_IMAGE", "localhost/reaper-e2e/busybox:latest")

pb = None
rpc = None


def _compile(gen_dir):
    """Compile the proto into gen_dir atomically (concurrent clients may race to do it)."""
    os.makedirs(gen_dir, exist_ok=True)
    stamp = os.path.join(gen_dir, "runtime_v1_pb2_grpc.py")
    proto = os.path.join(HERE, PROTO)
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(proto):
        return
    work = tempfile.mkdtemp(prefix=".gen.", dir=gen_dir)
    try:
        cmd = [sys.executable, "-m", "grpc_tools.protoc", "-I" + HERE, "--python_out=" + work,
               "--grpc_python_out=" + work, proto]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("protoc failed on %s: %s" % (proto, out.stderr.strip()))
        for name in ("runtime_v1_pb2.py", "runtime_v1_pb2_grpc.py"):
            os.replace(os.path.join(work, name), os.path.join(gen_dir, name))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load_stubs(gen_dir=None):
    """Import the generated modules, compiling them first if needed."""
    global pb, rpc
    if pb is not None:
        return
    gen_dir = gen_dir or os.environ.get("CRI_GEN_DIR")
    temp = None
    if not gen_dir:
        temp = gen_dir = tempfile.mkdtemp(prefix="cri-gen.")
    try:
        _compile(gen_dir)
        sys.path.insert(0, gen_dir)
        pb = importlib.import_module("runtime_v1_pb2")
        rpc = importlib.import_module("runtime_v1_pb2_grpc")
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


# What the kubelet sends for every non-privileged container (its defaults in
# pkg/securitycontext): CRI passes them on as linux.maskedPaths and readonlyPaths.
KUBELET_MASKED_PATHS = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                        "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
                        "/sys/devices/virtual/powercap"]
KUBELET_READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
# Where the kubelet mounts a pod's service-account token.
SERVICE_ACCOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
PROPAGATIONS = {"private": 0, "rslave": 1, "rshared": 2}


def to_dict(msg):
    from google.protobuf import json_format
    return json_format.MessageToDict(msg, preserving_proto_field_name=True,
                                     including_default_value_fields=True)


def _decode_info(info):
    """Verbose info values are JSON documents; decode those that parse."""
    out = {}
    for key, value in info.items():
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


class CriError(Exception):
    pass


class Client:
    def __init__(self, endpoint, timeout=60, state_dir=None):
        import grpc
        load_stubs()
        if endpoint.startswith("/"):
            endpoint = "unix://" + endpoint
        self.endpoint = endpoint
        self.timeout = timeout
        self.state_dir = state_dir
        self.channel = grpc.insecure_channel(endpoint)
        self.runtime = rpc.RuntimeServiceStub(self.channel)
        self.images = rpc.ImageServiceStub(self.channel)

    def _call(self, stub, method, request, timeout=None):
        import grpc
        try:
            return getattr(stub, method)(request, timeout=timeout or self.timeout)
        except grpc.RpcError as e:
            raise CriError("%s: %s: %s" % (method, e.code().name, e.details())) from None

    # ---- runtime

    def version(self):
        return self._call(self.runtime, "Version", pb.VersionRequest(version="v1"))

    def status(self, verbose=False):
        return self._call(self.runtime, "Status", pb.StatusRequest(verbose=verbose))

    def handlers(self):
        """{handler name: runtime_type} from the CRI plugin's config (verbose status info)."""
        info = _decode_info(self.status(verbose=True).info)
        runtimes = info.get("config", {}).get("containerd", {}).get("runtimes", {})
        return {name: r.get("runtimeType", "") for name, r in runtimes.items()}

    # ---- pods

    def pod_config(self, name, namespace="default", uid=None, attempt=0, log_dir=None,
                   annotations=None, labels=None, host_network=True, host_pid=False,
                   host_ipc=False, hostname=None, privileged=False, dns_servers=()):
        uid = uid or uuid.uuid4().hex
        if log_dir is None:
            base = self.state_dir or tempfile.gettempdir()
            log_dir = os.path.join(base, "pods", "%s_%s_%s" % (namespace, name, uid))
        node, pod = pb.NODE, pb.POD
        ns = pb.NamespaceOption(network=node if host_network else pod,
                                pid=node if host_pid else pod, ipc=node if host_ipc else pod)
        return pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=uid, namespace=namespace,
                                           attempt=attempt),
            hostname=hostname if hostname is not None else ("" if host_network else name),
            log_directory=log_dir,
            dns_config=pb.DNSConfig(servers=list(dns_servers)) if dns_servers else None,
            labels=labels or {},
            annotations=annotations or {},
            linux=pb.LinuxPodSandboxConfig(
                security_context=pb.LinuxSandboxSecurityContext(namespace_options=ns,
                                                                privileged=privileged)))

    def run_pod(self, handler="", config=None, **kwargs):
        config = config or self.pod_config(**kwargs)
        if config.log_directory:
            # The kubelet creates the pod's log directory; CRI only writes files in it.
            os.makedirs(config.log_directory, exist_ok=True)
        resp = self._call(self.runtime, "RunPodSandbox",
                          pb.RunPodSandboxRequest(config=config, runtime_handler=handler))
        self._save_pod_config(resp.pod_sandbox_id, config)
        return resp.pod_sandbox_id

    def stop_pod(self, pod_id):
        self._call(self.runtime, "StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=pod_id))

    def remove_pod(self, pod_id):
        self._call(self.runtime, "RemovePodSandbox",
                   pb.RemovePodSandboxRequest(pod_sandbox_id=pod_id))
        if self.state_dir:
            try:
                os.unlink(self._pod_config_path(pod_id))
            except FileNotFoundError:
                pass

    def pod_status(self, pod_id, verbose=False):
        return self._call(self.runtime, "PodSandboxStatus",
                          pb.PodSandboxStatusRequest(pod_sandbox_id=pod_id, verbose=verbose))

    def list_pods(self, state=None):
        f = pb.PodSandboxFilter()
        if state is not None:
            f.state.state = state
        return self._call(self.runtime, "ListPodSandbox", pb.ListPodSandboxRequest(filter=f)).items

    def _pod_config_path(self, pod_id):
        return os.path.join(self.state_dir, "pod-%s.pb" % pod_id)

    def _save_pod_config(self, pod_id, config):
        if not self.state_dir:
            return
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self._pod_config_path(pod_id), "wb") as f:
            f.write(config.SerializeToString())

    def load_pod_config(self, pod_id):
        """The config the pod was created with: the kubelet passes it again with every container.
        Saved by run_pod; otherwise recovered from containerd's verbose sandbox info."""
        if self.state_dir:
            try:
                with open(self._pod_config_path(pod_id), "rb") as f:
                    return pb.PodSandboxConfig.FromString(f.read())
            except FileNotFoundError:
                pass
        from google.protobuf import json_format
        info = _decode_info(self.pod_status(pod_id, verbose=True).info).get("info", {})
        config = pb.PodSandboxConfig()
        json_format.ParseDict(info.get("config", {}), config, ignore_unknown_fields=True)
        return config

    # ---- containers

    def create_container(self, pod_id, name, command=(), args=(), image=None, env=None,
                         working_dir="", mounts=(), user=None, group=None, log_path=None,
                         attempt=0, annotations=None, labels=None, tty=False, stdin=False,
                         privileged=False, pod_config=None, readonly_rootfs=False,
                         service_account=None):
        """env: dict or list of (k, v); mounts: (host, container, readonly[, propagation])
        tuples, propagation one of PROPAGATIONS' names; service_account: a host directory
        mounted read-only where the kubelet mounts the token. Masked and read-only paths are
        the kubelet's for a container that is not privileged."""
        pod_config = pod_config or self.load_pod_config(pod_id)
        if log_path is None:
            log_path = "%s/%d.log" % (name, attempt)
        if pod_config.log_directory and log_path:
            os.makedirs(os.path.dirname(os.path.join(pod_config.log_directory, log_path)),
                        exist_ok=True)
        pod_ns = pod_config.linux.security_context.namespace_options
        # As the kubelet does: the pod's network and IPC, a pid namespace of the container's own
        # unless the pod shares the host's.
        ns = pb.NamespaceOption(network=pod_ns.network, ipc=pod_ns.ipc,
                                pid=pb.NODE if pod_ns.pid == pb.NODE else pb.CONTAINER)
        sc = pb.LinuxContainerSecurityContext(namespace_options=ns, privileged=privileged,
                                              readonly_rootfs=readonly_rootfs)
        if not privileged:
            sc.masked_paths.extend(KUBELET_MASKED_PATHS)
            sc.readonly_paths.extend(KUBELET_READONLY_PATHS)
        mounts = list(mounts)
        if service_account:
            mounts.append((service_account, SERVICE_ACCOUNT_PATH, True))
        if user is not None:
            sc.run_as_user.value = int(user)
        if group is not None:
            sc.run_as_group.value = int(group)
        items = env.items() if isinstance(env, dict) else (env or ())
        config = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name, attempt=attempt),
            image=pb.ImageSpec(image=image or DEFAULT_IMAGE),
            command=list(command), args=list(args), working_dir=working_dir,
            envs=[pb.KeyValue(key=k, value=v) for k, v in items],
            mounts=[pb.Mount(host_path=m[0], container_path=m[1], readonly=bool(m[2]),
                             propagation=PROPAGATIONS[m[3] if len(m) > 3 else "private"])
                    for m in mounts],
            labels=labels or {}, annotations=annotations or {}, log_path=log_path,
            tty=tty, stdin=stdin, linux=pb.LinuxContainerConfig(security_context=sc))
        resp = self._call(self.runtime, "CreateContainer",
                          pb.CreateContainerRequest(pod_sandbox_id=pod_id, config=config,
                                                    sandbox_config=pod_config))
        return resp.container_id

    def start_container(self, cid):
        self._call(self.runtime, "StartContainer", pb.StartContainerRequest(container_id=cid))

    def stop_container(self, cid, timeout=0):
        self._call(self.runtime, "StopContainer",
                   pb.StopContainerRequest(container_id=cid, timeout=timeout),
                   timeout=self.timeout + timeout)

    def remove_container(self, cid):
        self._call(self.runtime, "RemoveContainer", pb.RemoveContainerRequest(container_id=cid))

    def container_status(self, cid, verbose=False):
        return self._call(self.runtime, "ContainerStatus",
                          pb.ContainerStatusRequest(container_id=cid, verbose=verbose))

    def list_containers(self, pod_id="", state=None):
        f = pb.ContainerFilter(pod_sandbox_id=pod_id)
        if state is not None:
            f.state.state = state
        return self._call(self.runtime, "ListContainers",
                          pb.ListContainersRequest(filter=f)).containers

    def exec_sync(self, cid, cmd, timeout=0):
        """Returns (stdout bytes, stderr bytes, exit code)."""
        resp = self._call(self.runtime, "ExecSync",
                          pb.ExecSyncRequest(container_id=cid, cmd=list(cmd), timeout=timeout),
                          timeout=(timeout or self.timeout) + 10)
        return resp.stdout, resp.stderr, resp.exit_code

    def wait_container(self, cid, states=("CONTAINER_EXITED",), timeout=30):
        """Poll until the container is in one of states (names); returns the status."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.container_status(cid).status
            if pb.ContainerState.Name(st.state) in states:
                return st
            if time.monotonic() >= deadline:
                raise CriError("container %s still %s after %ss (waiting for %s)" %
                               (cid, pb.ContainerState.Name(st.state), timeout, "|".join(states)))
            time.sleep(0.05)

    # ---- images

    def list_images(self):
        return self._call(self.images, "ListImages", pb.ListImagesRequest()).images

    def image_status(self, image):
        return self._call(self.images, "ImageStatus",
                          pb.ImageStatusRequest(image=pb.ImageSpec(image=image)))


# ---------------------------------------------------------------------------------------------
# Command line


def _pairs(values, what):
    out = {}
    for v in values or ():
        if "=" not in v:
            raise CriError("%s must be KEY=VALUE: %r" % (what, v))
        k, _, val = v.partition("=")
        out[k] = val
    return out


def _mount(spec):
    parts = spec.split(":")
    if (len(parts) not in (2, 3, 4) or (len(parts) > 2 and parts[2] not in ("ro", "rw"))
            or (len(parts) == 4 and parts[3] not in PROPAGATIONS)):
        raise CriError("--mount must be HOST:CONTAINER[:ro|rw[:private|rslave|rshared]]: %r" % spec)
    return (parts[0], parts[1], len(parts) > 2 and parts[2] == "ro",
            parts[3] if len(parts) == 4 else "private")


def _field(doc, path):
    for part in path.split("."):
        if isinstance(doc, list):
            doc = doc[int(part)]
        elif isinstance(doc, dict) and part in doc:
            doc = doc[part]
        else:
            raise CriError("no field %r in the answer" % path)
    return doc


def _emit(doc, field=None):
    if field:
        doc = _field(doc, field)
    if isinstance(doc, (dict, list)):
        print(json.dumps(doc, indent=2, sort_keys=True))
    elif isinstance(doc, bool):
        print("true" if doc else "false")
    else:
        print(doc)


def _status_doc(resp):
    doc = to_dict(resp)
    doc["info"] = _decode_info(resp.info)
    return doc


def build_parser():
    p = argparse.ArgumentParser(prog="cri.py", description="kubelet-like CRI v1 client for tests")
    p.add_argument("-e", "--endpoint", default=os.environ.get("CRI_ENDPOINT"),
                   help="CRI socket (unix:///path or /path); default $CRI_ENDPOINT")
    p.add_argument("--timeout", type=float, default=60, help="per-call deadline in seconds")
    p.add_argument("--state-dir", default=os.environ.get("CRI_STATE_DIR"),
                   help="where pod configs are kept between invocations; default $CRI_STATE_DIR")
    sub = p.add_subparsers(dest="cmd", required=True)

    sub.add_parser("version", help="runtime name and versions (JSON)")
    s = sub.add_parser("status", help="runtime conditions; --verbose adds the plugin config")
    s.add_argument("-v", "--verbose", action="store_true")
    s.add_argument("-f", "--field", help="print one dotted field, e.g. info.config.containerd")
    sub.add_parser("handlers", help="configured runtime handlers: NAME RUNTIME_TYPE per line")

    s = sub.add_parser("runp", help="run a pod sandbox (host network by default); prints its id")
    s.add_argument("--name", default="pod")
    s.add_argument("--namespace", default="default")
    s.add_argument("--uid")
    s.add_argument("--attempt", type=int, default=0)
    s.add_argument("--handler", default=os.environ.get("CRI_RUNTIME_HANDLER", ""),
                   help="runtime handler; default $CRI_RUNTIME_HANDLER or the default runtime")
    s.add_argument("--log-dir", help="pod log directory (created); default under --state-dir")
    s.add_argument("--annotation", action="append", metavar="K=V")
    s.add_argument("--label", action="append", metavar="K=V")
    s.add_argument("--pod-network", action="store_true", help="not host network (needs CNI)")
    s.add_argument("--host-pid", action="store_true")
    s.add_argument("--host-ipc", action="store_true")
    s.add_argument("--hostname")
    s.add_argument("--privileged", action="store_true",
                   help="a privileged pod (its containers may be privileged)")
    s.add_argument("--dns-server", action="append", default=[],
                   help="a nameserver of the pod's resolv.conf, as kubelet's dnsPolicy makes it")

    for name, hlp in (("stopp", "stop a pod"), ("rmp", "remove a pod")):
        sub.add_parser(name, help=hlp).add_argument("pod")
    s = sub.add_parser("inspectp", help="pod status (JSON)")
    s.add_argument("pod")
    s.add_argument("-v", "--verbose", action="store_true")
    s.add_argument("-f", "--field")
    s = sub.add_parser("pods", help="list pods: ID STATE NAME HANDLER")
    s.add_argument("--state", choices=["SANDBOX_READY", "SANDBOX_NOTREADY"])
    s.add_argument("-q", "--quiet", action="store_true", help="ids only")

    for name, hlp in (("create", "create a container; prints its id"),
                      ("run", "create and start a container; prints its id")):
        s = sub.add_parser(name, help=hlp)
        s.add_argument("pod")
        s.add_argument("--name", required=True)
        s.add_argument("--image", default=DEFAULT_IMAGE)
        s.add_argument("--attempt", type=int, default=0)
        s.add_argument("--arg", action="append", default=[], help="append to args (repeatable)")
        s.add_argument("--env", action="append", metavar="K=V")
        s.add_argument("--workdir", default="")
        s.add_argument("--mount", action="append", default=[],
                       metavar="HOST:CTR[:ro|rw[:private|rslave|rshared]]")
        s.add_argument("--user", type=int)
        s.add_argument("--group", type=int)
        s.add_argument("--log-path", help="relative to the pod's log dir; default NAME/ATTEMPT.log")
        s.add_argument("--annotation", action="append", metavar="K=V")
        s.add_argument("--label", action="append", metavar="K=V")
        s.add_argument("--tty", action="store_true")
        s.add_argument("--stdin", action="store_true")
        s.add_argument("--privileged", action="store_true")
        s.add_argument("--readonly-rootfs", action="store_true")
        s.add_argument("--service-account", metavar="DIR",
                       help="a host directory mounted read-only at " + SERVICE_ACCOUNT_PATH)
        s.epilog = "The command (CRI command field) follows --: ... -- /bin/echo hi"

    for name, hlp in (("start", "start a container"), ("rm", "remove a container")):
        sub.add_parser(name, help=hlp).add_argument("container")
    s = sub.add_parser("stop", help="stop a container (SIGTERM, SIGKILL after --grace)")
    s.add_argument("container")
    s.add_argument("--grace", type=int, default=0, help="seconds before SIGKILL")
    s = sub.add_parser("inspect", help="container status (JSON)")
    s.add_argument("container")
    s.add_argument("-v", "--verbose", action="store_true")
    s.add_argument("-f", "--field", help="e.g. status.state, status.exit_code, info.info.pid")
    s = sub.add_parser("ps", help="list containers: ID STATE NAME POD")
    s.add_argument("--pod", default="")
    s.add_argument("--state", choices=["CONTAINER_CREATED", "CONTAINER_RUNNING",
                                       "CONTAINER_EXITED", "CONTAINER_UNKNOWN"])
    s.add_argument("-q", "--quiet", action="store_true")
    s = sub.add_parser("wait", help="poll until the container reaches a state; prints it")
    s.add_argument("container")
    s.add_argument("--state", action="append", help="default CONTAINER_EXITED (repeatable)")
    s.add_argument("--for", dest="wait_timeout", type=float, default=30, help="seconds")
    s = sub.add_parser("exec", help="exec_sync: output to stdout/stderr, exits with its code")
    s.add_argument("container")
    s.add_argument("--exec-timeout", type=int, default=0, help="CRI timeout seconds (0: none)")
    s.epilog = "The command follows --: exec ID -- /bin/echo hi"

    s = sub.add_parser("images", help="list images")
    s.add_argument("-q", "--quiet", action="store_true")
    s = sub.add_parser("imagestatus", help="image status (JSON); exits 1 when absent")
    s.add_argument("image")
    return p


def run_cli(argv):
    # Everything after the first -- is the command, verbatim (argparse would mix it with
    # the positionals before it).
    command = []
    if "--" in argv:
        cut = argv.index("--")
        argv, command = argv[:cut], argv[cut + 1:]
    a = build_parser().parse_args(argv)
    if command and a.cmd not in ("create", "run", "exec"):
        raise CriError("%s takes no command after --" % a.cmd)
    if a.cmd == "exec" and not command:
        raise CriError("exec needs a command after --")
    a.command = command
    if not a.endpoint:
        raise CriError("no endpoint: pass --endpoint or set CRI_ENDPOINT")
    c = Client(a.endpoint, timeout=a.timeout, state_dir=a.state_dir)
    cmd = a.cmd
    if cmd == "version":
        _emit(to_dict(c.version()))
    elif cmd == "status":
        _emit(_status_doc(c.status(a.verbose)), a.field)
    elif cmd == "handlers":
        for name, rtype in sorted(c.handlers().items()):
            print(name, rtype)
    elif cmd == "runp":
        print(c.run_pod(handler=a.handler, name=a.name, namespace=a.namespace, uid=a.uid,
                        attempt=a.attempt, log_dir=a.log_dir,
                        annotations=_pairs(a.annotation, "--annotation"),
                        labels=_pairs(a.label, "--label"), host_network=not a.pod_network,
                        host_pid=a.host_pid, host_ipc=a.host_ipc, hostname=a.hostname,
                        privileged=a.privileged, dns_servers=a.dns_server))
    elif cmd == "stopp":
        c.stop_pod(a.pod)
    elif cmd == "rmp":
        c.remove_pod(a.pod)
    elif cmd == "inspectp":
        _emit(_status_doc(c.pod_status(a.pod, a.verbose)), a.field)
    elif cmd == "pods":
        state = pb.PodSandboxState.Value(a.state) if a.state else None
        for p in c.list_pods(state):
            print(p.id if a.quiet else "%s %s %s %s" % (
                p.id, pb.PodSandboxState.Name(p.state), p.metadata.name, p.runtime_handler or "-"))
    elif cmd in ("create", "run"):
        cid = c.create_container(
            a.pod, a.name, command=a.command, args=a.arg, image=a.image,
            env=list(_pairs(a.env, "--env").items()), working_dir=a.workdir,
            mounts=[_mount(m) for m in a.mount], user=a.user, group=a.group,
            log_path=a.log_path, attempt=a.attempt,
            annotations=_pairs(a.annotation, "--annotation"), labels=_pairs(a.label, "--label"),
            tty=a.tty, stdin=a.stdin, privileged=a.privileged,
            readonly_rootfs=a.readonly_rootfs, service_account=a.service_account)
        if cmd == "run":
            c.start_container(cid)
        print(cid)
    elif cmd == "start":
        c.start_container(a.container)
    elif cmd == "stop":
        c.stop_container(a.container, a.grace)
    elif cmd == "rm":
        c.remove_container(a.container)
    elif cmd == "inspect":
        _emit(_status_doc(c.container_status(a.container, a.verbose)), a.field)
    elif cmd == "ps":
        state = pb.ContainerState.Value(a.state) if a.state else None
        for k in c.list_containers(a.pod, state):
            print(k.id if a.quiet else "%s %s %s %s" % (
                k.id, pb.ContainerState.Name(k.state), k.metadata.name, k.pod_sandbox_id))
    elif cmd == "wait":
        st = c.wait_container(a.container, tuple(a.state or ["CONTAINER_EXITED"]),
                              a.wait_timeout)
        print(pb.ContainerState.Name(st.state))
    elif cmd == "exec":
        out, err, code = c.exec_sync(a.container, a.command, a.exec_timeout)
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
        sys.stderr.buffer.write(err)
        sys.stderr.flush()
        return code
    elif cmd == "images":
        for i in c.list_images():
            print(i.id if a.quiet else "%s %s" % (i.id, " ".join(i.repo_tags)))
    elif cmd == "imagestatus":
        resp = c.image_status(a.image)
        if not resp.image.id:
            raise CriError("image %s not found" % a.image)
        _emit(to_dict(resp))
    return 0


def main():
    try:
        return run_cli(sys.argv[1:])
    except CriError as e:
        print("cri: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
