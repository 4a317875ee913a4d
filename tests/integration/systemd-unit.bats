#!/usr/bin/env bats
# contrib/systemd/berth@.service for real: systemd as PID 1 on a cgroup v2
# host, i.e. the test VM booted with systemd (VM_SYSTEMD_BATS in
# tests/Makefile.inc; by hand: VM_SYSTEMD=1 tests/vm/run-in-vm.sh
# systemd-unit.bats).  The template is installed under /run/systemd/system
# (a name of the test's own, berth replaced by the runtime under test) and
# runs bundles in /var/lib/berth/bundles/NAME, as shipped.  Elsewhere the
# tests skip.

load helpers

UNIT_T=berthtest

setup_file() {
  [ "$(id -u)" = 0 ] && [ -d /run/systemd/system ] && [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || return 0
  # No daemon-reload (~3 s in the emulated VM, each): systemd reads a unit
  # file it does not know yet, and an instance's drop-ins, on first use.
  sed "s,/usr/bin/berth,$BERTH,g" "$TOP_DIR/contrib/systemd/berth@.service" > "/run/systemd/system/$UNIT_T@.service"
  # The test VM starts vmrun.target alone, without sysinit.target and
  # basic.target: with the default dependencies the first start would boot
  # the rest of the system (udev, journald, tmpfiles ...) in the emulator.
  mkdir -p "/run/systemd/system/$UNIT_T@.service.d"
  printf '[Unit]\nDefaultDependencies=no\n' > "/run/systemd/system/$UNIT_T@.service.d/test.conf"
}

# The stopped instances are unloaded by systemd (garbage collection), and
# nothing else refers to the template.
teardown_file() {
  rm -rf "/run/systemd/system/$UNIT_T@.service" "/run/systemd/system/$UNIT_T@.service.d"
}

setup() {
  requires root cgroup2
  [ -d /run/systemd/system ] ||
    skip "needs systemd as PID 1 (run in the VM: VM_SYSTEMD=1 tests/vm/run-in-vm.sh systemd-unit.bats)"
  berth_setup
  NAME=c$$-$RANDOM
  UNIT=$UNIT_T@$NAME.service
  BUNDLES=/var/lib/berth/bundles
  [ -d /var/lib/berth ] || MADE_LIB=1
  make_bundle "$BUNDLES/$NAME"
  set_args probe signal-wait
}

teardown() {
  local rc=0 left=
  [ -n "${UNIT:-}" ] || return 0
  case $(unit_prop ActiveState) in
    inactive) ;;
    failed) systemctl reset-failed "$UNIT" || true ;;
    *)
      systemctl stop "$UNIT" || true
      systemctl reset-failed "$UNIT" 2> /dev/null || true
      left+=" unit $UNIT"
      ;;
  esac
  rm -rf "/run/systemd/system/$UNIT.d"
  if [ -d "/run/berth/$NAME" ]; then
    "$BERTH" delete --force "$NAME" || true
    left+=" state /run/berth/$NAME"
  fi
  rm -rf "${BUNDLES:?}/$NAME"
  [ -z "${MADE_LIB:-}" ] || rm -rf /var/lib/berth
  berth_teardown || rc=$?
  [ -z "$left" ] || fail "teardown: left behind:$left"
  return "$rc"
}

# sd_state ID: the status `berth state` reports with the unit's (default) root
sd_state() {
  "$BERTH" state "$1" 2> /dev/null | jq -r .status
}

sd_pid() {
  "$BERTH" state "$1" | jq -r .pid
}

is_running() {
  [ "$(sd_state "$1")" = running ]
}

# wait_running ID: up to 60 s (the emulated VM is slow)
wait_running() {
  retry 300 0.2 is_running "$1"
}

restarted_once() {
  [ "$(unit_prop NRestarts)" = 1 ]
}

# unit_prop PROPERTY: the unit's property value
unit_prop() {
  systemctl show -P "$1" "$UNIT"
}

# proc_cgroup PID: its cgroup v2 path
proc_cgroup() {
  awk -F: '$1 == "0" {print $3}' "/proc/$1/cgroup"
}

@test "systemd-unit: start runs the bundle in the unit's cgroup, a crash restarts it, stop deletes it" {
  local pid pid2 ucg
  run -0 systemctl start "$UNIT"
  wait_running "$NAME"
  ucg=$(unit_prop ControlGroup)
  pid=$(sd_pid "$NAME")
  # the container's own cgroup (its relative cgroupsPath) inside the unit,
  # next to the leaf of berth run, the main process
  [ "$(proc_cgroup "$pid")" = "$ucg/$(tail -1 "$BATS_TEST_TMPDIR/cgroups")" ]
  [ "$(proc_cgroup "$(unit_prop MainPID)")" = "$ucg/supervisor" ]

  # a crash: berth run exits 137, RestartSec=2s, a new container, same name
  kill -KILL "$pid"
  retry 300 0.2 restarted_once
  wait_running "$NAME"
  pid2=$(sd_pid "$NAME")
  [ "$pid2" != "$pid" ]
  [ "$(proc_cgroup "$pid2")" = "$ucg/$(tail -1 "$BATS_TEST_TMPDIR/cgroups")" ]

  run -0 systemctl stop "$UNIT"
  # signal-wait exits 0 on SIGTERM: a clean stop, not a failure
  run -0 systemctl show -p ActiveState -p Result "$UNIT"
  assert_contains "$output" "ActiveState=inactive"
  assert_contains "$output" "Result=success"
  run "$BERTH" state "$NAME"
  assert_failure
  [ ! -e "/run/berth/$NAME" ]
  [ ! -e "/proc/$pid2" ] || [ "$(cat "/proc/$pid2/comm" 2> /dev/null)" != probe ]
  [ ! -d "/sys/fs/cgroup$ucg" ]
}

@test "systemd-unit: Type=notify: start returns once the container sent READY=1, MAINPID is its init" {
  local pid
  # the drop-in the unit's comment names
  mkdir -p "/run/systemd/system/$UNIT.d"
  printf '[Service]\nType=notify\nNotifyAccess=all\n' > "/run/systemd/system/$UNIT.d/notify.conf"
  set_args sh -c 'sleep 1; /probe notify "STATUS=up
READY=1" && exec /probe signal-wait'
  run -0 systemctl start "$UNIT"
  # no polling: systemctl start waited for READY=1
  pid=$(sd_pid "$NAME")
  run -0 systemctl show -p ActiveState -p StatusText -p MainPID "$UNIT"
  assert_contains "$output" "ActiveState=active"
  assert_contains "$output" "StatusText=up"
  assert_contains "$output" "MainPID=$pid"
  [ "$(sd_state "$NAME")" = running ]
  run -0 systemctl stop "$UNIT"
  [ ! -e "/run/berth/$NAME" ]
  [ "$(unit_prop ActiveState)" = inactive ]
}
