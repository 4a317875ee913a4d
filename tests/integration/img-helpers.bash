# Helpers for the img bats files (load after helpers: `load helpers`,
# `load img-helpers`).  Every test gets its own store under
# $BATS_TEST_TMPDIR; fixture images are built with umoci (Debian's), never
# with img itself, so an img bug cannot hide in its own fixture.

# img ARGS: the img under test on the test's store.
img() {
  "$IMG" --store "$IMG_STORE" "$@"
}

img_setup() {
  IMG_STORE=$BATS_TEST_TMPDIR/store
  export IMG_STORE
}

# umoci_image LAYOUT TAG [DIR]: an OCI layout LAYOUT (created if missing)
# with image TAG whose one layer is the busybox+probe template rootfs (or
# the tree DIR), config Cmd ["/bin/sh","-c","echo hello from image"].
umoci_image() {
  local layout=$1 tag=$2 src=${3:-} b
  command -v umoci > /dev/null || fail "umoci is not installed (apt-get install umoci)"
  [ -n "$src" ] || src=$(template_rootfs)
  [ -d "$layout" ] || umoci init --layout "$layout" || fail "umoci init $layout"
  umoci new --image "$layout:$tag" || fail "umoci new $layout:$tag"
  b=$(mktemp -d "$BATS_TEST_TMPDIR/umoci-bundle.XXXXXX")
  rmdir "$b"
  umoci unpack --image "$layout:$tag" "$b" > /dev/null || fail "umoci unpack $layout:$tag"
  cp -a "$src/." "$b/rootfs/"
  umoci repack --image "$layout:$tag" "$b" > /dev/null || fail "umoci repack $layout:$tag"
  umoci config --image "$layout:$tag" --config.cmd /bin/sh --config.cmd -c \
    --config.cmd 'echo hello from image' > /dev/null || fail "umoci config $layout:$tag"
  rm -rf "$b"
}

# tree_digest DIR: one line per entry (path, type, mode, uid, gid, size,
# symlink target, content sha256, xattrs), sorted: two trees are the same
# when their tree_digest outputs are equal.  mtimes of directories are left
# out (unpackers differ in when they set them); file mtimes are kept.
tree_digest() {
  python3 - "$1" <<'PY'
import hashlib, os, stat, sys
root = sys.argv[1]
out = []
for dp, dns, fns in os.walk(root):
    for n in sorted(dns + fns):
        p = os.path.join(dp, n)
        st = os.lstat(p)
        rel = os.path.relpath(p, root)
        kind = stat.S_IFMT(st.st_mode)
        extra = ""
        if stat.S_ISLNK(st.st_mode):
            extra = "-> " + os.readlink(p)
        elif stat.S_ISREG(st.st_mode):
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            extra = "%d %d %s" % (st.st_size, int(st.st_mtime), h.hexdigest())
        elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            extra = "%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
        try:
            xs = sorted(x for x in os.listxattr(p, follow_symlinks=False) if not x.startswith("security.selinux"))
            xa = ",".join("%s=%s" % (x, os.getxattr(p, x, follow_symlinks=False).hex()) for x in xs)
        except OSError:
            xa = ""
        out.append("%s %o %o %d %d %s %s" % (rel, kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, extra, xa))
print("\n".join(sorted(out)))
PY
}

# tag_digest LAYOUT TAG: the digest index.json gives TAG.
tag_digest() {
  jq -r --arg t "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$1/index.json"
}

# manifest_json LAYOUT TAG / config_json LAYOUT TAG: the documents of TAG.
manifest_json() {
  local d
  d=$(tag_digest "$1" "$2")
  [ -n "$d" ] || fail "no tag '$2' in $1"
  cat "$1/blobs/${d%%:*}/${d#*:}"
}
config_json() {
  local d
  d=$(manifest_json "$1" "$2" | jq -r .config.digest)
  cat "$1/blobs/${d%%:*}/${d#*:}"
}

# umoci_tree LAYOUT:TAG: tree_digest of what `umoci unpack` makes of it.
umoci_tree() {
  local b
  b=$(mktemp -d "$BATS_TEST_TMPDIR/unpack.XXXXXX")
  rmdir "$b"
  umoci unpack --image "$1" "$b" > /dev/null || fail "umoci unpack $1"
  tree_digest "$b/rootfs"
  rm -rf "$b"
}
