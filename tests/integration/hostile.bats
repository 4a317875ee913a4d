#!/usr/bin/env bats
# Hostile inputs (issue 9): each refused with an error naming the object
# and the reason, within bounded memory (peak RSS measured with
# /usr/bin/time and asserted), leaving nothing behind.  The limits are in
# src/common/berth-limits.h; docs/RELIABILITY.md ("Hostile inputs and
# limits") lists them with the figures these tests print.  Big inputs are
# made in the test's temp dir with python, head or truncate (sparse), so the
# whole file runs in seconds.
#
# Covered elsewhere, not repeated here: tar '../', absolute names, hard
# links out, symlink-then-write, huge pax header, name > 4096 bytes
# (img-unpack.bats "hostile:"); /proc, /sys, /dev/null, /dev/console
# symlinks and /proc/self/fd cwd (cve.bats); wrong JSON types (errors.bats).

load helpers
load img-helpers
load registry-helpers

# Peak RSS allowed for refusing any hostile input (KiB).  A sanitized
# build (make check-sanitize) gets twice as much: ASan's header and redzones
# on every block double the small allocations a parse makes (100,001 mounts:
# 35 MiB plain, 66 MiB sanitized); the bound is still what catches a
# document read or built whole (165 MiB and more).
PEAK_MAX_KB=$((64 * 1024))
! ldd "${BERTH:-berth}" 2> /dev/null | grep -q libasan || PEAK_MAX_KB=$((128 * 1024))

setup() {
  berth_setup
  img_setup
  command -v /usr/bin/time > /dev/null || fail "/usr/bin/time is not installed (apt-get install time)"
}

# cfg PYTHON: edit $BUNDLE/config.json as the dict c (json.dump writes it).
cfg() {
  python3 -c '
import json, sys
p = sys.argv[1]
c = json.load(open(p))
exec(sys.argv[2])
json.dump(c, open(p, "w"))
' "$BUNDLE/config.json" "$1" || fail "cfg $1"
}

# cfg_raw PYTHON: edit the bytes of config.json as b (bytes).
cfg_raw() {
  python3 -c '
import sys
p = sys.argv[1]
b = open(p, "rb").read()
exec(sys.argv[2])
open(p, "wb").write(b)
' "$BUNDLE/config.json" "$1" || fail "cfg_raw $1"
}

# peak ID CMD...: run CMD (stdin /dev/null) under /usr/bin/time; sets
# status, output and PEAK_KB, and prints them.
peak() {
  local id=$1
  shift
  status=0
  ASAN_OPTIONS=$(asan_unquarantined) \
    /usr/bin/time -f %M -o "$BATS_TEST_TMPDIR/$id.rss" "$@" < /dev/null > "$BATS_TEST_TMPDIR/$id.log" 2>&1 3>&- ||
    status=$?
  output=$(cut -c1-400 "$BATS_TEST_TMPDIR/$id.log")
  PEAK_KB=$(tail -1 "$BATS_TEST_TMPDIR/$id.rss")
  echo "# $id: exit $status, peak ${PEAK_KB} KiB: $output"
  echo "# $id: exit $status, peak ${PEAK_KB} KiB" >&3
}

# fresh: a new bundle (make_bundle makes one per directory).
fresh() {
  FRESH=$((${FRESH:-0} + 1))
  make_bundle "$BATS_TEST_TMPDIR/bundle$FRESH"
}

# refused ID WANT...: `berth create` of $BUNDLE fails (exit 1) with every
# WANT in its message, under PEAK_MAX_KB, and leaves no container.
refused() {
  local id=$1 w
  shift
  peak "$id" "$BERTH" --root "$STATE_DIR/berth" create --bundle "$BUNDLE" "$id"
  [ "$status" -eq 1 ] || fail "$id: exit $status, not 1"
  for w in "$@"; do
    [[ $output == *"$w"* ]] || fail "$id: message lacks '$w'"
  done
  [ "$PEAK_KB" -lt "$PEAK_MAX_KB" ] || fail "$id: peak RSS $PEAK_KB KiB"
  [ ! -d "$STATE_DIR/berth/$id" ] || fail "$id: state left behind"
}

# ---------------------------------------------------------------- runtime ----

@test "hostile config: 1,000,001 env entries and 100,001 mounts are refused with the count and the limit" {
  requires berth
  fresh
  cfg 'c["process"]["env"] = ["A=1"] * 1000001'
  refused env "config.json: .process.env: too many entries (1000001, limit 100000)"
  fresh
  cfg 'c["mounts"] = [{"destination": "/m"}] * 100001'
  refused mounts "config.json: .mounts: too many entries (100001, limit 100000)"
}

@test "hostile config: 100,000 '[' and 250,001 values are refused" {
  requires berth
  fresh
  head -c 100000 /dev/zero | tr '\0' '[' > "$BUNDLE/config.json"
  refused deep "config.json: byte 100: nested deeper than 100 levels"
  fresh
  cfg 'c["x"] = [[0] * 999 for i in range(251)]'
  refused values "config.json: .x[249][" "]: more than 250000 values in the document"
}

@test "hostile config: invalid UTF-8 and \\u0000 in args, env, cwd, mount destinations and keys" {
  requires berth
  fresh
  cfg_raw 'b = b.replace(b"\"/probe\"", b"\"/pro\xffbe\"", 1)'
  grep -q $'\xff' "$BUNDLE/config.json" || fail "no 0xff in config.json"
  refused utf8 "config.json: invalid JSON at byte" "invalid bytes in UTF8 string"
  local v
  for v in 'c["process"]["args"] = ["/probe", "x\u0000y"]#config.json: .process.args[1]: string' \
    'c["process"]["env"] += ["A=\u0000"]#config.json: .process.env[' \
    'c["process"]["cwd"] = "/tmp\u0000/../.."#config.json: .process.cwd: string' \
    'c["mounts"] += [{"destination": "/a\u0000/etc", "type": "tmpfs", "source": "t"}]#].destination: string' \
    'c["annotations"] = {"k\u0000": "v"}#config.json: .annotations: key 0'; do
    fresh
    cfg "${v%%#*}"
    grep -qF '\u0000' "$BUNDLE/config.json" || fail "no \\u0000 in config.json"
    refused nul "${v#*#}" "NUL byte (\\u0000)"
  done
}

@test "hostile config: ids of 2^40, -1 and 1e400 and an rlimit past 64 bits are refused naming the field" {
  requires berth
  fresh
  cfg 'c["process"]["user"]["uid"] = 2**40'
  refused uid ".process.user.uid: integer 1099511627776 out of range for uint32"
  fresh
  cfg 'c["process"]["user"]["gid"] = -1'
  refused gid ".process.user.gid: integer -1 out of range for uint32"
  fresh
  cfg_raw 'b = b.replace(b"\"uid\": 0", b"\"uid\": 1e400", 1)'
  refused e400 ".process.user.uid: expected integer, got number 1e400"
  fresh
  cfg 'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 2**64, "soft": 1}]'
  refused rlimit ".process.rlimits[0].hard: integer 18446744073709551616 out of range for uint64"
  fresh
  cfg 'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": -5, "size": 1}]'
  refused idmap ".linux.uidMappings[0].hostID: integer -5 out of range for uint32"
}

@test "hostile config: a 1 GiB config.json, a 100 MiB string and an endless FIFO are refused unread" {
  requires berth
  fresh
  truncate -s 1G "$BUNDLE/config.json"
  refused gib "config.json': too large (1073741824 bytes, limit 16777216)"
  fresh
  { printf '{"hostname":"'; head -c 100M /dev/zero | tr '\0' a; printf '"}'; } > "$BUNDLE/config.json"
  refused string "config.json': too large (104857615 bytes, limit 16777216)"
  fresh
  rm "$BUNDLE/config.json"
  mkfifo "$BUNDLE/config.json"
  (yes '{"a":1}' > "$BUNDLE/config.json" 2> /dev/null || true) &
  local writer=$!
  refused fifo "config.json': too large (more than 16777216 bytes)"
  wait "$writer"
}

@test "hostile config: 100,000 annotations and 100,000 duplicate keys parse in linear time; the last value wins" {
  requires berth
  fresh
  set_args probe sleep 100
  cfg 'c["annotations"] = {"k%d" % i: "v" for i in range(100000)}'
  cfg_raw 'b = b[:-1] + b", \"annotations\": {\"dup\": \"first\"" + b", \"dup\": \"x\"" * 99998 + b", \"dup\": \"last\"}}"'
  local t0=$SECONDS
  peak dup "$BERTH" --root "$STATE_DIR/berth" create --bundle "$BUNDLE" dup
  [ "$status" -eq 0 ] || fail "create: $output"
  [ $((SECONDS - t0)) -lt 20 ] || fail "create took $((SECONDS - t0)) s"
  run -0 berth state dup
  [ "$(jq -r '.annotations.dup' <<< "$output")" = last ] || fail "dup: $(jq -c .annotations <<< "$output")"
  [ "$(jq -r '.annotations | length' <<< "$output")" = 1 ] || fail "the later annotations object replaces the first"
  berth delete -f dup
}

@test "hostile config: '..' in mount destinations and cwd stays inside the rootfs" {
  requires berth root
  fresh
  local out=$BATS_TEST_TMPDIR/outside-$$
  mkdir "$out"
  cfg 'c["mounts"] += [{"destination": "/../../../..'"$out"'", "type": "tmpfs", "source": "tmpfs"}]'
  cfg 'c["process"]["cwd"] = "/../../../.."'
  run_probe -- cwd
  [ "$status" -eq 0 ] || fail "run: $output"
  [[ $output == "/" ]] || fail "cwd '$output', not '/'"
  ! grep -qF " $out " /proc/self/mountinfo || fail "$out was mounted on the host"
  [ -d "$BUNDLE/rootfs$out" ] || fail "the mount point was not made inside the rootfs"
}

@test "hostile config: a mount target that is a symlink to a host path lands inside the rootfs" {
  requires berth root
  fresh
  local out=$BATS_TEST_TMPDIR/host-target
  mkdir "$out"
  ln -s "$out" "$BUNDLE/rootfs/data"
  ln -s ../../../../../../.. "$BUNDLE/rootfs/up"
  cfg 'c["mounts"] += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs"},
                       {"destination": "/up/escaped", "type": "tmpfs", "source": "tmpfs"}]'
  run_probe -- write /data/f x
  [ "$status" -eq 0 ] || fail "run: $output"
  [ -z "$(ls -A "$out")" ] || fail "written to the host's $out"
  ! grep -qF " $out " /proc/self/mountinfo || fail "$out was mounted on the host"
  [ ! -e /escaped ] || fail "/escaped made on the host"
  [ -d "$BUNDLE/rootfs$out" ] && [ -d "$BUNDLE/rootfs/escaped" ] || fail "mount points not made inside the rootfs"
}

# -------------------------------------------------------------------- img ----

# image TAG [KEY=VALUE...]: write image TAG into $IMG_STORE (an OCI layout
# made here, never by img) with python.  Keys: tar=FILE (the one layer,
# gzip-compressed; default an empty tar), layers=N (the layer N times),
# layer_size=N (the layers' descriptor size), config_pad=N (bytes of
# history in the config), env=N (Env entries), manifest_pad=N (bytes of
# annotations in the manifest).
image() {
  python3 - "$IMG_STORE" "$@" << 'PY' || fail "image $*"
import gzip, hashlib, io, json, os, platform, sys, tarfile
store, tag = sys.argv[1], sys.argv[2]
o = dict(a.split("=", 1) for a in sys.argv[3:])
os.makedirs(os.path.join(store, "blobs", "sha256"), exist_ok=True)
if not os.path.exists(os.path.join(store, "oci-layout")):
    json.dump({"imageLayoutVersion": "1.0.0"}, open(os.path.join(store, "oci-layout"), "w"))
    json.dump({"schemaVersion": 2, "manifests": []}, open(os.path.join(store, "index.json"), "w"))
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(store, "blobs", "sha256", d), "wb").write(data)
    return "sha256:" + d, len(data)
if "tar" in o:
    raw = open(o["tar"], "rb").read()
else:
    b = io.BytesIO()
    tarfile.open(fileobj=b, mode="w").close()
    raw = b.getvalue()
n = int(o.get("layers", 1))
ld, ls = put(gzip.compress(raw, compresslevel=1, mtime=0))
if "layer_size" in o:
    ls = int(o["layer_size"])
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
cfg = {"architecture": arch, "os": "linux", "config": {"Cmd": ["/bin/sh"]},
       "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw).hexdigest()] * n}}
if "env" in o:
    cfg["config"]["Env"] = ["A=1"] * int(o["env"])
if "config_pad" in o:
    cfg["history"] = [{"created_by": "x" * 1000}] * (int(o["config_pad"]) // 1000)
cd, cs = put(json.dumps(cfg).encode())
man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld, "size": ls}] * n}
if "manifest_pad" in o:
    man["annotations"] = {"pad": "x" * int(o["manifest_pad"])}
md, ms = put(json.dumps(man).encode())
ip = os.path.join(store, "index.json")
idx = json.load(open(ip))
ref = "org.opencontainers.image.ref.name"
idx["manifests"] = [m for m in idx["manifests"] if m.get("annotations", {}).get(ref) != tag]
idx["manifests"].append({"mediaType": man["mediaType"], "digest": md, "size": ms, "annotations": {ref: tag}})
json.dump(idx, open(ip, "w"))
PY
}

# unpack_refused TAG WANT... [-- UNPACK_OPTS]: img unpack TAG fails (exit 1)
# with every WANT in the message, under PEAK_MAX_KB, and leaves no bundle.
unpack_refused() {
  local tag=$1 w want=() opts=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    want+=("$1")
    shift
  done
  [ "${1:-}" != -- ] || opts=("${@:2}")
  peak "$tag" "$IMG" --store "$IMG_STORE" unpack "${opts[@]}" "$tag" "$BATS_TEST_TMPDIR/bundle-$tag"
  [ "$status" -eq 1 ] || fail "$tag: exit $status, not 1"
  for w in "${want[@]}"; do
    [[ $output == *"$w"* ]] || fail "$tag: message lacks '$w'"
  done
  [ "$PEAK_KB" -lt "$PEAK_MAX_KB" ] || fail "$tag: peak RSS $PEAK_KB KiB"
  [ ! -e "$BATS_TEST_TMPDIR/bundle-$tag" ] || fail "$tag: a bundle was left"
}

@test "hostile image: 1,001 layers, negative and 2^63 sizes, a 5 MiB config and manifest are refused" {
  image many layers=1001
  unpack_refused many "manifest 'sha256:" "too many layers (1001, limit 1000)"
  image neg layer_size=-1
  unpack_refused neg "layer 0 'sha256:" "invalid size -1"
  image huge layer_size=9223372036854775808
  unpack_refused huge ".layers[0].size: integer 9223372036854775808 out of range for int64"
  image bigcfg config_pad=5000000
  unpack_refused bigcfg "config 'sha256:" "too large (" "limit 4194304)"
  image bigman manifest_pad=5000000
  unpack_refused bigman "blob 'sha256:" "is too large: 50"
  image env env=100001
  unpack_refused env ".config.Env: too many entries (100001, limit 100000)"
  image ok layers=1000
  peak ok "$IMG" --store "$IMG_STORE" --quiet unpack ok "$BATS_TEST_TMPDIR/bundle-ok"
  [ "$status" -eq 0 ] || fail "1,000 layers: $output"
}

# make_bombs: $BATS_TEST_TMPDIR/bomb.tar (4 files of 32 MiB of zeros:
# 586 KB gzip-compressed) and huge.tar (one header declaring 1 TiB)
make_bombs() {
  python3 -c '
import io, sys, tarfile
class Zeros(io.RawIOBase):
    def __init__(s, n): s.n = n
    def readable(s): return True
    def readinto(s, b):
        k = min(len(b), s.n); b[:k] = bytes(k); s.n -= k; return k
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
for i in range(4):
    ti = tarfile.TarInfo("zeros%d" % i); ti.size = 32 << 20
    t.addfile(ti, Zeros(ti.size))
t.close()
ti = tarfile.TarInfo("huge"); ti.size = 1 << 40
open(sys.argv[2], "wb").write(ti.tobuf(tarfile.PAX_FORMAT) + bytes(2048))
' "$BATS_TEST_TMPDIR/bomb.tar" "$BATS_TEST_TMPDIR/huge.tar" || fail "python"
}

@test "hostile layer: a gzip bomb stops at --max-layer-size; a 1 TiB file at the 64G default, unwritten" {
  make_bombs
  image bomb tar="$BATS_TEST_TMPDIR/bomb.tar"
  unpack_refused bomb "entry 'zeros2': the layer's files exceed 83886080 bytes (--max-layer-size)" -- --max-layer-size 80M
  unpack_refused bomb "entry 'zeros1': the uncompressed layer exceeds 67108864 bytes (--max-layer-size)" -- --max-layer-size 64M
  peak bomb-ok "$IMG" --store "$IMG_STORE" --quiet unpack --max-layer-size 160M bomb "$BATS_TEST_TMPDIR/bundle-bomb-ok"
  [ "$status" -eq 0 ] || fail "160M: $output"
  image huge tar="$BATS_TEST_TMPDIR/huge.tar"
  unpack_refused huge "entry 'huge': the layer's files exceed 68719476736 bytes (--max-layer-size)"
  run img unpack --max-layer-size 1X huge "$BATS_TEST_TMPDIR/x"
  [ "$status" -ne 0 ] && [[ $output == *"--max-layer-size '1X': not a size"* ]] || fail "$output"
}

@test "hostile layer: a 1 GiB pax header, names with newlines and invalid UTF-8, nesting past PATH_MAX" {
  python3 -c '
import sys, tarfile
ti = tarfile.TarInfo("././@PaxHeader"); ti.type = tarfile.XHDTYPE; ti.size = 1 << 30
open(sys.argv[1], "wb").write(ti.tobuf(tarfile.USTAR_FORMAT) + b"12 path=abc\n" + bytes(2048))
' "$BATS_TEST_TMPDIR/pax.tar" || fail "python"
  image pax tar="$BATS_TEST_TMPDIR/pax.tar"
  unpack_refused pax "layer 'sha256:" "tar header"
  python3 -c '
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT, encoding="utf-8", errors="surrogateescape")
def f(name):
    ti = tarfile.TarInfo(name); ti.size = 1; t.addfile(ti, io.BytesIO(b"x"))
f("new\nline"); f("bad\udcff\udcfeutf8")
# 1,000 levels of "d/" (2,000 bytes), a symlink to its bottom, and 1,000 more through it: 4,000 levels deep
t.addfile(tarfile.TarInfo("d/" * 1000 + "e")) if False else None
for depth in (1000,):
    ti = tarfile.TarInfo("d/" * depth); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
ti = tarfile.TarInfo("s"); ti.type = tarfile.SYMTYPE; ti.linkname = "d/" * 1000; t.addfile(ti)
ti = tarfile.TarInfo("s/" + "e/" * 1000); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
f("s/" + "e/" * 1000 + "deep")
t.close()
' "$BATS_TEST_TMPDIR/names.tar" || fail "python"
  image names tar="$BATS_TEST_TMPDIR/names.tar"
  peak names "$IMG" --store "$IMG_STORE" --quiet unpack names "$BATS_TEST_TMPDIR/bundle-names"
  [ "$status" -eq 0 ] || fail "names: $output"
  local r=$BATS_TEST_TMPDIR/bundle-names/rootfs
  [ "$(cat "$r/new"$'\n'"line")" = x ] || fail "newline name: $(ls "$r")"
  [ "$(cat "$r/bad"$'\xff\xfe'"utf8")" = x ] || fail "raw-byte name: $(ls "$r" | od -c | head)"
  (cd "$r/$(printf 'd/%.0s' $(seq 1000))" && cd "$(printf 'e/%.0s' $(seq 1000))" && [ "$(cat deep)" = x ]) ||
    fail "the file 4,000 levels deep is missing"
  rm -rf "$BATS_TEST_TMPDIR/bundle-names"
}

@test "hostile reference: a 100,000-byte image name is refused naming the limit" {
  local name
  image ok
  name=$(head -c 100000 /dev/zero | tr '\0' a)
  peak ref "$IMG" --store "$IMG_STORE" unpack "$name" "$BATS_TEST_TMPDIR/bundle-ref"
  [ "$status" -eq 1 ] || fail "exit $status"
  [[ $output == *"is too long (100000 bytes, limit 1024)"* ]] || fail "$output"
  peak ref-pull "$IMG" --store "$IMG_STORE" pull "$name"
  [ "$status" -eq 1 ] && [[ $output == *"': too long (100000 bytes, limit 1024)"* ]] || fail "$output"
  [ "${#output}" -lt 1000 ] || fail "the message echoes the whole name (${#output} bytes)"
}

# ------------------------------------------------------------- registry ----

# liar_start: liar-registry.py on a free port; sets LIAR (host:port).
liar_start() {
  local port i
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 "$BATS_TEST_DIRNAME/liar-registry.py" "$port" "$BATS_TEST_TMPDIR/liar.log" 3>&- &
  LIAR_PID=$!
  LIAR=127.0.0.1:$port
  for i in $(seq 100); do
    curl -s -o /dev/null "http://$LIAR/v2/" && return 0
    sleep 0.1
  done
  fail "liar-registry.py did not start"
}

teardown() {
  [ -z "${LIAR_PID:-}" ] || { kill "$LIAR_PID" 2> /dev/null || true; wait "$LIAR_PID" 2> /dev/null || true; }
  [ -z "${REGISTRY_DIR:-}" ] || registry_stop
  berth_teardown
}

@test "hostile registry: a manifest claiming 1 GiB, a blob past its descriptor's size, 1,001 layers" {
  liar_start
  peak big "$IMG" --store "$IMG_STORE" pull --tls-verify=false "$LIAR/big:latest"
  [ "$status" -eq 1 ] && [[ $output == *"/v2/big/manifests/latest: response too large (more than 4194304 bytes)"* ]] ||
    fail "big: $output"
  [ "$PEAK_KB" -lt "$PEAK_MAX_KB" ] || fail "big: peak RSS $PEAK_KB KiB"
  peak fat "$IMG" --store "$IMG_STORE" pull --tls-verify=false "$LIAR/fat:latest"
  [ "$status" -eq 1 ] && [[ $output == *"the registry sent more than its 100 bytes"* ]] ||
    fail "fat: $output"
  [ "$PEAK_KB" -lt "$PEAK_MAX_KB" ] || fail "fat: peak RSS $PEAK_KB KiB"
  [ "$(du -sk "$IMG_STORE" | cut -f1)" -lt 4096 ] || fail "the store grew to $(du -sh "$IMG_STORE")"
  peak many "$IMG" --store "$IMG_STORE" pull --tls-verify=false "$LIAR/many:latest"
  [ "$status" -eq 1 ] && [[ $output == *"too many layers (1001, limit 1000)"* ]] || fail "many: $output"
  ! grep -q '/many/blobs/' "$BATS_TEST_TMPDIR/liar.log" || fail "a blob of 'many' was fetched"
}

@test "hostile registry: pull --unpack stops a gzip bomb at --max-layer-size while it streams; no bundle, no tag, fsck clean" {
  requires registry
  local bundle=$BATS_TEST_TMPDIR/bundle-pulled store=$BATS_TEST_TMPDIR/pulled ref
  make_bombs
  image bomb tar="$BATS_TEST_TMPDIR/bomb.tar"
  registry_start open
  ref=$REGISTRY/h/bomb:1
  img push -q --tls-verify=false bomb "$ref" || fail "push the bomb"
  # refused at the header of the third file (files' declared sizes), then
  # by the uncompressed stream itself: the messages img unpack gives
  peak pull-bomb "$IMG" --store "$store" pull -q --tls-verify=false --unpack "$bundle" --max-layer-size 80M "$ref"
  [ "$status" -eq 1 ] || fail "exit $status, not 1"
  [[ $output == *"pull '$ref'"*"layer 'sha256:"*"entry 'zeros2': the layer's files exceed 83886080 bytes (--max-layer-size)"* ]] ||
    fail "80M: $output"
  [ "$PEAK_KB" -lt "$PEAK_MAX_KB" ] || fail "peak RSS $PEAK_KB KiB"
  [ ! -e "$bundle" ] || fail "a bundle was left: $(ls -A "$bundle")"
  [ -z "$(ls -A "$BATS_TEST_TMPDIR" | grep img-unpack)" ] || fail "a staging directory was left"
  run "$IMG" --store "$store" fsck
  [ "$status" -eq 0 ] || fail "img fsck: $output"
  [ "$(jq '.manifests | length' "$store/index.json")" = 0 ] || fail "a tag was written: $(cat "$store/index.json")"
  run "$IMG" --store "$store" pull -q --tls-verify=false --unpack "$bundle" --max-layer-size 64M "$ref"
  [ "$status" -eq 1 ] || fail "exit $status, not 1"
  [[ $output == *"layer 'sha256:"*"entry 'zeros1': the uncompressed layer exceeds 67108864 bytes (--max-layer-size)"* ]] ||
    fail "64M: $output"
  [ ! -e "$bundle" ] || fail "a bundle was left: $(ls -A "$bundle")"
  run "$IMG" --store "$store" fsck
  [ "$status" -eq 0 ] || fail "img fsck: $output"
  run "$IMG" --store "$store" pull -q --tls-verify=false --max-layer-size 1X --unpack "$bundle" "$ref"
  [ "$status" -ne 0 ] && [[ $output == *"--max-layer-size '1X': not a size"* ]] || fail "$output"
  run "$IMG" --store "$store" pull -q --tls-verify=false --max-layer-size 80M "$ref"
  [ "$status" -ne 0 ] && [[ $output == *"--max-layer-size"*"--unpack"* ]] || fail "without --unpack: $output"
  # under the limit: unpacked, the four files whole
  peak pull-bomb-ok "$IMG" --store "$store" pull -q --tls-verify=false --unpack "$bundle" --max-layer-size 160M "$ref"
  [ "$status" -eq 0 ] || fail "160M: $output"
  [ "$(stat -c %s "$bundle/rootfs/zeros3")" = $((32 << 20)) ] || fail "zeros3 is not 32 MiB"
  run "$IMG" --store "$store" fsck
  [ "$status" -eq 0 ] || fail "img fsck: $output"
}
