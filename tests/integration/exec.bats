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
