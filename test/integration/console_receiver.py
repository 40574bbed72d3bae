# SPDX-License-Identifier: Apache-2.0
"""console_receiver.py SOCKET OUTPUT [INPUT]: the console-socket end of runc's terminal protocol.

Listens on SOCKET, accepts one connection, receives the pty master over SCM_RIGHTS, then copies
everything the workload writes to OUTPUT until the terminal closes (EIO). INPUT, if given, is
typed into the terminal once the workload has printed "ready". Exits 0 when the terminal closed,
1 on a timeout or a protocol error (after writing what it has)."""
import os
import select
import socket
import sys
import time

TIMEOUT = 20


def main():
    path, out_path = sys.argv[1], sys.argv[2]
    typed = sys.argv[3].encode() if len(sys.argv) > 3 else None
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    server.listen(1)
    os.rename(path + ".tmp", path)  # the socket appears only once it listens
    server.settimeout(TIMEOUT)
    conn, _ = server.accept()
    msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
    conn.close()
    server.close()
    if len(fds) != 1:
        print("console_receiver: no fd received (message %r)" % msg, file=sys.stderr)
        return 1
    master = fds[0]
    data = b""
    deadline = time.monotonic() + TIMEOUT
    with open(out_path, "wb") as out:
        out.write(b"name=" + msg + b"\n")
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every slave fd is closed, the workload is gone
                return 0
            if not chunk:
                return 0
            out.write(chunk)
            out.flush()
            data += chunk
            if typed is not None and b"ready" in data:
                os.write(master, typed)
                typed = None
    print("console_receiver: timed out", file=sys.stderr)
    return 1


sys.exit(main())
