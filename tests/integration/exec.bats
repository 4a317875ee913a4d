#!/usr/bin/env bats
# `exec`: a new process in a running container's namespaces, with the
# options runc has for it.

load helpers

setup() {
  berth_setup
  make_bundle
  update_config '.hostname = "exec-host" | .process.env = ["PATH=/bin", "FROM_CONFIG=1"]'
  set_args probe signal-wait
  run_detached ex
  [ "$status" -eq 0 ]
  wait_log ex ready
}

@test "exec: the process joins the container's namespaces" {
  rrun berth exec ex /probe ns
  assert_status 0
  local pid t
  pid=$(ctr_pid ex)
  for t in uts ipc net pid mnt; do
    grep -qxF "$t $(readlink "/proc/$pid/ns/$t")" <<< "$output"
  done
  rrun berth exec ex /probe hostname
  [ "${lines[-1]}" = exec-host ]
}

@test "exec: the process is not pid 1 and its exit status is exec's" {
  rrun berth exec ex /probe pid
  assert_status 0
  [ "${lines[-1]}" -gt 1 ]
  rrun berth exec ex /probe exit 7
  assert_status 7
}

@test "exec: the environment is the config's plus --env" {
  rrun berth exec --env EXTRA=yes --env FROM_CONFIG=2 ex /probe env
  assert_status 0
  grep -qx 'EXTRA=yes' <<< "$output"
  grep -qx 'FROM_CONFIG=2' <<< "$output"
  grep -qx 'PATH=/bin' <<< "$output"
  # (runc refuses -e and --env in one command line)
  rrun berth exec -e SHORT=1 ex /probe env
  grep -qx 'SHORT=1' <<< "$output"
  grep -qx 'FROM_CONFIG=1' <<< "$output"
}

@test "exec: --cwd and --user" {
  mkdir -p "$BUNDLE/rootfs/work"
  rrun berth exec --cwd /work ex /probe cwd
  assert_status 0
  [ "${lines[-1]}" = /work ]
  rrun berth exec --user 1000:1001 -g 1002 ex /probe uid
  assert_status 0
  [ "${lines[-1]}" = "uid=1000 gid=1001 euid=1000 egid=1001 groups=1002" ]
}

@test "exec -u UID: the gid and groups stay the config's, -g adds groups (as runc)" {
  # a passwd entry for the uid must not change that: runc looks nothing up for ids
  echo "app:x:1500:1600:app:/home/app:/bin/sh" >> "$BUNDLE/rootfs/etc/passwd"
  printf 'apps:x:1600:app\n' >> "$BUNDLE/rootfs/etc/group"
  update_config '.process.user = {"uid": 0, "gid": 5, "additionalGids": [7]}'
  set_args probe signal-wait
  run_detached ug
  wait_log ug ready
  rrun berth exec -u 1000 ug /probe uid
  assert_status 0
  [ "${lines[-1]}" = "uid=1000 gid=5 euid=1000 egid=5 groups=7" ]
  rrun berth exec -u 1500 ug /probe uid
  [ "${lines[-1]}" = "uid=1500 gid=5 euid=1500 egid=5 groups=7" ]
  rrun berth exec -u 1500:9 -g 11 -g 12 ug /probe uid
  [ "${lines[-1]}" = "uid=1500 gid=9 euid=1500 egid=9 groups=7,11,12" ]
}

@test "exec --process: the process comes from a JSON file" {
  jq -n '{"args": ["/probe", "cwd"], "cwd": "/tmp", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}}' \
    > "$BATS_TEST_TMPDIR/process.json"
  rrun berth exec --process "$BATS_TEST_TMPDIR/process.json" ex
  assert_status 0
  [ "${lines[-1]}" = /tmp ]
}

@test "exec -d --pid-file: detached, the pid file names the process" {
  rrun berth exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" ex /probe sleep 30
  assert_status 0
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
  [ -d "/proc/$pid" ]
  [ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" = "/probe sleep 30 " ]
  # it is in the container's pid namespace
  [ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink "/proc/$(ctr_pid ex)/ns/pid")" ]
}

@test "exec: a stopped or unknown container refuses exec" {
  rrun berth exec no-such-ctr /probe pid
  assert_failure
  run -0 berth kill ex KILL
  wait_status ex stopped
  rrun berth exec ex /probe pid
  assert_failure
}

@test "exec: a missing executable fails and names it" {
  rrun berth exec ex /no/such/binary
  assert_failure
  assert_contains "$output" "/no/such/binary"
  run -0 ctr_status ex
  [ "$output" = running ]
}

@test "ps --format json: lists the container's processes as host pids" {
  rrun berth exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" ex /probe sleep 30
  run -0 berth ps --format json ex
  jq -e --argjson p "$(ctr_pid ex)" 'index($p) != null' <<< "$output"
  jq -e --argjson p "$(cat "$BATS_TEST_TMPDIR/exec.pid")" 'index($p) != null' <<< "$output"
}

@test "exec -u NAME and NAME:GROUP: names come from the container's /etc/passwd and /etc/group" {
  echo "app:x:1500:1600:app:/home/app:/bin/sh" >> "$BUNDLE/rootfs/etc/passwd"
  printf 'apps:x:1600:\nextra:x:1700:app\nstaff:x:1800:\n' >> "$BUNDLE/rootfs/etc/group"
  rrun berth exec -u app ex /probe uid
  assert_status 0
  # primary group from passwd, the groups listing "app" as member added
  grep -q '^uid=1500 gid=1600 euid=1500 egid=1600 groups=1700$' <<< "$output"
  rrun berth exec -u app:staff ex /probe uid
  assert_status 0
  grep -q '^uid=1500 gid=1800 ' <<< "$output"
  rrun berth exec -u 1500:staff ex /probe uid
  assert_status 0
  grep -q '^uid=1500 gid=1800 ' <<< "$output"
}

@test "exec -u: an unknown user or group fails and names it" {
  rrun berth exec -u nosuchuser ex /probe uid
  assert_failure
  assert_contains "$output" nosuchuser
  rrun berth exec -u root:nosuchgroup ex /probe uid
  assert_failure
  assert_contains "$output" nosuchgroup
}

@test "exec --cap adds a capability, --no-new-privs sets no_new_privs" {
  # the config gives the spec's three capabilities; CAP_SYS_ADMIN is 21
  rrun berth exec ex /probe caps
  assert_status 0
  local eff
  eff=$(awk '$1 == "CapEff" {print $2}' <<< "$output")
  [ $((0x$eff & (1 << 21))) -eq 0 ]
  rrun berth exec --cap CAP_SYS_ADMIN ex /probe caps
  assert_status 0
  eff=$(awk '$1 == "CapEff" {print $2}' <<< "$output")
  [ $((0x$eff & (1 << 21))) -ne 0 ]
  # exec takes the process defaults from the config the container was
  # created with: a second container without noNewPrivileges
  update_config '.process.noNewPrivileges = false'
  run_detached ex2
  [ "$status" -eq 0 ]
  wait_log ex2 ready
  rrun berth exec ex2 /probe nnp
  [ "${lines[-1]}" = 0 ]
  rrun berth exec --no-new-privs ex2 /probe nnp
  assert_status 0
  [ "${lines[-1]}" = 1 ]
}

@test "exec --preserve-fds 1 passes fd 3, not 4" {
  echo three > "$BATS_TEST_TMPDIR/three"
  echo four > "$BATS_TEST_TMPDIR/four"
  "$BERTH" --root "$STATE_DIR/$RUNTIME_NAME" exec --preserve-fds 1 ex /probe fds \
    3< "$BATS_TEST_TMPDIR/three" 4< "$BATS_TEST_TMPDIR/four" > "$BATS_TEST_TMPDIR/out" 2>&1
  cat "$BATS_TEST_TMPDIR/out"
  grep -q "^3 .*three" "$BATS_TEST_TMPDIR/out"
  ! grep -q "^4 " "$BATS_TEST_TMPDIR/out"
}

@test "exec -t --console-socket -d: the pty master goes to the socket" {
  local sock=$BATS_TEST_TMPDIR/console.sock out=$BATS_TEST_TMPDIR/console.out
  python3 "$INTEGRATION_DIR/console-recv.py" "$sock" "$out" 3>&- &
  local recv=$!
  retry 100 0.1 test -S "$sock"
  rrun berth exec -t -d --console-socket "$sock" --pid-file "$BATS_TEST_TMPDIR/p" ex sh -c 'tty; sleep 0.5'
  assert_status 0
  [ -s "$BATS_TEST_TMPDIR/p" ]
  wait "$recv" || true
  grep -q '^fds 1' "$out"
  grep -q '/dev/pts/' "$out"
}

@test "exec -t: a terminal is allocated for a foreground process" {
  run -0 script -qec "$(printf '%q ' "$BERTH" --root "$STATE_DIR/$RUNTIME_NAME" exec -t ex tty)" /dev/null
  grep -q '/dev/pts/' <<< "$output"
}

@test "exec: the process is in the container's user namespace" {
  rrun berth exec ex /probe ns
  assert_status 0
  [ "$(awk '$1 == "user" {print $2}' <<< "$output")" = "$(readlink /proc/$(ctr_pid ex)/ns/user)" ]
}

@test "exec: uses the config as it was at create, not the bundle's later edits" {
  update_config '.process.env = ["PATH=/bin", "FROM_CONFIG=edited"]'
  rrun berth exec ex /probe env
  assert_status 0
  grep -qx 'FROM_CONFIG=1' <<< "$output"
  # even with the bundle's config gone
  rm "$BUNDLE/config.json"
  rrun berth exec ex /probe env
  assert_status 0
  grep -qx 'FROM_CONFIG=1' <<< "$output"
}
