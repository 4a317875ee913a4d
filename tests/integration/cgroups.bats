#!/usr/bin/env bats
# linux.resources on a pure cgroup v2 host: the limits land in the
# container's cgroup and the kernel enforces them.  This host is hybrid, so
# these run in the test VM: make check-vm VM_BATS=cgroups.bats

load helpers

setup() {
  requires root cgroup2
  berth_setup
  make_bundle
}

# ctr_cgroup ID: the container's cgroup v2 directory, from its init's
# /proc/PID/cgroup as the host sees it
ctr_cgroup() {
  local pid
  pid=$(ctr_pid "$1")
  echo "/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")"
}

# start_limited ID JQ: a running container with the resources of JQ
start_limited() {
  update_config ".linux.resources += $2"
  set_args probe signal-wait
  run_detached "$1"
  [ "$status" -eq 0 ]
  wait_log "$1" ready
}

@test "cgroups: the container gets a cgroup of its own, removed by delete" {
  start_limited c1 '{}'
  local cg
  cg=$(ctr_cgroup c1)
  [ "$cg" != /sys/fs/cgroup/ ]
  [ -d "$cg" ]
  grep -qx "$(ctr_pid c1)" "$cg/cgroup.procs"
  run -0 berth delete -f c1
  retry 50 0.1 test ! -d "$cg"
}

@test "cgroups: memory.max and memory.swap.max from resources.memory" {
  start_limited c1 '{"memory": {"limit": 33554432, "swap": 33554432}}'
  local cg
  cg=$(ctr_cgroup c1)
  [ "$(cat "$cg/memory.max")" = 33554432 ]
  # OCI swap is memory+swap; cgroup v2's is swap alone
  [ "$(cat "$cg/memory.swap.max")" = 0 ]
}

@test "cgroups: exceeding memory.max gets the process OOM-killed" {
  update_config '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
  set_args sh -c 'head -c 64m /dev/zero | tail > /dev/null; echo "status $?"'
  rrun berth run --bundle "$BUNDLE" oom
  assert_status 0
  grep -qx 'status 137' <<< "$output"
}

@test "cgroups: pids.max from resources.pids" {
  start_limited c1 '{"pids": {"limit": 42}}'
  [ "$(cat "$(ctr_cgroup c1)/pids.max")" = 42 ]
}

@test "cgroups: pids.max stops a fork bomb" {
  update_config '.linux.resources.pids = {"limit": 5}'
  set_args sh -c 'for i in 1 2 3 4 5 6 7 8; do /probe sleep 2 & done; wait; echo done'
  rrun berth run --bundle "$BUNDLE" forks
  assert_contains "$output" "can't fork"
}

@test "cgroups: cpu.max from resources.cpu quota and period" {
  start_limited c1 '{"cpu": {"quota": 50000, "period": 100000}}'
  [ "$(cat "$(ctr_cgroup c1)/cpu.max")" = "50000 100000" ]
}

@test "cgroups: resources.unified writes cgroup v2 files directly" {
  start_limited c1 '{"unified": {"memory.high": "50000000", "pids.max": "42"}}'
  local cg
  cg=$(ctr_cgroup c1)
  [ "$(cat "$cg/memory.high")" = 49999872 ] || [ "$(cat "$cg/memory.high")" = 50000000 ]
  [ "$(cat "$cg/pids.max")" = 42 ]
}
