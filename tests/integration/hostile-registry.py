#!/usr/bin/env python3
"""An HTTP/1.1 proxy in front of a test registry (127.0.0.1 only) that
misbehaves on purpose, by rules read from a JSON file at every request.

  hostile-registry.py LISTEN_PORT TARGET_PORT RULES_FILE LOG_FILE

RULES_FILE holds a list of rules; the first whose method and path match a
request (and that has uses left) decides what happens to it:

  {"method": "GET", "path": "REGEX", "times": N, "action": ACTION, ...}

method (optional) and path (a regular expression searched in the request's
path, optional) select requests; times (optional) is how many requests the
rule takes before it no longer applies (counted from the moment the file's
content changed).  ACTION:

  drop            close the connection before any answer
  drop-body       answer the status and headers, then `bytes` bytes of the
                  body (default half), then close
  stall           read the request, then say nothing (until the client
                  goes, or 120 s)
  stall-body      headers and `bytes` bytes of the body, then nothing
  status          answer `status` (e.g. 503) with a registry error body
                  (none to a HEAD); `retry_after` adds a Retry-After header
  corrupt         the body with its bytes from `bytes` on inverted (same length)
  short           the body cut to `bytes` bytes, Content-Length saying so
  long            the body with `bytes` extra bytes, Content-Length saying so
  wrong-length    Content-Length says `bytes` more than is sent, then close
  alter-manifest  the body with a newline appended (another digest; the
                  registry's Docker-Content-Digest header is kept)
  redirect-loop   307 to the same path with ?loop=N+1, forever

Every request is logged to LOG_FILE as "METHOD PATH ACTION [range=R]"
(ACTION "pass" when no rule matched; R the request's Range header)."""
import hashlib
import http.client
import json
import re
import socket
import socketserver
import sys
import threading
import time

LISTEN, TARGET, RULES, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lock = threading.Lock()
state = {"key": None, "used": {}}
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


def pick(method, path):
    try:
        with open(RULES, "rb") as f:
            raw = f.read()
    except OSError:
        raw = b"[]"
    key = hashlib.sha256(raw).hexdigest()
    rules = json.loads(raw or b"[]")
    with lock:
        if state["key"] != key:
            state["key"], state["used"] = key, {}
        for i, r in enumerate(rules):
            if r.get("method", method) != method or not re.search(r.get("path", ""), path):
                continue
            used = state["used"].get(i, 0)
            if "times" in r and used >= r["times"]:
                continue
            state["used"][i] = used + 1
            return r
    return None


def log(method, path, what):
    with lock, open(LOG, "a") as f:
        f.write("%s %s %s\n" % (method, path, what))


def read_request(rf):
    line = rf.readline(65537)
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers = []
    while True:
        h = rf.readline(65537)
        if h in (b"\r\n", b"\n", b""):
            break
        k, v = h.decode("latin-1").split(":", 1)
        headers.append((k.strip(), v.strip()))
    hd = {k.lower(): v for k, v in headers}
    body = b""
    if "content-length" in hd:
        body = rf.read(int(hd["content-length"]))
    elif hd.get("transfer-encoding", "").lower() == "chunked":
        while True:
            n = int(rf.readline().split(b";")[0], 16)
            if n == 0:
                rf.readline()
                break
            body += rf.read(n)
            rf.readline()
    return method, target, headers, body


def forward(method, target, headers, body):
    c = http.client.HTTPConnection("127.0.0.1", TARGET, timeout=60)
    c.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    for k, v in headers:
        if k.lower() not in HOP:
            c.putheader(k, v)
    if body or method in ("PUT", "PATCH", "POST"):
        c.putheader("Content-Length", str(len(body)))
    c.endheaders(body)
    r = c.getresponse()
    try:
        data = r.read()
    except http.client.IncompleteRead as e:
        # docker-registry's 416 declares the blob's length, sends a line
        data = e.partial
    hs = [(k, v) for k, v in r.getheaders() if k.lower() not in HOP]
    clen = r.getheader("Content-Length")
    c.close()
    return r.status, r.reason, hs, data, clen


def head_bytes(status, reason, hs, clen):
    out = "HTTP/1.1 %d %s\r\n" % (status, reason)
    for k, v in hs:
        out += "%s: %s\r\n" % (k, v)
    if clen is not None:
        out += "Content-Length: %s\r\n" % clen
    return (out + "\r\n").encode("latin-1")


def wait_gone(sock, limit=120):
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            try:
                req = read_request(self.rfile)
            except (OSError, ValueError):
                return
            if req is None:
                return
            method, target, headers, body = req
            rule = pick(method, target)
            act = rule["action"] if rule else "pass"
            rng = [v for k, v in headers if k.lower() == "range"]
            log(method, target, act + (" range=" + rng[0] if rng else ""))
            if not self.serve(rule, act, method, target, headers, body):
                return

    def send(self, b):
        self.wfile.write(b)
        self.wfile.flush()

    # False: the connection is over
    def serve(self, rule, act, method, target, headers, body):
        sock = self.connection
        if act == "drop":
            return False
        if act == "stall":
            wait_gone(sock)
            return False
        if act == "status":
            code = int(rule.get("status", 503))
            err = json.dumps({"errors": [{"code": "UNAVAILABLE", "message": "hostile-registry: %d" % code}]}).encode()
            hs = [("Content-Type", "application/json")]
            if "retry_after" in rule:
                hs.append(("Retry-After", str(rule["retry_after"])))
            # a HEAD answer has no body (its length is still declared)
            self.send(head_bytes(code, "Hostile", hs, len(err)) + (b"" if method == "HEAD" else err))
            return True
        if act == "redirect-loop":
            m = re.search(r"[?&]loop=(\d+)", target)
            n = int(m.group(1)) + 1 if m else 1
            base = re.sub(r"[?&]loop=\d+", "", target)
            loc = "%s%sloop=%d" % (base, "&" if "?" in base else "?", n)
            self.send(head_bytes(307, "Temporary Redirect", [("Location", loc)], 0))
            return True
        status, reason, hs, data, clen = forward(method, target, headers, body)
        if method == "HEAD":
            self.send(head_bytes(status, reason, hs, clen))
            return True
        n = int(rule.get("bytes", len(data) // 2)) if rule else 0
        if act == "drop-body":
            self.send(head_bytes(status, reason, hs, len(data)) + data[:n])
            return False
        if act == "stall-body":
            self.send(head_bytes(status, reason, hs, len(data)) + data[:n])
            wait_gone(sock)
            return False
        if act == "wrong-length":
            self.send(head_bytes(status, reason, hs, len(data) + n) + data)
            return False
        if act == "corrupt":
            data = data[:n] + bytes(b ^ 0xFF for b in data[n:])
        elif act == "short":
            data = data[:n]
        elif act == "long":
            data = data + b"\0" * n
        elif act == "alter-manifest":
            data = data + b"\n"
        self.send(head_bytes(status, reason, hs, len(data)) + data)
        return True


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(("127.0.0.1", LISTEN), Handler).serve_forever()
