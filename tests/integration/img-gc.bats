#!/usr/bin/env bats
# img gc: mark from index.json, sweep unreferenced blobs and stray temp
# files; what is referenced survives (umoci still unpacks it); a missing
# referenced blob is reported, not fatal; kill -9 during gc; gc waits for
# a process that is adding blobs.

load helpers
load img-helpers

setup_file() {
  local BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR t
  FIX=$BATS_FILE_TMPDIR/layout
  t=$BATS_FILE_TMPDIR/tree-b
  mkdir -p "$t/etc"
  echo "b's file" > "$t/etc/b.txt"
  umoci_image "$FIX" a
  umoci_image "$FIX" b "$t"
  export FIX
}

setup() {
  berth_setup
  img_setup
  img import "$FIX" > /dev/null
}

teardown() {
  berth_teardown
}

blobs() {
  (cd "$IMG_STORE/blobs" && find . -type f | sed 's|^\./||; s|/|:|' | sort)
}

# reach TAG: the blobs TAG's manifest reaches (manifest, config, layers)
reach() {
  local m
  m=$(jq -r --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$IMG_STORE/index.json")
  { echo "$m"; jq -r '.config.digest, .layers[].digest' "$IMG_STORE/blobs/sha256/${m#sha256:}"; } | sort -u
}

# layers TAG: TAG's layer digests, sorted
layers() {
  local m
  m=$(jq -r --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$IMG_STORE/index.json")
  jq -r '.layers[].digest' "$IMG_STORE/blobs/sha256/${m#sha256:}" | sort
}

untag() {
  img rm "$1" > /dev/null || fail "img rm $1"
}

@test "gc: nothing unreferenced, nothing removed; an extra blob is removed, with its size" {
  local before
  before=$(blobs)
  run img gc
  assert_status 0
  [ "$output" = "removed 0 blobs, freed 0 bytes" ]
  [ "$(blobs)" = "$before" ]
  head -c 1000 /dev/urandom > "$BATS_TEST_TMPDIR/junk"
  d=$(sha256sum < "$BATS_TEST_TMPDIR/junk" | cut -d' ' -f1)
  cp "$BATS_TEST_TMPDIR/junk" "$IMG_STORE/blobs/sha256/$d"
  # not named like a blob: some other tool's file, left alone
  echo x > "$IMG_STORE/blobs/sha256/oci-put-blob-123"
  run img gc
  assert_status 0
  [ "$output" = "removed 1 blob, freed 1000 bytes" ]
  [ ! -e "$IMG_STORE/blobs/sha256/$d" ]
  [ -e "$IMG_STORE/blobs/sha256/oci-put-blob-123" ]
}

@test "gc: after img rm, exactly the blobs only that image reached are removed; the other still unpacks" {
  local gone dry
  gone=$(comm -23 <(reach a) <(reach b))
  [ -n "$gone" ]
  untag a
  run img gc --dry-run
  assert_status 0
  assert_contains "$output" "would remove $(echo "$gone" | wc -l) blob"
  dry=$(blobs)
  run img gc
  assert_status 0
  assert_contains "$output" "removed $(echo "$gone" | wc -l) blob"
  [ "$(comm -23 <(echo "$dry") <(blobs))" = "$gone" ]
  [ "$(umoci_tree "$IMG_STORE:b")" = "$(umoci_tree "$FIX:b")" ]
}

@test "gc: keeps what an index reaches (an index's manifests, subjects), and untagged index.json entries" {
  local mb ib idx size
  mb=$(jq -c '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "b") | del(.annotations)' "$IMG_STORE/index.json")
  idx=$(jq -cn --argjson m "$mb" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [$m]}')
  ib=$(printf '%s' "$idx" | sha256sum | cut -d' ' -f1)
  printf '%s' "$idx" > "$IMG_STORE/blobs/sha256/$ib"
  size=$(printf '%s' "$idx" | wc -c)
  # b is reachable only through the index now, a only as an untagged entry
  untag b
  jq --arg d "sha256:$ib" --argjson s "$size" '.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": "multi"}}]
     | .manifests |= map(if .annotations["org.opencontainers.image.ref.name"] == "a" then del(.annotations) else . end)' \
    "$IMG_STORE/index.json" > "$IMG_STORE/i" && mv "$IMG_STORE/i" "$IMG_STORE/index.json"
  run img gc
  assert_status 0
  [ "$output" = "removed 0 blobs, freed 0 bytes" ]
  [ "$(umoci_tree "$IMG_STORE:multi")" = "$(umoci_tree "$FIX:b")" ]
}

@test "gc: a missing referenced blob is reported, not fatal; unreferenced blobs still go" {
  local l junk
  # a layer only a has
  l=$(comm -23 <(layers a) <(reach b) | head -1)
  [ -n "$l" ]
  rm "$IMG_STORE/blobs/sha256/${l#sha256:}"
  junk=$(printf junk | sha256sum | cut -d' ' -f1)
  printf junk > "$IMG_STORE/blobs/sha256/$junk"
  run img gc
  assert_status 0
  assert_contains "$output" "blob '$l' (layer of 'a'): missing"
  assert_contains "$output" "removed 1 blob, freed 4 bytes"
  [ ! -e "$IMG_STORE/blobs/sha256/$junk" ]
}

@test "gc: a manifest that is present but corrupt: reported, and no blob is removed" {
  local m junk
  m=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "a") | .digest' "$IMG_STORE/index.json")
  chmod u+w "$IMG_STORE/blobs/sha256/${m#sha256:}"
  echo garbage >> "$IMG_STORE/blobs/sha256/${m#sha256:}"
  junk=$(printf junk | sha256sum | cut -d' ' -f1)
  printf junk > "$IMG_STORE/blobs/sha256/$junk"
  run img gc
  assert_status 0
  assert_contains "$output" "$m"
  assert_contains "$output" "no blob removed"
  [ -e "$IMG_STORE/blobs/sha256/$junk" ]
}

@test "gc: stray temp files go, a temp file a live writer holds (flock) stays" {
  mkdir -p "$IMG_STORE/.berth/tmp"
  head -c 5000 /dev/zero > "$IMG_STORE/.berth/tmp/blob-1-dead"
  : > "$IMG_STORE/.berth/tmp/blob-2-live"
  flock "$IMG_STORE/.berth/tmp/blob-2-live" sleep 30 &
  pid=$!
  retry 50 0.1 sh -c "! flock -n '$IMG_STORE/.berth/tmp/blob-2-live' true"
  run img gc
  kill "$pid"
  wait "$pid" || true
  assert_status 0
  assert_contains "$output" "removed 1 stray temp file (5000 bytes)"
  [ ! -e "$IMG_STORE/.berth/tmp/blob-1-dead" ]
  [ -e "$IMG_STORE/.berth/tmp/blob-2-live" ]
}

@test "gc waits for a process that is adding blobs (.berth/gc.lock), then sweeps" {
  local junk start
  junk=$(printf junk | sha256sum | cut -d' ' -f1)
  printf junk > "$IMG_STORE/blobs/sha256/$junk"
  flock -s "$IMG_STORE/.berth/gc.lock" sleep 2 &
  pid=$!
  sleep 0.3
  start=$(date +%s%N)
  run img gc
  wait "$pid"
  assert_status 0
  [ $(($(date +%s%N) - start)) -gt 1000000000 ]
  [ ! -e "$IMG_STORE/blobs/sha256/$junk" ]
}

@test "kill -9 during gc leaves a store img reads; the next gc finishes the sweep" {
  local i n pid partial=0 final tree_b
  untag a
  final=$(reach b | wc -l)
  tree_b=$(umoci_tree "$FIX:b")
  # many unreferenced blobs, so that gc takes a while
  junk() {
    python3 - "$IMG_STORE/blobs/sha256" <<'PY'
import hashlib, os, sys
for i in range(40000):
    data = b"junk %d" % i
    open(os.path.join(sys.argv[1], hashlib.sha256(data).hexdigest()), "wb").write(data)
PY
  }
  junk
  # kill at a delay that adapts to how fast gc is here (a sanitized or
  # loaded build is slower): longer after a kill before the sweep, shorter
  # after one too late; at least one kill must land mid-sweep
  local delay=200 kills=0 ms prev=$((40000 + final))
  for i in 1 2 3 4 5 6 7 8 9 10; do
    "$IMG" --store "$IMG_STORE" gc > /dev/null 2>&1 &
    pid=$!
    ms=$((delay + RANDOM % 50))
    sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
    kill -9 "$pid" 2> /dev/null || true
    wait "$pid" || true
    n=$(find "$IMG_STORE/blobs" -type f | wc -l)
    jq -e . "$IMG_STORE/index.json" > /dev/null
    [ "$(umoci_tree "$IMG_STORE:b")" = "$tree_b" ]
    if [ "$n" -ge "$prev" ]; then
      delay=$((delay * 2))
    elif [ "$n" -le "$final" ]; then
      delay=$((delay / 2 + 1))
      junk
      prev=$((40000 + final))
    else
      prev=$n
      partial=1
      kills=$((kills + 1))
      [ "$kills" -lt 3 ] || break
    fi
  done
  echo "killed mid-sweep $kills times in $i tries (last delay $delay ms)"
  [ "$partial" = 1 ]
  run img gc
  assert_status 0
  run img gc
  [ "$output" = "removed 0 blobs, freed 0 bytes" ]
  [ "$(find "$IMG_STORE/blobs" -type f | wc -l)" = "$final" ]
  [ "$(umoci_tree "$IMG_STORE:b")" = "$tree_b" ]
}

@test "gc during 10 concurrent imports: every import's tags survive and unpack" {
  local i pids=()
  skopeo copy -q oci:"$FIX":a docker-archive:"$BATS_TEST_TMPDIR/a.tar":a:1
  untag a
  untag b
  for i in $(seq 1 10); do
    "$IMG" --store "$IMG_STORE" import --name "t$i" "$BATS_TEST_TMPDIR/a.tar" > /dev/null &
    pids+=($!)
    "$IMG" --store "$IMG_STORE" gc > /dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  for i in $(seq 1 10); do
    [ "$(umoci_tree "$IMG_STORE:t$i")" = "$(umoci_tree "$FIX:a")" ]
  done
}
