#!/usr/bin/env bats
# img new / img commit: layers made from a bundle's changes (or a plain
# directory), checked by unpacking them elsewhere -- with img and with
# umoci -- and comparing the trees; determinism, compression, squash, and
# that unchanged files are not read.

load helpers
load img-helpers

setup() {
  img_setup
}

# layer_names STORE TAG N: the entry names of layer N (any compression).
layer_names() {
  local m mt d
  m=$(manifest_json "$1" "$2")
  mt=$(jq -r ".layers[$3].mediaType" <<< "$m")
  d=$(jq -r ".layers[$3].digest" <<< "$m")
  case $mt in
    *+gzip) zcat "$1/blobs/sha256/${d#sha256:}" ;;
    *+zstd) zstd -dc "$1/blobs/sha256/${d#sha256:}" ;;
    *) cat "$1/blobs/sha256/${d#sha256:}" ;;
  esac | tar -t
}

# A tree with what a layer must carry: owners, modes, xattrs, symlinks,
# hard links, a fifo, a device, long names.
extras() {
  local r=$1
  mkdir -p "$r/srv/deep/$(printf 'd%.0s' {1..120})"
  echo long > "$r/srv/deep/$(printf 'd%.0s' {1..120})/$(printf 'f%.0s' {1..150})"
  echo owned > "$r/srv/owned" && chown 1234:5678 "$r/srv/owned"
  echo suid > "$r/srv/suid" && chmod 4751 "$r/srv/suid"
  echo x > "$r/srv/xattr" && setfattr -n user.test -v hello "$r/srv/xattr"
  ln -s ../bin/busybox "$r/srv/link"
  echo hard > "$r/srv/h1" && ln "$r/srv/h1" "$r/srv/h2"
  mkfifo "$r/srv/fifo"
  mknod "$r/srv/null" c 1 3
  chown 42:43 "$r/srv/deep"
}

# unpack_umoci STORE TAG DIR: DIR/rootfs from umoci.
unpack_umoci() {
  umoci unpack --image "$1:$2" "$3" > /dev/null || fail "umoci unpack $1:$2"
}

@test "img new: an image with no layers, readable by umoci" {
  run img new empty
  [ "$status" -eq 0 ]
  [[ "$output" == sha256:* ]]
  [ "$(manifest_json "$IMG_STORE" empty | jq -c .layers)" = "[]" ]
  [ "$(config_json "$IMG_STORE" empty | jq -c .rootfs)" = '{"type":"layers","diff_ids":[]}' ]
  [ "$(config_json "$IMG_STORE" empty | jq -r .os)" = linux ]
  unpack_umoci "$IMG_STORE" empty "$BATS_TEST_TMPDIR/u"
  [ -z "$(ls -A "$BATS_TEST_TMPDIR/u/rootfs")" ]
  run img new --os linux --arch arm64/v8 other
  [ "$status" -eq 0 ]
  [ "$(config_json "$IMG_STORE" other | jq -r '.architecture + "/" + .variant')" = arm64/v8 ]
}

@test "img commit --rootfs: a directory becomes a layer that umoci unpacks to the same tree" {
  local r=$BATS_TEST_TMPDIR/tree
  cp -a "$(template_rootfs)" "$r"
  extras "$r"
  img new base
  run img commit --rootfs "$r" --author "A U Thor" -m "first" base
  [ "$status" -eq 0 ]
  [ "$(manifest_json "$IMG_STORE" base | jq -r '.layers | length')" = 1 ]
  [ "$(manifest_json "$IMG_STORE" base | jq -r '.layers[0].mediaType')" = application/vnd.oci.image.layer.v1.tar+gzip ]
  config_json "$IMG_STORE" base > "$BATS_TEST_TMPDIR/c.json"
  [ "$(jq -r '.rootfs.diff_ids | length' "$BATS_TEST_TMPDIR/c.json")" = 1 ]
  [ "$(jq -r '.history[0].author + "|" + .history[0].comment + "|" + .history[0].created_by' "$BATS_TEST_TMPDIR/c.json")" = "A U Thor|first|img commit" ]
  [ "$(jq -r .author "$BATS_TEST_TMPDIR/c.json")" = "A U Thor" ]
  unpack_umoci "$IMG_STORE" base "$BATS_TEST_TMPDIR/u"
  diff <(tree_digest "$r") <(tree_digest "$BATS_TEST_TMPDIR/u/rootfs")
  # the hard link is one file with two names
  [ "$(stat -c %i "$BATS_TEST_TMPDIR/u/rootfs/srv/h1")" = "$(stat -c %i "$BATS_TEST_TMPDIR/u/rootfs/srv/h2")" ]
}

@test "img commit: the same tree and SOURCE_DATE_EPOCH give the same digests" {
  local a=$BATS_TEST_TMPDIR/a b=$BATS_TEST_TMPDIR/b s2=$BATS_TEST_TMPDIR/store2 d1 d2 c
  cp -a "$(template_rootfs)" "$a"
  extras "$a"
  cp -a "$a" "$b"
  touch -d '2001-02-03 04:05:06' "$b/srv/owned" "$a/srv/owned"
  export SOURCE_DATE_EPOCH=1600000000
  for c in gzip zstd none; do
    img new "base-$c"
    "$IMG" --store "$s2" new "base-$c"
    d1=$(img commit --compress "$c" --rootfs "$a" "base-$c")
    d2=$("$IMG" --store "$s2" commit --compress "$c" --rootfs "$b" "base-$c")
    echo "$c: $d1 $d2"
    [ "$d1" = "$d2" ]
    [ "$(manifest_json "$IMG_STORE" "base-$c" | jq -r .layers[0].digest)" = "$(manifest_json "$s2" "base-$c" | jq -r .layers[0].digest)" ]
  done
  [ "$(config_json "$IMG_STORE" base-gzip | jq -r .created)" = 2020-09-13T12:26:40Z ]
  # mtimes newer than SOURCE_DATE_EPOCH are clamped to it, older ones kept
  unpack_umoci "$IMG_STORE" base-gzip "$BATS_TEST_TMPDIR/u"
  [ "$(stat -c %Y "$BATS_TEST_TMPDIR/u/rootfs/srv/suid")" = 1600000000 ]
  [ "$(stat -c %Y "$BATS_TEST_TMPDIR/u/rootfs/srv/owned")" = "$(stat -c %Y "$a/srv/owned")" ]
}

@test "img commit --compress zstd and none: the media types, and the layers hold the tree" {
  local r=$BATS_TEST_TMPDIR/tree
  cp -a "$(template_rootfs)" "$r"
  extras "$r"
  img new z
  img new n
  img commit --compress zstd --rootfs "$r" z
  img commit --compress none --rootfs "$r" n
  [ "$(manifest_json "$IMG_STORE" z | jq -r '.layers[0].mediaType')" = application/vnd.oci.image.layer.v1.tar+zstd ]
  [ "$(manifest_json "$IMG_STORE" n | jq -r '.layers[0].mediaType')" = application/vnd.oci.image.layer.v1.tar ]
  diff <(layer_names "$IMG_STORE" z 0) <(layer_names "$IMG_STORE" n 0)
  layer_names "$IMG_STORE" z 0 | grep -qx 'srv/h2'
  # umoci 0.4 reads no zstd; the uncompressed one it unpacks
  unpack_umoci "$IMG_STORE" n "$BATS_TEST_TMPDIR/u"
  diff <(tree_digest "$r") <(tree_digest "$BATS_TEST_TMPDIR/u/rootfs")
  # the diff_id is the sha256 of the uncompressed tar, whatever the compression
  [ "$(config_json "$IMG_STORE" z | jq -r .rootfs.diff_ids[0])" = "$(manifest_json "$IMG_STORE" n | jq -r .layers[0].digest)" ]
}

@test "img commit: clear errors" {
  mkdir -p "$BATS_TEST_TMPDIR/nometa/rootfs"
  img new base
  run img commit "$BATS_TEST_TMPDIR/nometa" x
  [ "$status" -eq 1 ]
  [[ "$output" == *"has no img.json"*"--rootfs"* ]]
  run img commit --rootfs "$BATS_TEST_TMPDIR/nometa/rootfs" nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"'nosuch' not found"*"img new nosuch"* ]]
  run img commit --compress lz4 --rootfs "$BATS_TEST_TMPDIR/nometa/rootfs" base
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown compression 'lz4'"* ]]
  SOURCE_DATE_EPOCH=yesterday run img commit --rootfs "$BATS_TEST_TMPDIR/nometa/rootfs" base
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid SOURCE_DATE_EPOCH 'yesterday'"* ]]
  run img commit --rootfs "$BATS_TEST_TMPDIR/missing" base
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing"*"No such file or directory"* ]]
  mkdir "$BATS_TEST_TMPDIR/wh" && touch "$BATS_TEST_TMPDIR/wh/.wh.x"
  run img commit --rootfs "$BATS_TEST_TMPDIR/wh" base
  [ "$status" -eq 1 ]
  [[ "$output" == *"'.wh.x': a name starting with '.wh.' cannot be stored in a layer"* ]]
  # nothing failed half-way into the store
  [ "$(manifest_json "$IMG_STORE" base | jq -r '.layers | length')" = 0 ]
}

# change_tree ROOTFS: deletions, additions and changes of every kind.
change_tree() {
  local r=$1
  rm "$r/bin/ls"
  rm -r "$r/var"
  echo new > "$r/etc/new"
  mkdir -p "$r/opt/app/sub" && echo deep > "$r/opt/app/sub/file"
  echo changed >> "$r/etc/passwd"
  chmod 700 "$r/tmp"
  chown 5:6 "$r/etc/group"
  setfattr -n user.note -v changed "$r/probe"
  ln -sfn cat "$r/bin/sh"
  rm -r "$r/run" && echo now-a-file > "$r/run"
  ln "$r/etc/new" "$r/opt/app/new-link"
  mkfifo "$r/opt/fifo"
}

@test "img commit: deletions, additions and changes unpack elsewhere to the same tree, with img and umoci" {
  local b=$BATS_TEST_TMPDIR/b r=$BATS_TEST_TMPDIR/b/rootfs
  umoci_image "$IMG_STORE" base
  img unpack base "$b"
  change_tree "$r"
  run img commit -m "changes" "$b" c1
  [ "$status" -eq 0 ]
  [ "$(manifest_json "$IMG_STORE" c1 | jq -r '.layers | length')" = 2 ]
  img unpack c1 "$BATS_TEST_TMPDIR/b2"
  diff <(tree_digest "$r") <(tree_digest "$BATS_TEST_TMPDIR/b2/rootfs")
  unpack_umoci "$IMG_STORE" c1 "$BATS_TEST_TMPDIR/u"
  diff <(tree_digest "$r") <(tree_digest "$BATS_TEST_TMPDIR/u/rootfs")
  # a deleted directory is one whiteout; the replaced one a whiteout and the file
  layer_names "$IMG_STORE" c1 1 > "$BATS_TEST_TMPDIR/names"
  grep -qx 'var/' "$BATS_TEST_TMPDIR/names" && fail "var/ in the layer"
  grep -qx '.wh.var' "$BATS_TEST_TMPDIR/names"
  ! grep -q '^var/' "$BATS_TEST_TMPDIR/names"
  grep -qx 'bin/.wh.ls' "$BATS_TEST_TMPDIR/names"
  [ "$(grep -n -x -e '.wh.run' -e 'run' "$BATS_TEST_TMPDIR/names" | cut -d: -f2 | tr '\n' ' ')" = ".wh.run run " ]
  # unchanged files are not in the layer
  ! grep -qx 'bin/busybox' "$BATS_TEST_TMPDIR/names"
  [ "$(config_json "$IMG_STORE" c1 | jq -r '.history[-1].comment')" = changes ]
  [ "$(jq -r .ref "$b/img.json")" = c1 ]
  [ "$(jq -r .manifest "$b/img.json")" = "$(jq -r --arg t c1 '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$IMG_STORE/index.json")" ]
}

@test "img commit: a second commit holds only the second change" {
  local b=$BATS_TEST_TMPDIR/b r=$BATS_TEST_TMPDIR/b/rootfs
  umoci_image "$IMG_STORE" base
  img unpack base "$b"
  echo one > "$r/etc/one"
  img commit "$b" c1
  echo two > "$r/root/two"
  rm "$r/etc/one"
  img commit "$b" c2
  [ "$(manifest_json "$IMG_STORE" c2 | jq -r '.layers | length')" = 3 ]
  [ "$(layer_names "$IMG_STORE" c2 2 | tr '\n' ' ')" = "etc/ etc/.wh.one root/ root/two " ]
  img unpack c2 "$BATS_TEST_TMPDIR/b2"
  diff <(tree_digest "$r") <(tree_digest "$BATS_TEST_TMPDIR/b2/rootfs")
  # c1 is still what it was
  img unpack c1 "$BATS_TEST_TMPDIR/b1"
  [ "$(cat "$BATS_TEST_TMPDIR/b1/rootfs/etc/one")" = one ]
  # one commit of a bundle at a time
  flock "$b" sleep 2 &
  sleep 0.5
  run img commit "$b" c3
  [ "$status" -eq 1 ]
  [[ "$output" == *"bundle '$b' is being committed by another process"* ]]
  wait
}

@test "img and umoci: an image umoci repacks is unpacked by img to umoci's tree" {
  local r=$BATS_TEST_TMPDIR/tree u=$BATS_TEST_TMPDIR/u
  cp -a "$(template_rootfs)" "$r"
  extras "$r"
  img new base
  img commit --rootfs "$r" base
  umoci config --image "$IMG_STORE:base" --config.cmd /bin/sh > /dev/null
  unpack_umoci "$IMG_STORE" base "$u"
  change_tree "$u/rootfs"
  umoci repack --image "$IMG_STORE:next" "$u" > /dev/null
  img unpack next "$BATS_TEST_TMPDIR/b"
  # compared with umoci's own unpack of it: umoci's layers round mtimes to
  # the second, so its source tree can differ from any unpack by one second
  unpack_umoci "$IMG_STORE" next "$BATS_TEST_TMPDIR/u3"
  diff <(tree_digest "$BATS_TEST_TMPDIR/u3/rootfs") <(tree_digest "$BATS_TEST_TMPDIR/b/rootfs")
  [ -e "$BATS_TEST_TMPDIR/b/rootfs/opt/app/sub/file" ] && [ ! -e "$BATS_TEST_TMPDIR/b/rootfs/bin/ls" ]
  # and img commits on top of umoci's layer, which umoci reads back
  echo more > "$BATS_TEST_TMPDIR/b/rootfs/etc/more"
  img commit "$BATS_TEST_TMPDIR/b" again
  unpack_umoci "$IMG_STORE" again "$BATS_TEST_TMPDIR/u2"
  diff <(tree_digest "$BATS_TEST_TMPDIR/b/rootfs") <(tree_digest "$BATS_TEST_TMPDIR/u2/rootfs")
}

@test "img commit --squash: one layer holding the whole tree" {
  local b=$BATS_TEST_TMPDIR/b r=$BATS_TEST_TMPDIR/b/rootfs
  umoci_image "$IMG_STORE" base
  img unpack base "$b"
  change_tree "$r"
  img commit --squash "$b" sq
  manifest_json "$IMG_STORE" sq > "$BATS_TEST_TMPDIR/m.json"
  config_json "$IMG_STORE" sq > "$BATS_TEST_TMPDIR/c.json"
  [ "$(jq -r '.layers | length' "$BATS_TEST_TMPDIR/m.json")" = 1 ]
  [ "$(jq -r '.rootfs.diff_ids | length' "$BATS_TEST_TMPDIR/c.json")" = 1 ]
  [ "$(jq -r '[.history[] | select(.empty_layer != true)] | length' "$BATS_TEST_TMPDIR/c.json")" = 1 ]
  [ "$(jq -r '.history[-1].created_by' "$BATS_TEST_TMPDIR/c.json")" = "img commit --squash" ]
  ! layer_names "$IMG_STORE" sq 0 | grep -q '\.wh\.'
  img unpack sq "$BATS_TEST_TMPDIR/b2"
  diff <(tree_digest "$r") <(tree_digest "$BATS_TEST_TMPDIR/b2/rootfs")
  unpack_umoci "$IMG_STORE" sq "$BATS_TEST_TMPDIR/u"
  diff <(tree_digest "$r") <(tree_digest "$BATS_TEST_TMPDIR/u/rootfs")
  # the bundle's record follows: the next commit is a diff against the squash
  echo after > "$r/etc/after"
  img commit "$b" next
  [ "$(layer_names "$IMG_STORE" next 1 | tr '\n' ' ')" = "etc/ etc/after " ]
}

@test "img commit: no changes give an empty layer (as umoci repack), --history-empty none" {
  local b=$BATS_TEST_TMPDIR/b
  umoci_image "$IMG_STORE" base
  img unpack base "$b"
  run img commit "$b" same
  [ "$status" -eq 0 ]
  [[ "$output" == *"no changes"*"empty layer"* ]]
  [ "$(manifest_json "$IMG_STORE" same | jq -r '.layers | length')" = 2 ]
  [ -z "$(layer_names "$IMG_STORE" same 1)" ]
  run img commit --history-empty "$b" same2
  [ "$status" -eq 0 ]
  [ "$(manifest_json "$IMG_STORE" same2 | jq -r '.layers | length')" = 2 ]
  [ "$(config_json "$IMG_STORE" same2 | jq -r '.history[-1].empty_layer')" = true ]
}

@test "img commit: unchanged files are not opened" {
  command -v strace > /dev/null || skip "needs strace"
  local b=$BATS_TEST_TMPDIR/b r=$BATS_TEST_TMPDIR/b/rootfs i
  umoci_image "$IMG_STORE" base
  img unpack base "$b"
  mkdir "$r/many"
  for i in $(seq 100 399); do echo "$i" > "$r/many/f$i"; done
  img commit "$b" c1
  echo changed > "$r/many/f250"
  # a sanitized img (make check-sanitize): LeakSanitizer cannot run under ptrace
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -o "$BATS_TEST_TMPDIR/trace" -e trace=open,openat,openat2 "$IMG" --store "$IMG_STORE" commit "$b" c2
  grep -E '"f[0-9]{3}"' "$BATS_TEST_TMPDIR/trace" > "$BATS_TEST_TMPDIR/opened" || true
  cat "$BATS_TEST_TMPDIR/opened"
  [ "$(grep -c . "$BATS_TEST_TMPDIR/opened")" = 1 ]
  grep -q '"f250"' "$BATS_TEST_TMPDIR/opened"
  ! grep -q '"busybox"' "$BATS_TEST_TMPDIR/trace"
  # the file was rewritten in place: its directory did not change
  [ "$(layer_names "$IMG_STORE" c2 2 | tr '\n' ' ')" = "many/f250 " ]
}

store_has_tmp() {
  [ -n "$(ls -A "$IMG_STORE/.berth/tmp" 2> /dev/null)" ]
}

@test "img commit: kill -9 during a commit leaves a store img reads and img gc cleans" {
  local b=$BATS_TEST_TMPDIR/b pid before
  umoci_image "$IMG_STORE" base
  img unpack base "$b"
  head -c 300M /dev/urandom > "$b/rootfs/big"
  before=$(jq -c . "$IMG_STORE/index.json")
  "$IMG" --store "$IMG_STORE" commit "$b" killed > /dev/null 2>&1 &
  pid=$!
  retry 200 0.05 store_has_tmp
  sleep 0.3
  kill -9 "$pid"
  wait "$pid" || true
  [ "$(jq -c . "$IMG_STORE/index.json")" = "$before" ]
  [ -n "$(ls -A "$IMG_STORE/.berth/tmp")" ]
  run img ls
  [ "$status" -eq 0 ]
  [[ "$output" == *base* ]]
  [[ "$output" != *killed* ]]
  umoci stat --image "$IMG_STORE:base" > /dev/null
  run img gc
  [ "$status" -eq 0 ]
  [ -z "$(ls -A "$IMG_STORE/.berth/tmp")" ]
  # the bundle is as it was: the next commit has the whole change
  [ "$(jq -r .ref "$b/img.json")" = base ]
  # (uncompressed: gzip of the 300 MB file was most of this test's time)
  img commit --compress none "$b" ok
  layer_names "$IMG_STORE" ok 1 | grep -qx big
}

@test "img commit: a rootless bundle's owners come from user.rootlesscontainers" {
  requires_rootless
  rootless_setup
  local s=$BATS_TEST_TMPDIR/user/store b=$BATS_TEST_TMPDIR/user/b u=$BATS_TEST_TMPDIR/u
  umoci_image "$s" base
  chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$BATS_TEST_TMPDIR/user"
  as_user "$IMG" --store "$s" unpack base "$b"
  [ "$(jq -r .rootless "$b/img.json")" = true ]
  as_user sh -c "echo mine > '$b/rootfs/etc/mine' && echo theirs > '$b/rootfs/etc/theirs' &&
    setfattr -n user.rootlesscontainers -v 0x08e8071064 '$b/rootfs/etc/theirs' && chmod 600 '$b/rootfs/etc/passwd'"
  as_user "$IMG" --store "$s" commit "$b" c1
  unpack_umoci "$s" c1 "$u"
  [ "$(stat -c %u:%g "$u/rootfs/etc/mine")" = 0:0 ]
  [ "$(stat -c %u:%g "$u/rootfs/etc/theirs")" = 1000:100 ]
  [ "$(stat -c %u:%g:%a "$u/rootfs/etc/passwd")" = 0:0:600 ]
  ! getfattr -n user.rootlesscontainers "$u/rootfs/etc/theirs" 2> /dev/null
  [ "$(layer_names "$s" c1 1 | tr '\n' ' ')" = "etc/ etc/mine etc/passwd etc/theirs " ]
}
