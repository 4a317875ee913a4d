#!/usr/bin/env bats
# img pull / push / login against Debian's docker-registry on 127.0.0.1
# (open, htpasswd Basic, and Bearer via `silly` auth with the tests' own
# token endpoint), with skopeo as the interop partner.

load helpers
load img-helpers
load registry-helpers

setup() {
  berth_setup
  img_setup
  requires root registry
  command -v skopeo > /dev/null || fail "skopeo is not installed"
}

teardown() {
  registry_stop
  [ -z "${PROXY_PID:-}" ] || { kill "$PROXY_PID" 2> /dev/null; wait "$PROXY_PID" 2> /dev/null || true; }
  berth_teardown
}

# seed REPO:TAG [DIR]: a umoci-built image pushed to the registry by skopeo.
seed() {
  local lay=$BATS_TEST_TMPDIR/seed-layout
  umoci_image "$lay" seed "${2:-}"
  skopeo copy -q --dest-tls-verify=false --dest-creds="${SEED_CREDS:-x:y}" "oci:$lay:seed" "docker://$REGISTRY/$1" ||
    fail "skopeo could not push the seed image"
}

# check_store: every blob's content hashes to its name (nothing corrupt).
check_store() {
  local f bad=0
  for f in "$IMG_STORE"/blobs/sha256/*; do
    [ -e "$f" ] || continue
    [ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || { echo "corrupt: $f"; bad=1; }
  done
  [ "$bad" = 0 ]
}

@test "img pull: an image skopeo pushed, blobs verified, tagged by its reference" {
  registry_start open
  seed app/one:v1
  run img pull --tls-verify=false "$REGISTRY/app/one:v1"
  assert_status 0
  assert_contains "$output" "$REGISTRY/app/one:v1"
  assert_contains "$output" "Copying blob sha256:"
  check_store
  # the manifest in the store is the registry's, byte for byte
  local want
  want=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/app/one:v1" | sha256sum | cut -d' ' -f1)
  [ -f "$IMG_STORE/blobs/sha256/$want" ] || fail "manifest $want is not in the store"
  run jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$IMG_STORE/index.json"
  [ "$output" = "$REGISTRY/app/one:v1" ]
  # umoci reads the store img filled
  umoci unpack --image "$IMG_STORE:$REGISTRY/app/one:v1" "$BATS_TEST_TMPDIR/b" > /dev/null ||
    fail "umoci could not unpack what img pulled"
  [ -x "$BATS_TEST_TMPDIR/b/rootfs/bin/busybox" ]
}

@test "img push then pull: byte-identical manifest and blobs; skopeo pulls what img pushed" {
  registry_start open
  seed src/one:v1
  img pull -q --tls-verify=false "$REGISTRY/src/one:v1"
  run img push --tls-verify=false "$REGISTRY/src/one:v1" "$REGISTRY/dst/two:v2"
  assert_status 0
  local a b
  a=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/src/one:v1" | sha256sum)
  b=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/dst/two:v2" | sha256sum)
  [ "$a" = "$b" ] || fail "the pushed manifest differs"
  skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/dst/two:v2" "oci:$BATS_TEST_TMPDIR/sk:two" ||
    fail "skopeo could not pull what img pushed"
  # pull it back into a fresh store: the same blobs, byte for byte
  IMG_STORE=$BATS_TEST_TMPDIR/store2 img pull -q --tls-verify=false "$REGISTRY/dst/two:v2"
  local f
  for f in "$IMG_STORE"/blobs/sha256/*; do
    cmp "$f" "$BATS_TEST_TMPDIR/store2/blobs/sha256/$(basename "$f")" || fail "blob $(basename "$f") differs"
  done
  for f in "$BATS_TEST_TMPDIR"/sk/blobs/sha256/*; do
    cmp "$f" "$IMG_STORE/blobs/sha256/$(basename "$f")" || fail "skopeo's blob $(basename "$f") differs"
  done
}

@test "img push: a second push uploads no blob; a push to another repository mounts them" {
  registry_start open
  seed src/one:v1
  img pull -q --tls-verify=false "$REGISTRY/src/one:v1"
  local n0
  n0=$(registry_uploads) # skopeo's seed push
  img push -q --tls-verify=false "$REGISTRY/src/one:v1" "$REGISTRY/src/one:v1"
  [ "$(registry_uploads)" = "$n0" ] || fail "pushing an image back where it came from uploaded blobs"
  img push -q --tls-verify=false "$REGISTRY/src/one:v1" "$REGISTRY/other/x:1"
  [ "$(registry_uploads)" = "$n0" ] || fail "a push to another repository uploaded instead of mounting"
  grep -q 'POST /v2/other/x/blobs/uploads/?mount=sha256:' "$REGISTRY_DIR/registry.log" ||
    fail "no cross-repository mount"
  # a store image with no registry origin is uploaded once, then skipped
  umoci_image "$BATS_TEST_TMPDIR/lay" local
  IMG_STORE=$BATS_TEST_TMPDIR/lay img push -q --tls-verify=false local "$REGISTRY/fresh/img:1"
  local n
  n=$(registry_uploads)
  [ "$n" -ge $((n0 + 2)) ] || fail "expected the layer and config to be uploaded, saw $n uploads"
  IMG_STORE=$BATS_TEST_TMPDIR/lay img push -q --tls-verify=false local "$REGISTRY/fresh/img:1"
  [ "$(registry_uploads)" = "$n" ] || fail "the second push uploaded blobs again"
}

@test "img push --chunk-size: chunked upload (PATCH) that skopeo reads back" {
  registry_start open
  umoci_image "$BATS_TEST_TMPDIR/lay" local
  IMG_STORE=$BATS_TEST_TMPDIR/lay img push -q --tls-verify=false --chunk-size 300000 local "$REGISTRY/chunk/img:1"
  grep -q '"PATCH /v2/chunk/img/blobs/uploads/' "$REGISTRY_DIR/registry.log" || fail "no PATCH upload"
  skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/chunk/img:1" "oci:$BATS_TEST_TMPDIR/sk:x" ||
    fail "skopeo could not pull the chunked upload"
}

@test "img pull: errors name the registry's code; https to an http registry suggests --tls-verify" {
  registry_start open
  run img pull --tls-verify=false "$REGISTRY/no/such:tag"
  assert_failure
  assert_contains "$output" "MANIFEST_UNKNOWN"
  run img pull "$REGISTRY/no/such:tag"
  assert_failure
  assert_contains "$output" "--tls-verify=false"
  run img pull "Bad/Name"
  assert_failure
  assert_contains "$output" "invalid image reference 'Bad/Name'"
  [ ! -e "$IMG_STORE/index.json" ] || [ "$(jq '.manifests | length' "$IMG_STORE/index.json")" = 0 ]
}

@test "img pull: a registry serving the wrong content for a digest is refused, nothing stored" {
  registry_start open
  seed bad/img:1
  # corrupt the layer's data in the registry's storage (same size)
  local layer data
  layer=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/bad/img:1" | jq -r '.layers[0].digest')
  data=$REGISTRY_DIR/data/docker/registry/v2/blobs/sha256/${layer:7:2}/${layer#sha256:}/data
  [ -f "$data" ] || fail "no registry data file for $layer"
  printf 'XXXX' | dd of="$data" bs=1 seek=100 conv=notrunc 2> /dev/null
  run img pull --tls-verify=false "$REGISTRY/bad/img:1"
  assert_failure
  assert_contains "$output" "mismatch"
  assert_contains "$output" "$layer"
  [ ! -e "$IMG_STORE/blobs/sha256/${layer#sha256:}" ] || fail "the corrupt layer was stored"
  [ "$(jq '.manifests | length' "$IMG_STORE/index.json")" = 0 ] || fail "a tag was written"
  check_store
}

@test "img pull: a dropped connection mid-layer is resumed with a Range request" {
  registry_start open
  head -c 8000000 /dev/urandom > "$BATS_TEST_TMPDIR/big"
  local tree=$BATS_TEST_TMPDIR/tree
  mkdir -p "$tree" && cp "$BATS_TEST_TMPDIR/big" "$tree/big"
  seed big/img:1 "$tree"
  proxy_start --cut-after 3000000 --cuts 2 --log "$BATS_TEST_TMPDIR/cuts"
  run img pull --tls-verify=false --jobs 1 --name big "$PROXY/big/img:1"
  echo "$output"
  assert_status 0
  [ "$(wc -l < "$BATS_TEST_TMPDIR/cuts")" = 2 ] || fail "the proxy did not cut twice"
  check_store
  umoci unpack --image "$IMG_STORE:big" "$BATS_TEST_TMPDIR/b" > /dev/null
  cmp "$BATS_TEST_TMPDIR/big" "$BATS_TEST_TMPDIR/b/rootfs/big" || fail "the resumed layer differs"
}

@test "img pull: a 40 MB layer cut at 20 and 40 MB (past its first background fdatasync) is resumed and verified" {
  registry_start open
  head -c 40000000 /dev/urandom > "$BATS_TEST_TMPDIR/big"
  local tree=$BATS_TEST_TMPDIR/tree
  mkdir -p "$tree" && cp "$BATS_TEST_TMPDIR/big" "$tree/big"
  seed big/img:1 "$tree"
  proxy_start --cut-after 20000000 --cuts 2 --log "$BATS_TEST_TMPDIR/cuts"
  run img pull --tls-verify=false --name big "$PROXY/big/img:1"
  echo "$output"
  assert_status 0
  [ "$(wc -l < "$BATS_TEST_TMPDIR/cuts")" = 2 ] || fail "the proxy did not cut twice"
  check_store
  [ -z "$(ls -A "$IMG_STORE/.berth/tmp")" ] || fail "a temp file was left: $(ls "$IMG_STORE/.berth/tmp")"
  umoci unpack --image "$IMG_STORE:big" "$BATS_TEST_TMPDIR/b" > /dev/null
  cmp "$BATS_TEST_TMPDIR/big" "$BATS_TEST_TMPDIR/b/rootfs/big" || fail "the resumed layer differs"
}

@test "img pull: kill -9 mid-layer leaves no blob, no tag; gc removes the temp file; a rerun completes" {
  registry_start open
  head -c 12000000 /dev/urandom > "$BATS_TEST_TMPDIR/big"
  local tree=$BATS_TEST_TMPDIR/tree
  mkdir -p "$tree" && cp "$BATS_TEST_TMPDIR/big" "$tree/big"
  seed big/img:1 "$tree"
  local layer
  layer=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/big/img:1" | jq -r '.layers[0].digest')
  proxy_start --rate 2000000
  img pull -q --tls-verify=false --jobs 1 --name big "$PROXY/big/img:1" > /dev/null 2>&1 &
  local pull=$! i
  for i in $(seq 300); do
    [ -n "$(find "$IMG_STORE/.berth/tmp" -type f -size +2000k 2> /dev/null)" ] && break
    sleep 0.1
  done
  [ -n "$(find "$IMG_STORE/.berth/tmp" -type f -size +2000k 2> /dev/null)" ] || fail "the layer download never started"
  kill -9 "$pull"
  wait "$pull" 2> /dev/null || true
  [ ! -e "$IMG_STORE/blobs/sha256/${layer#sha256:}" ] || fail "a partial layer is in the store"
  check_store
  [ "$(jq '.manifests | length' "$IMG_STORE/index.json")" = 0 ] || fail "a tag was written"
  img gc > /dev/null
  [ -z "$(ls -A "$IMG_STORE/.berth/tmp")" ] || fail "gc left the dead temp file: $(ls "$IMG_STORE/.berth/tmp")"
  run img pull -q --tls-verify=false --name big "$REGISTRY/big/img:1"
  assert_status 0
  check_store
  umoci unpack --image "$IMG_STORE:big" "$BATS_TEST_TMPDIR/b" > /dev/null
  cmp "$BATS_TEST_TMPDIR/big" "$BATS_TEST_TMPDIR/b/rootfs/big" || fail "the layer differs"
}

@test "img pull: the largest blob is asked for first, whatever its place in the manifest" {
  registry_start open
  mkdir -p "$BATS_TEST_TMPDIR/small" "$BATS_TEST_TMPDIR/large"
  echo small > "$BATS_TEST_TMPDIR/small/f"
  head -c 3000000 /dev/urandom > "$BATS_TEST_TMPDIR/large/f"
  img new two > /dev/null
  img commit --rootfs "$BATS_TEST_TMPDIR/small" two > /dev/null
  img commit --rootfs "$BATS_TEST_TMPDIR/large" two > /dev/null
  img push -q --tls-verify=false two "$REGISTRY/two/img:1"
  local small large
  small=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/two/img:1" | jq -r '.layers[0].digest')
  large=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/two/img:1" | jq -r '.layers[1].digest')
  : > "$REGISTRY_DIR/registry.log"
  IMG_STORE=$BATS_TEST_TMPDIR/s2 img pull -q --tls-verify=false --jobs 1 "$REGISTRY/two/img:1"
  local ls ll
  ls=$(grep -an "\"GET /v2/two/img/blobs/$small" "$REGISTRY_DIR/registry.log" | head -1 | cut -d: -f1)
  ll=$(grep -an "\"GET /v2/two/img/blobs/$large" "$REGISTRY_DIR/registry.log" | head -1 | cut -d: -f1)
  [ -n "$ls" ] && [ -n "$ll" ] || fail "the registry's log has no GET of the layers: $(cat "$REGISTRY_DIR/registry.log")"
  [ "$ll" -lt "$ls" ] || fail "the 3 MB layer (log line $ll) was asked for after the small one (line $ls)"
}

@test "img pull: killing the registry mid-layer leaves no corrupt blob; a rerun completes" {
  registry_start open
  head -c 12000000 /dev/urandom > "$BATS_TEST_TMPDIR/big"
  local tree=$BATS_TEST_TMPDIR/tree
  mkdir -p "$tree" && cp "$BATS_TEST_TMPDIR/big" "$tree/big"
  seed big/img:1 "$tree"
  # throttled, so that there is time to kill the registry mid-layer
  proxy_start --rate 2000000
  img pull -q --tls-verify=false --jobs 1 --name big "$PROXY/big/img:1" > "$BATS_TEST_TMPDIR/pull.out" 2>&1 &
  local pull=$! i
  for i in $(seq 300); do
    [ -n "$(find "$IMG_STORE/.berth/tmp" -type f -size +1000k 2> /dev/null)" ] && break
    sleep 0.1
  done
  [ -n "$(find "$IMG_STORE/.berth/tmp" -type f -size +1000k 2> /dev/null)" ] || fail "the layer download never started"
  kill "$(cat "$REGISTRY_DIR/registry.pid")"
  local st=0
  wait "$pull" || st=$?
  [ "$st" != 0 ] || fail "the pull succeeded without its registry"
  grep -q "blob 'sha256:" "$BATS_TEST_TMPDIR/pull.out" || fail "the error does not name the blob: $(cat "$BATS_TEST_TMPDIR/pull.out")"
  check_store
  [ "$(jq '.manifests | length' "$IMG_STORE/index.json")" = 0 ] || fail "a tag was written"
  [ -z "$(ls -A "$IMG_STORE/.berth/tmp")" ] || fail "a temp file was left: $(ls "$IMG_STORE/.berth/tmp")"
  registry_restart
  run img pull -q --tls-verify=false --name big "$PROXY/big/img:1"
  assert_status 0
  check_store
  umoci unpack --image "$IMG_STORE:big" "$BATS_TEST_TMPDIR/b" > /dev/null
  cmp "$BATS_TEST_TMPDIR/big" "$BATS_TEST_TMPDIR/b/rootfs/big" || fail "the layer differs"
}

@test "img pull --platform / --all: choose from a multi-arch index" {
  registry_start open
  local lay=$BATS_TEST_TMPDIR/multi
  umoci_image "$lay" amd
  umoci_image "$lay" arm
  umoci config --image "$lay:arm" --architecture arm64 --config.cmd /arm > /dev/null
  local a r
  a=$(jq -c '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="amd") | del(.annotations) + {platform:{os:"linux",architecture:"amd64"}}' "$lay/index.json")
  r=$(jq -c '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="arm") | del(.annotations) + {platform:{os:"linux",architecture:"arm64",variant:"v8"}}' "$lay/index.json")
  local idx="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[$a,$r]}"
  local d
  d=$(printf '%s' "$idx" | sha256sum | cut -d' ' -f1)
  printf '%s' "$idx" > "$lay/blobs/sha256/$d"
  jq --arg d "sha256:$d" --argjson s "${#idx}" '.manifests += [{mediaType:"application/vnd.oci.image.index.v1+json",digest:$d,size:$s,annotations:{"org.opencontainers.image.ref.name":"multi"}}]' "$lay/index.json" > "$lay/i" && mv "$lay/i" "$lay/index.json"
  skopeo copy -q --all --dest-tls-verify=false "oci:$lay:multi" "docker://$REGISTRY/multi/img:1" || fail "skopeo push of the index"

  img pull -q --tls-verify=false --platform linux/arm64 --name arm "$REGISTRY/multi/img:1"
  run img inspect --format json arm
  assert_contains "$output" '"architecture":"arm64"'
  img pull -q --tls-verify=false --platform linux/amd64 --name amd "$REGISTRY/multi/img:1"
  run img inspect --format json amd
  assert_contains "$output" '"architecture":"amd64"'
  run img pull --tls-verify=false --platform linux/s390x "$REGISTRY/multi/img:1"
  assert_failure
  assert_contains "$output" "no image for platform 'linux/s390x'"
  img pull -q --tls-verify=false --all --name all "$REGISTRY/multi/img:1"
  run jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="all") | .mediaType' "$IMG_STORE/index.json"
  [ "$output" = application/vnd.oci.image.index.v1+json ] || fail "--all did not tag the index: $output"
  [ -f "$IMG_STORE/blobs/sha256/$d" ] || fail "--all did not store the index"
  check_store
}

@test "img pull/push with htpasswd (Basic): refused without credentials, login stores them, logout removes them" {
  registry_start htpasswd
  SEED_CREDS=tester:s3cret seed sec/img:1
  export REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/auth.json
  run img pull --tls-verify=false "$REGISTRY/sec/img:1"
  assert_failure
  assert_contains "$output" "authentication required"
  run img login --tls-verify false -u tester --password-stdin "$REGISTRY" <<< "wrong"
  assert_failure
  [ ! -e "$REGISTRY_AUTH_FILE" ] || fail "a failed login wrote credentials"
  run img login --tls-verify false -u tester --password-stdin "$REGISTRY" <<< "s3cret"
  assert_status 0
  [ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
  [ "$(jq -r --arg r "$REGISTRY" '.auths[$r].auth' "$REGISTRY_AUTH_FILE" | base64 -d)" = "tester:s3cret" ]
  img pull -q --tls-verify=false "$REGISTRY/sec/img:1"
  img push -q --tls-verify=false "$REGISTRY/sec/img:1" "$REGISTRY/sec/copy:2"
  skopeo inspect --tls-verify=false --authfile "$REGISTRY_AUTH_FILE" "docker://$REGISTRY/sec/copy:2" > /dev/null ||
    fail "skopeo with img's auth file cannot see the pushed image"
  img logout "$REGISTRY"
  [ "$(jq --arg r "$REGISTRY" '.auths | has($r)' "$REGISTRY_AUTH_FILE")" = false ]
  run img pull --tls-verify=false "$REGISTRY/sec/img:1"
  assert_failure
  # --creds works without an auth file
  IMG_STORE=$BATS_TEST_TMPDIR/s3 img pull -q --tls-verify=false --creds tester:s3cret "$REGISTRY/sec/img:1"
}

@test "img pull/push with a Bearer token endpoint: scopes per repository, tokens reused" {
  registry_start silly
  SEED_CREDS=a:b seed tok/img:1
  : > "$REGISTRY_DIR/tokens.log"
  img pull -q --tls-verify=false --jobs 3 "$REGISTRY/tok/img:1"
  grep -q 'service=test-registry scopes=repository:tok/img:pull ' "$REGISTRY_DIR/tokens.log" ||
    fail "no pull-scoped token request: $(cat "$REGISTRY_DIR/tokens.log")"
  # the manifest's client and the blob workers share one token: one request per pull
  [ "$(wc -l < "$REGISTRY_DIR/tokens.log")" = 1 ] || fail "tokens were not shared: $(cat "$REGISTRY_DIR/tokens.log")"
  : > "$REGISTRY_DIR/tokens.log"
  img push -q --tls-verify=false --jobs 3 "$REGISTRY/tok/img:1" "$REGISTRY/tok/copy:1"
  grep -q 'scopes=repository:tok/copy:pull,push repository:tok/img:pull' "$REGISTRY_DIR/tokens.log" ||
    fail "no cross-repository mount scope: $(cat "$REGISTRY_DIR/tokens.log")"
  # a push asks once per scope it uses, whatever the number of workers
  [ "$(wc -l < "$REGISTRY_DIR/tokens.log")" = "$(sort -u "$REGISTRY_DIR/tokens.log" | wc -l)" ] ||
    fail "a scope was asked for twice: $(cat "$REGISTRY_DIR/tokens.log")"
  skopeo inspect --tls-verify=false --creds a:b "docker://$REGISTRY/tok/copy:1" > /dev/null
  # credentials from an auth file go to the token endpoint as Basic
  export REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/auth.json
  echo "{\"auths\":{\"$REGISTRY\":{\"auth\":\"$(printf 'u:p' | base64)\"}}}" > "$REGISTRY_AUTH_FILE"
  : > "$REGISTRY_DIR/tokens.log"
  IMG_STORE=$BATS_TEST_TMPDIR/s2 img pull -q --tls-verify=false "$REGISTRY/tok/img:1"
  grep -q 'basic=yes' "$REGISTRY_DIR/tokens.log" || fail "the auth file's credentials were not sent"
}

@test "img copy: registry → layout → registry → registry, and layout → store, digests kept" {
  registry_start open
  seed c/src:1
  local want
  want=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/c/src:1" | sha256sum | cut -d' ' -f1)
  img copy -q --tls-verify=false "docker://$REGISTRY/c/src:1" "oci:$BATS_TEST_TMPDIR/lay:mine"
  [ -f "$BATS_TEST_TMPDIR/lay/blobs/sha256/$want" ] || fail "the manifest is not in the layout"
  umoci unpack --image "$BATS_TEST_TMPDIR/lay:mine" "$BATS_TEST_TMPDIR/b" > /dev/null || fail "umoci cannot read the layout"
  img copy -q --tls-verify=false "oci:$BATS_TEST_TMPDIR/lay:mine" "docker://$REGISTRY/c/back:2"
  img copy -q --tls-verify=false "docker://$REGISTRY/c/back:2" "docker://$REGISTRY/c/again:3"
  local d
  for d in back:2 again:3; do
    [ "$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/c/$d" | sha256sum | cut -d' ' -f1)" = "$want" ] ||
      fail "c/$d has another manifest"
  done
  img copy "oci:$BATS_TEST_TMPDIR/lay:mine" stored:1
  run jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$IMG_STORE/index.json"
  [ "$output" = stored:1 ]
  check_store
  run img copy "oci:$BATS_TEST_TMPDIR/lay" x
  assert_failure
  assert_contains "$output" "needs an image name"
  run img copy docker-archive:/tmp/x x
  assert_failure
  assert_contains "$output" "img import/export"
}

@test "the README's demo: build, push, pull, unpack and run a container" {
  run env IMG="$IMG" BERTH="$BERTH" bash "$BATS_TEST_DIRNAME/../../scripts/demo.sh"
  echo "$output"
  assert_status 0
  assert_contains "$output" "hello from berth-demo, pid 1, an image pulled and unpacked by img"
}

@test "img pull --unpack: layers applied while they download give pull + unpack's tree; berth runs it" {
  registry_start open
  seed un/img:1
  run img pull --tls-verify=false --unpack "$BATS_TEST_TMPDIR/b1" "$REGISTRY/un/img:1"
  assert_status 0
  [ -f "$BATS_TEST_TMPDIR/b1/config.json" ] || fail "no config.json"
  check_store
  IMG_STORE=$BATS_TEST_TMPDIR/s2 img pull -q --tls-verify=false "$REGISTRY/un/img:1"
  IMG_STORE=$BATS_TEST_TMPDIR/s2 img unpack "$REGISTRY/un/img:1" "$BATS_TEST_TMPDIR/b2"
  [ "$(tree_digest "$BATS_TEST_TMPDIR/b1/rootfs")" = "$(tree_digest "$BATS_TEST_TMPDIR/b2/rootfs")" ] ||
    fail "pull --unpack and pull + unpack differ"
  cmp "$BATS_TEST_TMPDIR/b1/config.json" "$BATS_TEST_TMPDIR/b2/config.json" || fail "config.json differs"
  run berth --cgroup-manager=disabled run -b "$BATS_TEST_TMPDIR/b1" "ctr-$BATS_TEST_NUMBER"
  assert_status 0
  assert_contains "$output" "hello from image"
  # again, with every blob already in the store: read from the store
  run img pull --tls-verify=false --unpack "$BATS_TEST_TMPDIR/b3" "$REGISTRY/un/img:1"
  assert_status 0
  assert_contains "$output" "already in the store"
  [ "$(tree_digest "$BATS_TEST_TMPDIR/b1/rootfs")" = "$(tree_digest "$BATS_TEST_TMPDIR/b3/rootfs")" ]
}

@test "img pull --unpack: a dropped connection is resumed under the unpack; a wrong digest removes the bundle" {
  registry_start open
  head -c 6000000 /dev/urandom > "$BATS_TEST_TMPDIR/big"
  local tree=$BATS_TEST_TMPDIR/tree
  mkdir -p "$tree" && cp "$BATS_TEST_TMPDIR/big" "$tree/big"
  seed big/img:1 "$tree"
  proxy_start --cut-after 2000000 --cuts 1 --log "$BATS_TEST_TMPDIR/cuts"
  run img pull -q --tls-verify=false --jobs 1 --unpack "$BATS_TEST_TMPDIR/b1" "$PROXY/big/img:1"
  assert_status 0
  [ "$(wc -l < "$BATS_TEST_TMPDIR/cuts")" = 1 ] || fail "the proxy did not cut"
  cmp "$BATS_TEST_TMPDIR/big" "$BATS_TEST_TMPDIR/b1/rootfs/big" || fail "the file differs"

  local layer data
  layer=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/big/img:1" | jq -r '.layers[0].digest')
  data=$REGISTRY_DIR/data/docker/registry/v2/blobs/sha256/${layer:7:2}/${layer#sha256:}/data
  printf 'XXXX' | dd of="$data" bs=1 seek=5000000 conv=notrunc 2> /dev/null
  run env IMG_STORE="$BATS_TEST_TMPDIR/s2" "$IMG" --store "$BATS_TEST_TMPDIR/s2" pull --tls-verify=false \
    --unpack "$BATS_TEST_TMPDIR/b2" "$REGISTRY/big/img:1"
  assert_failure
  assert_contains "$output" "$layer"
  [ ! -e "$BATS_TEST_TMPDIR/b2" ] || fail "the bundle was left: $(ls -A "$BATS_TEST_TMPDIR/b2")"
  [ "$(jq '.manifests | length' "$BATS_TEST_TMPDIR/s2/index.json")" = 0 ] || fail "a tag was written"
  run img pull --tls-verify=false --all --unpack "$BATS_TEST_TMPDIR/b3" "$REGISTRY/big/img:1"
  assert_failure
  assert_contains "$output" "--all"
}

@test "img pull: a Docker schema2 image; --format json progress; bars on a terminal" {
  registry_start open
  local lay=$BATS_TEST_TMPDIR/seed-layout
  umoci_image "$lay" seed
  skopeo copy -q --format v2s2 --dest-tls-verify=false "oci:$lay:seed" "docker://$REGISTRY/d2/img:1"
  skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/d2/img:1" | jq -r .mediaType |
    grep -qx application/vnd.docker.distribution.manifest.v2+json || fail "the seed is not schema2"
  run img pull --tls-verify=false --format json "$REGISTRY/d2/img:1"
  assert_status 0
  local line
  line=$(grep '"digest"' <<< "$output" | head -1)
  [ "$(jq -r .action <<< "$line")" = Copying ] || fail "not a JSON progress line: $line"
  [ "$(jq -r .status <<< "$line")" = done ]
  run img inspect --format json "$REGISTRY/d2/img:1"
  assert_contains "$output" "application/vnd.oci.image.layer.v1.tar+gzip"
  img unpack "$REGISTRY/d2/img:1" "$BATS_TEST_TMPDIR/b"
  [ -x "$BATS_TEST_TMPDIR/b/rootfs/bin/busybox" ]
  # a terminal gets bars with bytes and a rate (script(1) gives img a pty)
  IMG_STORE=$BATS_TEST_TMPDIR/s2 script -qec "$IMG --store $BATS_TEST_TMPDIR/s2 pull --tls-verify=false $REGISTRY/d2/img:1" /dev/null > "$BATS_TEST_TMPDIR/tty.out"
  grep -q 'Copying blob [0-9a-f]\{12\} \[=*' "$BATS_TEST_TMPDIR/tty.out" || fail "no progress bar: $(cat -v "$BATS_TEST_TMPDIR/tty.out")"
  grep -q '/s' "$BATS_TEST_TMPDIR/tty.out" || fail "no rate"
}
