#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A hostile containerd: every Task method, v2 and v3, called with missing and malformed fields,
unknown and invalid ids and in the wrong states, each answer checked against the exact status
code docs/ttrpc.md lists; then the same shim must serve a well-formed lifecycle correctly, and
publish each event once.

  shim_hostile.py REAPER_BIN BUNDLE_DIR WORK_DIR

The shim is started as containerd starts it (`start` in the bundle, TTRPC_ADDRESS pointing at a
fake containerd that records the events it forwards); REAPER_ROOT and the rest come from the
environment (test_shim_hostile.sh). The bundles under BUNDLE_DIR: `sleep` (sleep 1000), `echo`
(echo hostile-ok), `tty` (a terminal, sleep 1000), `missing` (an executable that does not exist),
`badjson` (config.json that does not parse). Prints one line per check; exits 1 on the first
failure. No protobuf library: the few messages are encoded and decoded by hand, which is also
what lets it send malformed ones.
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS = 0, 1, 2, 3, 4, 5, 6
RESOURCE_EXHAUSTED, FAILED_PRECONDITION, UNIMPLEMENTED = 8, 9, 12
NAMES = {0: "OK", 1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED",
         5: "NOT_FOUND", 6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED",
         9: "FAILED_PRECONDITION", 10: "ABORTED", 12: "UNIMPLEMENTED", 13: "INTERNAL",
         14: "UNAVAILABLE"}
STATUS = {0: "UNKNOWN", 1: "CREATED", 2: "RUNNING", 3: "STOPPED"}
SPEC_URL = "types.containerd.io/opencontainers/runtime-spec/1/Process"


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


# ---- protobuf, by hand ----
def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb(*fields):
    """pb((num, value), ...): str/bytes length-delimited, bool/int varint, None left out."""
    out = b""
    for num, v in fields:
        if v is None:
            continue
        if isinstance(v, bool) or isinstance(v, int):
            out += varint(num << 3) + varint(int(v))
        else:
            b = v.encode() if isinstance(v, str) else v
            out += varint(num << 3 | 2) + varint(len(b)) + b
    return out


def read_varint(buf, i):
    n = shift = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def decode(buf):
    """{field number: [values]}: varints as ints, length-delimited as bytes."""
    out, i = {}, 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            n, i = read_varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wt}")
        out.setdefault(num, []).append(v)
    return out


def first(msg, num, default=None):
    return msg.get(num, [default])[0]


# ---- ttrpc ----
def frame(stream, typ, data):
    return struct.pack(">IIBB", len(data), stream, typ, 0) + data


def read_frame(sock):
    head = recv_exact(sock, 10)
    if head is None:
        return None
    length, stream, typ, _ = struct.unpack(">IIBB", head)
    return stream, typ, recv_exact(sock, length)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


class Client:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        self.sock.connect(path)
        self.next_stream = 1
        self.stash = {}

    def send(self, service, method, payload, stream=None):
        if stream is None:
            stream = self.next_stream
            self.next_stream += 2
        self.sock.sendall(frame(stream, 1, pb((1, service), (2, method), (3, payload))))
        return stream

    def answer(self, stream):
        while stream not in self.stash:
            f = read_frame(self.sock)
            if f is None:
                fail(f"the shim closed the connection while stream {stream} waited")
            sid, typ, data = f
            if typ != 2:
                fail(f"frame type {typ} from the shim")
            resp = decode(data)
            status = decode(first(resp, 1, b""))
            code = first(status, 1, 0)
            message = first(status, 2, b"").decode(errors="replace")
            if code != 0 and first(resp, 2):
                fail(f"stream {sid}: a failure with a payload")
            self.stash[sid] = (code, message, decode(first(resp, 2, b"")))
        return self.stash.pop(stream)

    def call(self, service, method, payload):
        return self.answer(self.send(service, method, payload))

    def answered(self, stream, within):
        """Whether stream's answer arrives within `within` seconds (it is kept for answer())."""
        self.sock.settimeout(within)
        try:
            while stream not in self.stash:
                f = read_frame(self.sock)
                if f is None:
                    fail("the shim closed the connection")
                sid, _, data = f
                resp = decode(data)
                status = decode(first(resp, 1, b""))
                self.stash[sid] = (first(status, 1, 0), first(status, 2, b"").decode(errors="replace"),
                                   decode(first(resp, 2, b"")))
            return True
        except (TimeoutError, socket.timeout):
            return False
        finally:
            self.sock.settimeout(20)

    def close(self):
        self.sock.close()


class FakeContainerd:
    """The events service: records every Forward, answers Empty."""

    def __init__(self, path):
        self.events = []
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(16)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            conn, _ = self.listener.accept()
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        while True:
            f = read_frame(conn)
            if f is None:
                return
            sid, typ, data = f
            req = decode(data)
            if first(req, 2) == b"Forward":
                env = decode(first(decode(first(req, 3, b"")), 1, b""))
                topic = first(env, 3, b"").decode()
                any_ = decode(first(env, 4, b""))
                with self.lock:
                    self.events.append((topic, decode(first(any_, 2, b""))))
            conn.sendall(frame(sid, 2, b""))

    def topics(self, cid):
        with self.lock:
            return [t for t, ev in self.events if first(ev, 1, b"").decode() == cid]

    def exits(self):
        """{(container id, process id): number of /tasks/exit events}"""
        counts = {}
        with self.lock:
            for t, ev in self.events:
                if t == "/tasks/exit":
                    key = (first(ev, 1, b"").decode(), first(ev, 2, b"").decode())
                    counts[key] = counts.get(key, 0) + 1
        return counts


# ---- the checks ----
class Hostile:
    def __init__(self, client, service, prefix, bundles):
        self.c = client
        self.svc = service
        self.v = service.split(".")[2]
        self.prefix = prefix
        self.b = bundles
        self.checks = 0

    def id(self, name):
        return f"{self.prefix}-{name}"

    def expect(self, method, payload, want, what):
        code, message, reply = self.c.call(self.svc, method, payload)
        if code != want:
            fail(f"{self.v} {method} {what}: expected {NAMES[want]}, got {NAMES.get(code, code)}: {message}")
        if code != OK and not message:
            fail(f"{self.v} {method} {what}: {NAMES[code]} without a message")
        self.checks += 1
        print(f"ok  {self.v} {method:<10} {what}: {NAMES[code]}" + (f" ({message[:90]})" if message else ""),
              flush=True)
        return reply

    def create(self, name, bundle, want=OK, what=None, **kw):
        fields = [(1, self.id(name)), (2, self.b[bundle]), (4, kw.get("terminal")),
                  (5, kw.get("stdin")), (6, kw.get("stdout")), (7, kw.get("stderr")),
                  (8, kw.get("checkpoint")), (9, kw.get("parent_checkpoint")), (10, kw.get("options"))]
        return self.expect("Create", pb(*fields), want, what or f"{bundle} bundle")

    def ids(self, name, exec_id=None):
        return pb((1, self.id(name) if name is not None else None), (2, exec_id))

    def state(self, name, exec_id=None):
        r = self.expect("State", self.ids(name, exec_id), OK, f"of {name}{'/' + exec_id if exec_id else ''}")
        return STATUS.get(first(r, 4, 0)), first(r, 9, 0)

    def wait_status(self, name, want, exec_id=None):
        deadline = time.monotonic() + 10
        while True:
            code, _, r = self.c.call(self.svc, "State", self.ids(name, exec_id))
            if code == OK and STATUS.get(first(r, 4, 0)) == want:
                return r
            if time.monotonic() > deadline:
                fail(f"{name}: status {STATUS.get(first(r, 4, 0))}, expected {want}")
            time.sleep(0.02)

    def run(self, tmp):
        all_methods = ["State", "Create", "Start", "Delete", "Pids", "Pause", "Resume", "Checkpoint",
                       "Kill", "Exec", "ResizePty", "CloseIO", "Update", "Wait", "Stats", "Connect",
                       "Shutdown"]
        id_methods = ["State", "Start", "Delete", "Pids", "Kill", "ResizePty", "CloseIO", "Update",
                      "Wait", "Stats", "Exec"]
        unimplemented = ["Pause", "Resume", "Checkpoint"]

        # 1. Payloads that are not the request type: truncated, a bad varint, a wrong wire type.
        for method in all_methods:
            self.expect(method, b"\x0a\x05ab", INVALID_ARGUMENT, "truncated length-delimited field")
            self.expect(method, b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", INVALID_ARGUMENT,
                        "overlong varint")
            self.expect(method, b"\x08\x01", INVALID_ARGUMENT,
                        "field of the wrong wire type")
        self.expect("Frobnicate", b"", UNIMPLEMENTED, "an unknown method")

        # 2. Every field missing.
        for method in id_methods + ["Create"]:
            self.expect(method, b"", INVALID_ARGUMENT, "no id")
        for method in unimplemented:
            self.expect(method, b"", UNIMPLEMENTED, "no id")
        self.expect("Connect", b"", OK, "no id")

        # 3. Ids that are not ids, and well-formed ids of nothing.
        for bad in ["../etc", "a/b", ".", "x" * 300, "sp ace", "\xe9t\xe9"]:
            for method in id_methods:
                self.expect(method, pb((1, bad)), INVALID_ARGUMENT, f"id {bad[:12]!r}")
            self.expect("Create", pb((1, bad), (2, self.b["sleep"])), INVALID_ARGUMENT, f"id {bad[:12]!r}")
        for method in id_methods:
            self.expect(method, self.ids("nobody", "e" if method == "Exec" else None), NOT_FOUND, "unknown id")
        for method in unimplemented:
            self.expect(method, self.ids("nobody"), UNIMPLEMENTED, "unknown id")

        # 4. Create, wrongly.
        self.expect("Create", pb((1, self.id("nob"))), INVALID_ARGUMENT, "no bundle")
        self.expect("Create", pb((1, self.id("nob")), (2, tmp + "/no-such-bundle")), UNKNOWN,
                    "a bundle that does not exist")
        self.create("bad", "badjson", INVALID_ARGUMENT, "config.json that does not parse")
        self.create("missing", "missing", UNKNOWN, "an executable that does not exist")
        self.create("ckpt", "sleep", UNIMPLEMENTED, "a checkpoint to restore", checkpoint=tmp + "/ckpt")
        self.create("pckpt", "sleep", UNIMPLEMENTED, "a parent checkpoint", parent_checkpoint=tmp)
        self.create("host", "sleep", INVALID_ARGUMENT, "stdout file:// with a host", stdout="file://host/x")
        self.create("frag", "sleep", INVALID_ARGUMENT, "stderr binary:// with a fragment",
                    stderr="binary:///bin/true#x")
        self.create("rel", "sleep", INVALID_ARGUMENT, "a relative stdout path", stdout="relative/out")
        self.create("nofifo", "sleep", UNKNOWN, "a stdin FIFO that does not exist", stdin=tmp + "/no/fifo")
        self.create("ttyx", "sleep", INVALID_ARGUMENT, "a terminal the spec does not ask for", terminal=True,
                    stdout="file://" + tmp + "/ttyx.out")
        self.create("nottyx", "tty", INVALID_ARGUMENT, "no terminal for a spec that asks for one")
        for name in ["nob", "bad", "missing", "ckpt", "pckpt", "host", "frag", "rel", "nofifo", "ttyx", "nottyx"]:
            self.expect("State", self.ids(name), NOT_FOUND, f"after the failed Create of {name}")

        # 5. A live task in the wrong states.
        self.create("t", "sleep", OK, "sleep 1000", options=pb((1, "x.y/Unknown"), (2, b"\xff\xfe")))
        self.create("t", "sleep", ALREADY_EXISTS, "the same id again")
        self.expect("Delete", self.ids("t", "nobody"), NOT_FOUND, "an exec of nothing")
        self.expect("Exec", pb((1, self.id("t")), (2, "e0"), (7, pb((1, SPEC_URL), (2, '{"args":["true"],"cwd":"/"}')))),
                    FAILED_PRECONDITION, "into a created (not started) task")
        self.expect("Start", self.ids("t"), OK, "the created task")
        self.expect("Start", self.ids("t"), FAILED_PRECONDITION, "twice")
        self.expect("Delete", self.ids("t"), FAILED_PRECONDITION, "while running")
        self.expect("ResizePty", pb((1, self.id("t")), (3, 80), (4, 24)), FAILED_PRECONDITION,
                    "without a terminal")
        self.expect("CloseIO", pb((1, self.id("t")), (3, True)), OK, "stdin, once")
        self.expect("CloseIO", pb((1, self.id("t")), (3, True)), OK, "stdin, twice")
        self.expect("CloseIO", self.ids("t"), OK, "stdin false")
        self.expect("Kill", pb((1, self.id("t")), (3, 0)), OK, "signal 0")
        self.expect("Kill", pb((1, self.id("t")), (3, 65)), INVALID_ARGUMENT, "signal 65")
        self.expect("Kill", pb((1, self.id("t")), (3, (1 << 32) - 1)), INVALID_ARGUMENT, "signal 2^32-1")
        self.expect("Kill", pb((1, self.id("t")), (3, 99), (4, True)), INVALID_ARGUMENT, "signal 99 to all")
        self.expect("Kill", pb((1, self.id("t")), (2, "nobody"), (3, 9)), NOT_FOUND, "an exec of nothing")
        self.expect("Update", pb((1, self.id("t")), (2, pb((1, "x"), (2, b"\x00\x01"))), (3, pb((1, "k"), (2, "v")))),
                    OK, "resources and annotations (accepted, not enforced)")
        for method in unimplemented:
            self.expect(method, self.ids("t"), UNIMPLEMENTED, "a running task")
        r = self.expect("Pids", self.ids("t"), OK, "a running task")
        if not r.get(1):
            fail("Pids: no process listed")
        self.expect("Stats", self.ids("t"), OK, "a running task")
        self.expect("Connect", self.ids("t"), OK, "a running task")
        self.expect("Shutdown", self.ids("t"), OK, "while a task remains")

        # Exec, wrongly.
        ex = lambda eid, spec=None, **kw: pb((1, self.id("t")), (2, eid), (3, kw.get("terminal")),  # noqa: E731
                                             (7, spec))
        good = pb((1, SPEC_URL), (2, '{"args":["/bin/sh","-c","exit 3"],"cwd":"/"}'))
        self.expect("Exec", ex("nospec"), INVALID_ARGUMENT, "without a spec")
        self.expect("Exec", ex(None, good), INVALID_ARGUMENT, "without an exec id")
        self.expect("Exec", ex("a/b", good), INVALID_ARGUMENT, "exec id a/b")
        self.expect("Exec", ex("junk", pb((1, SPEC_URL), (2, "{not json"))), INVALID_ARGUMENT, "a spec that is not JSON")
        self.expect("Exec", ex("noargs", pb((1, SPEC_URL), (2, '{"cwd":"/"}'))), INVALID_ARGUMENT, "a spec without args")
        self.expect("Exec", ex("tty", good, terminal=True), INVALID_ARGUMENT,
                    "a terminal the spec does not ask for")
        self.expect("Exec", ex("e1", good), OK, "exit 3")
        self.expect("Exec", ex("e1", good), ALREADY_EXISTS, "the same exec id again")
        self.expect("ResizePty", pb((1, self.id("t")), (2, "e1"), (3, 80), (4, 24)), FAILED_PRECONDITION,
                    "an exec without a terminal")
        w = self.c.send(self.svc, "Wait", self.ids("t", "e1"))
        self.expect("Start", self.ids("t", "e1"), OK, "the exec")
        code, msg, r = self.c.answer(w)
        if code != OK or first(r, 1) != 3:
            fail(f"Wait of exec e1: {NAMES.get(code)} {msg} exit {first(r, 1)}, expected 3")
        print("ok  " + self.v + " Wait       of the exec, parked before Start: exit 3", flush=True)
        self.wait_status("t", "STOPPED", "e1")
        self.expect("Start", self.ids("t", "e1"), FAILED_PRECONDITION, "an exec that has exited")
        self.expect("Kill", pb((1, self.id("t")), (2, "e1"), (3, 9)), NOT_FOUND, "an exec that has exited")
        self.expect("Delete", self.ids("t", "e1"), OK, "the exited exec")
        self.expect("Delete", self.ids("t", "e1"), NOT_FOUND, "the exec again")

        # A Wait whose connection goes away, then the task is killed: the shim carries on.
        other = Client(self.c.sock.getpeername())
        other.send(self.svc, "Wait", self.ids("t"))
        other.send(self.svc, "Wait", self.ids("t"))
        time.sleep(0.1)
        other.close()
        w = self.c.send(self.svc, "Wait", self.ids("t"))
        self.expect("Kill", pb((1, self.id("t")), (3, 9)), OK, "SIGKILL")
        code, msg, r = self.c.answer(w)
        if code != OK or first(r, 1) != 137:
            fail(f"Wait of t: {NAMES.get(code)} {msg} exit {first(r, 1)}, expected 137")
        print(f"ok  {self.v} Wait       of the task, parked, after abandoned Waits: exit 137", flush=True)
        self.wait_status("t", "STOPPED")
        self.expect("Kill", pb((1, self.id("t")), (3, 9)), NOT_FOUND, "a task that has exited")
        self.expect("Start", self.ids("t"), FAILED_PRECONDITION, "a task that has exited")
        self.expect("Exec", ex("late", good), FAILED_PRECONDITION, "into a task that has exited")
        self.expect("ResizePty", pb((1, self.id("t")), (3, 80), (4, 24)), FAILED_PRECONDITION,
                    "a task that has exited")
        self.expect("Delete", self.ids("t"), OK, "the exited task")
        for method in ["State", "Delete", "Wait", "Start", "Kill"]:
            self.expect(method, self.ids("t"), NOT_FOUND, "after Delete")

        # A task created and deleted without ever starting; a terminal resized.
        self.create("never", "sleep", OK, "to be deleted unstarted")
        self.expect("Delete", self.ids("never"), OK, "a created task")
        self.create("tty", "tty", OK, "with a terminal", terminal=True, stdout="file://" + tmp + "/tty.out")
        self.expect("ResizePty", pb((1, self.id("tty")), (3, 100), (4, 30)), OK, "a terminal")
        self.expect("ResizePty", self.ids("tty"), OK, "a terminal to 0x0")
        self.expect("Kill", pb((1, self.id("tty")), (3, 9), (4, True)), OK, "a created task, all")
        self.wait_status("tty", "STOPPED")
        self.expect("Delete", self.ids("tty"), OK, "the killed terminal task")

    def undrained(self, fake, tmp):
        """An exit while containerd has not read the output: State says STOPPED at once, the
        Wait is answered (and the exit published) once the output is read or the drain limit
        passes, or at once when Delete comes first; the exit always before the delete."""
        for name, delete_early in [("drain", False), ("drainx", True)]:
            fifo = f"{tmp}/{self.prefix}-{name}.fifo"
            os.mkfifo(fifo)
            self.create(name, "echo", OK, "stdout to a FIFO nobody reads", stdout=fifo)
            w = self.c.send(self.svc, "Wait", self.ids(name))
            self.expect("Start", self.ids(name), OK, "its output unread")
            self.wait_status(name, "STOPPED")
            if self.c.answered(w, 0.05):
                fail(f"{name}: Wait answered before the output was read")
            if delete_early:
                self.expect("Delete", self.ids(name), OK, "exited, output unread")
            code, msg, r = self.c.answer(w)
            if code != OK or first(r, 1, 0) != 0:
                fail(f"{name}: Wait: {NAMES.get(code)} {msg} exit {first(r, 1)}")
            if not delete_early:
                self.expect("Delete", self.ids(name), OK, "after the drain limit")
            deadline = time.monotonic() + 10
            want = ["/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"]
            while fake.topics(self.id(name)) != want and time.monotonic() < deadline:
                time.sleep(0.05)
            if fake.topics(self.id(name)) != want:
                fail(f"events of {self.id(name)}: {fake.topics(self.id(name))}, expected {want}")
            print(f"ok  {self.v} exit with output unread: STOPPED at once, Wait answered "
                  f"{'by Delete' if delete_early else 'after the drain'}, events in order", flush=True)

    def lifecycle(self, fake, tmp):
        """The next well-formed calls: all answered right, each event published once."""
        name, out = "well", f"{tmp}/{self.prefix}-well.out"
        r = self.create(name, "echo", OK, "well-formed", stdout="file://" + out)
        pid = first(r, 1)
        w = self.c.send(self.svc, "Wait", self.ids(name))
        self.expect("Start", self.ids(name), OK, "well-formed")
        code, msg, r = self.c.answer(w)
        if code != OK or first(r, 1, 0) != 0:
            fail(f"Wait of the well-formed task: {NAMES.get(code)} {msg} exit {first(r, 1)}")
        st = self.wait_status(name, "STOPPED")
        if first(st, 3) != pid or first(st, 9, 0) != 0:
            fail(f"State after exit: pid {first(st, 3)} (created {pid}), exit {first(st, 9)}")
        self.expect("Delete", self.ids(name), OK, "well-formed")
        with open(out) as f:
            if f.read() != "hostile-ok\n":
                fail(f"{out}: the task's output is not 'hostile-ok'")
        deadline = time.monotonic() + 10
        want = ["/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"]
        while fake.topics(self.id(name)) != want and time.monotonic() < deadline:
            time.sleep(0.05)
        if fake.topics(self.id(name)) != want:
            fail(f"events of {self.id(name)}: {fake.topics(self.id(name))}, expected {want}")
        print(f"ok  {self.v} lifecycle  after the abuse: exit 0, output, events {' '.join(want)}", flush=True)


def main():
    reaper, bundles_dir, tmp = sys.argv[1:4]
    bundles = {b: os.path.join(bundles_dir, b) for b in ["sleep", "echo", "tty", "missing", "badjson"]}
    fake = FakeContainerd(f"{tmp}/containerd-ttrpc.sock")
    env = dict(os.environ, TTRPC_ADDRESS=f"{tmp}/containerd-ttrpc.sock")
    start = subprocess.run([reaper, "-namespace", "hostile", "-address", f"{tmp}/containerd.sock",
                            "-publish-binary", "/bin/false", "-id", "hostile-pod", "start"],
                           cwd=bundles["sleep"], env=env, capture_output=True, text=True, timeout=10)
    if start.returncode != 0 or not start.stdout.startswith("unix://") or start.stderr:
        fail(f"shim start: exit {start.returncode}, stdout {start.stdout!r}, stderr {start.stderr!r}")
    path = start.stdout[len("unix://"):]
    print(f"ok  shim started, listening on {path}", flush=True)
    client = Client(path)
    checks = 0
    started = []
    for svc, prefix in [("containerd.task.v2.Task", "h2"), ("containerd.task.v3.Task", "h3")]:
        h = Hostile(client, svc, prefix, bundles)
        h.run(tmp)
        h.lifecycle(fake, tmp)
        h.undrained(fake, tmp)
        checks += h.checks
        started += [(h.id(n), h.id(n)) for n in ["t", "tty", "well", "drain", "drainx"]] + [(h.id("t"), "e1")]
    # The garbage connection: dropped, the good one goes on.
    junk = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    junk.connect(path)
    junk.sendall(b"\xff" * 4096)
    junk.close()
    code, _, _ = client.call("containerd.task.v2.Task", "Connect", b"")
    if code != OK:
        fail("Connect after a garbage connection")
    # Every exit once: each process that ran, exactly once; a process never started (killed by
    # Delete or never made) at most once; nothing of a failed Create.
    time.sleep(0.2)
    exits = fake.exits()
    for key in started:
        if exits.get(key) != 1:
            fail(f"{key}: {exits.get(key, 0)} /tasks/exit events, expected 1")
    for key, n in exits.items():
        if n > 1 or key[0].rsplit("-", 1)[-1] not in ("t", "tty", "well", "never", "drain", "drainx"):
            fail(f"{key}: {n} /tasks/exit events")
    print("ok  every exit published once", flush=True)
    code, _, _ = client.call("containerd.task.v2.Task", "Shutdown", pb((1, "h3-well")))
    if code != OK:
        fail("Shutdown")
    client.close()
    deadline = time.monotonic() + 10
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    if os.path.exists(path):
        fail(f"the shim left its socket {path} after Shutdown with no task")
    print(f"ok  {checks} checks; Shutdown with no task left: the shim exited and removed its socket", flush=True)


if __name__ == "__main__":
    main()
