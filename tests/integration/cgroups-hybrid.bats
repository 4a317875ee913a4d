#!/usr/bin/env bats
# A host whose /sys/fs/cgroup is not the cgroup v2 hierarchy (these build
# machines are hybrid): containers still run, without a cgroup of their
# own; limits they ask for are an error naming every one of them, or a
# warning with --cgroup-manager=disabled.

load helpers

setup() {
  requires root berth
  [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] ||
    skip "checks a hybrid or cgroup v1 host (this one is pure cgroup v2: see cgroup-core.bats)"
  berth_setup
  make_bundle
}

LIMITS='{"memory": {"limit": 33554432}, "pids": {"limit": 10}, "unified": {"cpu.weight": "50"}}'

@test "cgroups-hybrid: requested limits are refused, each named, with the reason and the way out" {
  update_config ".linux.resources += $LIMITS"
  rrun berth run --bundle "$BUNDLE" h1
  assert_status 1
  assert_contains "$output" ".linux.resources.memory, .linux.resources.pids, .linux.resources.unified cannot be applied"
  assert_contains "$output" "/sys/fs/cgroup is not a cgroup v2 hierarchy (hybrid host)"
  assert_contains "$output" "--cgroup-manager=disabled"
  # refused before anything ran: no state, no process
  [ -z "$(ls "$STATE_DIR/berth" 2> /dev/null)" ]
  ! grep -q probe <<< "$output"
}

@test "cgroups-hybrid: --cgroup-manager=disabled warns about each limit and runs the container" {
  update_config ".linux.resources += $LIMITS"
  set_args probe cat /proc/self/cgroup
  rrun berth --cgroup-manager=disabled run --bundle "$BUNDLE" h2
  assert_status 0
  assert_contains "$output" ".linux.resources.memory, .linux.resources.pids, .linux.resources.unified not applied: cgroups are disabled"
  # the process ran (it printed its cgroups) and is gone with its state
  grep -q '^0::' <<< "$output"
  [ -z "$(ls "$STATE_DIR/berth" 2> /dev/null)" ]
}

@test "cgroups-hybrid: without limits a container runs in berth's own cgroups, recorded as none" {
  set_args probe signal-wait
  run_detached h3
  assert_status 0
  wait_log h3 ready
  ! grep -q "not applied\|not enforced" "$BATS_TEST_TMPDIR/h3.log"
  [ "$(jq -r .cgroup_path "$STATE_DIR/berth/h3/state.json")" = "" ]
  [ "$(awk -F: '$1 == "0" {print $3}' "/proc/$(ctr_pid h3)/cgroup")" = "$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)" ]
  run -0 berth delete -f h3
}

@test "cgroups-hybrid: device rules not enforced: a warning only when the container has CAP_MKNOD" {
  set_args probe pid
  update_config '.linux.resources = {"devices": [{"allow": false, "access": "rwm"}]}'
  rrun berth run --bundle "$BUNDLE" h4
  assert_status 0
  ! grep -q "not enforced" <<< "$output"
  update_config '.process.capabilities.bounding += ["CAP_MKNOD"]'
  rrun berth run --bundle "$BUNDLE" h5
  assert_status 0
  assert_contains "$output" ".linux.resources.devices not enforced"
  assert_contains "$output" "CAP_MKNOD"
}
