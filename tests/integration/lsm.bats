#!/usr/bin/env bats
# LSM labels: process.apparmorProfile (exec --apparmor), process.selinuxLabel
# (exec --process-label) and linux.mountLabel.  A label the host cannot
# apply is refused before anything is created, never silently dropped --
# except mountLabel on a host without SELinux, which crun ignores too.

load helpers

setup() {
  berth_setup
  make_bundle
}

apparmor_on() {
  [ -e /sys/kernel/security/apparmor ] && [ "$(cat /sys/module/apparmor/parameters/enabled 2> /dev/null)" = Y ]
}

selinux_on() {
  grep -qw selinuxfs /proc/mounts && [ -e /sys/fs/selinux/enforce ]
}

@test "lsm: features says berth implements AppArmor and SELinux, whatever the host has" {
  requires berth
  # features-linux.md: "irrelevant to the availability ... on the host"
  run berth features
  assert_status 0
  jq -e '.linux.apparmor.enabled == true' <<< "$output"
  # false only in a --disable-selinux build
  if grep -q '^#define HAVE_SELINUX 1' "$BUILD_DIR/config.h" 2> /dev/null; then want=true; else want=false; fi
  jq -e ".linux.selinux.enabled == $want" <<< "$output"
}

@test "lsm: an AppArmor profile on a host without AppArmor is refused by name" {
  requires berth
  ! apparmor_on || skip "AppArmor is enabled on this host"
  update_config '.process.apparmorProfile = "berth-test-profile"'
  create_ctr aa1
  assert_failure
  assert_contains "$output" ".process.apparmorProfile"
  assert_contains "$output" "apparmor profile 'berth-test-profile' requested but AppArmor is not enabled on this host"
  run berth state aa1
  assert_failure
  [ -z "$(ls "$STATE_DIR/berth")" ]
}

@test "lsm: exec --apparmor on a host without AppArmor is refused, the container keeps running" {
  requires berth
  ! apparmor_on || skip "AppArmor is enabled on this host"
  set_args probe signal-wait
  run_detached aa2
  wait_log aa2 ready
  rrun berth exec --apparmor berth-test-profile aa2 /probe pid
  assert_failure
  assert_contains "$output" "exec --apparmor: apparmor profile 'berth-test-profile' requested but AppArmor is not enabled"
  [ "$(ctr_status aa2)" = running ]
}

@test "lsm: an AppArmor profile is applied at exec when AppArmor is enabled" {
  apparmor_on || skip "AppArmor is not enabled on this host"
  update_config '.process.apparmorProfile = "unconfined"'
  run_probe -- cat /proc/self/attr/current
  assert_status 0
  assert_contains "$output" "unconfined"
}

@test "lsm: a SELinux process label on a host without SELinux is refused (as runc)" {
  ! selinux_on || skip "SELinux is enabled on this host"
  update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
  create_ctr se1
  assert_failure
  assert_contains "$output" "selinux"
  ! is_berth || assert_contains "$output" ".process.selinuxLabel"
  ! is_berth || assert_contains "$output" "SELinux is disabled or not supported on this host"
  run berth state se1
  assert_failure
}

@test "lsm: exec --process-label on a host without SELinux is refused" {
  ! selinux_on || skip "SELinux is enabled on this host"
  set_args probe signal-wait
  run_detached se2
  wait_log se2 ready
  rrun berth exec --process-label system_u:system_r:container_t:s0 se2 /probe pid
  assert_failure
  assert_contains "$output" "selinux"
  [ "$(ctr_status se2)" = running ]
}

@test "lsm: a mountLabel on a host without SELinux is ignored, as crun does" {
  ! selinux_on || skip "SELinux is enabled on this host"
  # runc passes context= anyway and its /dev mount fails with EINVAL
  [ "$RUNTIME_NAME" != runc ] || skip "runc does not ignore mountLabel without SELinux"
  update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
  run_probe -- mounts
  assert_status 0
  grep -q '^/dev/shm ' <<< "$output"
  ! grep -q 'context=' <<< "$output"
}
