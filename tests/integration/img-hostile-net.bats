#!/usr/bin/env bats
# img pull / push through hostile-registry.py, a proxy in front of Debian's
# docker-registry on 127.0.0.1 that drops connections (before the answer,
# mid-body), stalls, answers 5xx and 429, serves wrong bytes, wrong
# lengths, altered manifests and redirect loops, by rules per request.
# After each case: a clear error or a completed transfer, the store
# consistent (no temp file, every blob hashes to its name, no tag for a
# failed pull), and a rerun through the healthy proxy gives the registry's
# digests.  Timeouts and retries are kept small with img's own options.

load helpers
load img-helpers
load registry-helpers

# one registry, one proxy and the seed image for the whole file
setup_file() {
  registry_file_seed hn/app:1 big=2000000 small=6 || return 0
  HR_DIR=$BATS_FILE_TMPDIR/hostile
  mkdir -p "$HR_DIR"
  echo '[]' > "$HR_DIR/rules.json"
  local port i
  port=$(_free_port)
  python3 "$BATS_TEST_DIRNAME/hostile-registry.py" "$port" "${REGISTRY#*:}" "$HR_DIR/rules.json" "$HR_DIR/log" \
    > "$HR_DIR/out" 2>&1 &
  echo $! > "$HR_DIR/pid"
  HOSTILE=127.0.0.1:$port
  for i in $(seq 100); do
    curl -s -o /dev/null "http://$HOSTILE/v2/" && break
    sleep 0.1
  done
  MANIFEST=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/hn/app:1")
  MDIGEST=sha256:$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/hn/app:1" | sha256sum | cut -d' ' -f1)
  export REGISTRY REGISTRY_DIR HR_DIR HOSTILE MANIFEST MDIGEST
}

teardown_file() {
  if [ -n "${HR_DIR:-}" ] && [ -f "$HR_DIR/pid" ]; then
    kill "$(cat "$HR_DIR/pid")" 2> /dev/null || true
  fi
  [ -z "${REGISTRY_DIR:-}" ] || registry_stop
}

setup() {
  berth_setup
  img_setup
  requires root registry
  command -v skopeo > /dev/null || fail "skopeo is not installed"
  [ -n "${HOSTILE:-}" ] || fail "the hostile registry did not start"
  echo '[]' > "$HR_DIR/rules.json"
  : > "$HR_DIR/log"
  REF=$HOSTILE/hn/app:1
  LAYER=$(jq -r '.layers[0].digest' <<< "$MANIFEST")
  CONFIG=$(jq -r '.config.digest' <<< "$MANIFEST")
}

teardown() {
  berth_teardown
}

# rules JSON: what the proxy does from now on (see hostile-registry.py)
rules() {
  echo "$1" > "$HR_DIR/rules.json"
  : > "$HR_DIR/log"
}

# hpull ARGS: img pull through the proxy with small timeouts
hpull() {
  img pull -q --tls-verify=false --stall-timeout 1 --connect-timeout 2 "$@"
}

# ok_status: the last `run` succeeded (its output shown when not)
ok_status() {
  [ "$status" = 0 ] || fail "exit status $status: $output"
}

# logged PATTERN: how many requests the proxy logged that match PATTERN
logged() {
  grep -c -- "$1" "$HR_DIR/log" || true
}

# store_ok: no temp file left, every blob hashes to its name, and
# `img fsck` (where it exists) agrees
store_ok() {
  local f
  if [ -d "$IMG_STORE/.berth/tmp" ]; then
    [ -z "$(ls -A "$IMG_STORE/.berth/tmp")" ] || fail "temp files left: $(ls "$IMG_STORE/.berth/tmp")"
  fi
  for f in "$IMG_STORE"/blobs/sha256/*; do
    [ -e "$f" ] || continue
    [ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || fail "corrupt blob in the store: $f"
  done
  if "$IMG" fsck --help > /dev/null 2>&1; then
    run img fsck
    [ "$status" = 0 ] || fail "img fsck: $output"
  fi
}

# no_tag: the failed pull left no image
no_tag() {
  [ ! -e "$IMG_STORE/index.json" ] || [ "$(jq '.manifests | length' "$IMG_STORE/index.json")" = 0 ] ||
    fail "a tag was written: $(cat "$IMG_STORE/index.json")"
}

# pulled_ok: the store has the registry's image, byte for byte
pulled_ok() {
  store_ok
  [ "$(tag_digest "$IMG_STORE" "$REF")" = "$MDIGEST" ] || fail "tag $REF is not $MDIGEST: $(cat "$IMG_STORE/index.json")"
  [ -f "$IMG_STORE/blobs/sha256/${LAYER#sha256:}" ] || fail "layer $LAYER missing"
  [ -f "$IMG_STORE/blobs/sha256/${CONFIG#sha256:}" ] || fail "config $CONFIG missing"
}

# rerun_ok: with the proxy healthy again the pull completes
rerun_ok() {
  rules '[]'
  run hpull "$REF"
  ok_status
  pulled_ok
}

@test "hostile pull: connections dropped before the answer (manifest, blob) are retried" {
  rules '[{"method":"GET","path":"/manifests/","action":"drop","times":2},
          {"method":"GET","path":"/blobs/","action":"drop","times":2}]'
  run hpull "$REF"
  ok_status
  [ "$(logged "/manifests/.* drop")" = 2 ] || fail "$(cat "$HR_DIR/log")"
  [ "$(logged "/blobs/.* drop")" = 2 ] || fail "$(cat "$HR_DIR/log")"
  pulled_ok
}

@test "hostile pull: a blob dropped mid-body is resumed with Range; a manifest cut short is fetched again" {
  rules '[{"method":"GET","path":"/blobs/'"$LAYER"'","action":"drop-body","bytes":500000,"times":1},
          {"method":"GET","path":"/blobs/'"$LAYER"'","action":"wrong-length","bytes":1000,"times":1},
          {"method":"GET","path":"/manifests/","action":"drop-body","bytes":10,"times":1}]'
  run hpull "$REF"
  ok_status
  [ "$(logged "/blobs/$LAYER .*range=bytes=500000-")" -ge 1 ] || fail "no Range resume: $(cat "$HR_DIR/log")"
  pulled_ok
}

@test "hostile pull: a connection dropped at every attempt: a clear error after --retries, then a rerun completes" {
  rules '[{"method":"GET","path":"/blobs/'"$LAYER"'","action":"drop"}]'
  run hpull --retries 3 "$REF"
  assert_failure
  assert_contains "$output" "pull '$REF'"
  assert_contains "$output" "blob '$LAYER'"
  assert_contains "$output" "gave up after 3 attempts"
  [ "$(logged "/blobs/$LAYER drop")" = 3 ] || fail "$(cat "$HR_DIR/log")"
  store_ok
  no_tag
  [ ! -e "$IMG_STORE/blobs/sha256/${LAYER#sha256:}" ]
  rerun_ok
}

@test "hostile pull: a stalled answer times out after --stall-timeout and is retried; a stall every time fails in bounded time" {
  rules '[{"method":"GET","path":"/manifests/","action":"stall","times":1}]'
  run hpull "$REF"
  ok_status
  pulled_ok
  rm -rf "$IMG_STORE"
  # a stall after a burst of bytes is seen 1 s after the last byte
  # (libcurl's own low-speed check averaged over 5 s: it took 7 s)
  rules '[{"method":"GET","path":"/blobs/'"$LAYER"'","action":"stall-body","bytes":300000,"times":1}]'
  local t0=$SECONDS
  run hpull "$REF"
  ok_status
  [ $((SECONDS - t0)) -le 4 ] || fail "the stall was seen after $((SECONDS - t0)) s"
  [ "$(logged "range=bytes=300000-")" = 1 ] || fail "no resume: $(cat "$HR_DIR/log")"
  pulled_ok
  rm -rf "$IMG_STORE"
  # a stall mid-body that brings bytes each time ends (each resume makes
  # progress); one before any byte, every time, fails
  rules '[{"method":"GET","path":"/blobs/'"$LAYER"'","action":"stall"}]'
  t0=$SECONDS
  run hpull --retries 2 "$REF"
  assert_failure
  assert_contains "$output" "timed out after 1 s without data (--stall-timeout)"
  assert_contains "$output" "blob '$LAYER'"
  # 2 attempts of 1 s each and one backoff, not a hang
  [ $((SECONDS - t0)) -lt 10 ] || fail "took $((SECONDS - t0)) s"
  store_ok
  no_tag
  rerun_ok
}

@test "hostile pull: 500, 502, 503 then recovery; 503 every time names the status and the attempts" {
  rules '[{"method":"GET","path":"/blobs/'"$LAYER"'","action":"status","status":500,"times":1},
          {"method":"GET","path":"/blobs/'"$LAYER"'","action":"status","status":502,"times":1},
          {"method":"GET","path":"/manifests/","action":"status","status":503,"times":1},
          {"method":"GET","path":"/blobs/'"$CONFIG"'","action":"status","status":503,"times":1}]'
  run hpull "$REF"
  ok_status
  pulled_ok
  rm -rf "$IMG_STORE"
  rules '[{"method":"GET","path":"/manifests/","action":"status","status":503}]'
  run hpull --retries 2 "$REF"
  assert_failure
  assert_contains "$output" "answered 503"
  assert_contains "$output" "gave up after 2 attempts"
  assert_contains "$output" "manifest 'hn/app:1'"
  store_ok
  no_tag
  # 501 (not implemented) and 404 are not retried
  rules '[{"method":"GET","path":"/manifests/","action":"status","status":501}]'
  run hpull --retries 4 "$REF"
  assert_failure
  assert_contains "$output" "answered 501"
  [ "$(logged "/manifests/")" = 1 ] || fail "501 was retried: $(cat "$HR_DIR/log")"
  rerun_ok
}

@test "hostile pull: 429 with Retry-After is waited for; a Retry-After of an hour is a clear error at once" {
  rules '[{"method":"GET","path":"/blobs/'"$LAYER"'","action":"status","status":429,"retry_after":1,"times":1}]'
  local t0=$SECONDS
  run hpull "$REF"
  ok_status
  [ $((SECONDS - t0)) -ge 1 ] || fail "Retry-After was not waited for"
  pulled_ok
  rm -rf "$IMG_STORE"
  rules '[{"method":"GET","path":"/blobs/'"$LAYER"'","action":"status","status":429,"retry_after":3600}]'
  t0=$SECONDS
  run hpull "$REF"
  assert_failure
  assert_contains "$output" "too many requests (429): the registry asks to wait 3600 s"
  [ $((SECONDS - t0)) -lt 5 ] || fail "took $((SECONDS - t0)) s"
  store_ok
  no_tag
  rerun_ok
}

@test "hostile pull: wrong bytes for a blob: digest mismatch, nothing under the claimed digest" {
  rules '[{"method":"GET","path":"/blobs/'"$LAYER"'","action":"corrupt","bytes":1000}]'
  run hpull "$REF"
  assert_failure
  assert_contains "$output" "pull '$REF'"
  assert_contains "$output" "digest mismatch: expected '$LAYER', got 'sha256:"
  [ ! -e "$IMG_STORE/blobs/sha256/${LAYER#sha256:}" ] || fail "the corrupt layer was stored"
  store_ok
  no_tag
  rerun_ok
}

@test "hostile pull: a body shorter or longer than the descriptor (consistent Content-Length) is refused" {
  local size
  size=$(jq -r '.layers[0].size' <<< "$MANIFEST")
  rules '[{"method":"GET","path":"/blobs/'"$LAYER"'","action":"short","bytes":1000}]'
  run hpull "$REF"
  assert_failure
  assert_contains "$output" "size mismatch: expected $size bytes, got 1000"
  store_ok
  no_tag
  rules '[{"method":"GET","path":"/blobs/'"$LAYER"'","action":"long","bytes":4096}]'
  run hpull "$REF"
  assert_failure
  assert_contains "$output" "blob '$LAYER': the registry sent more than its $size bytes"
  [ ! -e "$IMG_STORE/blobs/sha256/${LAYER#sha256:}" ]
  store_ok
  no_tag
  rerun_ok
}

@test "hostile pull: a manifest whose content is not the digest asked for, or not its Docker-Content-Digest" {
  rules '[{"method":"GET","path":"/manifests/","action":"alter-manifest"}]'
  run hpull "$HOSTILE/hn/app@$MDIGEST"
  assert_failure
  assert_contains "$output" "the content hashes to 'sha256:"
  assert_contains "$output" "not the digest asked for"
  store_ok
  no_tag
  run hpull "$REF"
  assert_failure
  assert_contains "$output" "Docker-Content-Digest '$MDIGEST' does not match the content"
  store_ok
  no_tag
  rerun_ok
}

@test "hostile pull: a redirect loop is a clear error, not retried" {
  rules '[{"method":"GET","path":"/blobs/'"$LAYER"'","action":"redirect-loop"}]'
  run hpull "$REF"
  assert_failure
  assert_contains "$output" "blob '$LAYER'"
  assert_contains "$output" "redirects"
  [ "$(logged "/blobs/$LAYER")" -le 7 ] || fail "the loop was followed too long: $(logged "/blobs/$LAYER")"
  store_ok
  no_tag
  rerun_ok
}

@test "hostile pull: a registry that accepts no connection times out after --connect-timeout" {
  # a listener whose accept queue is full: SYNs are dropped, connect hangs
  local port
  port=$(_free_port)
  python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(0)
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c2 = socket.socket(); c2.setblocking(False)
try: c2.connect(("127.0.0.1", int(sys.argv[1])))
except BlockingIOError: pass
open(sys.argv[2], "w").close()
time.sleep(60)' "$port" "$BATS_TEST_TMPDIR/ready" &
  local pid=$! i
  for i in $(seq 50); do [ -e "$BATS_TEST_TMPDIR/ready" ] && break; sleep 0.1; done
  local t0=$SECONDS
  run img pull -q --tls-verify=false --connect-timeout 1 --retries 1 "127.0.0.1:$port/hn/app:1"
  kill "$pid"
  wait "$pid" 2> /dev/null || true
  assert_failure
  assert_contains "$output" "connect timed out after 1 s (--connect-timeout)"
  [ $((SECONDS - t0)) -lt 10 ] || fail "took $((SECONDS - t0)) s"
  no_tag
}

# push: the registry's manifest for REPO:TAG hashes to the store's
push_ok() {
  local want got
  want=$(tag_digest "$IMG_STORE" "$1")
  got=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/$2" | sha256sum | cut -d' ' -f1)
  [ "$want" = "sha256:$got" ] || fail "the registry has $got for $2, the store $want"
  skopeo inspect --tls-verify=false "docker://$REGISTRY/$2" > /dev/null || fail "skopeo cannot read $2"
}

# a fresh local image (its own layer) to push
local_image() {
  mkdir -p "$BATS_TEST_TMPDIR/tree"
  head -c 600000 /dev/urandom > "$BATS_TEST_TMPDIR/tree/f"
  img new "$1" > /dev/null
  img commit --rootfs "$BATS_TEST_TMPDIR/tree" "$1" > /dev/null
}

@test "hostile push: a drop or 500 during the upload PUT/PATCH and the manifest PUT is retried; the registry has the digest" {
  local_image p1
  rules '[{"method":"PUT","path":"/blobs/uploads/","action":"drop","times":1},
          {"method":"POST","path":"/blobs/uploads/","action":"status","status":500,"times":1},
          {"method":"PUT","path":"/manifests/","action":"drop","times":1},
          {"method":"PUT","path":"/manifests/","action":"status","status":502,"times":1}]'
  run img push -q --tls-verify=false --stall-timeout 1 p1 "$HOSTILE/hn/push1:1"
  ok_status
  [ "$(logged "PUT /v2/hn/push1/manifests/1 drop")" = 1 ] || fail "$(cat "$HR_DIR/log")"
  push_ok p1 hn/push1:1
  # chunked: a PATCH answered 500, then one dropped
  local_image p2
  rules '[{"method":"PATCH","path":"/blobs/uploads/","action":"status","status":500,"times":1},
          {"method":"PATCH","path":"/blobs/uploads/","action":"drop","times":1}]'
  run img push -q --tls-verify=false --stall-timeout 1 --chunk-size 200000 p2 "$HOSTILE/hn/push2:1"
  ok_status
  [ "$(logged "PATCH .* status")" = 1 ] && [ "$(logged "PATCH .* drop")" = 1 ] || fail "$(cat "$HR_DIR/log")"
  push_ok p2 hn/push2:1
}

@test "hostile push: a manifest PUT that fails every time is a clear error; a rerun pushes the right digest" {
  local_image p3
  rules '[{"method":"PUT","path":"/manifests/","action":"status","status":500}]'
  run img push -q --tls-verify=false --retries 2 p3 "$HOSTILE/hn/push3:1"
  assert_failure
  assert_contains "$output" "push 'p3'"
  assert_contains "$output" "manifest 'hn/push3:1'"
  assert_contains "$output" "answered 500"
  rules '[{"method":"PUT","path":"/blobs/uploads/","action":"drop"}]'
  local_image p4
  run img push -q --tls-verify=false --retries 2 p4 "$HOSTILE/hn/push4:1"
  assert_failure
  assert_contains "$output" "gave up after 2 attempts"
  rules '[]'
  run img push -q --tls-verify=false p3 "$HOSTILE/hn/push3:1"
  ok_status
  push_ok p3 hn/push3:1
  run img push -q --tls-verify=false p4 "$HOSTILE/hn/push4:1"
  ok_status
  push_ok p4 hn/push4:1
}

@test "hostile push: 429 and 503 with Retry-After are waited for (upload POST, PUT, PATCH, manifest PUT, HEAD); an hour is an error at once" {
  local_image p5
  rules '[{"method":"POST","path":"/blobs/uploads/","action":"status","status":429,"retry_after":2,"times":1}]'
  local t0=$SECONDS
  run img push -q --tls-verify=false p5 "$HOSTILE/hn/push5:1"
  ok_status
  [ $((SECONDS - t0)) -ge 2 ] || fail "Retry-After: 2 was not waited for ($((SECONDS - t0)) s)"
  [ "$(logged "POST /v2/hn/push5/blobs/uploads/ status")" = 1 ] || fail "$(cat "$HR_DIR/log")"
  push_ok p5 hn/push5:1
  # each step of an upload and the manifest: 1 s each, 4 in all (one blob
  # at a time: parallel uploads would wait side by side)
  local_image p6
  rules '[{"method":"PUT","path":"/blobs/uploads/","action":"status","status":503,"retry_after":1,"times":1},
          {"method":"PATCH","path":"/blobs/uploads/","action":"status","status":429,"retry_after":1,"times":1},
          {"method":"PUT","path":"/manifests/","action":"status","status":429,"retry_after":1,"times":1},
          {"method":"HEAD","path":"/blobs/","action":"status","status":429,"retry_after":1,"times":1}]'
  t0=$SECONDS
  run img push -q --tls-verify=false --jobs 1 --chunk-size 200000 p6 "$HOSTILE/hn/push6:1"
  ok_status
  [ $((SECONDS - t0)) -ge 4 ] || fail "the four Retry-After: 1 were not waited for ($((SECONDS - t0)) s): $(cat "$HR_DIR/log")"
  [ "$(logged " status$")" = 4 ] || fail "$(cat "$HR_DIR/log")"
  push_ok p6 hn/push6:1
  # more than 60 s asked: a clear error at once, and a rerun pushes
  local_image p7
  rules '[{"method":"POST","path":"/blobs/uploads/","action":"status","status":429,"retry_after":3600}]'
  t0=$SECONDS
  run img push -q --tls-verify=false p7 "$HOSTILE/hn/push7:1"
  assert_failure
  assert_contains "$output" "push 'p7'"
  assert_contains "$output" "blob 'sha256:"
  assert_contains "$output" "too many requests (429): the registry asks to wait 3600 s"
  [ $((SECONDS - t0)) -lt 5 ] || fail "took $((SECONDS - t0)) s"
  rules '[]'
  run img push -q --tls-verify=false p7 "$HOSTILE/hn/push7:1"
  ok_status
  push_ok p7 hn/push7:1
}
