#!/usr/bin/env bats
# A full disk: a small tmpfs, mounted by each test under its own temp dir
# (unmounted in teardown), as img's store, as the unpack target and as
# berth's state root.  A filler file takes the space; the command must fail
# with a clear ENOSPC error naming the path, leave nothing half-written
# (store consistent, target as before, no state dir), and succeed once the
# filler is gone.

load helpers
load img-helpers
load registry-helpers

# one registry with one image (a 5 MB incompressible layer) for the file
setup_file() {
  registry_file_seed fd/app:1 big=5000000 || return 0
}

teardown_file() {
  [ -z "${REGISTRY_DIR:-}" ] || registry_stop
}

setup() {
  berth_setup
  img_setup
  requires root
  SMALL=$BATS_TEST_TMPDIR/small
  mkdir -p "$SMALL"
  mount -t tmpfs -o size=12m,mode=0755 tmpfs "$SMALL" || fail "cannot mount a tmpfs on $SMALL"
}

# the tmpfs goes first: berth_teardown reports mounts left under the
# test's directory
teardown() {
  if [ -n "${SMALL:-}" ] && mountpoint -q "$SMALL"; then
    umount "$SMALL" || umount -l "$SMALL"
  fi
  berth_teardown
}

# fill KB: leave about KB kilobytes free on the tmpfs
fill() {
  local free
  rm -f "$SMALL/filler"
  free=$(df -k --output=avail "$SMALL" | tail -1)
  [ "$free" -gt "$1" ] || fail "only $free KB free on $SMALL"
  head -c $(((free - $1) * 1024)) /dev/zero > "$SMALL/filler"
}

unfill() {
  rm -f "$SMALL/filler"
}

# store_ok STORE: no temp file, every blob hashes to its name, img fsck
# (where it exists) agrees
store_ok() {
  local f s=$1
  if [ -d "$s/.berth/tmp" ]; then
    [ -z "$(ls -A "$s/.berth/tmp")" ] || fail "temp files left in $s: $(ls "$s/.berth/tmp")"
  fi
  for f in "$s"/blobs/sha256/*; do
    [ -e "$f" ] || continue
    [ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || fail "corrupt blob: $f"
  done
  "$IMG" --store "$s" fsck > /dev/null 2>&1 || fail "img fsck: $("$IMG" --store "$s" fsck 2>&1)"
}

# store_kept_only STORE: store_ok, and the failed command tagged nothing:
# the store lists only the image 'keep' the test made first
store_kept_only() {
  store_ok "$1"
  [ "$("$IMG" --store "$1" ls --format json | jq -r '.[].name')" = keep ] ||
    fail "img ls changed: $("$IMG" --store "$1" ls)"
}

@test "full disk: img pull into a full store fails with ENOSPC naming the store, stores nothing, and completes once there is room" {
  requires registry
  local store=$SMALL/store ref=$REGISTRY/fd/app:1
  IMG_STORE=$store img new keep > /dev/null
  fill 2000
  run env IMG_STORE="$store" "$IMG" --store "$store" pull -q --tls-verify=false "$ref"
  assert_failure
  assert_contains "$output" "pull '$ref'"
  assert_contains "$output" "blob 'sha256:"
  assert_contains "$output" "image store '$store'"
  assert_contains "$output" "No space left on device"
  store_kept_only "$store"
  unfill
  run "$IMG" --store "$store" pull -q --tls-verify=false "$ref"
  assert_status 0
  store_ok "$store"
  local want
  want=sha256:$(skopeo inspect --raw --tls-verify=false "docker://$ref" | sha256sum | cut -d' ' -f1)
  [ "$(tag_digest "$store" "$ref")" = "$want" ] || fail "the tag is not $want"
}

@test "full disk: img unpack onto a full file system fails with ENOSPC naming the path; the target is left as it was; then it unpacks" {
  requires registry
  local ref=$REGISTRY/fd/app:1
  img pull -q --tls-verify=false "$ref"
  fill 2000
  # a target that does not exist: absent afterwards
  run img unpack "$ref" "$SMALL/b1"
  assert_failure
  assert_contains "$output" "No space left on device"
  assert_contains "$output" "big"
  [ ! -e "$SMALL/b1" ] || fail "the half-unpacked bundle was left: $(ls -R "$SMALL/b1" | head)"
  # an empty target: still there, still empty
  mkdir "$SMALL/b2"
  run img unpack "$ref" "$SMALL/b2"
  assert_failure
  assert_contains "$output" "No space left on device"
  [ -d "$SMALL/b2" ] && [ -z "$(ls -A "$SMALL/b2")" ] || fail "the target changed: $(ls -A "$SMALL/b2")"
  store_ok "$IMG_STORE"
  unfill
  run img unpack "$ref" "$SMALL/b1"
  assert_status 0
  cmp "$SMALL/b1/rootfs/big" "$BATS_FILE_TMPDIR/tree/big" || fail "the unpacked file differs"
  [ -f "$SMALL/b1/config.json" ]
}

@test "full disk: img commit into a full store fails with ENOSPC naming the store; the image is unchanged; then it commits" {
  local store=$SMALL/store before
  mkdir -p "$BATS_TEST_TMPDIR/tree"
  head -c 4000000 /dev/urandom > "$BATS_TEST_TMPDIR/tree/f"
  "$IMG" --store "$store" new app > /dev/null
  before=$(tag_digest "$store" app)
  fill 1500
  run "$IMG" --store "$store" commit --rootfs "$BATS_TEST_TMPDIR/tree" app
  assert_failure
  assert_contains "$output" "image store '$store'"
  assert_contains "$output" "No space left on device"
  [ "$(tag_digest "$store" app)" = "$before" ] || fail "the tag moved"
  store_ok "$store"
  unfill
  run "$IMG" --store "$store" commit --rootfs "$BATS_TEST_TMPDIR/tree" app
  assert_status 0
  [ "$(tag_digest "$store" app)" != "$before" ] || fail "the tag did not move"
  store_ok "$store"
  "$IMG" --store "$store" unpack app "$BATS_TEST_TMPDIR/b" > /dev/null
  cmp "$BATS_TEST_TMPDIR/tree/f" "$BATS_TEST_TMPDIR/b/rootfs/f" || fail "the committed file differs"
}

@test "full disk: berth create with a full --root fails clearly, leaves no state dir or process; list works; then it creates" {
  requires berth
  make_bundle
  local root=$SMALL/state
  mkdir -p "$root"
  fill 0
  # what little is left (a partial page) goes too
  head -c 1048576 /dev/zero >> "$SMALL/filler" 2> /dev/null || true
  rrun "$BERTH" --root "$root" create --bundle "$BUNDLE" full1
  assert_failure
  assert_contains "$output" "No space left on device"
  assert_contains "$output" "$root"
  [ -z "$(ls -A "$root")" ] || fail "state left in $root: $(ls -A "$root")"
  rrun "$BERTH" --root "$root" list
  assert_status 0
  [ "$(echo "$output" | wc -l)" = 1 ] || fail "list shows more than its header: $output"
  # no process left whose root is the bundle's rootfs (one find: the host
  # may run many processes)
  local left
  left=$(find /proc/[0-9]*/root -maxdepth 0 -lname "$BUNDLE/rootfs" 2> /dev/null || true)
  [ -z "$left" ] || fail "a container process is left: $left"
  unfill
  rrun "$BERTH" --root "$root" create --bundle "$BUNDLE" full1
  assert_status 0
  rrun "$BERTH" --root "$root" delete -f full1
  assert_status 0
  [ -z "$(ls -A "$root")" ] || fail "state left in $root after delete: $(ls -A "$root")"
}

@test "full disk: img pull --unpack onto a full file system fails with ENOSPC naming the bundle; no bundle, no tag; then it completes" {
  requires registry
  local ref=$REGISTRY/fd/app:1 want
  fill 2000
  run img pull -q --tls-verify=false --unpack "$SMALL/b1" "$ref"
  assert_failure
  assert_contains "$output" "pull '$ref'"
  assert_contains "$output" "'$SMALL/b1'"
  assert_contains "$output" "entry 'big'"
  assert_contains "$output" "No space left on device"
  [ ! -e "$SMALL/b1" ] || fail "the half-unpacked bundle was left: $(ls -A "$SMALL/b1")"
  [ "$(ls -A "$SMALL")" = filler ] || fail "left on the file system: $(ls -A "$SMALL")"
  store_ok "$IMG_STORE"
  [ ! -e "$IMG_STORE/index.json" ] || [ "$(jq '.manifests | length' "$IMG_STORE/index.json")" = 0 ] ||
    fail "a tag was written: $(cat "$IMG_STORE/index.json")"
  unfill
  run img pull -q --tls-verify=false --unpack "$SMALL/b1" "$ref"
  assert_status 0
  cmp "$SMALL/b1/rootfs/big" "$BATS_FILE_TMPDIR/tree/big" || fail "the unpacked file differs"
  [ -f "$SMALL/b1/config.json" ] || fail "no config.json"
  store_ok "$IMG_STORE"
  want=sha256:$(skopeo inspect --raw --tls-verify=false "docker://$ref" | sha256sum | cut -d' ' -f1)
  [ "$(tag_digest "$IMG_STORE" "$ref")" = "$want" ] || fail "the tag is not $want"
}

@test "full disk: img pull --unpack into a full store fails with ENOSPC naming the store; no bundle, no tag; then it completes" {
  requires registry
  local store=$SMALL/store ref=$REGISTRY/fd/app:1 bundle=$BATS_TEST_TMPDIR/b
  "$IMG" --store "$store" new keep > /dev/null
  fill 2000
  run "$IMG" --store "$store" pull -q --tls-verify=false --unpack "$bundle" "$ref"
  assert_failure
  assert_contains "$output" "pull '$ref'"
  assert_contains "$output" "image store '$store'"
  assert_contains "$output" "No space left on device"
  [ ! -e "$bundle" ] || fail "a bundle was left: $(ls -A "$bundle")"
  store_kept_only "$store"
  unfill
  run "$IMG" --store "$store" pull -q --tls-verify=false --unpack "$bundle" "$ref"
  assert_status 0
  cmp "$bundle/rootfs/big" "$BATS_FILE_TMPDIR/tree/big" || fail "the unpacked file differs"
  store_ok "$store"
}

@test "full disk: img copy from a layout into a full store fails with ENOSPC naming the store; nothing tagged; then it copies" {
  local store=$SMALL/store want
  "$IMG" --store "$store" new keep > /dev/null
  fill 2000
  run "$IMG" --store "$store" copy "oci:$BATS_FILE_TMPDIR/seed:seed" c:1
  assert_failure
  assert_contains "$output" "copy 'seed' from '$BATS_FILE_TMPDIR/seed'"
  assert_contains "$output" "copy blob 'sha256:"
  assert_contains "$output" "image store '$store'"
  assert_contains "$output" "No space left on device"
  store_kept_only "$store"
  unfill
  run "$IMG" --store "$store" copy "oci:$BATS_FILE_TMPDIR/seed:seed" c:1
  assert_status 0
  store_ok "$store"
  want=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "seed") | .digest' \
    "$BATS_FILE_TMPDIR/seed/index.json")
  [ "$(tag_digest "$store" c:1)" = "$want" ] || fail "c:1 is not $want"
  "$IMG" --store "$store" unpack c:1 "$BATS_TEST_TMPDIR/b" > /dev/null || fail "unpack the copy"
  cmp "$BATS_FILE_TMPDIR/tree/big" "$BATS_TEST_TMPDIR/b/rootfs/big" || fail "the copied layer differs"
}
