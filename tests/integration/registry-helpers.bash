# Registry fixtures for the img pull/push tests: Debian's docker-registry
# (distribution 2.8) on 127.0.0.1, started per test and stopped by
# registry_stop (call it from teardown), in three configurations:
#   open      no authentication
#   htpasswd  Basic authentication (user "tester", password "s3cret")
#   silly     Bearer challenge; tokens come from token-server.py, which logs
#             every token request (with its scopes) to $REGISTRY_DIR/tokens.log
# Sets REGISTRY (host:port), REGISTRY_DIR.

_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

registry_start() {
  local mode=${1:-open} port auth="" tport
  requires registry
  REGISTRY_DIR=$BATS_TEST_TMPDIR/registry
  mkdir -p "$REGISTRY_DIR/data"
  port=$(_free_port)
  REGISTRY=127.0.0.1:$port
  case $mode in
    open) ;;
    htpasswd)
      command -v htpasswd > /dev/null || fail "htpasswd is not installed (apt-get install apache2-utils)"
      htpasswd -Bbn tester s3cret > "$REGISTRY_DIR/htpasswd"
      auth="auth:
  htpasswd:
    realm: test-realm
    path: $REGISTRY_DIR/htpasswd"
      ;;
    silly)
      tport=$(_free_port)
      python3 "$BATS_TEST_DIRNAME/token-server.py" "$tport" "$REGISTRY_DIR/tokens.log" \
        > "$REGISTRY_DIR/token-server.out" 2>&1 &
      echo $! > "$REGISTRY_DIR/token.pid"
      auth="auth:
  silly:
    realm: http://127.0.0.1:$tport/token
    service: test-registry"
      local i
      for i in $(seq 50); do
        curl -s "http://127.0.0.1:$tport/token" > /dev/null 2>&1 && break
        sleep 0.1
      done
      ;;
    *) fail "registry_start: unknown mode '$mode'" ;;
  esac
  cat > "$REGISTRY_DIR/config.yml" << EOF2
version: 0.1
log:
  level: warn
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $REGISTRY
$auth
EOF2
  docker-registry serve "$REGISTRY_DIR/config.yml" > "$REGISTRY_DIR/registry.log" 2>&1 &
  echo $! > "$REGISTRY_DIR/registry.pid"
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "http://$REGISTRY/v2/" && return 0
    sleep 0.1
  done
  cat "$REGISTRY_DIR/registry.log" >&2
  fail "docker-registry did not start on $REGISTRY"
}

# registry_restart: stop and start the same registry (same port and data).
registry_restart() {
  local pid
  pid=$(cat "$REGISTRY_DIR/registry.pid")
  kill "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  docker-registry serve "$REGISTRY_DIR/config.yml" >> "$REGISTRY_DIR/registry.log" 2>&1 &
  echo $! > "$REGISTRY_DIR/registry.pid"
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "http://$REGISTRY/v2/" && return 0
    sleep 0.1
  done
  fail "docker-registry did not restart"
}

registry_stop() {
  local f pid
  for f in "${REGISTRY_DIR:-/nonexistent}"/registry.pid "${REGISTRY_DIR:-/nonexistent}"/token.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    rm -f "$f"
  done
}

# registry_uploads: how many blob uploads the registry completed (PUTs to
# .../blobs/uploads/...?digest=) according to its access log.
registry_uploads() {
  grep -c '"PUT /v2/[^ ]*/blobs/uploads/[^ ]*digest=' "$REGISTRY_DIR/registry.log" || true
}

# proxy_start ARGS...: flaky-proxy.py in front of the registry (see that
# file for ARGS); sets PROXY (host:port) and PROXY_PID, waits until it listens.
proxy_start() {
  local port i
  port=$(_free_port)
  python3 "$BATS_TEST_DIRNAME/flaky-proxy.py" "$port" "${REGISTRY#*:}" "$@" &
  PROXY_PID=$!
  PROXY=127.0.0.1:$port
  for i in $(seq 100); do
    curl -s -o /dev/null "http://$PROXY/v2/" && return 0
    sleep 0.1
  done
  fail "the proxy did not start on $PROXY"
}

# registry_file_seed REPO:TAG NAME=BYTES...: for setup_file: one open
# registry for the whole .bats file (under $BATS_FILE_TMPDIR/registry)
# holding image REPO:TAG, pushed by skopeo from an OCI layout made by umoci
# ($BATS_FILE_TMPDIR/seed, tag "seed") whose one layer is the tree
# $BATS_FILE_TMPDIR/tree of files NAME of BYTES random bytes each.  Returns
# 1, starting nothing, without root, docker-registry or skopeo: the tests'
# own `requires` then skip with the reason.  Exports REGISTRY and
# REGISTRY_DIR for the tests; teardown_file calls registry_stop.
registry_file_seed() {
  local ref=$1 f saved=${BATS_TEST_TMPDIR:-}
  shift
  command -v docker-registry > /dev/null && command -v skopeo > /dev/null && [ "$(id -u)" = 0 ] || return 1
  BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR
  registry_start open
  mkdir -p "$BATS_FILE_TMPDIR/tree"
  for f in "$@"; do
    head -c "${f#*=}" /dev/urandom > "$BATS_FILE_TMPDIR/tree/${f%%=*}"
  done
  umoci_image "$BATS_FILE_TMPDIR/seed" seed "$BATS_FILE_TMPDIR/tree"
  skopeo copy -q --dest-tls-verify=false "oci:$BATS_FILE_TMPDIR/seed:seed" "docker://$REGISTRY/$ref" ||
    fail "skopeo could not push the seed image to $REGISTRY/$ref"
  BATS_TEST_TMPDIR=$saved
  export REGISTRY REGISTRY_DIR
}
