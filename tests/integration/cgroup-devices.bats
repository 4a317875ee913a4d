#!/usr/bin/env bats
# linux.resources.devices on a pure cgroup v2 host: berth's device program
# (src/runtime/cgroup-ebpf.c) decides what the container may open or mknod.
# Run in the test VM: tests/vm/run-in-vm.sh cgroup-devices.bats
#
# The decision is the kernel's and comes before the driver's: an open that
# the cgroup refuses fails with EPERM (errno 1) whatever the device, one it
# lets through reaches the driver, which may then open (0) or refuse for its
# own reasons (a major with no driver: ENXIO).  So "open errno 1" means
# denied and anything else means allowed.  /dev/kmsg (c 1:11) opens
# write-only for any root process, so it is the device that shows "allowed"
# as a plain 0.

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

# add_node PATH TYPE MAJOR MINOR: a linux.devices entry (berth creates it)
add_node() {
  update_config ".linux.devices += [{\"path\": \"$1\", \"type\": \"$2\", \"major\": $3, \"minor\": $4, \"fileMode\": 438}]"
}

# device_programs DIR: the device programs attached to the cgroup DIR, one
# "ID NAME" a line
device_programs() {
  bpftool cgroup show "$1" | awk '$2 == "cgroup_device" {print $1, $NF}'
}

# run_script ID SCRIPT: run `sh -c SCRIPT` in the container (foreground)
run_script() {
  set_args sh -c "$2"
  rrun berth run --bundle "$BUNDLE" "$1"
}

@test "devices: deny-all (berth spec's rule): the default devices open, others are EPERM; mknod is allowed" {
  # the rule `berth spec` writes, and nothing else
  [ "$(jq -c .linux.resources.devices "$BUNDLE/config.json")" = '[{"allow":false,"access":"rwm"}]' ]
  add_node /dev/kmsg c 1 11
  add_node /dev/xloop b 7 0
  update_config '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
  run_script d1 'for d in null zero full random urandom; do /probe open /dev/$d rw; done
    /probe open /dev/ptmx rw; /probe open /dev/tty w
    /probe open /dev/kmsg w; /probe open /dev/xloop r
    /probe mknod /dev/m42 c 42 0; /probe mknod /dev/mloop b 7 0; /probe mknod /dev/mkmsg c 1 11
    /probe open /dev/m42 r; /probe open /dev/mloop r; /probe open /dev/mkmsg w; true'
  assert_status 0
  [ "${lines[0]}" = "open 0" ] # null
  [ "${lines[1]}" = "open 0" ] # zero
  [ "${lines[2]}" = "open 0" ] # full
  [ "${lines[3]}" = "open 0" ] # random
  [ "${lines[4]}" = "open 0" ] # urandom
  [ "${lines[5]}" = "open 0" ] # ptmx, the container's devpts
  # no controlling terminal: ENXIO from the tty driver, past the cgroup
  [ "${lines[6]}" = "open errno 6" ]
  [ "${lines[7]}" = "open errno 1" ] # kmsg
  [ "${lines[8]}" = "open errno 1" ] # a block device
  # mknod of any char or block node is allowed (runc and crun allow it
  # too, and berth's init makes the linux.devices nodes that way) ...
  [ "${lines[9]}" = "mknod 0" ]
  [ "${lines[10]}" = "mknod 0" ]
  [ "${lines[11]}" = "mknod 0" ]
  # ... but the nodes made do not open
  [ "${lines[12]}" = "open errno 1" ]
  [ "${lines[13]}" = "open errno 1" ]
  [ "${lines[14]}" = "open errno 1" ]
}

@test "devices: a terminal container's /dev/console and /dev/pts work under deny-all" {
  update_config '.process.terminal = true'
  set_args sh -c '/probe open /dev/console rw; /probe open "$(tty)" rw; /probe open /dev/kmsg w; true'
  add_node /dev/kmsg c 1 11
  # berth run with a terminal relays it to ours: script(1) gives it one
  rrun script -qec "$(printf '%q ' "$BERTH" --root "$STATE_DIR/$RUNTIME_NAME" run --bundle "$BUNDLE" t1)" /dev/null
  assert_status 0
  # script(1) may put a ^@ in front of the first line
  [ "$(tr -d '\r' <<< "$output" | grep -c 'open 0$')" = 2 ]
  tr -d '\r' <<< "$output" | grep -q 'open errno 1$'
}

@test "devices: allow rules, the last match wins, per access" {
  add_node /dev/kmsg c 1 11
  add_node /dev/kmsg2 c 1 11
  add_node /dev/n42 c 42 0
  add_node /dev/xloop b 7 0
  update_config '.linux.resources.devices = [
    {"allow": false, "access": "rwm"},
    {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rwm"},
    {"allow": false, "type": "c", "major": 1, "minor": 11, "access": "w"},
    {"allow": true, "type": "c", "major": 42, "access": "w"},
    {"allow": true, "type": "b", "minor": 0, "access": "r"}]'
  run_script d2 '/probe open /dev/kmsg w; /probe open /dev/kmsg2 w
    /probe open /dev/n42 w; /probe open /dev/n42 r
    /probe open /dev/xloop r; /probe open /dev/xloop w; /probe open /dev/xloop rw; true'
  assert_status 0
  [ "${lines[0]}" = "open errno 1" ] # the later deny of w wins over rwm
  [ "${lines[1]}" = "open errno 1" ] # the same device by another name
  [ "${lines[2]}" != "open errno 1" ] # c 42:* w (minor wildcard)
  [ "${lines[3]}" = "open errno 1" ] # ... but not r
  [ "${lines[4]}" != "open errno 1" ] # b *:0 r (major wildcard)
  [ "${lines[5]}" = "open errno 1" ] # ... but not w
  [ "${lines[6]}" = "open errno 1" ] # nor rw
}

@test "devices: a later allow wins over an earlier deny; type a and wildcards" {
  add_node /dev/kmsg c 1 11
  add_node /dev/xloop b 7 0
  update_config '.linux.resources.devices = [
    {"allow": false, "access": "rwm"},
    {"allow": false, "type": "c", "major": 1, "minor": 11, "access": "rwm"},
    {"allow": true, "type": "c", "major": 1, "access": "w"},
    {"allow": true, "type": "a", "major": 7, "minor": 0, "access": "r"}]'
  run_script d3 '/probe open /dev/kmsg w; /probe open /dev/xloop r; /probe open /dev/xloop w; true'
  assert_status 0
  [ "${lines[0]}" = "open 0" ]
  [ "${lines[1]}" != "open errno 1" ]
  # type a with a major and minor: any type, that device, r only (the
  # spec's reading, and crun's); runc's cgroup v1 emulation takes any "a"
  # rule for "a *:* rwm" and lets w through
  if [ "$RUNTIME_NAME" != runc ]; then
    [ "${lines[2]}" = "open errno 1" ]
  fi
}

@test "devices: a bad rule is refused at create, naming it" {
  requires berth # runc 1.1 runs it
  update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rwx"}]'
  rrun berth run --bundle "$BUNDLE" d6
  assert_failure
  # the config check names it first (oci-spec/validate-linux.c); a rule
  # that reaches the cgroup unchecked (update) gets cgroup-ebpf.c's
  # "linux.resources.devices[1].access: 'rwx': 'x' is not one of r, w, m"
  assert_contains "$output" "linux.resources.devices[1].access"
  assert_contains "$output" "rwx"
}

# start_c1: a running container with /dev/kmsg under the deny-all rule;
# sets CG (its cgroup) and PROGS (its device programs)
start_c1() {
  command -v bpftool > /dev/null || fail "bpftool missing (scripts/install-deps.sh installs it)"
  add_node /dev/kmsg c 1 11
  set_args probe signal-wait
  run_detached c1
  assert_status 0
  wait_log c1 ready
  CG=$(ctr_cgroup c1)
  PROGS=$(device_programs "$CG")
  echo "programs: $PROGS"
}

@test "devices: one program on the container's cgroup, and exec is held to it" {
  start_c1
  [ "$(wc -l <<< "$PROGS")" = 1 ]
  ! is_berth || [[ $PROGS == *" berth_devices" ]]
  rrun berth exec c1 /probe open /dev/kmsg w
  [ "$output" = "open errno 1" ]
  rrun berth exec c1 /probe open /dev/null w
  [ "$output" = "open 0" ]
}

@test "devices: update --resources with device rules replaces the program" {
  requires berth # runc 1.1's update leaves devices alone
  start_c1
  echo '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]}' \
    > "$BATS_TEST_TMPDIR/res.json"
  rrun berth update --resources "$BATS_TEST_TMPDIR/res.json" c1
  assert_status 0
  rrun berth exec c1 /probe open /dev/kmsg w
  [ "$output" = "open 0" ]
  local after
  after=$(device_programs "$CG")
  echo "after: $after"
  [ "$(wc -l <<< "$after")" = 1 ]
  [ "$after" != "$PROGS" ]
  # the same update again still leaves one program
  rrun berth update --resources "$BATS_TEST_TMPDIR/res.json" c1
  assert_status 0
  after=$(device_programs "$CG")
  [ "$(wc -l <<< "$after")" = 1 ]
  # a bad rule is refused, naming it, and the program stays
  echo '{"devices": [{"allow": true, "access": "rwx"}]}' > "$BATS_TEST_TMPDIR/bad.json"
  rrun berth update --resources "$BATS_TEST_TMPDIR/bad.json" c1
  assert_failure
  assert_contains "$output" "devices[0].access"
  assert_contains "$output" "rwx"
  rrun berth exec c1 /probe open /dev/kmsg w
  [ "$output" = "open 0" ]
  [ "$(device_programs "$CG")" = "$after" ]
}
