#!/usr/bin/env bats
# --systemd-cgroup / --cgroup-manager=systemd: every container in a
# transient scope that systemd creates over D-Bus (cgroupsPath
# "slice:prefix:name").  Most tests need systemd as PID 1 on a cgroup v2
# host: the test VM booted with systemd (tests/vm/vm-run --systemd;
# make check-vm-systemd).  Elsewhere only the error tests run.  The
# driver's own tests (D-Bus without dbus-daemon, the holder, properties
# across daemon-reload) are in tests/unit/test-cgroup-systemd, live when
# run as root under systemd: tests/vm/vm-run --systemd -- tests/unit/test-cgroup-systemd

load helpers

setup() {
  requires root
  berth_setup
  make_bundle
  # the unique name make_bundle chose, for the scopes' names
  SD_NAME=$(tail -1 "$BATS_TEST_TMPDIR/cgroups")
}

teardown() {
  local u leftover= rc=0
  berth_teardown || rc=$?
  if [ -d /run/systemd/system ]; then
    # a scope of this test still loaded is a leak: stop it, then fail
    for u in $(systemctl list-units --all --plain --no-legend "*$SD_NAME*.scope" 2> /dev/null | awk '{print $1}'); do
      systemctl stop "$u" || true
      leftover+=" $u"
    done
  fi
  [ -z "$leftover" ] || fail "teardown: left behind: systemd unit(s)$leftover"
  return "$rc"
}

requires_systemd() {
  requires cgroup2
  [ -d /run/systemd/system ] ||
    skip "needs systemd as PID 1 (run in the VM: tests/vm/vm-run --systemd, make check-vm-systemd)"
}

# start_scoped ID CGROUPS_PATH [RESOURCES_JQ]: a running container under
# --systemd-cgroup
start_scoped() {
  update_config ".linux.cgroupsPath = \"$2\" | .linux.resources += ${3:-{\}}"
  set_args probe signal-wait
  rrun_log "$1" berth --systemd-cgroup run -d --bundle "$BUNDLE" "$1"
  [ "$status" -eq 0 ]
  wait_log "$1" ready
}

# ctr_cgroup_rel ID: the container init's cgroup (from /proc/PID/cgroup)
ctr_cgroup_rel() {
  awk -F: '$1 == "0" {print $3}' "/proc/$(ctr_pid "$1")/cgroup"
}

@test "cgroup-systemd: a cgroupsPath that is not slice:prefix:name is refused by name, nothing left" {
  update_config '.linux.cgroupsPath = "system.slice/x:berth:c1"'
  rrun berth --systemd-cgroup run --bundle "$BUNDLE" c1
  assert_failure
  assert_contains "$output" "linux.cgroupsPath 'system.slice/x:berth:c1': 'system.slice/x' is not a systemd slice name"
  update_config '.linux.cgroupsPath = "/berth/c1"'
  rrun berth --cgroup-manager=systemd run --bundle "$BUNDLE" c1
  assert_failure
  assert_contains "$output" "linux.cgroupsPath '/berth/c1': the systemd cgroup manager wants \"slice:prefix:name\""
  run -0 berth list -q
  [ -z "$output" ]
}

@test "cgroup-systemd: without systemd as PID 1 the systemd manager fails clearly, nothing left" {
  [ ! -d /run/systemd/system ] || skip "systemd is PID 1 here"
  update_config ".linux.cgroupsPath = \"system.slice:berth:$SD_NAME\""
  rrun berth --systemd-cgroup run --bundle "$BUNDLE" c1
  assert_failure
  assert_contains "$output" "systemd cgroup manager"
  run -0 berth list -q
  [ -z "$output" ]
}

@test "cgroup-systemd: the init runs in the scope <prefix>-<name>.scope; delete stops it" {
  requires_systemd
  start_scoped c1 "system.slice:berth:$SD_NAME"
  local unit=berth-$SD_NAME.scope
  [ "$(ctr_cgroup_rel c1)" = "/system.slice/$unit" ]
  run -0 systemctl is-active "$unit"
  [ "$output" = active ]
  [ "$(systemctl show -p Delegate --value "$unit")" = yes ]
  [ "$(systemctl show -p Slice --value "$unit")" = system.slice ]
  grep -qx "$(ctr_pid c1)" "/sys/fs/cgroup/system.slice/$unit/cgroup.procs"
  # born in the scope: its cgroup namespace is rooted there, not at berth's cgroup
  [ "$(nsenter -t "$(ctr_pid c1)" -C cat "/proc/$(ctr_pid c1)/cgroup")" = "0::/" ]
  run -0 berth delete -f c1
  run systemctl is-active "$unit"
  [ "$output" = inactive ]
  [ ! -d "/sys/fs/cgroup/system.slice/$unit" ]
}

@test "cgroup-systemd: limits land in the scope's files and survive systemctl daemon-reload" {
  requires_systemd
  start_scoped c1 "system.slice:berth:$SD_NAME" \
    '{"memory": {"limit": 33554432}, "pids": {"limit": 42}, "cpu": {"quota": 33333, "period": 100000}}'
  local cg=/sys/fs/cgroup$(ctr_cgroup_rel c1) unit=berth-$SD_NAME.scope
  [ "$(cat "$cg/memory.max")" = 33554432 ]
  [ "$(cat "$cg/pids.max")" = 42 ]
  [ "$(cat "$cg/cpu.max")" = "33333 100000" ]
  [ "$(systemctl show -p MemoryMax --value "$unit")" = 33554432 ]
  [ "$(systemctl show -p TasksMax --value "$unit")" = 42 ]
  # systemd rewrites every unit's cgroup files from its properties
  systemctl daemon-reload
  [ "$(cat "$cg/memory.max")" = 33554432 ]
  [ "$(cat "$cg/pids.max")" = 42 ]
  # systemd keeps CPUQuota= in whole percent: rounded up, never less
  [ "$(cat "$cg/cpu.max")" = "34000 100000" ]
}

@test "cgroup-systemd: berth update sets the scope's properties too, so daemon-reload keeps the new limits" {
  requires_systemd
  start_scoped c1 "system.slice:berth:$SD_NAME" '{"memory": {"limit": 33554432}, "pids": {"limit": 42}}'
  local cg=/sys/fs/cgroup$(ctr_cgroup_rel c1) unit=berth-$SD_NAME.scope
  run -0 berth update --memory 48m --pids-limit 77 c1
  [ "$(cat "$cg/memory.max")" = 50331648 ]
  [ "$(cat "$cg/pids.max")" = 77 ]
  [ "$(systemctl show -p MemoryMax --value "$unit")" = 50331648 ]
  [ "$(systemctl show -p TasksMax --value "$unit")" = 77 ]
  systemctl daemon-reload
  [ "$(cat "$cg/memory.max")" = 50331648 ]
  [ "$(cat "$cg/pids.max")" = 77 ]
}

@test "cgroup-systemd: a nested slice; empty cgroupsPath is system.slice:berth:<id>" {
  requires_systemd
  start_scoped c1 "machine-berthtest.slice:bt:$SD_NAME"
  [ "$(ctr_cgroup_rel c1)" = "/machine.slice/machine-berthtest.slice/bt-$SD_NAME.scope" ]
  run -0 berth delete -f c1
  local id=sd-$SD_NAME
  start_scoped "$id" ""
  [ "$(ctr_cgroup_rel "$id")" = "/system.slice/berth-$id.scope" ]
  run -0 berth delete -f "$id"
  run systemctl is-active "berth-$id.scope"
  [ "$output" = inactive ]
}
