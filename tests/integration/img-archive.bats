#!/usr/bin/env bats
# img import / img export: OCI archives, layout directories and docker-save
# archives, checked against skopeo (the archives it writes import, the
# archives img writes are accepted by skopeo) and umoci (trees unpacked
# from the store equal the source's); corrupt archives; kill -9 during an
# import; concurrent imports into one store.

load helpers
load img-helpers

setup_file() {
  local BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR t
  command -v skopeo > /dev/null || skip "skopeo is not installed"
  # the fixture: layout FIX with "a" (the busybox+probe rootfs) and "b" (a
  # small tree of its own)
  FIX=$BATS_FILE_TMPDIR/layout
  t=$BATS_FILE_TMPDIR/tree-b
  mkdir -p "$t/etc" "$t/data"
  echo "b's file" > "$t/etc/b.txt"
  ln -s ../etc/b.txt "$t/data/link"
  umoci_image "$FIX" a
  umoci_image "$FIX" b "$t"
  export FIX
}

setup() {
  berth_setup
  img_setup
}

teardown() {
  berth_teardown
}

# tags: the store's tags, sorted, one per line
tags() {
  jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"] // "<none>"' "$IMG_STORE/index.json" | sort
}

blob() {
  echo "$IMG_STORE/blobs/${1%%:*}/${1#*:}"
}

@test "import: skopeo's OCI archive, blob for blob, and umoci unpacks the same tree from the store" {
  skopeo copy -q oci:"$FIX":a oci-archive:"$BATS_TEST_TMPDIR/a.tar":a
  run img import "$BATS_TEST_TMPDIR/a.tar"
  assert_status 0
  assert_contains "$output" "a sha256:"
  [ "$(tags)" = a ]
  [ "$(tag_digest "$IMG_STORE" a)" = "$(tag_digest "$FIX" a)" ]
  # every blob of the fixture image is in the store, byte for byte
  for d in $(jq -r '.config.digest, .layers[].digest' "$(blob "$(tag_digest "$FIX" a)")"); do
    cmp "$(blob "$d")" "$FIX/blobs/sha256/${d#sha256:}"
  done
  [ "$(umoci_tree "$IMG_STORE:a")" = "$(umoci_tree "$FIX:a")" ]
}

@test "import: a layout directory (skopeo's oci:DIR), every image with its ref name, or one with --name" {
  run img import "$FIX"
  assert_status 0
  [ "$(tags)" = "$(printf 'a\nb')" ]
  [ "$(umoci_tree "$IMG_STORE:b")" = "$(umoci_tree "$FIX:b")" ]
  run img import --name other "$FIX"
  assert_failure
  assert_contains "$output" "--name needs an archive with one image"
  skopeo copy -q oci:"$FIX":b oci:"$BATS_TEST_TMPDIR/one":b
  run img import --name renamed:1 "$BATS_TEST_TMPDIR/one"
  assert_status 0
  [ "$(tag_digest "$IMG_STORE" renamed:1)" = "$(tag_digest "$FIX" b)" ]
}

@test "import: skopeo's docker-archive becomes an OCI image: config kept, uncompressed layers (digest = diff_id), RepoTags" {
  local m cfg
  skopeo copy -q oci:"$FIX":a docker-archive:"$BATS_TEST_TMPDIR/d.tar":foo/bar:v1
  run img import "$BATS_TEST_TMPDIR/d.tar"
  assert_status 0
  [ "$(tags)" = foo/bar:v1 ]
  m=$(blob "$(tag_digest "$IMG_STORE" foo/bar:v1)")
  [ "$(jq -r .mediaType "$m")" = application/vnd.oci.image.manifest.v1+json ]
  [ "$(jq -r .config.mediaType "$m")" = application/vnd.oci.image.config.v1+json ]
  [ "$(jq -r '.layers[].mediaType' "$m" | sort -u)" = application/vnd.oci.image.layer.v1.tar ]
  # the config is docker's file byte for byte (its name is its digest)
  cfg=$(tar -xOf "$BATS_TEST_TMPDIR/d.tar" manifest.json | jq -r '.[0].Config')
  [ "$(jq -r .config.digest "$m")" = "sha256:${cfg%.json}" ]
  [ "$(jq -r '.layers[].digest' "$m")" = "$(jq -r '.rootfs.diff_ids[]' "$(blob "$(jq -r .config.digest "$m")")")" ]
  [ "$(umoci_tree "$IMG_STORE:foo/bar:v1")" = "$(umoci_tree "$FIX:a")" ]
}

@test "import: a docker-save archive in the legacy form (<id>/layer.tar, <id>.json) and with gzip layers" {
  local d=$BATS_TEST_TMPDIR/legacy cfg layer id
  skopeo copy -q oci:"$FIX":b docker-archive:"$BATS_TEST_TMPDIR/d.tar":docker.io/library/legacy:1
  mkdir "$d"
  tar -xf "$BATS_TEST_TMPDIR/d.tar" -C "$d"
  cfg=$(jq -r '.[0].Config' "$d/manifest.json")
  layer=$(jq -r '.[0].Layers[0]' "$d/manifest.json")
  # docker before 25: the layer in a directory of its own, gzip'ed here
  id=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  rm -rf "$d"/*/
  mkdir "$d/$id"
  gzip -n -c < "$d/$layer" > "$d/$id/layer.tar"
  rm "$d/$layer"
  jq --arg l "$id/layer.tar" '.[0].Layers = [$l]' "$d/manifest.json" > "$d/m" && mv "$d/m" "$d/manifest.json"
  tar -cf "$BATS_TEST_TMPDIR/legacy.tar" -C "$d" .
  run img import "$BATS_TEST_TMPDIR/legacy.tar"
  assert_status 0
  [ "$(tags)" = legacy:1 ]
  m=$(blob "$(tag_digest "$IMG_STORE" legacy:1)")
  [ "$(jq -r '.layers[0].mediaType' "$m")" = application/vnd.oci.image.layer.v1.tar+gzip ]
  [ "$(umoci_tree "$IMG_STORE:legacy:1")" = "$(umoci_tree "$FIX:b")" ]
  # the extracted directory imports too
  run img import --name fromdir "$d"
  assert_status 0
  [ "$(tag_digest "$IMG_STORE" fromdir)" = "$(tag_digest "$IMG_STORE" legacy:1)" ]
}

@test "export --format oci: skopeo copies it back, same manifest, same blobs, ref names kept" {
  img import "$FIX"
  run img export -o "$BATS_TEST_TMPDIR/out.tar" a b
  assert_status 0
  tar -tf "$BATS_TEST_TMPDIR/out.tar" | grep -qx oci-layout
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/out.tar" index.json | jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' | sort)" = "$(printf 'a\nb')" ]
  skopeo copy -q oci-archive:"$BATS_TEST_TMPDIR/out.tar":b oci:"$BATS_TEST_TMPDIR/back":b
  [ "$(tag_digest "$BATS_TEST_TMPDIR/back" b)" = "$(tag_digest "$FIX" b)" ]
  [ "$(umoci_tree "$BATS_TEST_TMPDIR/back:b")" = "$(umoci_tree "$FIX:b")" ]
  # only what the named images reach: exporting b leaves a's layer out
  img export -o "$BATS_TEST_TMPDIR/b.tar" b
  for d in $(jq -r '.layers[].digest' "$(blob "$(tag_digest "$IMG_STORE" a)")"); do
    ! tar -tf "$BATS_TEST_TMPDIR/b.tar" | grep -q "${d#sha256:}"
  done
  # and it imports into a fresh store
  IMG_STORE=$BATS_TEST_TMPDIR/store2 img import "$BATS_TEST_TMPDIR/b.tar"
  [ "$(tag_digest "$BATS_TEST_TMPDIR/store2" b)" = "$(tag_digest "$FIX" b)" ]
}

@test "export --format docker: skopeo reads it; layers are the uncompressed tars named by diff_id; RepoTags" {
  local d=$BATS_TEST_TMPDIR/x
  img import "$FIX"
  run img export --format docker -o "$BATS_TEST_TMPDIR/d.tar" a
  assert_status 0
  mkdir "$d"
  tar -xf "$BATS_TEST_TMPDIR/d.tar" -C "$d"
  [ "$(jq -r '.[0].RepoTags[]' "$d/manifest.json")" = a:latest ]
  cfg=$(jq -r '.[0].Config' "$d/manifest.json")
  for l in $(jq -r '.[0].Layers[]' "$d/manifest.json"); do
    [ "sha256:$(sha256sum < "$d/$l" | cut -d' ' -f1)" = "sha256:${l%.tar}" ]
    jq -e --arg x "sha256:${l%.tar}" '.rootfs.diff_ids | index($x)' "$d/$cfg" > /dev/null
  done
  # the config is the store's config blob, byte for byte
  cmp "$d/$cfg" "$(blob "$(jq -r .config.digest "$(blob "$(tag_digest "$IMG_STORE" a)")")")"
  skopeo copy -q docker-archive:"$BATS_TEST_TMPDIR/d.tar" oci:"$BATS_TEST_TMPDIR/back":a
  [ "$(umoci_tree "$BATS_TEST_TMPDIR/back:a")" = "$(umoci_tree "$FIX:a")" ]
}

@test "round trip: skopeo docker-archive → import → export docker → import elsewhere: same config, same manifest" {
  skopeo copy -q oci:"$FIX":b docker-archive:"$BATS_TEST_TMPDIR/d.tar":rt/img:1
  img import "$BATS_TEST_TMPDIR/d.tar"
  img export --format docker -o "$BATS_TEST_TMPDIR/d2.tar" rt/img:1
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/d2.tar" manifest.json | jq -r '.[0].RepoTags[]')" = rt/img:1 ]
  IMG_STORE=$BATS_TEST_TMPDIR/store2 img import "$BATS_TEST_TMPDIR/d2.tar"
  [ "$(tag_digest "$BATS_TEST_TMPDIR/store2" rt/img:1)" = "$(tag_digest "$IMG_STORE" rt/img:1)" ]
  # and OCI → import → export oci → skopeo oci-archive → same manifest as the fixture
  skopeo copy -q oci:"$FIX":a oci-archive:"$BATS_TEST_TMPDIR/o.tar":a
  img import "$BATS_TEST_TMPDIR/o.tar"
  img export -o "$BATS_TEST_TMPDIR/o2.tar" a
  skopeo copy -q oci-archive:"$BATS_TEST_TMPDIR/o2.tar":a oci:"$BATS_TEST_TMPDIR/back":a
  [ "$(tag_digest "$BATS_TEST_TMPDIR/back" a)" = "$(tag_digest "$FIX" a)" ]
}

@test "import: an OCI archive with a corrupt blob is refused naming the blob, and nothing is tagged" {
  local d=$BATS_TEST_TMPDIR/bad l
  skopeo copy -q oci:"$FIX":b oci:"$d":b
  l=$(jq -r '.layers[0].digest' "$d/blobs/sha256/$(tag_digest "$d" b | cut -d: -f2)")
  chmod u+w "$d/blobs/sha256/${l#sha256:}"
  printf 'X' | dd of="$d/blobs/sha256/${l#sha256:}" bs=1 seek=20 conv=notrunc status=none
  tar -cf "$BATS_TEST_TMPDIR/bad.tar" -C "$d" .
  run img import "$BATS_TEST_TMPDIR/bad.tar"
  assert_failure
  assert_contains "$output" "${l#sha256:}"
  assert_contains "$output" "mismatch"
  [ "$(jq '.manifests | length' "$IMG_STORE/index.json")" = 0 ]
  [ ! -e "$(blob "$l")" ]
  # the same as a directory
  run img import "$d"
  assert_failure
  assert_contains "$output" "${l#sha256:}"
  [ "$(jq '.manifests | length' "$IMG_STORE/index.json")" = 0 ]
  # a descriptor whose size lies
  skopeo copy -q oci:"$FIX":b oci:"$BATS_TEST_TMPDIR/lie":b
  jq '.manifests[0].size += 1' "$BATS_TEST_TMPDIR/lie/index.json" > "$BATS_TEST_TMPDIR/i" && mv "$BATS_TEST_TMPDIR/i" "$BATS_TEST_TMPDIR/lie/index.json"
  run img import "$BATS_TEST_TMPDIR/lie"
  assert_failure
  assert_contains "$output" "its descriptor says"
  [ "$(jq '.manifests | length' "$IMG_STORE/index.json")" = 0 ]
}

@test "import: a docker-save layer that does not match its diff_id is refused naming it; a missing blob too" {
  local d=$BATS_TEST_TMPDIR/bad l
  skopeo copy -q oci:"$FIX":b docker-archive:"$BATS_TEST_TMPDIR/d.tar":bad:1
  mkdir "$d"
  tar -xf "$BATS_TEST_TMPDIR/d.tar" -C "$d"
  l=$(jq -r '.[0].Layers[0]' "$d/manifest.json")
  chmod u+w "$d/$l"
  printf 'X' | dd of="$d/$l" bs=1 seek=600 conv=notrunc status=none
  tar -cf "$BATS_TEST_TMPDIR/bad.tar" -C "$d" .
  run img import "$BATS_TEST_TMPDIR/bad.tar"
  assert_failure
  assert_contains "$output" "layer '$l' is corrupt"
  assert_contains "$output" "diff_id"
  [ "$(jq '.manifests | length' "$IMG_STORE/index.json")" = 0 ]
  rm "$d/$l"
  tar -cf "$BATS_TEST_TMPDIR/bad.tar" -C "$d" .
  run img import "$BATS_TEST_TMPDIR/bad.tar"
  assert_failure
  assert_contains "$output" "$l"
  run img import /etc
  assert_failure
  assert_contains "$output" "'/etc' is neither an OCI archive"
  run img export -o "$BATS_TEST_TMPDIR/x.tar" nosuch
  assert_failure
  assert_contains "$output" "image 'nosuch' not found"
  [ ! -e "$BATS_TEST_TMPDIR/x.tar" ]
}

# big_archive FILE: an OCI archive whose layer is ~64 MiB of random data
big_archive() {
  local t=$BATS_TEST_TMPDIR/bigtree
  mkdir -p "$t"
  head -c $((64 << 20)) /dev/urandom > "$t/big"
  umoci init --layout "$BATS_TEST_TMPDIR/big"
  umoci new --image "$BATS_TEST_TMPDIR/big:big"
  umoci unpack --image "$BATS_TEST_TMPDIR/big:big" "$BATS_TEST_TMPDIR/bb" > /dev/null
  cp "$t/big" "$BATS_TEST_TMPDIR/bb/rootfs/"
  umoci repack --image "$BATS_TEST_TMPDIR/big:big" "$BATS_TEST_TMPDIR/bb" > /dev/null
  skopeo copy -q oci:"$BATS_TEST_TMPDIR/big":big docker-archive:"$1":big:1
  rm -rf "$t" "$BATS_TEST_TMPDIR/bb"
}

@test "kill -9 during import leaves a store img reads; img gc then removes the stray temp files" {
  local i pid
  big_archive "$BATS_TEST_TMPDIR/big.tar"
  skopeo copy -q oci:"$FIX":a oci:"$BATS_TEST_TMPDIR/one":a
  img import --name keep "$BATS_TEST_TMPDIR/one"
  for i in 1 2 3 4 5; do
    "$IMG" --store "$IMG_STORE" import "$BATS_TEST_TMPDIR/big.tar" > /dev/null 2>&1 &
    pid=$!
    if [ "$i" = 1 ]; then
      # once surely in the middle of writing the big layer
      retry 200 0.02 sh -c "ls '$IMG_STORE/.berth/tmp' 2> /dev/null | grep -q ."
    else
      sleep "0.$((RANDOM % 9 + 1))"
    fi
    kill -9 "$pid" 2> /dev/null || true
    wait "$pid" || true
    # index.json parses, everything still tagged unpacks
    jq -e . "$IMG_STORE/index.json" > /dev/null
    for t in $(tags); do
      [ "$t" = "<none>" ] || umoci_tree "$IMG_STORE:$t" > /dev/null
    done
  done
  [ -n "$(ls -A "$IMG_STORE/.berth/tmp")" ]
  run img gc
  assert_status 0
  assert_contains "$output" "stray temp file"
  [ -z "$(ls -A "$IMG_STORE/.berth/tmp")" ]
  # every blob left is referenced: a second gc finds nothing
  run img gc
  assert_contains "$output" "removed 0 blobs"
  [ "$(umoci_tree "$IMG_STORE:keep")" = "$(umoci_tree "$FIX:a")" ]
  # and the import, run to its end, works on the store the kills left
  run img import "$BATS_TEST_TMPDIR/big.tar"
  assert_status 0
  [ "$(tags | grep -c big:1)" = 1 ]
}

@test "20 concurrent imports and 20 img tag into one store: index.json parses and every tag is there" {
  local i pids=()
  skopeo copy -q oci:"$FIX":b oci-archive:"$BATS_TEST_TMPDIR/b.tar":b
  skopeo copy -q oci:"$FIX":a docker-archive:"$BATS_TEST_TMPDIR/a.tar":a:1
  img import "$BATS_TEST_TMPDIR/b.tar" > /dev/null
  for i in $(seq 1 20); do
    if [ $((i % 2)) = 0 ]; then
      "$IMG" --store "$IMG_STORE" import --name "t$i" "$BATS_TEST_TMPDIR/b.tar" > /dev/null &
    else
      "$IMG" --store "$IMG_STORE" import --name "t$i" "$BATS_TEST_TMPDIR/a.tar" > /dev/null &
    fi
    pids+=($!)
    "$IMG" --store "$IMG_STORE" tag b "u$i" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  jq -e . "$IMG_STORE/index.json" > /dev/null
  for i in $(seq 1 20); do
    tags | grep -qx "t$i" || fail "tag t$i is missing"
    tags | grep -qx "u$i" || fail "tag u$i is missing"
  done
  [ "$(tags | wc -l)" = 41 ]
  [ "$(umoci_tree "$IMG_STORE:t7")" = "$(umoci_tree "$FIX:a")" ]
  [ "$(umoci_tree "$IMG_STORE:t8")" = "$(umoci_tree "$FIX:b")" ]
  [ "$(umoci_tree "$IMG_STORE:u9")" = "$(umoci_tree "$FIX:b")" ]
}

@test "import: docker 25's save form (an OCI layout inside, manifest.json pointing into blobs/)" {
  local d=$BATS_TEST_TMPDIR/d25 cfg l hex
  skopeo copy -q oci:"$FIX":b docker-archive:"$BATS_TEST_TMPDIR/d.tar":new/form:25
  skopeo copy -q oci:"$FIX":b oci:"$d":form
  mkdir -p "$d/x"
  tar -xf "$BATS_TEST_TMPDIR/d.tar" -C "$d/x"
  cfg=$(jq -r '.[0].Config' "$d/x/manifest.json")
  l=$(jq -r '.[0].Layers[0]' "$d/x/manifest.json")
  hex=$(sha256sum < "$d/x/$l" | cut -d' ' -f1)
  cp "$d/x/$cfg" "$d/blobs/sha256/${cfg%.json}"
  cp "$d/x/$l" "$d/blobs/sha256/$hex"
  jq -c --arg c "blobs/sha256/${cfg%.json}" --arg l "blobs/sha256/$hex" '.[0].Config = $c | .[0].Layers = [$l]' \
    "$d/x/manifest.json" > "$d/manifest.json"
  rm -rf "$d/x"
  tar -cf "$BATS_TEST_TMPDIR/d25.tar" -C "$d" .
  run img import "$BATS_TEST_TMPDIR/d25.tar"
  assert_status 0
  # manifest.json wins over index.json: docker's names
  [ "$(tags)" = new/form:25 ]
  [ "$(umoci_tree "$IMG_STORE:new/form:25")" = "$(umoci_tree "$FIX:b")" ]
  # a blobs/ path promises its content
  printf 'X' | dd of="$d/blobs/sha256/$hex" bs=1 seek=700 conv=notrunc status=none
  IMG_STORE=$BATS_TEST_TMPDIR/store2 run img import "$d"
  assert_failure
  assert_contains "$output" "$hex"
}

@test "import: Docker schema2 manifests in a layout are written as OCI (media types converted), the tree unchanged" {
  local d=$BATS_TEST_TMPDIR/docker2 m new size m2
  skopeo copy -q oci:"$FIX":b oci:"$d":b
  m=$(tag_digest "$d" b)
  new=$(jq -c '.mediaType = "application/vnd.docker.distribution.manifest.v2+json"
    | .config.mediaType = "application/vnd.docker.container.image.v1+json"
    | .layers |= map(.mediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip")' "$d/blobs/sha256/${m#sha256:}")
  hex=$(printf '%s' "$new" | sha256sum | cut -d' ' -f1)
  printf '%s' "$new" > "$d/blobs/sha256/$hex"
  size=$(printf '%s' "$new" | wc -c)
  jq --arg d "sha256:$hex" --argjson s "$size" '.manifests[0] |= (.digest = $d | .size = $s | .mediaType = "application/vnd.docker.distribution.manifest.v2+json")' \
    "$d/index.json" > "$d/i" && mv "$d/i" "$d/index.json"
  run img import --name conv "$d"
  assert_status 0
  m2=$(tag_digest "$IMG_STORE" conv)
  [ "$m2" != "sha256:$hex" ]
  [ "$(jq -r '.manifests[0].mediaType' "$IMG_STORE/index.json")" = application/vnd.oci.image.manifest.v1+json ]
  [ "$(jq -r .mediaType "$(blob "$m2")")" = application/vnd.oci.image.manifest.v1+json ]
  [ "$(jq -r .config.mediaType "$(blob "$m2")")" = application/vnd.oci.image.config.v1+json ]
  [ "$(jq -r '.layers[].mediaType' "$(blob "$m2")" | sort -u)" = application/vnd.oci.image.layer.v1.tar+gzip ]
  [ "$(umoci_tree "$IMG_STORE:conv")" = "$(umoci_tree "$FIX:b")" ]
}

# multi_layout DIR: a layout with "multi", an image index of a (the host's
# platform) and b (another), with a and b in it too.
multi_layout() {
  local d=$1 ma mb idx hex arch
  case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  skopeo copy -q oci:"$FIX":a oci:"$d":a
  skopeo copy -q oci:"$FIX":b oci:"$d":b
  ma=$(jq -c --arg a "$arch" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "a") | del(.annotations) | .platform = {os: "linux", architecture: $a}' "$d/index.json")
  mb=$(jq -c '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "b") | del(.annotations) | .platform = {os: "plan9", architecture: "mips"}' "$d/index.json")
  idx=$(jq -cn --argjson a "$ma" --argjson b "$mb" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [$a, $b]}')
  hex=$(printf '%s' "$idx" | sha256sum | cut -d' ' -f1)
  printf '%s' "$idx" > "$d/blobs/sha256/$hex"
  jq --arg d "sha256:$hex" --argjson s "$(printf '%s' "$idx" | wc -c)" \
    '.manifests = [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": "multi"}}]' \
    "$d/index.json" > "$d/i" && mv "$d/i" "$d/index.json"
}

@test "an image index: imported as is, exported whole (oci) or as the host's image (docker)" {
  local d=$BATS_TEST_TMPDIR/multi
  multi_layout "$d"
  run img import "$d"
  assert_status 0
  [ "$(tag_digest "$IMG_STORE" multi)" = "$(tag_digest "$d" multi)" ]
  img export -o "$BATS_TEST_TMPDIR/m.tar" multi
  skopeo copy -q --all oci-archive:"$BATS_TEST_TMPDIR/m.tar":multi oci:"$BATS_TEST_TMPDIR/back":multi
  [ "$(tag_digest "$BATS_TEST_TMPDIR/back" multi)" = "$(tag_digest "$d" multi)" ]
  # skopeo picks the host's image from it (umoci cannot unpack an index)
  skopeo copy -q oci-archive:"$BATS_TEST_TMPDIR/m.tar":multi oci:"$BATS_TEST_TMPDIR/host":x
  [ "$(umoci_tree "$BATS_TEST_TMPDIR/host:x")" = "$(umoci_tree "$FIX:a")" ]
  img export --format docker -o "$BATS_TEST_TMPDIR/md.tar" multi
  skopeo copy -q docker-archive:"$BATS_TEST_TMPDIR/md.tar" oci:"$BATS_TEST_TMPDIR/dback":x
  [ "$(umoci_tree "$BATS_TEST_TMPDIR/dback:x")" = "$(umoci_tree "$FIX:a")" ]
}

@test "export: a blob missing from the store is an error naming it, and no archive is left" {
  local l
  img import "$FIX"
  l=$(jq -r '.layers[0].digest' "$(blob "$(tag_digest "$IMG_STORE" b)")")
  rm "$(blob "$l")"
  run img export -o "$BATS_TEST_TMPDIR/x.tar" b
  assert_failure
  assert_contains "$output" "$l"
  run img export --format docker -o "$BATS_TEST_TMPDIR/x.tar" b
  assert_failure
  assert_contains "$output" "${l#sha256:}"
  [ -z "$(ls "$BATS_TEST_TMPDIR" | grep x.tar)" ]
}

@test "import: an index.json entry without a ref name becomes an untagged entry, reachable by digest" {
  local d=$BATS_TEST_TMPDIR/noref m
  skopeo copy -q oci:"$FIX":b oci:"$d":b
  jq '.manifests[0] |= del(.annotations)' "$d/index.json" > "$d/i" && mv "$d/i" "$d/index.json"
  m=$(jq -r '.manifests[0].digest' "$d/index.json")
  run img import "$d"
  assert_status 0
  [ "$output" = "<none> $m" ]
  [ "$(jq -r '.manifests[0].digest' "$IMG_STORE/index.json")" = "$m" ]
  [ "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"] // "none"' "$IMG_STORE/index.json")" = none ]
  # kept by gc, exported by digest (no RepoTags: no tag to give)
  run img gc
  assert_contains "$output" "removed 0 blobs"
  img export --format docker -o "$BATS_TEST_TMPDIR/d.tar" "$m"
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/d.tar" manifest.json | jq -c '.[0].RepoTags')" = "[]" ]
}
