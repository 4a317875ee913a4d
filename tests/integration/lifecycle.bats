#!/usr/bin/env bats
# create → start → kill → delete, as `state` and the host observe it.

load helpers

setup() {
  berth_setup
  make_bundle
  # the marker file shows on the host when the user's process has started
  set_args sh -c 'echo started > /started; exec /probe signal-wait'
}

@test "create: the container is created, its init exists, the command has not run" {
  create_ctr c1
  assert_status 0
  run -0 berth state c1
  [ "$(jq -r .status <<< "$output")" = created ]
  [ "$(jq -r .id <<< "$output")" = c1 ]
  [ "$(jq -r .bundle <<< "$output")" = "$BUNDLE" ]
  [[ $(jq -r .ociVersion <<< "$output") == 1.* ]]
  local pid
  pid=$(jq -r .pid <<< "$output")
  [ "$pid" -gt 0 ]
  [ -d "/proc/$pid" ]
  sleep 0.3
  [ ! -e "$BUNDLE/rootfs/started" ]
}

@test "start: the command runs and the container is running" {
  create_ctr c1
  run -0 berth start c1
  retry 100 0.1 test -e "$BUNDLE/rootfs/started"
  wait_log c1 ready
  run -0 ctr_status c1
  [ "$output" = running ]
}

@test "kill: the container stops, state keeps it as stopped" {
  create_ctr c1
  run -0 berth start c1
  wait_log c1 ready
  run -0 berth kill c1 KILL
  wait_status c1 stopped
  run -0 berth state c1
  [ "$(jq -r .id <<< "$output")" = c1 ]
}

@test "delete: a stopped container is gone afterwards" {
  create_ctr c1
  run -0 berth start c1
  wait_log c1 ready
  local pid
  pid=$(ctr_pid c1)
  run -0 berth kill c1 KILL
  wait_status c1 stopped
  run -0 berth delete c1
  run berth state c1
  assert_failure
  run -0 berth list -q
  [ -z "$output" ]
  [ ! -d "$STATE_DIR/$RUNTIME_NAME/c1" ]
  retry 20 0.1 test ! -d "/proc/$pid"
}

@test "delete: a created container (never started) can be deleted" {
  create_ctr c1
  local pid
  pid=$(ctr_pid c1)
  run -0 berth delete c1
  run berth state c1
  assert_failure
  retry 20 0.1 test ! -d "/proc/$pid"
  [ ! -e "$BUNDLE/rootfs/started" ]
}

@test "create --pid-file: the file holds the pid that state reports" {
  create_ctr c1 --pid-file "$BATS_TEST_TMPDIR/c1.pid"
  assert_status 0
  [ "$(cat "$BATS_TEST_TMPDIR/c1.pid")" = "$(ctr_pid c1)" ]
}

@test "create --pid-file with a relative path is relative to the caller's directory" {
  cd "$BATS_TEST_TMPDIR"
  create_ctr c1 --pid-file rel.pid
  assert_status 0
  [ "$(cat "$BATS_TEST_TMPDIR/rel.pid")" = "$(ctr_pid c1)" ]
}

@test "create: a second container with the same id fails, the first is intact" {
  create_ctr c1
  assert_status 0
  local pid
  pid=$(ctr_pid c1)
  create_ctr c1
  assert_failure
  if is_berth; then assert_contains "$output" "c1"; fi
  run -0 ctr_status c1
  [ "$output" = created ]
  [ "$(ctr_pid c1)" = "$pid" ]
}

@test "start: starting a running container fails" {
  create_ctr c1
  run -0 berth start c1
  wait_log c1 ready
  run berth start c1
  assert_failure
  run -0 ctr_status c1
  [ "$output" = running ]
}

@test "delete: a running container needs --force" {
  create_ctr c1
  run -0 berth start c1
  wait_log c1 ready
  local pid
  pid=$(ctr_pid c1)
  run berth delete c1
  assert_failure
  run -0 ctr_status c1
  [ "$output" = running ]
  run -0 berth delete --force c1
  run berth state c1
  assert_failure
  retry 20 0.1 test ! -d "/proc/$pid"
}

@test "delete -f is the short form of --force" {
  create_ctr c1
  run -0 berth start c1
  wait_log c1 ready
  run -0 berth delete -f c1
  run berth state c1
  assert_failure
}

@test "state, kill, delete and start of an unknown id fail and name it" {
  local cmd
  for cmd in state kill delete start; do
    run berth $cmd no-such-ctr
    assert_failure
    if is_berth; then assert_contains "$output" "no-such-ctr"; fi
    assert_contains "$output" "does not exist"
  done
}

@test "create -b: the short form of --bundle; the default bundle is the cwd" {
  rrun_log c1 berth create -b "$BUNDLE" c1
  assert_status 0
  cd "$BUNDLE"
  rrun_log c2 berth create c2
  assert_status 0
  run -0 berth state c2
  [ "$(jq -r .bundle <<< "$output")" = "$BUNDLE" ]
}
