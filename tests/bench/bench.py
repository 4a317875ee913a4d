#!/usr/bin/env python3
"""berth / img benchmark suite (issue 7), run by tests/bench/bench.sh.

Every comparison is interleaved (A B C A B C ...), each sample one process
started with posix_spawn and reaped with wait4: the wall time around
spawn + wait4 and the child's ru_maxrss (the peak RSS of the process and of
the descendants it reaped, as /usr/bin/time -f %M reports it).  No shell or
wrapper sits between the timer and the program measured: crun, which
refuses this hybrid host unless /sys/fs/cgroup/unified/cgroup.controllers
is hidden, is started from a private mount namespace holding that mask
(this process setns()es into it around each spawn; the switch is outside
the timed window).

Groups: runtime (berth vs crun vs runc vs the unshare floor), img (img vs
skopeo/umoci against docker-registry on 127.0.0.1), scale (parallel
create/delete, 100-layer and 500,000-file images).  Results: one markdown
table per group on stdout and in RESULTS/latest.md, raw samples in
RESULTS/latest.json.
"""

import argparse
import ctypes
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

CLONE_NEWNS = 0x00020000
libc = ctypes.CDLL(None, use_errno=True)


def die(msg):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(1)


def note(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes


class MaskNS:
    """A private mount namespace where the cgroup2 mount's cgroup.controllers
    is an empty file (crun 1.8 then treats the hybrid host as cgroup v1)."""

    CTRL = "/sys/fs/cgroup/unified/cgroup.controllers"

    def __init__(self, work):
        self.proc = None
        self.fd = None
        if not os.path.exists(self.CTRL):
            return
        empty = os.path.join(work, "empty")
        open(empty, "w").close()
        self.proc = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             'mount --bind "$0" "$1" && echo ready && exec sleep 2147483647', empty, self.CTRL],
            stdout=subprocess.PIPE)
        if self.proc.stdout.readline().strip() != b"ready":
            die("could not set up the mount namespace that masks " + self.CTRL)
        self.fd = os.open(f"/proc/{self.proc.pid}/ns/mnt", os.O_RDONLY)
        self.home = os.open("/proc/self/ns/mnt", os.O_RDONLY)

    def _setns(self, fd):
        if libc.setns(fd, CLONE_NEWNS) != 0:
            die("setns: " + os.strerror(ctypes.get_errno()))

    def enter(self):
        if self.fd is not None:
            self._setns(self.fd)

    def leave(self):
        if self.fd is not None:
            self._setns(self.home)

    def close(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


class Runner:
    def __init__(self, log_path, mask):
        self.log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.mask = mask

    def _actions(self, out):
        fd = self.log if out is None else out
        return [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, fd, 1), (os.POSIX_SPAWN_DUP2, fd, 2)]

    def spawn(self, argv, masked=False, out=None, env=None):
        os.write(self.log, ("+ " + " ".join(argv) + "\n").encode())
        if masked:
            self.mask.enter()
        try:
            return os.posix_spawnp(argv[0], argv, env or os.environ, file_actions=self._actions(out))
        finally:
            if masked:
                self.mask.leave()

    def timed(self, argv, masked=False, check=True, out=None, env=None, rss=False):
        """Run argv; return (milliseconds, peak RSS in KiB or None, exit
        status).  rss=True runs it under the peakrss helper (one more exec
        in the timed window: for the long img operations, or untimed)."""
        if rss:
            rss_file = os.path.join(os.path.dirname(LOG), "peakrss.out")
            argv = [PEAKRSS, rss_file, *argv]
        if masked:
            self.mask.enter()
        try:
            t0 = time.perf_counter_ns()
            pid = os.posix_spawnp(argv[0], argv, env or os.environ, file_actions=self._actions(out))
            _, status, ru = os.wait4(pid, 0)
            t1 = time.perf_counter_ns()
        finally:
            if masked:
                self.mask.leave()
        code = os.waitstatus_to_exitcode(status)
        os.write(self.log, (f"+ {' '.join(argv)} -> {code} ({(t1 - t0) / 1e6:.2f} ms)\n").encode())
        if check and code != 0:
            die(f"'{' '.join(argv)}' failed with status {code} (see {LOG})")
        maxrss = None
        if rss:
            with open(rss_file) as f:
                maxrss = int(f.read())
        return (t1 - t0) / 1e6, maxrss, code

    def quiet(self, argv, masked=False, check=True):
        return self.timed(argv, masked=masked, check=check)[2]


# ---------------------------------------------------------------- statistics


def pct(xs, p):
    s = sorted(xs)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(xs):
    return {"median": statistics.median(xs), "p10": pct(xs, 0.1), "p90": pct(xs, 0.9), "n": len(xs)}


class Results:
    def __init__(self):
        self.samples = {}   # group -> key -> list
        self.tables = []    # (title, header, rows, notes)
        self.meta = {}

    def add(self, group, key, value):
        self.samples.setdefault(group, {}).setdefault(key, []).append(value)

    def get(self, group, key):
        return self.samples.get(group, {}).get(key)

    def med(self, group, key):
        xs = self.get(group, key)
        return statistics.median(xs) if xs else None


def fmt(v, unit="ms"):
    if v is None:
        return "–"
    if unit == "ms":
        return f"{v:.1f}" if v >= 10 else f"{v:.2f}"
    if unit == "s":
        return f"{v / 1000:.2f}"
    if unit == "MB":
        return f"{v / 1024:.1f}"
    if unit == "rate":
        return f"{v:.0f}"
    return f"{v}"


def cell(res, group, key, unit="ms"):
    xs = res.get(group, key)
    if not xs:
        return "–"
    s = summary(xs)
    return f"{fmt(s['median'], unit)} ({fmt(s['p10'], unit)}–{fmt(s['p90'], unit)})"


def inflate_lib():
    """The library inflate-rate decodes with by default: the one img uses."""
    out = subprocess.run([INFLATE, "--default"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def verdict(r, target, le=True):
    if r is None or target is None:
        return "–"
    ok = r <= target if le else r >= target
    return ("met" if ok else "MISSED") + f" ({'≤' if le else '≥'} {target})"


# ---------------------------------------------------------------- runtime group


def write_config(bundle, rootfs, args, cgpath):
    os.makedirs(bundle, exist_ok=True)
    cfg = json.loads(json.dumps(BASE_CONFIG))
    cfg["ociVersion"] = "1.0.2"  # crun 1.8 refuses newer versions
    cfg["root"] = {"path": rootfs, "readonly": True}
    cfg["process"]["args"] = args
    cfg["process"]["terminal"] = False
    if cgpath:
        cfg["linux"]["cgroupsPath"] = cgpath
    else:
        cfg["linux"].pop("cgroupsPath", None)
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(cfg, f)


BASE_CONFIG = None


def make_rootfs(path):
    if os.path.isdir(path):
        return
    tmp = path + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for d in ("bin", "dev", "etc", "proc", "sys", "tmp", "root", "run"):
        os.makedirs(os.path.join(tmp, d))
    shutil.copy2("/bin/busybox", os.path.join(tmp, "bin/busybox"))
    for a in ("true", "sh", "sleep", "cat"):
        os.symlink("busybox", os.path.join(tmp, "bin", a))
    with open(os.path.join(tmp, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    os.rename(tmp, path)


class Runtime:
    def __init__(self, name, binary, mode, state):
        self.name, self.bin, self.mode = name, binary, mode
        self.label = name if mode == "default" else f"{name}"
        self.root = os.path.join(state, f"{name}-{mode}")
        self.masked = name == "crun"

    def argv(self, *args):
        a = [self.bin, "--root", self.root]
        if self.mode == "disabled":
            a.append("--cgroup-manager=disabled")
        return a + list(args)


class RuntimeBench:
    def __init__(self, opts, runner, res, work):
        self.o, self.r, self.res, self.work = opts, runner, res, work
        self.rootfs = os.path.join(work, "rootfs")
        make_rootfs(self.rootfs)
        self.bundles = os.path.join(work, "bundles")
        self.state = os.path.join(work, "state")
        os.makedirs(self.bundles, exist_ok=True)
        self.cgparent = f"berth-bench-{os.getpid()}"
        self.seq = 0

    def bundle(self, rt, cid, args):
        b = os.path.join(self.bundles, cid)
        cg = f"{self.cgparent}/{cid}" if rt.mode == "default" else None
        write_config(b, self.rootfs, args, cg)
        return b

    def newid(self, rt, what):
        self.seq += 1
        return f"{rt.name}-{rt.mode[0]}-{what}-{self.seq}"

    def wait_stopped(self, rt, cid):
        for _ in range(2000):
            if rt.masked:
                self.r.mask.enter()
            try:
                p = subprocess.run(rt.argv("state", cid), capture_output=True)
            finally:
                if rt.masked:
                    self.r.mask.leave()
            try:
                if json.loads(p.stdout)["status"] == "stopped":
                    return
            except (ValueError, KeyError):
                pass
            time.sleep(0.002)
        die(f"{rt.name}: container '{cid}' did not stop")

    def lifecycle(self, group, rts, n):
        """run; create/start/delete; exec into a running container."""
        floor = ["unshare", "-mpniu", "--fork", "/bin/true"]
        sleepers = {}
        try:
            for rt in rts:
                cid = self.newid(rt, "exec")
                b = self.bundle(rt, cid, ["/bin/sleep", "1000000"])
                sleepers[rt] = cid
                self.r.timed(rt.argv("create", "--bundle", b, cid), masked=rt.masked)
                self.r.timed(rt.argv("start", cid), masked=rt.masked)
            for i in range(n):
                order = rts[i % len(rts):] + rts[:i % len(rts)]
                for rt in order:
                    cid = self.newid(rt, "run")
                    b = self.bundle(rt, cid, ["/bin/true"])
                    ms, _, _ = self.r.timed(rt.argv("run", "--bundle", b, cid), masked=rt.masked)
                    self.res.add(group, f"run/{rt.name}", ms)
                    shutil.rmtree(b, ignore_errors=True)
                if group.endswith("disabled"):
                    ms, _, _ = self.r.timed(floor)
                    self.res.add(group, "run/floor", ms)
                for rt in order:
                    cid = self.newid(rt, "csd")
                    b = self.bundle(rt, cid, ["/bin/true"])
                    ms, _, _ = self.r.timed(rt.argv("create", "--bundle", b, cid), masked=rt.masked)
                    self.res.add(group, f"create/{rt.name}", ms)
                    ms, _, _ = self.r.timed(rt.argv("start", cid), masked=rt.masked)
                    self.res.add(group, f"start/{rt.name}", ms)
                    self.wait_stopped(rt, cid)
                    ms, _, _ = self.r.timed(rt.argv("delete", cid), masked=rt.masked)
                    self.res.add(group, f"delete/{rt.name}", ms)
                    shutil.rmtree(b, ignore_errors=True)
                for rt in order:
                    ms, _, _ = self.r.timed(rt.argv("exec", sleepers[rt], "/bin/true"), masked=rt.masked)
                    self.res.add(group, f"exec/{rt.name}", ms)
            # peak RSS, untimed: under the peakrss helper
            for i in range(min(n, 10)):
                for rt in rts:
                    cid = self.newid(rt, "rss")
                    b = self.bundle(rt, cid, ["/bin/true"])
                    _, rss, _ = self.r.timed(rt.argv("run", "--bundle", b, cid), masked=rt.masked, rss=True)
                    self.res.add(group, f"rss/{rt.name}", rss)
                    cid = self.newid(rt, "rss")
                    b = self.bundle(rt, cid, ["/bin/true"])
                    _, rss, _ = self.r.timed(rt.argv("create", "--bundle", b, cid), masked=rt.masked, rss=True)
                    self.res.add(group, f"rss-create/{rt.name}", rss)
                    self.r.timed(rt.argv("start", cid), masked=rt.masked)
                    self.wait_stopped(rt, cid)
                    self.r.timed(rt.argv("delete", cid), masked=rt.masked)
                    shutil.rmtree(b, ignore_errors=True)
                if group.endswith("disabled"):
                    _, rss, _ = self.r.timed(floor, rss=True)
                    self.res.add(group, "rss/floor", rss)
        finally:
            for rt, cid in sleepers.items():
                self.r.timed(rt.argv("delete", "-f", cid), masked=rt.masked, check=False)

    def many(self, group, rts, count, n):
        """state and list with COUNT stopped containers present."""
        ids = {rt: [] for rt in rts}
        try:
            for rt in rts:
                note(f"creating {count} {rt.name} containers")
                for k in range(count):
                    cid = f"{rt.name}-many-{k}"
                    b = self.bundle(rt, cid, ["/bin/true"])
                    self.r.timed(rt.argv("create", "--bundle", b, cid), masked=rt.masked)
                    ids[rt].append(cid)
                    self.r.timed(rt.argv("start", cid), masked=rt.masked)
            for i in range(n):
                for rt in rts:
                    cid = ids[rt][(i * 37) % count]
                    ms, _, _ = self.r.timed(rt.argv("state", cid), masked=rt.masked)
                    self.res.add(group, f"state/{rt.name}", ms)
                    ms, _, _ = self.r.timed(rt.argv("list"), masked=rt.masked)
                    self.res.add(group, f"list/{rt.name}", ms)
        finally:
            for rt in rts:
                for cid in ids[rt]:
                    self.r.timed(rt.argv("delete", "-f", cid), masked=rt.masked, check=False)
                    shutil.rmtree(os.path.join(self.bundles, cid), ignore_errors=True)

    def parallel(self, group, rts, counts):
        """COUNT containers created at once, then deleted at once."""
        for count in counts:
            for rep in range(self.o.scale_reps):
                for rt in rts:
                    cids = [f"{rt.name}-par-{count}-{rep}-{k}" for k in range(count)]
                    bundles = [self.bundle(rt, c, ["/bin/true"]) for c in cids]
                    t0 = time.perf_counter_ns()
                    pids = [self.r.spawn(rt.argv("create", "--bundle", b, c), masked=rt.masked)
                            for b, c in zip(bundles, cids)]
                    bad = sum(1 for p in pids if os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) != 0)
                    t1 = time.perf_counter_ns()
                    pids = [self.r.spawn(rt.argv("delete", "-f", c), masked=rt.masked) for c in cids]
                    bad += sum(1 for p in pids if os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) != 0)
                    t2 = time.perf_counter_ns()
                    if bad:
                        die(f"{rt.name}: {bad} of {count} parallel creates/deletes failed (see {LOG})")
                    self.res.add(group, f"pcreate{count}/{rt.name}", (t1 - t0) / 1e6 / count)
                    self.res.add(group, f"pdelete{count}/{rt.name}", (t2 - t1) / 1e6 / count)
                    for b in bundles:
                        shutil.rmtree(b, ignore_errors=True)

    def cleanup_cgroups(self):
        removed = 0
        for top in cgroup_roots():
            for dirpath, dirnames, _ in os.walk(top):
                if os.path.basename(dirpath) == self.cgparent:
                    for d, _, _ in sorted(os.walk(dirpath), key=lambda t: -len(t[0])):
                        try:
                            os.rmdir(d)
                            removed += 1
                        except OSError as e:
                            note(f"could not remove cgroup '{d}': {e}")
                    dirnames[:] = []
                elif dirpath.count("/") > top.count("/") + 3:
                    dirnames[:] = []
        return removed


def cgroup_roots():
    roots = []
    for line in open("/proc/self/mounts"):
        f = line.split()
        if f[2] in ("cgroup", "cgroup2"):
            roots.append(f[1])
    return roots


def runtime_tables(res, have_runc):
    t_run = {"run": 0.8, "create": 1.0, "start": 1.0, "exec": 1.0, "delete": 1.0}
    g = "runtime-disabled"
    rows = []
    for op in ("run", "create", "start", "exec", "delete"):
        r = ratio(res.med(g, f"{op}/berth"), res.med(g, f"{op}/crun"))
        rows.append([f"`{op}`" + (" /bin/true" if op in ("run", "exec") else ""),
                     cell(res, g, f"{op}/berth"), cell(res, g, f"{op}/crun"),
                     fmt(r, "x") if r is None else f"{r:.2f}", verdict(r, t_run[op])])
    rows.append(["`unshare -mpniu --fork true` (floor)", cell(res, g, "run/floor"), "–", "–", ""])
    r = ratio(res.med(g, "rss/berth"), res.med(g, "rss/crun"))
    rows.append(["peak RSS of `run`, MB", cell(res, g, "rss/berth", "MB"), cell(res, g, "rss/crun", "MB"),
                 "–" if r is None else f"{r:.2f}", verdict(r, 0.6)])
    r = ratio(res.med(g, "rss-create/berth"), res.med(g, "rss-create/crun"))
    rows.append(["peak RSS of `create`, MB", cell(res, g, "rss-create/berth", "MB"),
                 cell(res, g, "rss-create/crun", "MB"), "–" if r is None else f"{r:.2f}", ""])
    gm = "runtime-many"
    for op in ("state", "list"):
        b = res.med(gm, f"{op}/berth")
        r = ratio(b, res.med(gm, f"{op}/crun"))
        rows.append([f"`{op}` with {OPTS.containers} containers", cell(res, gm, f"{op}/berth"),
                     cell(res, gm, f"{op}/crun"), "–" if r is None else f"{r:.2f}",
                     "–" if b is None else ("met" if b < 10 else "MISSED") + " (< 10 ms)"])
    res.tables.append(("Runtime, `--cgroup-manager=disabled` on both sides (ms: median (p10–p90))",
                       ["operation", "berth", "crun", "berth/crun", "target"], rows, []))

    g = "runtime-default"
    rows = []
    for op in ("run", "create", "start", "exec", "delete"):
        rc = ratio(res.med(g, f"{op}/berth"), res.med(g, f"{op}/crun"))
        rr = ratio(res.med(g, f"{op}/berth"), res.med(g, f"{op}/runc"))
        tgt = verdict(rc, t_run[op])
        if op == "run":
            tgt += "; runc: " + verdict(rr, 0.35)
        rows.append([f"`{op}`", cell(res, g, f"{op}/berth"), cell(res, g, f"{op}/crun"),
                     cell(res, g, f"{op}/runc"), "–" if rc is None else f"{rc:.2f}",
                     "–" if rr is None else f"{rr:.2f}", tgt])
    rc = ratio(res.med(g, "rss/berth"), res.med(g, "rss/crun"))
    rr = ratio(res.med(g, "rss/berth"), res.med(g, "rss/runc"))
    rows.append(["peak RSS of `run`, MB", cell(res, g, "rss/berth", "MB"), cell(res, g, "rss/crun", "MB"),
                 cell(res, g, "rss/runc", "MB"), "–" if rc is None else f"{rc:.2f}",
                 "–" if rr is None else f"{rr:.2f}", verdict(rc, 0.6)])
    gm = "runtime-many"
    for op in ("state", "list"):
        rr = ratio(res.med(gm, f"{op}/berth"), res.med(gm, f"{op}/runc"))
        rows.append([f"`{op}` with {OPTS.containers} containers (runc default, berth/crun disabled)",
                     cell(res, gm, f"{op}/berth"), cell(res, gm, f"{op}/crun"), cell(res, gm, f"{op}/runc"),
                     "–", "–" if rr is None else f"{rr:.2f}", ""])
    res.tables.append(("Runtime, each runtime's default cgroup handling (ms: median (p10–p90))",
                       ["operation", "berth", "crun", "runc", "berth/crun", "berth/runc", "target"], rows,
                       ["berth's default on this hybrid host leaves cgroups alone (no cgroup v2 controllers); "
                        "crun (controllers file masked) and runc use cgroup v1 with a cgroupsPath under a "
                        "bench-owned parent that the bench removes afterwards."]))


# ---------------------------------------------------------------- img group


class Registry:
    def __init__(self, work, runner):
        self.dir = os.path.join(work, "registry")
        self.runner = runner
        self.proc = None
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.addr = f"127.0.0.1:{self.port}"

    def start(self, fresh=False):
        if fresh:
            shutil.rmtree(os.path.join(self.dir, "data"), ignore_errors=True)
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        cfg = os.path.join(self.dir, "config.yml")
        with open(cfg, "w") as f:
            f.write(f"""version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {self.dir}/data
  delete:
    enabled: true
http:
  addr: {self.addr}
""")
        self.proc = subprocess.Popen(["docker-registry", "serve", cfg], stdout=self.runner.log,
                                     stderr=self.runner.log)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        die("docker-registry did not start")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None

    def restart_empty(self):
        self.stop()
        self.start(fresh=True)


def gen_files(root, count, seed):
    """COUNT small files (0..4 KiB, deterministic) in 100 directories."""
    for i in range(count):
        d = os.path.join(root, f"d{i % 100:03d}")
        if i < 100:
            os.makedirs(d, exist_ok=True)
        size = (i * 7919 + seed) % 4096
        with open(os.path.join(d, f"f{i:06d}"), "wb") as f:
            f.write((f"{seed}:{i}:" * (size // 8 + 1)).encode()[:size])


def gen_big(path, mb):
    """MB MiB of base64 text of an AES-CTR keystream: deterministic, gzip ~1.3:1."""
    with open(path, "wb") as out:
        p1 = subprocess.Popen(["head", "-c", str(mb * 1024 * 1024 * 3 // 4), "/dev/zero"], stdout=subprocess.PIPE)
        p2 = subprocess.Popen(["openssl", "enc", "-aes-128-ctr", "-K", "00" * 16, "-iv", "00" * 16, "-nosalt"],
                              stdin=p1.stdout, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p3 = subprocess.Popen(["base64", "-w", "76"], stdin=p2.stdout, stdout=subprocess.PIPE)
        p4 = subprocess.Popen(["head", "-c", str(mb * 1024 * 1024)], stdin=p3.stdout, stdout=out)
        p1.stdout.close()
        p2.stdout.close()
        p3.stdout.close()
        for p in (p4, p3, p2, p1):
            p.wait()


def dir_size(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(d, f)).st_size
            except OSError:
                pass
    return total


class ImgBench:
    def __init__(self, opts, runner, res, work, img):
        self.o, self.r, self.res, self.work, self.img = opts, runner, res, work, img
        self.src = os.path.join(work, "img-src")
        self.store = os.path.join(work, "img-store")
        self.reg = Registry(work, runner)
        self.env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")

    def imgc(self, store, *args):
        return [self.img, "--store", store, "--quiet", *args]

    def build_big(self):
        """The issue's image: busybox, 20,000 small files, one 200 MB file."""
        os.makedirs(self.src, exist_ok=True)
        l1 = os.path.join(self.src, "l1")
        if not os.path.isdir(l1):
            make_rootfs(l1)
        l2 = os.path.join(self.src, "l2")
        if not os.path.isdir(l2):
            gen_files(os.path.join(l2 + ".tmp", "data"), self.o.small_files, 1)
            os.rename(l2 + ".tmp", l2)
        l3 = os.path.join(self.src, "l3")
        if not os.path.isdir(l3):
            os.makedirs(os.path.join(l3 + ".tmp", "big"))
            gen_big(os.path.join(l3 + ".tmp", "big", "blob.txt"), self.o.big_mb)
            os.rename(l3 + ".tmp", l3)
        if not os.path.isdir(self.store):
            note("building the 3-layer image (busybox, small files, one big file)")
            self.r.timed(self.imgc(self.store, "new", "big"), env=self.env)
            for layer in (l1, l2, l3):
                self.r.timed(self.imgc(self.store, "commit", "--rootfs", layer, "big"), env=self.env)
            self.r.timed(self.imgc(self.store, "new", "onefile"), env=self.env)
            self.r.timed(self.imgc(self.store, "commit", "--rootfs", l3, "onefile"), env=self.env)

    def scratch(self, name):
        """A fresh path under WORK/scratch.  Nothing is deleted until the
        whole run ends (purge_scratch): ext4 will not reuse an inode freed
        in the last 60-300 s and scans past every such inode for each new
        file (recently_deleted() was 75% of an unpack's CPU right after the
        previous 20,000-file tree was removed), so deleting between samples
        would time the file system's allocator, not the tools."""
        global SCRATCH_SEQ
        SCRATCH_SEQ += 1
        p = os.path.join(self.work, "scratch", f"{name}.{SCRATCH_SEQ}")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def run(self):
        g = "img"
        n = self.o.img_n
        self.build_big()
        self.reg.start(fresh=True)
        try:
            ref = f"{self.reg.addr}/bench/big:1"
            self.r.timed(self.imgc(self.store, "push", "--tls-verify=false", "big", ref))
            oci = os.path.join(self.work, "oci-big")
            shutil.rmtree(oci, ignore_errors=True)
            self.r.timed(["skopeo", "copy", "--quiet", "--src-tls-verify=false", f"docker://{ref}", f"oci:{oci}:big"])

            note("img: pull")
            for i in range(n):
                s = self.scratch("pull-img")
                ms, rss, _ = self.r.timed(self.imgc(s, "pull", "--tls-verify=false", ref), rss=True)
                self.res.add(g, "pull/img", ms)
                self.res.add(g, "rss-pull/img", rss)
                s = self.scratch("pull-skopeo")
                ms, rss, _ = self.r.timed(["skopeo", "copy", "--quiet", "--src-tls-verify=false",
                                           f"docker://{ref}", f"oci:{s}:big"], rss=True)
                self.res.add(g, "pull/skopeo", ms)
                self.res.add(g, "rss-pull/skopeo", rss)
                s = self.scratch("pull-unpack")
                b = self.scratch("pull-unpack-bundle")
                ms, rss, _ = self.r.timed(self.imgc(s, "pull", "--tls-verify=false", "--unpack", b, ref), rss=True)
                self.res.add(g, "pullunpack/img", ms)
                self.res.add(g, "rss-pullunpack/img", rss)
            for x in ("pull-img", "pull-skopeo", "pull-unpack", "pull-unpack-bundle"):
                self.scratch(x)

            note("img: unpack")
            for i in range(n):
                b = self.scratch("unpack-img")
                ms, rss, _ = self.r.timed(self.imgc(self.store, "unpack", "big", b), rss=True)
                self.res.add(g, "unpack/img", ms)
                self.res.add(g, "rss-unpack/img", rss)
                b = self.scratch("unpack-umoci")
                ms, rss, _ = self.r.timed(["umoci", "unpack", "--image", f"{oci}:big", b], rss=True)
                self.res.add(g, "unpack/umoci", ms)
                self.res.add(g, "rss-unpack/umoci", rss)
            self.scratch("unpack-img")
            self.scratch("unpack-umoci")

            note("img: commit after changing 1% of the small files")
            step = 100
            for i in range(self.o.commit_n):
                for tool in ("img", "umoci"):
                    b = self.scratch(f"commit-{tool}")
                    if tool == "img":
                        self.r.timed(self.imgc(self.store, "unpack", "big", b))
                    else:
                        self.r.timed(["umoci", "unpack", "--image", f"{oci}:big", b])
                    for k in range(i % step, self.o.small_files, step):
                        with open(os.path.join(b, "rootfs", "data", f"d{k % 100:03d}", f"f{k:06d}"), "ab") as f:
                            f.write(b"changed\n")
                    if tool == "img":
                        ms, rss, _ = self.r.timed(self.imgc(self.store, "commit", b, f"big:c{i}"), env=self.env, rss=True)
                    else:
                        ms, rss, _ = self.r.timed(["umoci", "repack", "--image", f"{oci}:c{i}", b], env=self.env, rss=True)
                    self.res.add(g, f"commit/{tool}", ms)
                    self.res.add(g, f"rss-commit/{tool}", rss)
                    self.scratch(f"commit-{tool}")

            note("img: push (to an emptied registry each time)")
            for i in range(n):
                self.reg.restart_empty()
                ms, rss, _ = self.r.timed(self.imgc(self.store, "push", "--tls-verify=false", "big",
                                                    f"{self.reg.addr}/bench/p{i}:1"), rss=True)
                self.res.add(g, "push/img", ms)
                self.res.add(g, "rss-push/img", rss)
                self.reg.restart_empty()
                ms, rss, _ = self.r.timed(["skopeo", "copy", "--quiet", "--dest-tls-verify=false",
                                           f"oci:{oci}:big", f"docker://{self.reg.addr}/bench/s{i}:1"], rss=True)
                self.res.add(g, "push/skopeo", ms)
                self.res.add(g, "rss-push/skopeo", rss)
        finally:
            self.reg.stop()

        lib = inflate_lib()
        note(f"img: gzip layer apply vs {lib} decode (the inflater img uses), zlib for context")
        blob, usize = self.onefile_layer()
        for i in range(n):
            b = self.scratch("apply")
            ms, _, _ = self.r.timed(["taskset", "-c", "0", *self.imgc(self.store, "unpack", "onefile", b)])
            self.res.add(g, "apply/img", usize / 1e6 / (ms / 1000))
            for x in sorted({lib, "zlib"}):
                ms, _, _ = self.r.timed(["taskset", "-c", "0", INFLATE, "--lib", x, blob])
                self.res.add(g, f"apply/{x}", usize / 1e6 / (ms / 1000))
        self.scratch("apply")
        self.res.meta["apply_layer_bytes"] = usize
        self.res.meta["apply_inflater"] = lib

    def onefile_layer(self):
        with open(os.path.join(self.store, "index.json")) as f:
            idx = json.load(f)
        for m in idx["manifests"]:
            if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "onefile":
                alg, hx = m["digest"].split(":")
                man = json.load(open(os.path.join(self.store, "blobs", alg, hx)))
                layer = man["layers"][-1]["digest"].split(":")
                blob = os.path.join(self.store, "blobs", layer[0], layer[1])
                out = subprocess.run([INFLATE, "--size", blob], capture_output=True, text=True, check=True)
                return blob, int(out.stdout.split()[0])
        die("no image 'onefile' in the bench store")

    def scale(self):
        g = "scale"
        note("scale: 100-layer image")
        s = os.path.join(self.work, "img-scale")
        if not os.path.isdir(s):
            self.r.timed(self.imgc(s + ".tmp", "new", "layers100"), env=self.env)
            for k in range(100):
                d = self.scratch("layer")
                gen_files(os.path.join(d, f"l{k:03d}"), 20, k)
                self.r.timed(self.imgc(s + ".tmp", "commit", "--rootfs", d, "layers100"), env=self.env)
            note(f"scale: {self.o.many_files}-file image")
            d = self.scratch("manyfiles")
            gen_files_flat(d, self.o.many_files)
            self.r.timed(self.imgc(s + ".tmp", "new", "files"), env=self.env)
            self.r.timed(self.imgc(s + ".tmp", "commit", "--rootfs", d, "files"), env=self.env)
            self.scratch("manyfiles")
            os.rename(s + ".tmp", s)
            self.r.timed(["skopeo", "copy", "--quiet", f"oci:{s}:layers100", f"oci:{s}-oci:layers100"])
        for i in range(self.o.scale_reps):
            for tool in ("img", "umoci"):
                b = self.scratch("l100")
                argv = self.imgc(s, "unpack", "layers100", b) if tool == "img" else \
                    ["umoci", "unpack", "--image", f"{s}-oci:layers100", b]
                ms, rss, _ = self.r.timed(argv, rss=True)
                self.res.add(g, f"l100/{tool}", ms)
                self.res.add(g, f"rss-l100/{tool}", rss)
        self.scratch("l100")
        for i in range(self.o.files_reps):
            b = self.scratch("files")
            ms, rss, _ = self.r.timed(self.imgc(s, "unpack", "files", b), rss=True)
            self.res.add(g, "files/img", ms)
            self.res.add(g, "rss-files/img", rss)
        self.scratch("files")


def gen_files_flat(root, count):
    """COUNT empty-ish files (1 byte) in directories of 1,000."""
    for i in range(count):
        d = os.path.join(root, f"d{i // 1000:04d}")
        if i % 1000 == 0:
            os.makedirs(d)
        fd = os.open(os.path.join(d, f"{i:07d}"), os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, b"x")
        os.close(fd)


def img_tables(res):
    g = "img"
    rows = []

    def row(label, a, b, peer, target, le=True, unit="s"):
        r = ratio(res.med(g, a), res.med(g, b))
        rows.append([label, cell(res, g, a, unit), cell(res, g, b, unit), peer,
                     "–" if r is None else f"{r:.2f}", verdict(r, target, le)])

    row("pull", "pull/img", "pull/skopeo", "skopeo copy docker:// oci:", 0.5)
    row("unpack", "unpack/img", "unpack/umoci", "umoci unpack", 0.25)
    row("pull --unpack vs pull", "pullunpack/img", "pull/img", "img pull", 1.2)
    row("commit, 1% of the small files changed", "commit/img", "commit/umoci", "umoci repack", 0.1)
    row("push (registry emptied before each)", "push/img", "push/skopeo", "skopeo copy oci: docker://", 0.8)
    lib = res.meta.get("apply_inflater", "zlib")
    names = {"zlib": "zlib inflate", "isal": "ISA-L igzip inflate (img's inflater)"}
    for x in [lib] + (["zlib"] if lib != "zlib" else []):
        r = ratio(res.med(g, "apply/img"), res.med(g, f"apply/{x}"))
        rows.append(["gzip layer apply, MB/s of tar, one core", cell(res, g, "apply/img", "rate"),
                     cell(res, g, f"apply/{x}", "rate"), f"{names.get(x, x)} of the same blob",
                     "–" if r is None else f"{r:.2f}",
                     verdict(r, 0.8, le=False) if x == lib else "(context)"])
    for op, peer in (("pull", "skopeo"), ("unpack", "umoci"), ("commit", "umoci"), ("push", "skopeo")):
        r = ratio(res.med(g, f"rss-{op}/img"), res.med(g, f"rss-{op}/{peer}"))
        rows.append([f"peak RSS of {op}, MB", cell(res, g, f"rss-{op}/img", "MB"),
                     cell(res, g, f"rss-{op}/{peer}", "MB"), peer, "–" if r is None else f"{r:.2f}", ""])
    res.tables.append(("img vs skopeo/umoci, docker-registry on 127.0.0.1 (s: median (p10–p90))",
                       ["operation", "img", "peer", "peer command", "img/peer", "target"], rows,
                       [f"image: busybox + {OPTS.small_files} small files + one {OPTS.big_mb} MiB file "
                        "(base64 text), three gzip layers; page cache warm for both sides"]))


def scale_tables(res):
    g = "scale"
    rows = []
    for kind in ("pcreate", "pdelete"):
        for rt in ("berth", "crun"):
            vals = [res.med(g, f"{kind}{c}/{rt}") for c in OPTS.par_counts]
            if any(v is None for v in vals):
                continue
            grow = vals[-1] / vals[0] if vals[0] else None
            rows.append([f"{'create' if kind == 'pcreate' else 'delete -f'} in parallel, ms per container, {rt}",
                         *[fmt(v) for v in vals], f"{grow:.2f}",
                         ("met" if grow < OPTS.par_counts[-1] / OPTS.par_counts[0] else "MISSED") +
                         " (sublinear)" if rt == "berth" else ""])
    res.tables.append(("Scale: N containers created at once, then deleted at once (`--cgroup-manager=disabled`)",
                       ["operation", *[f"N={c}" for c in OPTS.par_counts],
                        f"per-container N={OPTS.par_counts[-1]} / N={OPTS.par_counts[0]}", "target"], rows,
                       ["the total time grows less than linearly when the per-container ratio is below "
                        f"{OPTS.par_counts[-1] // OPTS.par_counts[0]}"]))
    rows = []
    for key, label in (("l100", "unpack, 100 layers (20 files each)"),
                       ("files", f"unpack, {OPTS.many_files} files in one layer")):
        rows.append([label, cell(res, g, f"{key}/img", "s"), cell(res, g, f"rss-{key}/img", "MB"),
                     cell(res, g, f"{key}/umoci", "s"), cell(res, g, f"rss-{key}/umoci", "MB")])
    r20 = res.med("img", "rss-unpack/img")
    rows.append([f"(for scale: unpack of the {OPTS.small_files}-file image)", cell(res, "img", "unpack/img", "s"),
                 cell(res, "img", "rss-unpack/img", "MB"), cell(res, "img", "unpack/umoci", "s"),
                 cell(res, "img", "rss-unpack/umoci", "MB")])
    res.tables.append(("Scale: big images (img; umoci where it finishes in reasonable time)",
                       ["operation", "img s", "img peak RSS MB", "umoci s", "umoci peak RSS MB"], rows, []))
    del r20


def render(res):
    out = []
    m = res.meta
    out.append(f"Measured {m['date']} on {m['host']} ({m['cpus']} cores), load average before: "
               f"{m['load_before']}, after: {m.get('load_after', '?')}.  "
               f"{m['versions']}.  State roots (--root) on {m['state']}; berth/img: {m['binaries']}.  Command: `{m['command']}`")
    out.append("")
    for title, header, rows, notes in res.tables:
        out.append(f"### {title}")
        out.append("")
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "|".join("---" for _ in header) + "|")
        for r in rows:
            out.append("| " + " | ".join(str(c) for c in r) + " |")
        for n in notes:
            out.append("")
            out.append(n)
        out.append("")
    return "\n".join(out)


def version(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True).stdout.splitlines()[0].strip()
    except (OSError, IndexError):
        return "?"


def main():
    global OPTS, LOG, BASE_CONFIG, INFLATE, PEAKRSS
    ap = argparse.ArgumentParser(description="berth/img benchmarks (issue 7)")
    ap.add_argument("groups", nargs="*", default=["runtime", "img", "scale"])
    ap.add_argument("--berth", required=True)
    ap.add_argument("--img", required=True)
    ap.add_argument("--inflate", required=True)
    ap.add_argument("--peakrss", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("-n", type=int, default=30, help="samples per runtime operation")
    ap.add_argument("--img-n", type=int, default=5)
    ap.add_argument("--commit-n", type=int, default=3)
    ap.add_argument("--containers", type=int, default=1000)
    ap.add_argument("--many-n", type=int, default=20)
    ap.add_argument("--scale-reps", type=int, default=3)
    ap.add_argument("--par-counts", default="10,50,100")
    ap.add_argument("--files-reps", type=int, default=1, help="unpacks of the many-file image")
    ap.add_argument("--small-files", type=int, default=20000)
    ap.add_argument("--big-mb", type=int, default=200)
    ap.add_argument("--many-files", type=int, default=500000)
    ap.add_argument("--memmax", help="memory.max results file from the VM (tests/bench/memmax.sh)")
    ap.add_argument("--command", default="make bench")
    ap.add_argument("--state-on-disk", dest="state_tmpfs", action="store_false",
                    help="keep the runtimes' --root directories on the disk, not on a tmpfs")
    OPTS = ap.parse_args()
    OPTS.par_counts = [int(x) for x in OPTS.par_counts.split(",")]
    INFLATE = OPTS.inflate
    PEAKRSS = OPTS.peakrss
    os.makedirs(OPTS.work, exist_ok=True)
    os.makedirs(OPTS.results, exist_ok=True)
    LOG = os.path.join(OPTS.work, "bench.log")
    note(f"log: {LOG}")
    res = Results()
    res.meta.update(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), host=platform.node(),
                    cpus=os.cpu_count(), load_before=" ".join(f"{x:.2f}" for x in os.getloadavg()),
                    command=OPTS.command,
                    versions="; ".join([version([OPTS.berth, "--version"]), version(["crun", "--version"]),
                                        version(["runc", "--version"]), version(["skopeo", "--version"]),
                                        version(["umoci", "--version"]), f"kernel {platform.release()}"]))
    res.meta["binaries"] = ("stripped copies, as packages install them" if "/tests/bench/bin/" in OPTS.berth
                            else OPTS.berth)
    state_mnt = None
    if OPTS.state_tmpfs:
        # /run, where runtimes keep their state, is a tmpfs on a normal host
        # (on this one it is on the disk, where berth's fsync()s cost ms)
        state_mnt = os.path.join(OPTS.work, "state")
        os.makedirs(state_mnt, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0700,size=512m", "berth-bench", state_mnt], check=True)
        res.meta["state"] = "tmpfs"
    else:
        res.meta["state"] = "disk (" + OPTS.work + ")"
    purge_scratch(OPTS.work)  # a crashed run's leftovers
    mask = MaskNS(OPTS.work)
    runner = Runner(LOG, mask)
    spec = subprocess.run([OPTS.berth, "spec", "--bundle", OPTS.work], capture_output=True)
    if spec.returncode != 0:
        die("berth spec failed: " + spec.stderr.decode())
    with open(os.path.join(OPTS.work, "config.json")) as f:
        BASE_CONFIG = json.load(f)
    os.unlink(os.path.join(OPTS.work, "config.json"))
    rb = None
    try:
        if "runtime" in OPTS.groups or "scale" in OPTS.groups:
            rb = RuntimeBench(OPTS, runner, res, OPTS.work)
        if "runtime" in OPTS.groups:
            state = rb.state
            dis = [Runtime("berth", OPTS.berth, "disabled", state), Runtime("crun", "crun", "disabled", state)]
            dflt = [Runtime("berth", OPTS.berth, "default", state), Runtime("crun", "crun", "default", state),
                    Runtime("runc", "runc", "default", state)]
            note(f"runtime: lifecycle, cgroups disabled, {OPTS.n} rounds")
            rb.lifecycle("runtime-disabled", dis, OPTS.n)
            note(f"runtime: lifecycle, defaults, {OPTS.n} rounds")
            rb.lifecycle("runtime-default", dflt, OPTS.n)
            note(f"runtime: state/list with {OPTS.containers} containers")
            rb.many("runtime-many", [dis[0], dis[1], dflt[2]], OPTS.containers, OPTS.many_n)
            runtime_tables(res, True)
            save(res)
        if OPTS.memmax and os.path.exists(OPTS.memmax) and ("runtime" in OPTS.groups or "memmax" in OPTS.groups):
            memmax_table(res, OPTS.memmax)
        if "img" in OPTS.groups:
            ImgBench(OPTS, runner, res, OPTS.work, OPTS.img).run()
            img_tables(res)
            save(res)
        if "scale" in OPTS.groups:
            state = rb.state
            rts = [Runtime("berth", OPTS.berth, "disabled", state), Runtime("crun", "crun", "disabled", state)]
            note("scale: parallel create/delete")
            rb.parallel("scale", rts, OPTS.par_counts)
            ImgBench(OPTS, runner, res, OPTS.work, OPTS.img).scale()
            scale_tables(res)
    finally:
        if rb:
            rb.cleanup_cgroups()
        mask.close()
        purge_scratch(OPTS.work)
        if state_mnt:
            subprocess.run(["umount", state_mnt])
    print(save(res))


def save(res):
    """Write the tables so far (after each group: a late failure keeps the
    earlier groups' results)."""
    res.meta["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = render(res)
    tag = "-".join(OPTS.groups)
    with open(os.path.join(OPTS.results, "latest.md" if tag == "runtime-img-scale" else f"latest-{tag}.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(OPTS.results, "latest.json" if tag == "runtime-img-scale" else f"latest-{tag}.json"),
              "w") as f:
        json.dump({"meta": res.meta, "samples": res.samples,
                   "summary": {g: {k: summary(v) for k, v in d.items()} for g, d in res.samples.items()}},
                  f, indent=1, sort_keys=True)
    return text


def memmax_table(res, path):
    """Lines 'RUNTIME KIB' written by tests/bench/memmax.sh in the VM."""
    vals = {}
    when = "?"
    for line in open(path):
        f = line.split()
        if line.startswith("# measured"):
            when = line[len("# measured"):].strip()
        elif len(f) == 2 and f[1].isdigit():
            vals[f[0]] = int(f[1])
    rows = [[k, f"{v / 1024:.2f}"] for k, v in sorted(vals.items())]
    b, c = vals.get("berth"), vals.get("crun")
    note_ = ("met" if b <= c else f"MISSED by {(b - c) / 1024:.2f} MiB") if b and c else "–"
    res.meta["memmax"] = vals
    res.meta["memmax_measured"] = when
    res.tables.append(("Smallest memory.max (runtime + container in one cgroup) under which `run` of /bin/true "
                       "succeeds, test VM (pass/fail search, not timed)",
                       ["runtime", "memory.max MiB"], rows,
                       [f"target berth ≤ crun: {note_}.  From {os.path.basename(path)}, measured {when} "
                        "(`make bench BENCH_ARGS=memmax` refreshes it: ~5 minutes in the emulated VM)."]))


OPTS = LOG = INFLATE = PEAKRSS = None
SCRATCH_SEQ = 0


def purge_scratch(work):
    subprocess.run(["rm", "-rf", "--one-file-system", os.path.join(work, "scratch")])

if __name__ == "__main__":
    main()
