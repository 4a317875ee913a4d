#!/usr/bin/env python3
"""notify-recv.py SOCKET OUT: a stand-in for systemd's notify socket.

Binds a datagram socket at SOCKET and appends every message it receives to
OUT (one message per read, as received), flushing each time, until killed.
Used by notify.bats to see what berth forwards from the container.
"""
import os
import socket
import sys

sock_path, out_path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
with open(out_path, "a") as out:
    out.write("listening\n")
    out.flush()
    while True:
        data = s.recv(4096)
        out.write(data.decode(errors="replace").rstrip("\n") + "\n")
        out.flush()
        os.fsync(out.fileno())
