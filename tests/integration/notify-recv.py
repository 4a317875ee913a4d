#!/usr/bin/env python3
"""notify-recv.py SOCKET OUT: a stand-in for systemd's notify socket.

Binds a datagram socket at SOCKET and appends every message it receives to
OUT (one message per read, as received), flushing each time, until killed.
Used by notify.bats to see what berth forwards from the container.  A
SOCKET longer than sun_path (108 bytes) is bound from its directory.
"""
import os
import socket
import sys

sock_path, out_path = sys.argv[1], sys.argv[2]
out_path = os.path.abspath(out_path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if len(sock_path.encode()) >= 108:
    # longer than sun_path: bind the name relative to its directory
    os.chdir(os.path.dirname(sock_path))
    sock_path = os.path.basename(sock_path)
s.bind(sock_path)
with open(out_path, "a") as out:
    out.write("listening\n")
    out.flush()
    while True:
        data = s.recv(4096)
        out.write(data.decode(errors="replace").rstrip("\n") + "\n")
        out.flush()
        os.fsync(out.fileno())
