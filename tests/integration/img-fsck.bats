#!/usr/bin/env bats
# img fsck: a clean store passes (exit 0); a flipped byte in a layer, a
# missing blob, a dangling tag and the temp files of interrupted writes
# are each reported on a line naming the object and the reason (exit 1);
# --repair removes debris and corrupt blobs, never a healthy blob, and an
# image left without a blob is reported with the advice to pull it again.

load helpers
load img-helpers

setup_file() {
  local BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR
  FIX=$BATS_FILE_TMPDIR/layout
  umoci_image "$FIX" a
  export FIX
}

setup() {
  berth_setup
  img_setup
  img import "$FIX" > /dev/null
  MAN=$(tag_digest "$IMG_STORE" a)
  LAYER=$(jq -r '.layers[0].digest' "$IMG_STORE/blobs/sha256/${MAN#sha256:}")
  CONFIG=$(jq -r '.config.digest' "$IMG_STORE/blobs/sha256/${MAN#sha256:}")
}

teardown() {
  berth_teardown
}

blob() {
  echo "$IMG_STORE/blobs/sha256/${1#sha256:}"
}

@test "fsck: a clean store exits 0 and says what it checked" {
  run img fsck
  assert_status 0
  assert_contains "$output" "checked 3 blobs"
  assert_contains "$output" "1 image: no problem"
}

@test "fsck: a flipped byte in a layer: the blob is corrupt, the image broken; --repair removes only that blob" {
  local before after
  printf '\x00' | dd of="$(blob "$LAYER")" bs=1 seek=100 conv=notrunc status=none
  run -1 --separate-stderr img fsck
  assert_contains "$output" "blob '$LAYER' (blobs/sha256/${LAYER#sha256:}): corrupt: its content hashes to"
  assert_contains "$output" "image 'a' (blobs/sha256/${LAYER#sha256:}): layer blob '$LAYER' is corrupt: pull the image again"
  [ -e "$(blob "$LAYER")" ] || fail "fsck without --repair removed a blob"
  before=$(cd "$IMG_STORE/blobs/sha256" && ls | sort)
  run -1 --separate-stderr img fsck --repair
  assert_contains "$output" "corrupt: its content hashes to"
  assert_contains "$output" "[removed]"
  assert_contains "$output" "image 'a' (blobs/sha256/${LAYER#sha256:}): layer blob '$LAYER' was corrupt (removed): pull the image again"
  after=$(cd "$IMG_STORE/blobs/sha256" && ls | sort)
  [ "$after" = "$(grep -v "${LAYER#sha256:}" <<< "$before")" ] || fail "repair removed more than the corrupt blob: $after"
  # the image comes back with its layer
  img import "$FIX" > /dev/null
  run img fsck
  assert_status 0
}

@test "fsck: a missing config blob and a dangling tag are reported with the image's name" {
  rm "$(blob "$CONFIG")"
  run -1 --separate-stderr img fsck
  [ "$output" = "image 'a' (blobs/sha256/${CONFIG#sha256:}): config blob '$CONFIG' is missing: pull the image again (or img rm it)" ] ||
    fail "unexpected report: $output"
  rm "$(blob "$MAN")"
  run -1 --separate-stderr img fsck
  assert_contains "$output" "image 'a' (blobs/sha256/${MAN#sha256:}): manifest blob '$MAN' is missing"
  # --repair cannot bring it back: still exit 1, nothing removed
  run -1 --separate-stderr img fsck --repair
  [ -e "$(blob "$LAYER")" ]
  img rm a > /dev/null
  run img fsck
  assert_status 0
  assert_contains "$output" "1 unreferenced blob (img gc removes them)"
}

@test "fsck: temp files of interrupted writes are debris; --repair removes them and exits 0" {
  mkdir -p "$IMG_STORE/.berth/tmp"
  head -c 5000 /dev/urandom > "$IMG_STORE/.berth/tmp/blob-999-abc"
  echo '{"schemaVersion":2,' > "$IMG_STORE/.index.json.tmp.999"
  run -1 --separate-stderr img fsck
  assert_contains "$output" "temp file (.berth/tmp/blob-999-abc): left by an interrupted write (5000 bytes)"
  assert_contains "$output" "temp file (.index.json.tmp.999): left by an interrupted index.json update"
  run -0 --separate-stderr img fsck --repair
  assert_contains "$output" "[removed]"
  assert_contains "$stderr" "2 problems, 2 repaired"
  [ ! -e "$IMG_STORE/.berth/tmp/blob-999-abc" ] && [ ! -e "$IMG_STORE/.index.json.tmp.999" ]
  run -0 img fsck
}

@test "fsck: a store that is not a layout is an error" {
  mkdir "$BATS_TEST_TMPDIR/empty"
  run -1 "$IMG" --store "$BATS_TEST_TMPDIR/empty" fsck
  assert_contains "$output" "is not an OCI image layout"
}

@test "gc removes the index.json temp file of a tag killed before its rename (found by img-faults.bats)" {
  run -137 env BERTH_FAULT_AT=index.tmp-written "$IMG" --store "$IMG_STORE" tag a a2
  ls -A "$IMG_STORE" | grep -q '^\.index\.json\.tmp\.' || fail "no temp file: $(ls -A "$IMG_STORE")"
  run -1 img fsck
  assert_contains "$output" "left by an interrupted index.json update"
  run -0 img gc
  assert_contains "$output" "removed 1 stray temp file"
  ! ls -A "$IMG_STORE" | grep -q '^\.index\.json\.tmp\.' || fail "gc left it"
  run -0 img fsck
}
