#!/usr/bin/env bats
# img unpack: layers applied into BUNDLE/rootfs (gzip, zstd, uncompressed;
# whiteouts and opaque directories; links, devices, xattrs; diff_id
# checked), compared with umoci's unpack of the same image; a hostile layer
# corpus that must fail naming the entry and write nothing outside the
# rootfs; rootless unpack as an unprivileged user; kill -9 mid-unpack (the
# bundle is absent or complete).
#
# Fixture layers are written with python's tarfile and images assembled by
# hand (or by umoci), never by img.

load helpers
load img-helpers

setup_file() {
  rootless_user_setup
}

setup() {
  berth_setup
  img_setup
  command -v umoci > /dev/null || fail "umoci is not installed (apt-get install umoci)"
  BOX=$BATS_TEST_TMPDIR/box
  mkdir -p "$BOX/sentinel"
}

# mktar OUT: a pax tar made by the python code on stdin, which calls
#   f(name, data, mode, uid, gid, xattrs)  d(name, mode, uid, gid, xattrs)
#   l(name, target)  h(name, target)  dev(name, "c"|"b", major, minor)
#   fifo(name)  wh(name)  and may use t (the TarFile) and tarfile, io.
mktar() {
  python3 -c '
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
M = 1500000000
def _ti(name, typ, mode, uid=0, gid=0, xattrs=None):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.uid, ti.gid, ti.mtime = typ, mode, uid, gid, M
    if xattrs:
        ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
    return ti
def f(name, data="", mode=0o644, uid=0, gid=0, xattrs=None):
    data = data.encode() if isinstance(data, str) else data
    ti = _ti(name, tarfile.REGTYPE, mode, uid, gid, xattrs)
    ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))
def d(name, mode=0o755, uid=0, gid=0, xattrs=None):
    t.addfile(_ti(name, tarfile.DIRTYPE, mode, uid, gid, xattrs))
def l(name, target, uid=0, gid=0):
    ti = _ti(name, tarfile.SYMTYPE, 0o777, uid, gid)
    ti.linkname = target
    t.addfile(ti)
def h(name, target):
    ti = _ti(name, tarfile.LNKTYPE, 0o644)
    ti.linkname = target
    t.addfile(ti)
def dev(name, kind, major, minor, mode=0o666):
    ti = _ti(name, tarfile.CHRTYPE if kind == "c" else tarfile.BLKTYPE, mode)
    ti.devmajor, ti.devminor = major, minor
    t.addfile(ti)
def fifo(name, mode=0o644):
    t.addfile(_ti(name, tarfile.FIFOTYPE, mode))
def wh(name):
    f(name)
exec(sys.stdin.read())
t.close()
' "$1" || fail "mktar $1"
}

# oci_image TAG COMP:TAR...: add image TAG to $IMG_STORE (an OCI layout,
# created with umoci when missing) whose layers are the tar files, each
# compressed as COMP (gzip, zstd or none); Cmd ["/bin/sh"].  With
# BAD_DIFF_ID set the last diff_id is wrong.
oci_image() {
  [ -d "$IMG_STORE" ] || umoci init --layout "$IMG_STORE" || fail "umoci init"
  python3 - "$IMG_STORE" "$@" << 'PY' || fail "oci_image $*"
import gzip, hashlib, json, os, platform, subprocess, sys
store, tag, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
def put(data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(store, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)
mt = {"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
      "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
      "none": "application/vnd.oci.image.layer.v1.tar"}
layers, diffs = [], []
for spec in specs:
    comp, path = spec.split(":", 1)
    raw = open(path, "rb").read()
    diffs.append("sha256:" + hashlib.sha256(raw).hexdigest())
    if comp == "gzip":
        data = gzip.compress(raw, mtime=0)
    elif comp == "zstd":
        data = subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout
    else:
        data = raw
    dg, size = put(data)
    layers.append({"mediaType": mt[comp], "digest": dg, "size": size})
if os.environ.get("BAD_DIFF_ID"):
    diffs[-1] = "sha256:" + "0" * 64
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
cfg = {"architecture": arch, "os": "linux", "config": {"Cmd": ["/bin/sh"]},
       "rootfs": {"type": "layers", "diff_ids": diffs}}
cd, cs = put(json.dumps(cfg).encode())
man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
       "layers": layers}
md, ms = put(json.dumps(man).encode())
ip = os.path.join(store, "index.json")
idx = json.load(open(ip))
ref = "org.opencontainers.image.ref.name"
idx["manifests"] = [m for m in idx.get("manifests") or [] if m.get("annotations", {}).get(ref) != tag]
idx["manifests"].append({"mediaType": man["mediaType"], "digest": md, "size": ms, "annotations": {ref: tag}})
with open(ip, "w") as f:
    json.dump(idx, f)
PY
}

# same_tree A B: tree_digest of two directories are equal (diff shown).
same_tree() {
  diff -u <(tree_digest "$1") <(tree_digest "$2") || fail "trees differ: $1 $2"
}

# nothing_outside: the sentinel next to the bundle is still empty, and the
# box holds nothing but it and (maybe) the bundle.
nothing_outside() {
  [ -z "$(ls -A "$BOX/sentinel")" ] || fail "written outside the rootfs: $(ls -A "$BOX/sentinel")"
  [ -z "$(ls -A "$BOX" | grep -v -x -e sentinel -e bundle -e outside)" ] || fail "written next to the bundle: $(ls -A "$BOX")"
}

@test "img unpack: a umoci-built image unpacks to the tree umoci unpack makes" {
  umoci_image "$IMG_STORE" base
  run img unpack base "$BOX/bundle"
  [ "$status" -eq 0 ] || fail "unpack failed: $output"
  [[ $output == *"unpacking layer sha256:"*"bytes)"* ]] || fail "no progress line: $output"
  umoci unpack --image "$IMG_STORE:base" "$BATS_TEST_TMPDIR/umoci" > /dev/null
  same_tree "$BOX/bundle/rootfs" "$BATS_TEST_TMPDIR/umoci/rootfs"
  [ -f "$BOX/bundle/config.json" ] || fail "no config.json"
  jq -e '.process.args == ["/bin/sh","-c","echo hello from image"]' "$BOX/bundle/config.json"
  jq -e '.manifest | startswith("sha256:")' "$BOX/bundle/img.json"
  # quiet: nothing on stderr or stdout
  run img --quiet unpack base "$BATS_TEST_TMPDIR/quiet"
  [ "$status" -eq 0 ] && [ -z "$output" ] || fail "--quiet printed: $output"
}

@test "img unpack: berth run runs the unpacked bundle's default command" {
  local cg="berth-test-$$-$RANDOM"
  umoci_image "$IMG_STORE" base
  run img unpack base "$BOX/bundle"
  [ "$status" -eq 0 ] || fail "unpack failed: $output"
  echo "$cg" >> "$BATS_TEST_TMPDIR/cgroups"
  update_config ".linux.cgroupsPath = \"$cg\"" "$BOX/bundle"
  jq -e '.process.terminal == false' "$BOX/bundle/config.json"
  rrun berth run -b "$BOX/bundle" "img-unpack-$$"
  [ "$status" -eq 0 ] || fail "berth run failed"
  [ "$output" = "hello from image" ] || fail "output: $output"
  # --tty asks for a terminal; a symlink to an empty directory is a bundle
  mkdir "$BOX/real" && ln -s real "$BOX/link"
  run img unpack --tty base "$BOX/link"
  [ "$status" -eq 0 ] || fail "$output"
  jq -e '.process.terminal == true' "$BOX/real/config.json"
}

@test "img unpack: gzip, zstd and uncompressed layers, diff_ids checked" {
  mktar "$BATS_TEST_TMPDIR/1.tar" <<< 'd("etc"); f("etc/one", "gzip layer\n", mode=0o600)'
  mktar "$BATS_TEST_TMPDIR/2.tar" <<< 'f("etc/two", "zstd layer\n"); f("etc/one", "replaced by zstd\n")'
  mktar "$BATS_TEST_TMPDIR/3.tar" <<< 'f("etc/three", "plain layer\n", mode=0o4755)'
  oci_image mixed "gzip:$BATS_TEST_TMPDIR/1.tar" "zstd:$BATS_TEST_TMPDIR/2.tar" "none:$BATS_TEST_TMPDIR/3.tar"
  run img unpack mixed "$BOX/bundle"
  [ "$status" -eq 0 ] || fail "unpack failed: $output"
  [ "$(cat "$BOX/bundle/rootfs/etc/one")" = "replaced by zstd" ]
  [ "$(cat "$BOX/bundle/rootfs/etc/two")" = "zstd layer" ]
  [ "$(cat "$BOX/bundle/rootfs/etc/three")" = "plain layer" ]
  [ "$(stat -c %a "$BOX/bundle/rootfs/etc/three")" = 4755 ]
  [ "$(stat -c %Y "$BOX/bundle/rootfs/etc/three")" = 1500000000 ]
  [ "$(grep -c 'unpacking layer' <<< "$output")" = 3 ]
}

@test "img unpack --platform chooses from an index; the default is the host's" {
  local host_arch
  host_arch=$(python3 -c 'import platform; m = platform.machine(); print({"x86_64": "amd64", "aarch64": "arm64"}.get(m, m))')
  mktar "$BATS_TEST_TMPDIR/host.tar" <<< 'f("which", "host")'
  mktar "$BATS_TEST_TMPDIR/other.tar" <<< 'f("which", "riscv64")'
  oci_image host "gzip:$BATS_TEST_TMPDIR/host.tar"
  oci_image other "gzip:$BATS_TEST_TMPDIR/other.tar"
  python3 - "$IMG_STORE" "$host_arch" << 'PY'
import hashlib, json, os, sys
store, arch = sys.argv[1:]
ip = os.path.join(store, "index.json")
idx = json.load(open(ip))
ref = "org.opencontainers.image.ref.name"
by = {m["annotations"][ref]: m for m in idx["manifests"]}
mans = []
for tag, a in (("other", "riscv64"), ("host", arch)):
    m = dict(by[tag]); del m["annotations"]
    m["platform"] = {"os": "linux", "architecture": a}
    mans.append(m)
data = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": mans}).encode()
d = hashlib.sha256(data).hexdigest()
open(os.path.join(store, "blobs", "sha256", d), "wb").write(data)
idx["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + d,
                         "size": len(data), "annotations": {ref: "multi"}})
json.dump(idx, open(ip, "w"))
PY
  run img unpack multi "$BOX/host"
  [ "$status" -eq 0 ] && [ "$(cat "$BOX/host/rootfs/which")" = host ] || fail "default platform: $output"
  run img unpack --platform linux/riscv64 multi "$BOX/riscv"
  [ "$status" -eq 0 ] && [ "$(cat "$BOX/riscv/rootfs/which")" = riscv64 ] || fail "--platform: $output"
  run img unpack --platform linux/s390x multi "$BOX/none"
  [ "$status" -ne 0 ] && [[ $output == *s390x* ]] && [ ! -e "$BOX/none" ] || fail "missing platform: $output"
  run img unpack --platform bogus multi "$BOX/none"
  [ "$status" -ne 0 ] && [[ $output == *"invalid platform 'bogus'"* ]] || fail "bad platform: $output"
}

@test "img unpack: a diff_id mismatch is refused naming the layer and both digests; no bundle is left" {
  mktar "$BATS_TEST_TMPDIR/1.tar" <<< 'f("a", "first")'
  mktar "$BATS_TEST_TMPDIR/2.tar" <<< 'f("b", "second")'
  BAD_DIFF_ID=1 oci_image bad "gzip:$BATS_TEST_TMPDIR/1.tar" "gzip:$BATS_TEST_TMPDIR/2.tar"
  real=sha256:$(sha256sum "$BATS_TEST_TMPDIR/2.tar" | cut -d' ' -f1)
  run img unpack bad "$BOX/bundle"
  [ "$status" -ne 0 ] || fail "a wrong diff_id was accepted"
  [[ $output == *"layer 2 of 2"*"diff_id"*"sha256:0000000000000000000000000000000000000000000000000000000000000000"* ]] ||
    fail "message: $output"
  [[ $output == *"$real"* ]] || fail "actual digest not named: $output"
  [ ! -e "$BOX/bundle" ] || fail "a failed unpack left $(ls -R "$BOX/bundle")"
}

@test "img unpack: a corrupt layer blob is refused" {
  mktar "$BATS_TEST_TMPDIR/1.tar" <<< 'f("a", "x" * 100000)'
  oci_image corrupt "none:$BATS_TEST_TMPDIR/1.tar"
  blob=$(find "$IMG_STORE/blobs/sha256" -size +90k)
  printf 'y' | dd of="$blob" bs=1 seek=5000 conv=notrunc status=none
  run img unpack corrupt "$BOX/bundle"
  [ "$status" -ne 0 ] || fail "a corrupt blob was accepted"
  [[ $output == *"sha256:"* ]] || fail "message: $output"
  [ ! -e "$BOX/bundle" ]
}

# three_layers TAG: an image of three gzip layers with 1500 small
# files, files larger than the decoder's 128 KiB buffers, whiteouts and an
# opaque directory.
three_layers() {
  mktar "$BATS_TEST_TMPDIR/1.tar" << 'PY'
import random
r = random.Random(7)
for i in range(1500):
    if i % 100 == 0:
        d("d%02d" % (i // 100))
    f("d%02d/f%04d" % (i // 100, i), "".join(r.choice("abcdefgh\n") for _ in range(r.randrange(0, 3000))), mode=0o600 + i % 64)
f("big", bytes(r.randrange(256) for _ in range(1 << 20)) * 3)
d("o"); f("o/old", "old")
PY
  mktar "$BATS_TEST_TMPDIR/2.tar" << 'PY'
wh("d00/.wh.f0001"); wh(".wh.d01")
d("o"); wh("o/.wh..wh..opq"); f("o/new", "new")
f("d02/f0200", "replaced")
PY
  mktar "$BATS_TEST_TMPDIR/3.tar" << 'PY'
f("big2", "0123456789abcdef" * 40000)
wh("d03/.wh.f0300")
PY
  oci_image "$1" "gzip:$BATS_TEST_TMPDIR/1.tar" "gzip:$BATS_TEST_TMPDIR/2.tar" "gzip:$BATS_TEST_TMPDIR/3.tar"
}

# layer_blob TAG N: the path of layer N (1-based) of TAG's blob in the store.
layer_blob() {
  local d
  d=$(manifest_json "$IMG_STORE" "$1" | jq -r ".layers[$(($2 - 1))].digest")
  echo "$IMG_STORE/blobs/${d%%:*}/${d#*:}"
}

@test "img unpack: the decoding thread (two CPUs) and one CPU make the same tree, the one umoci makes" {
  [ "$(nproc)" -ge 2 ] || fail "needs two CPUs to compare the threaded path"
  three_layers many
  run taskset -c 0 "$IMG" --store "$IMG_STORE" unpack many "$BOX/one"
  [ "$status" -eq 0 ] || fail "one-CPU unpack failed: $output"
  run img unpack many "$BOX/two"
  [ "$status" -eq 0 ] || fail "unpack failed: $output"
  same_tree "$BOX/one/rootfs" "$BOX/two/rootfs"
  diff -u <(umoci_tree "$IMG_STORE:many") <(tree_digest "$BOX/two/rootfs") || fail "differs from umoci's tree"
  [ ! -e "$BOX/two/rootfs/d01" ] && [ ! -e "$BOX/two/rootfs/d00/f0001" ] && [ ! -e "$BOX/two/rootfs/o/old" ] ||
    fail "whiteouts not applied"
  [ "$(cat "$BOX/two/rootfs/d02/f0200")" = replaced ] || fail "upper layer's file lost"
  [ "$(stat -c %s "$BOX/two/rootfs/big")" = $((3 << 20)) ] || fail "big file size"
}

@test "img unpack: a gzip layer corrupt in its middle fails naming the layer, on one CPU and two; no bundle is left" {
  three_layers bad
  blob=$(layer_blob bad 3)
  size=$(stat -c %s "$blob")
  head -c 4096 /dev/urandom | dd of="$blob" bs=1 seek=$((size / 2)) conv=notrunc status=none
  for cpus in 0 0-1; do
    run taskset -c "$cpus" "$IMG" --store "$IMG_STORE" unpack bad "$BOX/bundle"
    [ "$status" -ne 0 ] || fail "a corrupt gzip layer was accepted (cpus $cpus)"
    [[ $output == *"layer 3 of 3"* ]] || fail "layer not named (cpus $cpus): $output"
    [ ! -e "$BOX/bundle" ] || fail "a failed unpack left a bundle (cpus $cpus)"
  done
}

@test "img unpack: a truncated gzip layer blob fails naming the layer; no bundle is left" {
  three_layers cut
  blob=$(layer_blob cut 1)
  truncate -s $(($(stat -c %s "$blob") / 2)) "$blob"
  run img unpack cut "$BOX/bundle"
  [ "$status" -ne 0 ] || fail "a truncated layer was accepted"
  [[ $output == *"layer 1 of 3"* && $output == *"corrupt"* ]] || fail "message: $output"
  [ ! -e "$BOX/bundle" ] || fail "a failed unpack left a bundle"
}

@test "img unpack: whiteouts and opaque directories across layers match umoci" {
  mktar "$BATS_TEST_TMPDIR/1.tar" << 'PY'
d("a"); f("a/x", "x"); f("a/y", "y")
d("b"); d("b/sub"); f("b/sub/deep", "z")
d("o"); f("o/gone", "g"); d("o/dir"); f("o/dir/f", "f")
f("p", "file")
PY
  mktar "$BATS_TEST_TMPDIR/2.tar" << 'PY'
wh("a/.wh.x")
wh(".wh.b")
d("o"); wh("o/.wh..wh..opq"); f("o/new", "n")
d("p"); f("p/inside", "p is a directory now")
PY
  oci_image wh "gzip:$BATS_TEST_TMPDIR/1.tar" "gzip:$BATS_TEST_TMPDIR/2.tar"
  run img unpack wh "$BOX/bundle"
  [ "$status" -eq 0 ] || fail "unpack failed: $output"
  r=$BOX/bundle/rootfs
  [ ! -e "$r/a/x" ] && [ -f "$r/a/y" ] && [ ! -e "$r/b" ]
  [ -f "$r/o/new" ] && [ ! -e "$r/o/gone" ] && [ ! -e "$r/o/dir" ]
  [ -f "$r/p/inside" ]
  [ -z "$(find "$r" -name '.wh.*')" ] || fail "whiteout files were created"
  umoci unpack --image "$IMG_STORE:wh" "$BATS_TEST_TMPDIR/umoci" > /dev/null
  same_tree "$r" "$BATS_TEST_TMPDIR/umoci/rootfs"
}

@test "img unpack: same-layer ordering: markers after the layer's own entries hide only lower content" {
  mktar "$BATS_TEST_TMPDIR/1.tar" << 'PY'
d("d"); f("d/old", "lower"); d("d/keep"); f("d/keep/lower", "lower")
d("e"); f("e/f", "lower")
PY
  # the opaque marker and the whiteout come after this layer's entries
  mktar "$BATS_TEST_TMPDIR/2.tar" << 'PY'
d("d"); f("d/new", "upper"); d("d/keep"); f("d/keep/upper", "upper")
wh("d/.wh..wh..opq")
f("e/f", "upper"); wh("e/.wh.f")
PY
  oci_image order "none:$BATS_TEST_TMPDIR/1.tar" "none:$BATS_TEST_TMPDIR/2.tar"
  run img unpack order "$BOX/bundle"
  [ "$status" -eq 0 ] || fail "unpack failed: $output"
  r=$BOX/bundle/rootfs
  [ "$(cat "$r/d/new")" = upper ] || fail "the layer's own d/new was removed by its opaque marker"
  [ "$(cat "$r/d/keep/upper")" = upper ]
  [ ! -e "$r/d/old" ] && [ ! -e "$r/d/keep/lower" ] || fail "lower content survived the opaque marker"
  [ "$(cat "$r/e/f")" = upper ] || fail "the layer's own e/f was removed by its whiteout"
}

@test "img unpack: hard links, symlinks, devices, fifos, xattrs, owners and modes match umoci" {
  mktar "$BATS_TEST_TMPDIR/1.tar" << 'PY'
d("./", mode=0o755)
d("etc"); f("etc/file", "content", mode=0o640, uid=1000, gid=100, xattrs={"user.note": "hello", "trusted.t": "v"})
h("etc/hard", "etc/file")
l("etc/rel", "file"); l("etc/abs", "/etc/file"); l("etc/dangling", "/nowhere")
f("bin/su", "setuid", mode=0o4755); f("bin/sg", "setgid", mode=0o2711, gid=50)
d("tmp", mode=0o1777); d("ro", mode=0o555); f("ro/f", "r", mode=0o444)
dev("dev/null", "c", 1, 3); dev("dev/loop0", "b", 7, 0, mode=0o660); fifo("dev/fifo")
d("home/user", mode=0o700, uid=1000, gid=1000)
PY
  oci_image kinds "gzip:$BATS_TEST_TMPDIR/1.tar"
  run img unpack kinds "$BOX/bundle"
  [ "$status" -eq 0 ] || fail "unpack failed: $output"
  r=$BOX/bundle/rootfs
  [ "$(stat -c %i "$r/etc/file")" = "$(stat -c %i "$r/etc/hard")" ] || fail "hard link is a copy"
  [ "$(stat -c '%F %t:%T' "$r/dev/null")" = "character special file 1:3" ]
  [ "$(stat -c '%F' "$r/dev/fifo")" = "fifo" ]
  [ "$(stat -c '%u:%g %a' "$r/etc/file")" = "1000:100 640" ]
  [ "$(getfattr --only-values -n user.note "$r/etc/file")" = hello ]
  [ "$(readlink "$r/etc/abs")" = /etc/file ]
  umoci unpack --image "$IMG_STORE:kinds" "$BATS_TEST_TMPDIR/umoci" > /dev/null
  same_tree "$r" "$BATS_TEST_TMPDIR/umoci/rootfs"
}

@test "img unpack: non-ASCII names (pax UTF-8 and GNU raw bytes) come out as umoci writes them" {
  mktar "$BATS_TEST_TMPDIR/1.tar" <<< 'd("日本"); f("日本/語", "utf-8"); f("café", "x"); l("lien", "café")'
  python3 -c '
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT, encoding="utf-8", errors="surrogateescape")
ti = tarfile.TarInfo("raw\udce9bytes"); ti.size = 1; ti.mtime = 1500000000
t.addfile(ti, io.BytesIO(b"r")); t.close()' "$BATS_TEST_TMPDIR/2.tar"
  oci_image names "gzip:$BATS_TEST_TMPDIR/1.tar" "none:$BATS_TEST_TMPDIR/2.tar"
  run img unpack names "$BOX/bundle"
  [ "$status" -eq 0 ] || fail "unpack failed: $output"
  [[ $output != *warning* ]] || fail "charset noise: $output"
  [ "$(cat "$BOX/bundle/rootfs/日本/語")" = utf-8 ]
  umoci unpack --image "$IMG_STORE:names" "$BATS_TEST_TMPDIR/umoci" > /dev/null
  same_tree "$BOX/bundle/rootfs" "$BATS_TEST_TMPDIR/umoci/rootfs"
}

@test "img unpack: an existing non-empty rootfs, a config.json or a file as BUNDLE is refused untouched" {
  mktar "$BATS_TEST_TMPDIR/1.tar" <<< 'f("a", "x")'
  oci_image small "none:$BATS_TEST_TMPDIR/1.tar"
  mkdir -p "$BOX/bundle/rootfs" && echo mine > "$BOX/bundle/rootfs/keep"
  run img unpack small "$BOX/bundle"
  [ "$status" -ne 0 ] && [[ $output == *"rootfs' exists and is not empty"* ]] || fail "$output"
  [ "$(ls -A "$BOX/bundle/rootfs")" = keep ] && [ ! -e "$BOX/bundle/config.json" ]
  echo file > "$BOX/file"
  run img unpack small "$BOX/file"
  [ "$status" -ne 0 ] && [[ $output == *"bundle '$BOX/file' exists and is not a directory"* ]] || fail "$output"
  mkdir -p "$BOX/b2" && echo '{}' > "$BOX/b2/config.json"
  run img unpack small "$BOX/b2"
  [ "$status" -ne 0 ] && [[ $output == *"config.json"* ]] || fail "$output"
  [ "$(cat "$BOX/b2/config.json")" = '{}' ] && [ ! -e "$BOX/b2/rootfs" ]
  # an existing empty bundle directory and empty rootfs are fine
  mkdir -p "$BOX/b3/rootfs"
  run img unpack small "$BOX/b3"
  [ "$status" -eq 0 ] && [ -f "$BOX/b3/rootfs/a" ] || fail "$output"
  run img unpack nosuch "$BOX/b4"
  [ "$status" -ne 0 ] && [[ $output == *"'nosuch' not found"* ]] && [ ! -e "$BOX/b4" ] || fail "$output"
}

# ---- the hostile layer corpus ----

# hostile TAG WANT...: image TAG (one layer: the tar from mktar on stdin)
# must fail to unpack with every WANT in the message, leave no bundle and
# write nothing outside the rootfs.
hostile() {
  local tag=$1 w
  shift
  mktar "$BATS_TEST_TMPDIR/$tag.tar"
  oci_image "$tag" "gzip:$BATS_TEST_TMPDIR/$tag.tar"
  run img unpack "$tag" "$BOX/bundle"
  [ "$status" -ne 0 ] || fail "hostile layer '$tag' was unpacked: $(cd "$BOX" && find .)"
  for w in "$@"; do
    [[ $output == *"$w"* ]] || fail "message lacks '$w': $output"
  done
  [ ! -e "$BOX/bundle" ] || fail "a failed unpack left a bundle"
  nothing_outside
}

@test "hostile: '../' path traversal is refused naming the entry" {
  hostile dotdot "entry '../sentinel/escape'" "escapes the rootfs" <<< 'f("ok", "x"); f("../sentinel/escape", "pwned")'
  hostile deep "entry 'a/b/../../../sentinel/escape'" "escapes" <<< 'f("a/b/../../../sentinel/escape", "pwned")'
  hostile dotwh "entry '../.wh.sentinel'" "escapes" <<< 'wh("../.wh.sentinel")'
}

@test "hostile: an absolute path is refused naming the entry" {
  local host=/img-unpack-test-$$
  hostile abs "entry '$host/file'" "absolute" <<< "f('$host/file', 'pwned')"
  [ ! -e "$host" ] || { rm -rf "$host"; fail "wrote $host on the host"; }
}

@test "hostile: hard links to '/etc/passwd' and '../outside' are refused" {
  local links
  links=$(stat -c %h /etc/passwd)
  echo precious > "$BOX/sentinel/../outside"
  hostile hlabs "entry 'passwd'" "hard link target '/etc/passwd'" <<< 'h("passwd", "/etc/passwd")'
  hostile hlout "entry 'x'" "hard link target '../../outside'" <<< 'd("d"); h("x", "../../outside")'
  hostile hldeep "entry 'd/x'" "escapes" <<< 'd("d"); h("d/x", "d/../../outside")'
  [ "$(stat -c %h /etc/passwd)" = "$links" ] || fail "/etc/passwd gained a link"
  [ "$(stat -c %h "$BOX/outside")" = 1 ] && [ "$(cat "$BOX/outside")" = precious ]
  rm "$BOX/outside"
}

@test "hostile: whiteouts of '..' and '.' are refused" {
  hostile whdotdot "entry 'a/.wh...'" "whiteout of '..' is not allowed" <<< 'd("a"); wh("a/.wh...")'
  hostile whdot "entry '.wh..'" "whiteout of '.' is not allowed" <<< 'wh(".wh..")'
  hostile whempty "entry 'a/.wh.'" "whiteout of ''" <<< 'd("a"); wh("a/.wh.")'
}

@test "hostile: a huge pax header and an absurd name are refused" {
  hostile pax "tar header after entry 'first'" "too large" << 'PY'
f("first", "x")
ti = tarfile.TarInfo("second"); ti.size = 1; ti.pax_headers = {"comment": "x" * (4 << 20)}
t.addfile(ti, io.BytesIO(b"y"))
PY
  hostile longname "name longer than 4096 bytes" <<< 'f("a/" * 3000 + "x", "x")'
  hostile rootfile "entry '.'" "non-directory" <<< 'f(".", "x")'
  hostile symloop "entry 'loop/x'" "parent 'loop' does not resolve inside the rootfs" <<< 'l("loop", "loop"); f("loop/x", "x")'
}

@test "hostile: symlinks to '/' and '../..' written through resolve inside the rootfs" {
  local host=img-unpack-test-$$
  mktar "$BATS_TEST_TMPDIR/sym.tar" << PY
l("evil", "/")
f("evil/$host", "inside")
l("up", "../../sentinel")
f("up/x", "inside")
l("etc", "/etc")
h("hl", "etc/hostname")
PY
  oci_image sym "gzip:$BATS_TEST_TMPDIR/sym.tar"
  run img unpack sym "$BOX/bundle"
  # etc -> /etc is the rootfs's etc, which has no hostname: a clear error
  [ "$status" -ne 0 ] && [[ $output == *"entry 'hl'"*"etc/hostname"* ]] || fail "$output"
  [ ! -e "/$host" ] || { rm -f "/$host"; fail "wrote /$host on the host"; }
  nothing_outside

  mktar "$BATS_TEST_TMPDIR/sym2.tar" << PY
l("evil", "/")
f("evil/$host", "inside")
l("up", "../../sentinel")
f("up/x", "inside")
l("loop", "loop")
PY
  oci_image sym2 "gzip:$BATS_TEST_TMPDIR/sym2.tar"
  run img unpack sym2 "$BOX/bundle"
  [ "$status" -eq 0 ] || fail "$output"
  [ "$(cat "$BOX/bundle/rootfs/$host")" = inside ] || fail "evil/$host did not land at rootfs/$host"
  [ "$(cat "$BOX/bundle/rootfs/sentinel/x")" = inside ] || fail "up/x did not land at rootfs/sentinel/x"
  [ ! -e "/$host" ] || { rm -f "/$host"; fail "wrote /$host on the host"; }
  nothing_outside
}

@test "hostile: device nodes in a rootless unpack become empty files, with a warning naming them" {
  mktar "$BATS_TEST_TMPDIR/dev.tar" <<< 'dev("dev/sda", "b", 8, 0, mode=0o660); dev("dev/mem", "c", 1, 1)'
  oci_image devs "gzip:$BATS_TEST_TMPDIR/dev.tar"
  run img unpack --rootless devs "$BOX/bundle"
  [ "$status" -eq 0 ] || fail "$output"
  [[ $output == *"entry 'dev/sda'"*"empty file in place of block device 8:0"* ]] || fail "no warning: $output"
  [ "$(stat -c '%F %s %a' "$BOX/bundle/rootfs/dev/sda")" = "regular empty file 0 660" ]
  [ "$(stat -c '%F' "$BOX/bundle/rootfs/dev/mem")" = "regular empty file" ]
}

@test "img unpack: peak memory does not grow with the files of a layer (100,000 files, same-layer whiteouts last)" {
  command -v /usr/bin/time > /dev/null || fail "/usr/bin/time is not installed (apt-get install time)"
  mktar "$BATS_TEST_TMPDIR/one.tar" <<< 'f("f", "x")'
  mktar "$BATS_TEST_TMPDIR/lower.tar" <<< 'f("d001/old", "x"); f("d002/old", "x"); f("d003/f003000", "lower")'
  mktar "$BATS_TEST_TMPDIR/many.tar" << 'PY'
for i in range(100000):
    f("d%03d/f%06d" % (i // 1000, i))
wh("d000/.wh.f000000")
wh("d002/.wh..wh..opq")
wh("d003/.wh.f003000")
wh("d001/.wh.old")
PY
  oci_image one none:"$BATS_TEST_TMPDIR/one.tar"
  oci_image many none:"$BATS_TEST_TMPDIR/lower.tar" none:"$BATS_TEST_TMPDIR/many.tar"
  local asan
  asan=$(asan_unquarantined)
  ASAN_OPTIONS=$asan /usr/bin/time -f %M -o "$BATS_TEST_TMPDIR/rss1" "$IMG" --store "$IMG_STORE" --quiet unpack one "$BOX/one" ||
    fail "unpack one"
  ASAN_OPTIONS=$asan /usr/bin/time -f %M -o "$BATS_TEST_TMPDIR/rss2" "$IMG" --store "$IMG_STORE" --quiet unpack many "$BOX/many" ||
    fail "unpack many"
  local one many
  one=$(tail -1 "$BATS_TEST_TMPDIR/rss1")
  many=$(tail -1 "$BATS_TEST_TMPDIR/rss2")
  echo "peak RSS: one file ${one} KB, 100,000 files ${many} KB"
  # the whole path set in memory took ~6.5 MB more for 100,000 files
  [ $((many - one)) -lt 4096 ] || fail "100,000 files need $((many - one)) KB more than one file (one: $one KB)"
  [ "$(find "$BOX/many/rootfs" -type f | wc -l)" -eq 100000 ] || fail "$(find "$BOX/many/rootfs" -type f | wc -l) files"
  [ -f "$BOX/many/rootfs/d000/f000000" ] || fail "a same-layer whiteout removed the layer's own file"
  [ "$(cat "$BOX/many/rootfs/d003/f003000")" = "" ] || fail "a same-layer whiteout removed the layer's own file"
  [ ! -e "$BOX/many/rootfs/d002/old" ] && [ -f "$BOX/many/rootfs/d002/f002999" ] || fail "opaque d002"
  [ ! -e "$BOX/many/rootfs/d001/old" ] || fail "d001/old not whited out"
}

# ---- rootless ----

@test "img unpack as an unprivileged user: owners in user.rootlesscontainers, as umoci --rootless" {
  requires_rootless
  rootless_setup
  mktar "$BATS_TEST_TMPDIR/1.tar" << 'PY'
d("etc"); f("etc/owned", "x", uid=1000, gid=100); f("etc/gid", "x", gid=42); f("etc/root", "x")
d("home/u", mode=0o700, uid=1000, gid=1000); f("home/u/f", "x", mode=0o600, uid=1000, gid=1000)
d("ro", mode=0o555); f("ro/f", "x", mode=0o444)
dev("dev/null", "c", 1, 3); l("lnk", "etc/owned")
f("bin/ping", "p", mode=0o755, xattrs={"security.capability": "\x01\x00\x00\x02\x00\x20\x00\x00" + "\x00" * 12})
f("etc/x", "x", xattrs={"user.ok": "fine", "trusted.no": "root only"})
PY
  mktar "$BATS_TEST_TMPDIR/2.tar" <<< 'f("ro/g", "y", mode=0o400); wh("ro/.wh.f")'
  oci_image rl "gzip:$BATS_TEST_TMPDIR/1.tar" "gzip:$BATS_TEST_TMPDIR/2.tar"
  chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$IMG_STORE" "$BOX"
  run as_user "$IMG" --store "$IMG_STORE" unpack rl "$BOX/bundle"
  [ "$status" -eq 0 ] || fail "rootless unpack failed: $output"
  [[ $output == *"entry 'bin/ping': ignoring EPERM on setxattr 'security.capability'"* ]] || fail "no warning: $output"
  [[ $output == *"entry 'etc/x': ignoring EPERM on setxattr 'trusted.no'"* ]] || fail "no warning: $output"
  r=$BOX/bundle/rootfs
  [ "$(getfattr --only-values -n user.ok "$r/etc/x")" = fine ]
  [ "$(stat -c %u "$r/etc/owned")" = "$ROOTLESS_UID" ] || fail "not owned by the user"
  [ "$(getfattr --only-values -n user.rootlesscontainers "$r/etc/owned" | od -An -tx1 | tr -d ' \n')" = \
    08e8071064 ] || fail "xattr: $(getfattr -d -m - -e hex "$r/etc/owned")"
  ! getfattr -n user.rootlesscontainers "$r/etc/root" 2> /dev/null || fail "0:0 got an xattr"
  [ ! -e "$r/ro/f" ] && [ -f "$r/ro/g" ] && [ "$(stat -c %a "$r/ro")" = 555 ]
  jq -e '.rootless == true' "$BOX/bundle/img.json"
  run as_user umoci unpack --rootless --image "$IMG_STORE:rl" "$BOX/umoci"
  [ "$status" -eq 0 ] || fail "umoci: $output"
  same_tree "$r" "$BOX/umoci/rootfs"
}

# ---- interruption ----

@test "img unpack: kill -9 mid-unpack leaves no bundle, only a staging directory the rerun removes" {
  local stage
  mktar "$BATS_TEST_TMPDIR/big.tar" << 'PY'
for i in range(30000):
    f("d%d/f%d" % (i % 100, i), "y" * 1024)
PY
  oci_image big "gzip:$BATS_TEST_TMPDIR/big.tar"
  "$IMG" --store "$IMG_STORE" unpack big "$BOX/bundle" 2> /dev/null &
  pid=$!
  for _ in $(seq 200); do
    [ "$(find "$BOX"/.bundle.img-unpack-*/rootfs -type f 2> /dev/null | head -100 | wc -l)" -ge 100 ] && break
    sleep 0.05
  done
  kill -9 "$pid"
  wait "$pid" || true
  stage=$(echo "$BOX"/.bundle.img-unpack-*)
  [ -d "$stage/rootfs" ] || fail "unpack did not start"
  [ ! -e "$BOX/bundle" ] || fail "a killed unpack left a bundle: $(ls -A "$BOX/bundle")"
  run img unpack big "$BOX/bundle"
  [ "$status" -eq 0 ] || fail "rerun failed: $output"
  [ "$(find "$BOX/bundle/rootfs" -type f | wc -l)" = 30000 ] && [ -f "$BOX/bundle/config.json" ]
  [ ! -e "$stage" ] || fail "the rerun left the killed unpack's staging directory"
  run img fsck
  assert_status 0
}
