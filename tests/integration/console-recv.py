#!/usr/bin/env python3
"""console-recv.py SOCKET OUTFILE [INPUT]

The receiving end of `--console-socket`: listen on the unix socket SOCKET,
accept one connection, take the pty master fd the runtime sends with
SCM_RIGHTS, write INPUT (if given) to it, and copy everything the container
writes to its terminal into OUTFILE until the terminal closes.  Writes
"fds N" (the number of fds received) first so tests can check the hand-over.
"""
import os
import socket
import sys


def main():
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
