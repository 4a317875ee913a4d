#!/usr/bin/env python3
"""A registry that lies, for hostile.bats: python3 liar-registry.py PORT LOG

Serves on 127.0.0.1:PORT (plain HTTP, distribution API v2 paths) and logs
every request line to LOG.  Repositories:
  big:latest   a manifest whose Content-Length says 1 GiB, streamed until the
               client hangs up
  fat:latest   a valid manifest whose one layer says 100 bytes; that blob is
               streamed endlessly (Content-Length says 1 GiB)
  many:latest  a manifest of 1,001 layers (no blob of it exists)
"""
import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MT = "application/vnd.oci.image.manifest.v1+json"
CONFIG = json.dumps({"architecture": "amd64", "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]}}).encode()
CONFIG_DIGEST = "sha256:" + hashlib.sha256(CONFIG).hexdigest()
LAYER_DIGEST = "sha256:" + "ab" * 32


def manifest(n):
    return json.dumps({
        "schemaVersion": 2, "mediaType": MT,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": CONFIG_DIGEST,
                   "size": len(CONFIG)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": LAYER_DIGEST,
                    "size": 100}] * n}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        with open(sys.argv[2], "a") as f:
            f.write("%s %s\n" % (self.command, self.path))

    def send(self, body, ctype="application/json", length=None):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def endless(self, first, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(1 << 30))
        self.end_headers()
        if self.command != "GET":
            return
        try:
            self.wfile.write(first)
            chunk = b"a" * 65536
            for _ in range((1 << 30) // len(chunk)):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def do_GET(self):
        p = self.path
        self.log_message("")
        if p == "/v2/" or p == "/v2":
            return self.send(b"{}")
        if p == "/v2/big/manifests/latest":
            return self.endless(b'{"schemaVersion":2,"annotations":{"x":"', MT)
        if p == "/v2/fat/manifests/latest":
            return self.send(manifest(1), MT)
        if p == "/v2/many/manifests/latest":
            return self.send(manifest(1001), MT)
        if p.endswith("/blobs/" + CONFIG_DIGEST):
            return self.send(CONFIG, "application/octet-stream")
        if p == "/v2/fat/blobs/" + LAYER_DIGEST:
            return self.endless(b"", "application/octet-stream")
        body = b'{"errors":[{"code":"NAME_UNKNOWN","message":"unknown"}]}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    do_HEAD = do_GET


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
