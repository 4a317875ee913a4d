#!/usr/bin/env python3
"""console-recv.py SOCKET OUTFILE [INPUT]
console-recv.py --serve SOCKET


The receiving end of `--console-socket`: listen on the unix socket SOCKET,
accept one connection, take the pty master fd the runtime sends with
SCM_RIGHTS, write INPUT (if given) to it, and copy everything the container
writes to its terminal into OUTFILE until the terminal closes.  Writes
"fds N" (the number of fds received) first so tests can check the hand-over.

With --serve it accepts any number of connections (a test that creates one
container after another, faults.bats) and keeps every master open while its
terminal is, reading and dropping the output, until it is killed: a master
closed early would hang up the container's terminal (SIGHUP).
"""
import os
import select
import socket
import sys


def serve(path):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    os.chdir(os.path.dirname(os.path.abspath(path)))
    srv.bind(os.path.basename(path))
    srv.listen(16)
    masters = []
    while True:
        ready, _, _ = select.select([srv] + masters, [], [])
        for r in ready:
            if r is srv:
                conn, _ = srv.accept()
                try:
                    _, fds, _, _ = socket.recv_fds(conn, 4096, 4)
                except OSError:
                    fds = []
                conn.close()
                masters.extend(fds[:1])
                for extra in fds[1:]:
                    os.close(extra)
                continue
            try:
                data = os.read(r, 4096)
            except OSError:  # EIO: every slave fd is closed
                data = b""
            if not data:
                masters.remove(r)
                os.close(r)


def main():
    if sys.argv[1] == "--serve":
        return serve(sys.argv[2])
    path, out = sys.argv[1], sys.argv[2]
    out = os.path.abspath(out)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # a path longer than sun_path (108 bytes) is bound from its directory
    os.chdir(os.path.dirname(os.path.abspath(path)))
    srv.bind(os.path.basename(path))
    srv.listen(1)
    conn, _ = srv.accept()
    _, fds, _, _ = socket.recv_fds(conn, 4096, 4)
    with open(out, "wb", buffering=0) as f:
        f.write(b"fds %d\n" % len(fds))
        if not fds:
            return 1
        master = fds[0]
        if len(sys.argv) > 3:
            os.write(master, sys.argv[3].encode())
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: every slave fd is closed
                break
            if not data:
                break
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
