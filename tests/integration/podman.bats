#!/usr/bin/env bats
# podman (Debian's 4.3, with conmon 2.1) driving berth as its OCI runtime:
# what a podman user sees -- output, exit codes, logs, exec and a terminal,
# attach, stop/kill/pause, stats/top, limits and security options inside
# the container, a pod, a rootless podman, and podman's reading of berth's
# errors next to crun's.  podman reads contrib/podman/containers.conf (with
# this build's berth in it) through CONTAINERS_CONF.  The image is made with
# img (new, commit --rootfs, config, export) and loaded with `podman load`.
#
# Needs a pure cgroup v2 host: `make check` runs it in the test VM
# (VM_CHECK_BATS_3, tests/vm/check-vm-3.sh), where every podman command
# costs seconds: tests share one image and one long-running container.

load helpers

PM_IMAGE=localhost/berth-podman-test:latest

# pm ARGS: podman as root, with the file's own storage and state (under
# /tmp: in the test VM / is an overlayfs, which cannot be an overlay upper).
pm() {
  podman --root "$PM_DIR/root" --runroot "$PM_DIR/runroot" --storage-driver overlay "$@"
}

# pm_argv: the same as a command line, for programs that run it (script).
pm_argv() {
  PM=(podman --root "$PM_DIR/root" --runroot "$PM_DIR/runroot" --storage-driver overlay)
}

# The reason the file cannot run here (empty when it can).
_podman_missing() {
  local t
  [ "$(id -u)" = 0 ] || { echo "needs root"; return; }
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
    { echo "needs a pure cgroup v2 host (this one is hybrid/v1; use tests/vm/run-in-vm.sh)"; return; }
  for t in podman conmon crun script /usr/libexec/podman/catatonit; do
    command -v "$t" > /dev/null || { echo "$t is not installed (scripts/install-deps.sh)"; return; }
  done
}

setup_file() {
  local why rootfs img
  # (each test's setup skips, with the reason)
  why=$(_podman_missing)
  if [ -n "$why" ]; then
    return 0
  fi
  export PM_DIR=$BATS_FILE_TMPDIR/podman
  mkdir -p "$PM_DIR"
  chmod 755 "$BATS_RUN_TMPDIR" "$BATS_FILE_TMPDIR" "$PM_DIR"
  # the users' file, with this build's berth and the settings of a host
  # without systemd; no network (netavark is not installed, CNI not needed)
  sed -e "s|/usr/local/bin/berth|$BERTH|" -e 's/^#\(cgroup_manager\|events_logger\) /\1 /' \
    "$TOP_DIR/contrib/podman/containers.conf" > "$PM_DIR/containers.conf"
  printf '\n[containers]\nnetns = "none"\n' >> "$PM_DIR/containers.conf"
  export CONTAINERS_CONF=$PM_DIR/containers.conf
  rootfs=$(template_rootfs)
  img=${IMG:-$(dirname "$BERTH")/img}
  "$img" --store "$PM_DIR/img" new berth-podman-test > /dev/null
  "$img" --store "$PM_DIR/img" commit --rootfs "$rootfs" berth-podman-test > /dev/null
  "$img" --store "$PM_DIR/img" config --cmd /bin/sh berth-podman-test
  "$img" --store "$PM_DIR/img" export -o "$PM_DIR/image.tar" berth-podman-test
  pm load -q -i "$PM_DIR/image.tar" > /dev/null
  # one long-running container for the tests that only look at one
  pm run -d --name long "$PM_IMAGE" sh -c 'echo started; while :; do echo tick; sleep 1; done' \
    < /dev/null > "$PM_DIR/long.id" 2>&1 3>&-
}

teardown_file() {
  if [ -z "${PM_DIR:-}" ] || [ ! -d "$PM_DIR/root" ]; then
    return 0
  fi
  pm pod rm -a -f -t 0 > /dev/null 2>&1 || true
  pm rm -a -f -t 0 > /dev/null 2>&1 || true
  # conmon runs `podman container cleanup` when a container exits, which
  # mounts the storage again: wait until no conmon or podman of ours is left
  local i mps
  for i in {1..60}; do
    pgrep -f -- "$PM_DIR/root" > /dev/null || break
    sleep 0.5
  done
  # then podman's own mounts of the file's storage
  for i in 1 2 3 4 5; do
    mps=$(awk -v d="$PM_DIR/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
    [ -n "$mps" ] || break
    xargs -r umount -l <<< "$mps" 2> /dev/null || true
    sleep 0.5
  done
}

setup() {
  local why
  why=$(_podman_missing)
  if [ -n "$why" ]; then
    # the test VM is where this file must run: a missing tool is a failure there
    [ "${container:-}" != vmrun ] || fail "podman.bats in the test VM: $why"
    skip "$why"
  fi
  STATE_DIR=
  : > "$BATS_TEST_TMPDIR/ctrs"
}

# Containers a test made (pm_name registers them) are removed by teardown.
teardown() {
  local names
  mapfile -t names < "$BATS_TEST_TMPDIR/ctrs"
  [ ${#names[@]} -eq 0 ] || pm rm -f -t 0 "${names[@]}" < /dev/null > /dev/null 2>&1 3>&- || true
  # rootless podman's pause process (it holds the user's namespaces)
  if [ -s "$BATS_TEST_TMPDIR/xdg/libpod/tmp/pause.pid" ]; then
    kill -KILL "$(cat "$BATS_TEST_TMPDIR/xdg/libpod/tmp/pause.pid")" 2> /dev/null || true
  fi
  [ ! -e "$BATS_TEST_TMPDIR/pod" ] || pm pod rm -f -t 0 "$(cat "$BATS_TEST_TMPDIR/pod")" < /dev/null > /dev/null 2>&1 3>&- || true
}

# pm_name NAME: register a container name for teardown; prints it.
pm_name() {
  echo "$1" >> "$BATS_TEST_TMPDIR/ctrs"
  echo "$1"
}

# pm_inspect NAME FORMAT: one field of `podman inspect`
pm_inspect() {
  pm inspect --format "$2" "$1"
}

# pm_run_d NAME ARGS...: `podman run -d --name NAME ARGS` (NAME removed by
# teardown); sets CID and CPID (the container's pid, from berth's state:
# under emulation every podman command costs seconds).
pm_run_d() {
  local n=$1
  shift
  rrun pm run -d --name "$(pm_name "$n")" "$@"
  [ "$status" -eq 0 ] || return 1
  CID=${output##*$'\n'}
  CPID=$("$BERTH" state "$CID" | jq -r .pid)
}

# pm_log_has ID TEXT: wait (up to 20 s) until the container's log file
# (conmon's k8s-file, what `podman logs` reads) has a line with TEXT.
pm_log_has() {
  retry 100 0.2 grep -q -- "$2" "$PM_DIR/root/overlay-containers/$1/userdata/ctr.log"
}

# in_pty CMD...: run CMD with a terminal of its own (script(1)), as a user
# at a shell would; prints its output.
in_pty() {
  script -qec "$(printf '%q ' "$@")" /dev/null < /dev/null
}

# The cgroup v2 directory of a process on the host.
proc_cgroup() {
  echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$1/cgroup")"
}

@test "podman: run --rm with --runtime berth prints the output and passes on the exit status" {
  run pm --runtime berth run --rm "$PM_IMAGE" echo hello from berth
  assert_status 0
  [ "$output" = "hello from berth" ]
  run pm --runtime berth run --rm "$PM_IMAGE" sh -c 'exit 3'
  assert_status 3
}

@test "podman: the container runs under berth: conmon's runtime, inspect, berth's own state" {
  local id pid cpid
  id=$(cat "$PM_DIR/long.id")
  run pm_inspect long '{{.OCIRuntime}} {{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.State.ConmonPid}} {{.Id}}'
  assert_status 0
  read -r rt st running pid cpid fullid <<< "$output"
  [ "$rt" = berth ] && [ "$st" = running ] && [ "$running" = true ] && [ "$fullid" = "$id" ]
  # conmon was told to run this build's berth, with JSON errors to a log
  run tr '\0' ' ' < "/proc/$cpid/cmdline"
  assert_contains "$output" "-r $BERTH "
  assert_contains "$output" "--runtime-arg --log-format=json"
  # berth's state (its default root: podman passes none) agrees with podman
  run "$BERTH" state "$id"
  assert_status 0
  [ "$(jq -r .status <<< "$output")" = running ]
  [ "$(jq -r .pid <<< "$output")" = "$pid" ]
  # the process is the container's: its cgroup is podman's cgroupfs one
  [ "$(proc_cgroup "$pid")" = "/sys/fs/cgroup/libpod_parent/libpod-$id" ]
}

@test "podman: run -d, then logs shows the container's output" {
  run pm logs long
  assert_status 0
  [ "${lines[0]}" = started ]
  assert_contains "$output" tick
}

@test "podman: exec runs in the container and passes on its exit status" {
  run pm exec long sh -c 'echo "in $(hostname) as $(id -u)"; cat /proc/1/cmdline | tr "\0" " "'
  assert_status 0
  assert_contains "$output" "as 0"
  assert_contains "$output" "sh -c echo started"
  run pm exec long sh -c 'exit 7'
  assert_status 7
}

@test "podman: exec -t gives the process a real terminal" {
  pm_argv
  run in_pty "${PM[@]}" exec -t long sh -c 'tty; stty size'
  assert_status 0
  [[ ${lines[0]} =~ ^/dev/pts/[0-9]+ ]]
  run pm exec long tty
  assert_status 1
  assert_contains "$output" "not a tty"
}

@test "podman: run -t gives the container a real terminal" {
  pm_argv
  run in_pty "${PM[@]}" run --rm -t "$PM_IMAGE" sh -c 'tty; sleep 0.5'
  assert_status 0
  [[ ${lines[0]} =~ ^/dev/pts/[0-9]+ ]]
}

@test "podman: attach streams the running container's output" {
  pm_argv
  run timeout -s KILL 8 "${PM[@]}" attach --no-stdin --sig-proxy=false long
  assert_contains "$output" tick
  # detaching (here: killing the client) leaves the container running
  [ "$(pm_inspect long '{{.State.Status}}')" = running ]
}

@test "podman: top lists the container's processes, stats --no-stream has numbers" {
  run pm top long pid comm
  assert_status 0
  [ "$(awk 'NR == 2 {print $1, $2}' <<< "$output")" = "1 sh" ]
  run pm stats --no-stream --format '{{.PIDs}} {{.MemUsage}} {{.CPUPerc}}' long
  assert_status 0
  [[ $output =~ ^[1-9][0-9]*\ [0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B\ [0-9.]+%$ ]]
}

@test "podman: stop sends SIGTERM, then SIGKILL after the -t timeout" {
  local n t0 t1
  # sh as PID 1 has no handler for SIGTERM: only the SIGKILL ends it
  n=$(pm_name stop1)
  rrun pm run -d --name "$n" "$PM_IMAGE" sh -c 'while :; do sleep 0.2; done'
  assert_status 0
  t0=$(date +%s.%N)
  run pm stop -t 3 "$n"
  t1=$(date +%s.%N)
  assert_status 0
  assert_contains "$output" "failed to stop container $n in 3 seconds, resorting to SIGKILL"
  # at least the timeout; the rest is podman's own (slow under emulation)
  awk -v a="$t0" -v b="$t1" 'BEGIN { d = b - a; print "# stop took " d " s"; exit !(d >= 3 && d < 30) }'
  [ "$(pm_inspect "$n" '{{.State.Status}} {{.State.ExitCode}}')" = "exited 137" ]
}

@test "podman: pause freezes the container's cgroup, unpause thaws it" {
  local n=pause1 pid id cg a b
  pm_run_d "$n" "$PM_IMAGE" sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /tmp/count; sleep 0.1; done'
  pid=$CPID id=$CID
  cg=$(proc_cgroup "$pid")
  run pm pause "$n"
  assert_status 0
  [ "$(pm_inspect "$n" '{{.State.Status}}')" = paused ]
  [ "$(cat "$cg/cgroup.freeze")" = 1 ]
  grep -q '^frozen 1$' "$cg/cgroup.events"
  a=$(cat "/proc/$pid/root/tmp/count")
  sleep 1.5
  b=$(cat "/proc/$pid/root/tmp/count")
  [ "$a" = "$b" ]
  run "$BERTH" state "$id"
  [ "$(jq -r .status <<< "$output")" = paused ]
  run pm unpause "$n"
  assert_status 0
  [ "$(cat "$cg/cgroup.freeze")" = 0 ]
  retry 30 0.2 sh -c '[ "$(cat "$1")" != "$2" ]' sh "/proc/$pid/root/tmp/count" "$b"
}

@test "podman: kill delivers the signal, the exit status is the container's" {
  local n=kill1
  pm_run_d "$n" "$PM_IMAGE" sh -c 'trap "echo got TERM; exit 5" TERM; echo ready; while :; do sleep 0.1; done'
  pm_log_has "$CID" ready
  run pm kill -s TERM "$n"
  assert_status 0
  # podman wait prints the exit status
  run pm wait "$n"
  assert_status 0
  [ "$output" = 5 ]
  pm_log_has "$CID" "got TERM"
}

@test "podman: rm -f removes a running container, berth's state and process with it" {
  local n=rm1 id pid
  pm_run_d "$n" "$PM_IMAGE" sleep 1000
  pid=$CPID id=$CID
  [ -d "/proc/$pid" ]
  run pm rm -f -t 0 "$n"
  assert_status 0
  run pm container exists "$n"
  assert_status 1
  run "$BERTH" state "$id"
  assert_failure
  [ ! -d "/run/berth/$id" ]
  [ ! -d "/proc/$pid" ] || [ "$(cat "/proc/$pid/comm")" != sleep ]
}

@test "podman: --memory, --pids-limit and --cpus are the container's cgroup limits" {
  run pm run --rm --memory 64m --memory-swap 64m --pids-limit 42 --cpus 0.5 "$PM_IMAGE" \
    cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/memory.swap.max
  assert_status 0
  [ "${lines[0]}" = 67108864 ]
  [ "${lines[1]}" = 42 ]
  [ "${lines[2]}" = "50000 100000" ]
  [ "${lines[3]}" = 0 ]
}

@test "podman: --cap-drop leaves the capabilities out of CapEff" {
  run pm exec long grep CapEff /proc/self/status
  assert_status 0
  # podman's defaults include CAP_CHOWN (bit 0) and CAP_KILL (bit 5)
  local def=$((16#${output##*:$'\t'}))
  [ $((def & 0x21)) = $((0x21)) ]
  run pm run --rm --cap-drop chown,kill "$PM_IMAGE" grep CapEff /proc/self/status
  assert_status 0
  [ "${output##*:$'\t'}" = "$(printf '%016x' $((def & ~0x21)))" ]
}

@test "podman: --read-only makes the root file system read-only" {
  run pm run --rm --read-only "$PM_IMAGE" sh -c 'touch /x; echo "root $?"; touch /tmp/x; echo "tmp $?"'
  assert_status 0
  assert_contains "$output" "touch: /x: Read-only file system"
  assert_contains "$output" "root 1"
  # podman mounts a tmpfs on /tmp of a read-only container
  assert_contains "$output" "tmp 0"
}

@test "podman: --security-opt seccomp=PROFILE denies the profile's syscalls" {
  cat > "$BATS_TEST_TMPDIR/seccomp.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
JSON
  run pm run --rm --security-opt "seccomp=$BATS_TEST_TMPDIR/seccomp.json" "$PM_IMAGE" \
    sh -c 'mkdir /tmp/d; echo "mkdir $?"; grep Seccomp: /proc/self/status'
  assert_status 0
  assert_contains "$output" "mkdir: can't create directory '/tmp/d': Operation not permitted"
  assert_contains "$output" "mkdir 1"
  assert_contains "$output" "Seccomp:	2"
}

@test "podman: --init runs catatonit as PID 1 with the command below it" {
  run pm run --rm --init "$PM_IMAGE" sh -c 'tr "\0" " " < /proc/1/cmdline; echo; echo "sh is $$"'
  assert_status 0
  [ "${lines[0]}" = "/run/podman-init -- sh -c tr \"\\0\" \" \" < /proc/1/cmdline; echo; echo \"sh is \$\$\" " ]
  [ "${lines[1]}" != "sh is 1" ]
}

@test "podman: --uidmap/--gidmap give the container a user namespace with those maps" {
  run pm run --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$PM_IMAGE" \
    sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u /bin/busybox'
  assert_status 0
  [ "$(awk 'NR <= 2 {print $1, $2, $3}' <<< "$output" | sort -u)" = "0 100000 65536" ]
  [ "${lines[2]}" = 0 ]
  [ "${lines[3]}" = 0 ]
}

@test "podman: the containers of a pod share one network namespace and reach each other on 127.0.0.1" {
  local srv
  run pm pod create --name pod1
  assert_status 0
  echo pod1 > "$BATS_TEST_TMPDIR/pod"
  srv=pod1-srv
  pm_run_d "$srv" --pod pod1 "$PM_IMAGE" sh -c 'readlink /proc/self/ns/net; nc -l -p 8080'
  pm_log_has "$CID" "net:"
  run pm run --rm --pod pod1 "$PM_IMAGE" \
    sh -c 'readlink /proc/self/ns/net; for i in 1 2 3 4 5; do echo hello-from-the-pod | nc 127.0.0.1 8080 && break; sleep 0.5; done'
  assert_status 0
  local ns=${lines[0]}
  [[ $ns == net:* ]]
  run pm wait "$srv"
  [ "$output" = 0 ]
  run pm logs "$srv"
  [ "${lines[0]}" = "$ns" ]
  [ "${lines[1]}" = hello-from-the-pod ]
  # the pod's infra container (catatonit, from podman's local pause image) runs under berth too
  [ "$(pm_inspect "$(pm pod inspect --format '{{.InfraContainerID}}' pod1)" '{{.OCIRuntime}}')" = berth ]
}

@test "podman: a command that does not exist exits 127 with podman's message, as with crun" {
  local r
  for r in berth crun; do
    run -127 pm --runtime "$r" run --rm "$PM_IMAGE" /nonexistent
    assert_status 127
    assert_contains "$output" "Error: $r: "
    assert_contains "$output" "OCI runtime attempted to invoke a command that was not found"
  done
  # berth's own message, read by podman from the JSON log
  run -127 pm run --rm "$PM_IMAGE" /nonexistent
  assert_contains "$output" "berth: exec '/nonexistent': No such file or directory"
}

@test "podman: a command that is not executable exits 126 with podman's message, as with crun" {
  local r
  for r in berth crun; do
    run pm --runtime "$r" run --rm "$PM_IMAGE" /etc/passwd
    assert_status 126
    assert_contains "$output" "Error: $r: "
    assert_contains "$output" "OCI permission denied"
  done
}

@test "podman: inspect reports the state of an exited container, as with crun" {
  local r n
  for r in berth crun; do
    n=$(pm_name "exited-$r")
    run pm --runtime "$r" run --name "$n" "$PM_IMAGE" sh -c 'echo bye; exit 4'
    assert_status 4
    run pm_inspect "$n" '{{.OCIRuntime}} {{.State.Status}} {{.State.Running}} {{.State.ExitCode}} {{.State.Pid}} {{.State.OOMKilled}} {{.State.StartedAt.IsZero}} {{.State.FinishedAt.IsZero}}'
    [ "$output" = "$r exited false 4 0 false false false" ]
  done
  # and it starts again, attached
  run pm start -a exited-berth
  assert_status 4
  [ "$output" = bye ]
}

# pm_user ARGS: podman as ROOTLESS_USER, with its own storage under the
# file's directory and the same containers.conf.
pm_user() {
  as_user env HOME="$PM_USER_HOME" CONTAINERS_CONF="$CONTAINERS_CONF" \
    podman --root "$PM_DIR/user/root" --runroot "$PM_DIR/user/runroot" --storage-driver overlay "$@"
}

@test "podman: rootless podman runs berth in the user's namespace (subuid maps, --userns=keep-id)" {
  rootless_user_setup
  requires_rootless
  rootless_setup
  local uid sub
  uid=$ROOTLESS_UID
  sub=$(rootless_subid uid)
  PM_USER_HOME=$PM_DIR/user/home
  mkdir -p "$PM_USER_HOME"
  chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$PM_DIR/user"
  chmod 644 "$PM_DIR/image.tar" "$CONTAINERS_CONF"
  run pm_user load -q -i "$PM_DIR/image.tar"
  echo "$output"
  assert_status 0
  run pm_user run --rm "$PM_IMAGE" sh -c 'id -u; cat /proc/self/uid_map'
  echo "$output"
  assert_status 0
  [ "${lines[0]}" = 0 ]
  [ "$(awk 'NR > 1 {print $1, $2, $3}' <<< "$output" | tr '\n' ' ')" = "0 $uid 1 1 $sub 65536 " ]
  run pm_user run --rm --userns keep-id "$PM_IMAGE" id -u
  assert_status 0
  [ "$output" = "$uid" ]
  run -127 pm_user run --rm "$PM_IMAGE" /nonexistent
  assert_status 127
  assert_contains "$output" "berth: exec '/nonexistent': No such file or directory"
}
