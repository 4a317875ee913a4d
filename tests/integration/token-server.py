#!/usr/bin/env python3
"""A token endpoint for docker-registry's `silly` auth (which accepts any
Bearer token): answers GET /token with a token and logs each request's
scopes and whether Basic credentials came with it, one line per request.
Usage: token-server.py PORT LOGFILE"""
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

port, log = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        with open(log, "a") as f:
            f.write("service=%s scopes=%s basic=%s\n" % (
                ",".join(q.get("service", [])), " ".join(q.get("scope", [])),
                "yes" if self.headers.get("Authorization", "").startswith("Basic ") else "no"))
        body = json.dumps({"token": "tok-%d" % len(q.get("scope", [])), "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", port), Handler).serve_forever()
