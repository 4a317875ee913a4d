#!/usr/bin/env bats
# berth under containerd (Debian's 1.6): containerd's own runc shim,
# io.containerd.runc.v2, with its BinaryName pointing at berth, as a
# Kubernetes node would run it through containerd's CRI plugin.  One
# containerd per file (setup_file), everything under the file's temporary
# directory, with the configuration shipped in contrib/containerd/config.toml
# (berth's path and state root filled in); `ctr run` reaches the same shim
# options with --runc-binary and --runc-root.  The image comes from img
# (new, commit --rootfs, export) and is read by `ctr image import`, as an
# OCI archive and as a docker-save archive.
#
# The CRI test talks to containerd's CRI plugin like a kubelet, through
# cri.py (python3-grpcio; crictl is not in Debian 12), with pods on the
# host's network (no CNI).
#
# Needs root, a pure cgroup v2 host and containerd: make check runs it in the
# test VM (tests/vm, VM_CHECK_BATS).  Every ctr call costs about a second
# there (an emulated Go start-up): keep the calls few.

load helpers

IMG=${IMG:-$(dirname "$BERTH")/img}
[ -x "$IMG" ] || IMG=$BUILD_DIR/img

# Why the tests cannot run here, for setup (bats 1.8 has no skip in setup_file).
ctrd_missing() {
  [ "$(id -u)" = 0 ] || { echo "needs root"; return; }
  if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
    echo "needs a pure cgroup v2 host (this one is hybrid/v1; use tests/vm/run-in-vm.sh)"
    return
  fi
  command -v containerd > /dev/null && command -v ctr > /dev/null ||
    { echo "containerd is not installed (scripts/install-deps.sh)"; return; }
  [ -x "$IMG" ] || echo "no img at '$IMG'"
}

setup_file() {
  export CTRD_MISSING
  CTRD_MISSING=$(ctrd_missing)
  if [ -n "$CTRD_MISSING" ]; then
    # the test VM is where these tests must run: a skip there hides a regression
    [ "${container:-}" != vmrun ] || fail "$CTRD_MISSING"
    return 0
  fi

  export CTRD=$BATS_FILE_TMPDIR/ctrd
  export CTRD_SOCK=$CTRD/containerd.sock
  # berth's state root: the shim adds the namespace (ctr's: default)
  export BERTH_ROOT=$CTRD/berth
  export IMAGE=docker.io/library/berth-test:oci IMAGE_DOCKER=docker.io/library/berth-test:docker
  # the CRI's sandbox image (a kubelet's pause): waits for its SIGTERM
  export IMAGE_PAUSE=docker.io/library/berth-test:pause
  mkdir -p "$CTRD"

  # the image: img's busybox + probe rootfs, uncompressed (the VM is slow at gzip)
  local store=$CTRD/store
  "$IMG" -q --store "$store" new "$IMAGE"
  "$IMG" -q --store "$store" commit --compress none --rootfs "$(template_rootfs)" "$IMAGE" > /dev/null
  "$IMG" -q --store "$store" config --cmd /bin/sh --cmd -c \
    --cmd 'echo out from berth; echo err from berth >&2; exit 3' "$IMAGE"
  "$IMG" -q --store "$store" tag "$IMAGE" "$IMAGE_DOCKER"
  "$IMG" -q --store "$store" config --cmd /probe --cmd signal-wait --tag "$IMAGE_PAUSE" "$IMAGE"
  "$IMG" -q --store "$store" export -o "$CTRD/oci.tar" "$IMAGE" "$IMAGE_PAUSE"
  "$IMG" -q --store "$store" export --format docker -o "$CTRD/docker.tar" "$IMAGE_DOCKER"

  # the daemon: its own root, state and sockets, only the plugins used here,
  # the CRI without CNI (its pods use the host's network), then the shipped
  # snippet with this build's berth
  {
    cat <<EOF
version = 2
root = "$CTRD/root"
state = "$CTRD/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTRD/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$IMAGE_PAUSE"
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CTRD/cni/bin"
    conf_dir = "$CTRD/cni/conf"
  # as in \`containerd config default\`: without it the CRI plugin refuses to load
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
EOF
    sed -e "s|^\( *BinaryName = \).*|\1\"$BERTH\"|" -e "s|^\( *Root = \).*|\1\"$BERTH_ROOT\"|" \
      "$TOP_DIR/contrib/containerd/config.toml"
  } > "$CTRD/config.toml"
  containerd --config "$CTRD/config.toml" > "$CTRD/containerd.log" 2>&1 < /dev/null 3>&- &
  echo $! > "$CTRD/containerd.pid"
  retry 150 0.2 test -S "$CTRD_SOCK" || fail "containerd did not start: $(tail -5 "$CTRD/containerd.log")"

  c image import "$CTRD/oci.tar" > /dev/null
  c image import "$CTRD/docker.tar" > /dev/null
  c --namespace k8s.io image import "$CTRD/oci.tar" > /dev/null
}

teardown_file() {
  local d f pid i comm
  if [ -z "${CTRD:-}" ] || [ ! -f "$CTRD/containerd.pid" ]; then
    return 0
  fi
  for d in "$CTRD"/state/io.containerd.runtime.v2.task/default/*/; do
    [ -d "$d" ] || continue
    c task kill -s SIGKILL "$(basename "$d")" > /dev/null 2>&1 || true
    c task delete -f "$(basename "$d")" > /dev/null 2>&1 || true
  done
  berth_delete_all
  pid=$(cat "$CTRD/containerd.pid")
  kill "$pid" 2> /dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2> /dev/null || true
  # shims of this daemon that outlived it (a task the deletes above missed)
  for f in $(grep -l -z -F -x -e "$CTRD_SOCK" /proc/[0-9]*/cmdline 2> /dev/null); do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    read -r comm < "/proc/$pid/comm" 2> /dev/null || continue
    [ "$comm" != containerd-shim ] || kill -KILL "$pid" 2> /dev/null || true
  done
  awk -v d="$CTRD/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | xargs -r umount -l
}

setup() {
  [ -z "$CTRD_MISSING" ] || skip "$CTRD_MISSING"
  : > "$BATS_TEST_TMPDIR/ids"
}

# Tasks and containers a test left (a failed test) go; then nothing of its
# containers may be left: no berth state dir, no cgroup.
teardown() {
  local id left=()
  [ -e "$BATS_TEST_TMPDIR/ids" ] || return 0
  if [ -e "$BATS_TEST_TMPDIR/cri" ]; then
    # shellcheck disable=SC2046
    /usr/bin/python3 "$INTEGRATION_DIR/cri.py" "$CTRD_SOCK" down $(cat "$BATS_TEST_TMPDIR/cri") || true
  fi
  berth_delete_all k8s.io
  rmdir /sys/fs/cgroup/berth-cri 2> /dev/null || true
  while read -r id; do
    if [ -d "$CTRD/state/io.containerd.runtime.v2.task/default/$id" ]; then
      c task kill -s SIGKILL "$id" > /dev/null 2>&1 || true
      c task delete -f "$id" > /dev/null 2>&1 || true
    fi
    [ -e "$BATS_TEST_TMPDIR/$id.removed" ] || c container rm "$id" > /dev/null 2>&1 || true
    [ ! -d "$BERTH_ROOT/default/$id" ] || left+=("berth state dir $BERTH_ROOT/default/$id")
    [ ! -d "/sys/fs/cgroup/default/$id" ] || left+=("cgroup /sys/fs/cgroup/default/$id")
  done < "$BATS_TEST_TMPDIR/ids"
  if [ ${#left[@]} -gt 0 ]; then
    printf 'teardown: left behind: %s\n' "${left[@]}" >&2
    return 1
  fi
}

# berth_delete_all [NAMESPACE]: `berth delete --force` of every container in
# the shim's root (in every containerd namespace), for what a failed test left
berth_delete_all() {
  local d
  for d in "$BERTH_ROOT"/${1:-*}/*/; do
    [ -d "$d" ] || continue
    "$BERTH" --root "$(dirname "$d")" delete --force "$(basename "$d")" > /dev/null 2>&1 < /dev/null 3>&- || true
  done
}

# c ARGS: ctr on the test's containerd (namespace "default")
c() {
  ctr --address "$CTRD_SOCK" "$@"
}

# new_id NAME: a container id for this test, cleaned up by teardown
new_id() {
  local id="t$BATS_TEST_NUMBER-$1"
  echo "$id" >> "$BATS_TEST_TMPDIR/ids"
  echo "$id"
}

# ctr_run ARGS: `ctr run` with berth as the shim's runtime (ctr's way to the
# shim options of the config file: BinaryName and Root)
ctr_run() {
  c run --runc-binary "$BERTH" --runc-root "$BERTH_ROOT" "$@"
}

# run_d ID [OPTS...] -- CMD...: `ctr run -d` of the image, the container's
# output in $BATS_TEST_TMPDIR/ID.out
run_d() {
  local id=$1 opts=()
  shift
  while [ "$1" != -- ]; do
    opts+=("$1")
    shift
  done
  shift
  rrun ctr_run -d --log-uri "file://$BATS_TEST_TMPDIR/$id.out" "${opts[@]}" "$IMAGE" "$id" "$@"
  assert_status 0
}

# task_status ID: STATUS in `ctr task ls`
task_status() {
  c task ls | awk -v id="$1" '$1 == id { print $3 }'
}

# wait_task ID STATUS: until `ctr task ls` says STATUS (about 10 s)
wait_task() {
  local i got
  for ((i = 0; i < 20; i++)); do
    got=$(task_status "$1")
    [ "$got" = "$2" ] && return 0
    sleep 0.3
  done
  fail "task $1: status '$got', expected '$2'"
}

# berth_state ID FIELD: a field of berth's own `state` in the shim's root
berth_state() {
  "$BERTH" --root "$BERTH_ROOT/default" state "$1" | jq -r ".$2"
}

# remove ID: `ctr container rm`, recorded for teardown
remove() {
  c container rm "$1"
  removed "$1"
}

# removed ID: the container is gone (ctr run --rm removes it, whatever the exit)
removed() {
  : > "$BATS_TEST_TMPDIR/$1.removed"
}

@test "ctr run --rm: the output and exit status of a container berth runs (the Cmd of img's OCI archive)" {
  local id
  id=$(new_id rm)
  status=0
  ctr_run --rm "$IMAGE" "$id" < /dev/null > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" 3>&- || status=$?
  removed "$id"
  cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
  assert_status 3
  # each stream on its own: ctr copies the two FIFOs concurrently, so the
  # order of the lines in one merged output is not defined
  [ "$(cat "$BATS_TEST_TMPDIR/out")" = "out from berth" ]
  [ "$(cat "$BATS_TEST_TMPDIR/err")" = "err from berth" ]
}

@test "ctr run: berth's create error reaches the user, and nothing is left" {
  local id
  id=$(new_id err)
  rrun ctr_run --rm "$IMAGE" "$id" /no/such/program
  removed "$id"
  assert_failure
  # berth's message, from the log.json the shim gave it (--log-format json)
  assert_contains "$output" "OCI runtime create failed"
  assert_contains "$output" "/no/such/program"
  ! is_berth || assert_contains "$output" "exec '/no/such/program': No such file or directory"
}

@test "ctr run -d: RUNNING in task ls and in berth's state; task ps; exec output and exit codes, with a terminal; kill; delete; rm" {
  local id pid
  id=$(new_id d)
  run_d "$id" -- /probe signal-wait
  retry 50 0.2 grep -q ready "$BATS_TEST_TMPDIR/$id.out"
  run c task ls
  pid=$(awk -v id="$id" '$1 == id && $3 == "RUNNING" { print $2 }' <<< "$output")
  [ -n "$pid" ] || fail "no RUNNING $id in: $output"
  # berth is what ran: its own state, in the shim's --root
  [ "$(berth_state "$id" status)" = running ]
  [ "$(berth_state "$id" pid)" = "$pid" ]
  run c task ps "$id"
  [ "$(awk 'NR > 1 { print $1 }' <<< "$output")" = "$pid" ]

  run c task exec --exec-id e1 "$id" sh -c 'echo exec says hi; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = "exec says hi" ]
  # -t wants a terminal on ctr's stdin: script(1) gives it one
  run script -qec "ctr --address $CTRD_SOCK task exec -t --exec-id e2 $id sh -c 'tty; exit 5'" /dev/null
  [ "$status" -eq 5 ]
  assert_contains "$output" /dev/pts/

  run c task kill "$id"
  assert_status 0
  retry 50 0.2 grep -q SIGTERM "$BATS_TEST_TMPDIR/$id.out"
  wait_task "$id" STOPPED
  run c task delete "$id"
  assert_status 0
  [ ! -e "$BERTH_ROOT/default/$id" ]
  [ ! -e "/sys/fs/cgroup/default/$id" ]
  remove "$id"
  run c container info "$id"
  assert_failure
}

@test "ctr task pause/resume: PAUSED, the cgroup frozen, RUNNING again; delete --force of the running task" {
  local id
  id=$(new_id p)
  run_d "$id" -- /probe signal-wait
  c task pause "$id"
  [ "$(task_status "$id")" = PAUSED ]
  [ "$(berth_state "$id" status)" = paused ]
  grep -qx 'frozen 1' "/sys/fs/cgroup/default/$id/cgroup.events"
  c task resume "$id"
  [ "$(task_status "$id")" = RUNNING ]
  grep -qx 'frozen 0' "/sys/fs/cgroup/default/$id/cgroup.events"
  c task delete --force "$id"
  [ ! -e "$BERTH_ROOT/default/$id" ]
  [ ! -e "/sys/fs/cgroup/default/$id" ]
  remove "$id"
}

@test "ctr run --memory-limit: memory.max in the container's cgroup; task metrics; kill --all" {
  local id cg
  id=$(new_id m)
  # ctr's spec has no cgroup mount (CRI adds this one)
  run_d "$id" --memory-limit 67108864 --mount type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro -- \
    sh -c 'sleep 1000 & sleep 1000 & exec /probe signal-wait'
  retry 50 0.2 grep -q ready "$BATS_TEST_TMPDIR/$id.out"
  cg=/sys/fs/cgroup/default/$id
  [ "$(cat "$cg/memory.max")" = 67108864 ]
  # seen from inside: without a cgroup namespace berth binds the container's
  # own cgroup there (runc mounts the whole tree)
  if is_berth; then
    run c task exec --exec-id e1 "$id" cat /sys/fs/cgroup/memory.max
  else
    run c task exec --exec-id e1 "$id" sh -c 'cat "/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/memory.max"'
  fi
  [ "$output" = 67108864 ]

  # the shim reads the container's cgroup itself (not `berth events --stats`)
  run c task metrics --format json "$id"
  assert_status 0
  [ "$(jq -r .memory.usage_limit <<< "$output")" = 67108864 ]
  [ "$(jq -r .pids.current <<< "$output")" = 3 ]
  [ "$(jq -r '.memory.usage > 0' <<< "$output")" = true ]
  run c task ps "$id"
  [ "$(awk 'NR > 1' <<< "$output" | wc -l)" = 3 ]

  c task kill --all -s SIGKILL "$id"
  wait_task "$id" STOPPED
  [ -z "$(cat "$cg/cgroup.procs")" ]
  c task delete "$id"
  remove "$id"
}

@test "ctr run --privileged --with-ns: every capability and the host's devices; the host's network namespace joined (img's docker-save archive)" {
  local id
  id=$(new_id priv)
  rrun ctr_run --rm --privileged --with-ns "network:/proc/$$/ns/net" "$IMAGE_DOCKER" "$id" \
    sh -c 'grep CapEff /proc/self/status; readlink /proc/self/ns/net; ls /dev'
  removed "$id"
  assert_status 0
  assert_contains "$output" "$(grep CapEff /proc/self/status)"
  assert_contains "$output" "$(readlink /proc/self/ns/net)"
  assert_contains "$output" kmsg
}

@test "CRI: a pod with the runtime handler berth of contrib's config: sandbox and container are berth's; ExecSync; memory limit; stop; remove" {
  local sandbox ctr
  # what a kubelet would ask (tests/integration/cri.py: crictl is not in Debian 12)
  run /usr/bin/python3 "$INTEGRATION_DIR/cri.py" "$CTRD_SOCK" up berth "$IMAGE_PAUSE" /berth-cri 67108864
  echo "$output"
  assert_status 0
  sandbox=$(jq -r .sandbox <<< "$output")
  ctr=$(jq -r .container <<< "$output")
  echo "$sandbox $ctr" > "$BATS_TEST_TMPDIR/cri"
  [ "$(jq -r .state <<< "$output")" = 1 ] # CONTAINER_RUNNING
  [ "$(jq -r .exec.stdout <<< "$output")" = "exec via CRI
67108864" ]
  [ "$(jq -r .exec.exit_code <<< "$output")" = 6 ]
  # berth runs both, its state in the config's Root plus the namespace k8s.io
  [ "$("$BERTH" --root "$BERTH_ROOT/k8s.io" state "$sandbox" | jq -r .status)" = running ]
  [ "$("$BERTH" --root "$BERTH_ROOT/k8s.io" state "$ctr" | jq -r .status)" = running ]
  [ "$(cat "/sys/fs/cgroup/berth-cri/$ctr/memory.max")" = 67108864 ]

  run /usr/bin/python3 "$INTEGRATION_DIR/cri.py" "$CTRD_SOCK" down "$sandbox" "$ctr"
  echo "$output"
  assert_status 0
  [ "$(jq -r .state <<< "$output")" = 2 ] # CONTAINER_EXITED
  [ "$(jq -r .exit_code <<< "$output")" = 0 ]
  [ ! -e "$BERTH_ROOT/k8s.io/$sandbox" ]
  [ ! -e "$BERTH_ROOT/k8s.io/$ctr" ]
  [ ! -e "/sys/fs/cgroup/berth-cri/$ctr" ]
  [ ! -e "/sys/fs/cgroup/berth-cri/$sandbox" ]
  rm "$BATS_TEST_TMPDIR/cri"
}
