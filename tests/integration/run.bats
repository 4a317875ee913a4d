#!/usr/bin/env bats
# `run`: what the process inside the container sees, and what the caller of
# `run` sees (exit status, signals, detaching, --keep).

load helpers

setup() {
  berth_setup
  make_bundle
}

@test "run: the hostname comes from config.json" {
  update_config '.hostname = "berth-test-host"'
  run_probe -- hostname
  assert_status 0
  [ "${lines[-1]}" = berth-test-host ]
}

@test "run: the process is pid 1 of its own pid namespace" {
  run_probe -- pid
  assert_status 0
  [ "${lines[-1]}" = 1 ]
  run_probe -- ppid
  [ "${lines[-1]}" = 0 ]
}

@test "run: the container has its own mount table" {
  run_probe -- mounts
  assert_status 0
  local inside=$output
  # the host's root is not visible: / is the bundle's rootfs
  [[ $inside != "$("$PROBE" mounts)" ]]
  grep -qx '/proc proc .*' <<< "$inside"
  grep -qx '/dev tmpfs .*' <<< "$inside"
  grep -qx '/dev/pts devpts .*' <<< "$inside"
  grep -qx '/dev/shm tmpfs .*' <<< "$inside"
  grep -qx '/dev/mqueue mqueue .*' <<< "$inside"
  grep -qx '/sys sysfs .*' <<< "$inside"
  # nothing from the host's mount table below the bundle leaks in
  ! grep -q "$BATS_TEST_TMPDIR" <<< "$inside"
}

@test "run: the environment is process.env (plus HOME when it has none)" {
  update_config '.process.env = ["PATH=/bin", "GREETING=hello world", "EMPTY="]'
  run_probe -- env
  assert_status 0
  # runtimes add HOME from the rootfs's /etc/passwd when the config has none
  [ "$(grep -v '^#' <<< "$output" | sort | tr '\n' ' ')" = "EMPTY= GREETING=hello world HOME=/root PATH=/bin " ]
  update_config '.process.env = ["PATH=/bin", "HOME=/elsewhere"]'
  run_probe -- env
  [ "$(grep -v '^#' <<< "$output" | sort | tr '\n' ' ')" = "HOME=/elsewhere PATH=/bin " ]
}

@test "run: the working directory is process.cwd (created when missing)" {
  mkdir -p "$BUNDLE/rootfs/srv/app"
  update_config '.process.cwd = "/srv/app"'
  run_probe -- cwd
  assert_status 0
  [ "${lines[-1]}" = /srv/app ]
}

@test "run: uid, gid and additional groups come from process.user" {
  update_config '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [1002, 1003]}'
  run_probe -- uid
  assert_status 0
  [ "${lines[-1]}" = "uid=1000 gid=1001 euid=1000 egid=1001 groups=1002,1003" ]
}

@test "run: the umask comes from process.user.umask" {
  update_config '.process.user.umask = 63'
  run_probe -- umask
  assert_status 0
  [ "${lines[-1]}" = 0077 ]
}

@test "run: the container's exit status is run's exit status" {
  run_probe -- exit 42
  assert_status 42
  run_probe -- exit 0
  assert_status 0
}

@test "run: a container killed by a signal exits 128+signal" {
  set_args probe signal-wait
  local out=$BATS_TEST_TMPDIR/killed.out
  RT_EXEC=1 berth run --bundle "$BUNDLE" killed < /dev/null > "$out" 2>&1 3>&- &
  local pid=$!
  retry 100 0.1 grep -q ready "$out"
  run -0 berth kill killed KILL
  local rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 137 ]
}

@test "run: SIGTERM to run is forwarded to the container" {
  set_args probe signal-wait
  local out=$BATS_TEST_TMPDIR/fwd.out
  RT_EXEC=1 berth run --bundle "$BUNDLE" fwd < /dev/null > "$out" 2>&1 3>&- &
  local pid=$!
  retry 100 0.1 grep -q ready "$out"
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  cat "$out"
  [ "$rc" -eq 0 ]
  grep -qx SIGTERM "$out"
}

@test "run: the container is deleted when run returns" {
  run_probe -- pid
  assert_status 0
  run berth list -q
  [ -z "$output" ]
}

@test "run --keep: the stopped container stays until delete" {
  set_args probe exit 3
  rrun berth run --keep --bundle "$BUNDLE" kept
  assert_status 3
  run -0 ctr_status kept
  [ "$output" = stopped ]
  run -0 berth delete kept
  run berth state kept
  assert_failure
}

@test "run -d: returns at once, the container runs detached" {
  set_args probe signal-wait
  run_detached bg
  assert_status 0
  run -0 ctr_status bg
  [ "$output" = running ]
  wait_log bg ready
  run -0 berth kill bg TERM
  wait_status bg stopped
  grep -qx SIGTERM "$BATS_TEST_TMPDIR/bg.log"
}
