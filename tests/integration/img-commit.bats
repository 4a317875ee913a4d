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

# manifest_json STORE TAG / config_json STORE TAG: the documents of a tag.
manifest_json() {
  local d
  d=$(jq -r --arg t "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$1/index.json")
  [ -n "$d" ] || fail "no tag '$2' in $1"
  cat "$1/blobs/sha256/${d#sha256:}"
}
config_json() {
  local d
  d=$(manifest_json "$1" "$2" | jq -r .config.digest)
  cat "$1/blobs/sha256/${d#sha256:}"
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
  # nothing failed half-way into the store
  [ "$(manifest_json "$IMG_STORE" base | jq -r '.layers | length')" = 0 ]
}
