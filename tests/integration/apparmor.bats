#!/usr/bin/env bats
# AppArmor confinement observed from inside the container: process.apparmorProfile
# and `exec --apparmor`.  Needs AppArmor on and apparmor_parser: the test VM
# has both (tests/vm: `make check` runs this file there); a host without
# AppArmor skips, the VM fails (see requires in helpers.bash).  The refusals
# on a host without AppArmor are in lsm.bats.

load helpers

# A profile that allows everything but /secret*, and one that allows all.
DENY=berth-test-deny
ALLOW=berth-test-allow

setup() {
  berth_setup
  requires apparmor
  load_profiles
  make_bundle
  echo "top secret" > "$BUNDLE/rootfs/secret"
  echo "public" > "$BUNDLE/rootfs/public"
}

teardown_file() {
  local p
  # leave no test profile loaded on a real host (the VM is thrown away)
  for p in $DENY $ALLOW; do
    printf '%s' "$p" > /sys/kernel/security/apparmor/.remove 2> /dev/null || true
  done
}

# Load (replace) both test profiles once per bats run.
load_profiles() {
  local f=$BATS_RUN_TMPDIR/berth-test.apparmor
  grep -q "^$DENY (enforce)" /sys/kernel/security/apparmor/profiles &&
    grep -q "^$ALLOW (enforce)" /sys/kernel/security/apparmor/profiles && return 0
  cat > "$f" <<EOF
profile $DENY flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  network,
  signal,
  ptrace,
  unix,
  mount,
  umount,
  pivot_root,
  deny /secret* rwklx,
}
profile $ALLOW flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  network,
  signal,
  ptrace,
  unix,
  mount,
  umount,
  pivot_root,
}
EOF
  apparmor_parser -r "$f" || fail "apparmor_parser could not load $f"
}

@test "apparmor: process.apparmorProfile confines the container's process" {
  update_config ".process.apparmorProfile = \"$DENY\""
  set_args sh -c 'cat /proc/self/attr/current; cat /public; cat /secret; echo "cat secret: $?"; echo x > /secret-new; echo "write: $?"'
  rrun berth run --bundle "$BUNDLE" aa-run
  assert_status 0
  assert_contains "$output" "$DENY (enforce)"
  assert_contains "$output" "public"
  ! grep -q "top secret" <<< "$output"
  assert_contains "$output" "can't open '/secret': Permission denied"
  assert_contains "$output" "cat secret: 1"
  assert_contains "$output" "write: 1"
  [ ! -e "$BUNDLE/rootfs/secret-new" ]
}

@test "apparmor: without apparmorProfile the process is unconfined" {
  set_args sh -c 'cat /proc/self/attr/current; cat /secret'
  rrun berth run --bundle "$BUNDLE" aa-none
  assert_status 0
  assert_contains "$output" "unconfined"
  assert_contains "$output" "top secret"
}

@test "apparmor: the profile applies where securityfs is not mounted (podman --uidmap runs berth so)" {
  update_config ".process.apparmorProfile = \"$DENY\""
  set_args sh -c 'cat /proc/self/attr/current; cat /secret'
  # podman's mount namespace for a container with a user namespace has no
  # /sys/kernel/security: the module's parameter still says AppArmor is on
  rrun unshare -m sh -c 'umount -l /sys/kernel/security && exec "$@"' sh \
    "$BERTH" --root "$STATE_DIR/berth" run --bundle "$BUNDLE" aa-nosecfs
  assert_status 1
  assert_contains "$output" "$DENY (enforce)"
  assert_contains "$output" "can't open '/secret': Permission denied"
}

@test "apparmor: exec gets the container's profile, exec --apparmor the one given" {
  update_config ".process.apparmorProfile = \"$DENY\""
  set_args probe signal-wait
  run_detached aa-exec
  wait_log aa-exec ready
  # the container's init, seen from outside
  [ "$(tr -d '\0' < "/proc/$(ctr_pid aa-exec)/attr/current")" = "$DENY (enforce)" ]

  # as runc: an exec without --apparmor runs under process.apparmorProfile
  rrun berth exec aa-exec cat /proc/self/attr/current
  assert_status 0
  assert_contains "$output" "$DENY (enforce)"
  rrun berth exec aa-exec cat /secret
  assert_failure
  assert_contains "$output" "Permission denied"

  rrun berth exec --apparmor "$ALLOW" aa-exec sh -c 'cat /proc/self/attr/current; cat /secret'
  assert_status 0
  assert_contains "$output" "$ALLOW (enforce)"
  assert_contains "$output" "top secret"

  rrun berth exec --apparmor unconfined aa-exec cat /proc/self/attr/current
  assert_status 0
  assert_contains "$output" "unconfined"
  [ "$(ctr_status aa-exec)" = running ]
}

@test "apparmor: a profile that is not loaded is a clear error" {
  update_config '.process.apparmorProfile = "berth-test-not-loaded"'
  create_ctr aa-missing
  assert_failure
  # (runc says only "write /proc/self/attr/apparmor/exec: no such file or directory")
  ! is_berth || assert_contains "$output" "apparmor profile 'berth-test-not-loaded' is not loaded"
  run berth state aa-missing
  assert_failure

  update_config ".process.apparmorProfile = \"$DENY\""
  set_args probe signal-wait
  run_detached aa-missing2
  wait_log aa-missing2 ready
  rrun berth exec --apparmor berth-test-not-loaded aa-missing2 /probe pid
  assert_failure
  ! is_berth || assert_contains "$output" "apparmor profile 'berth-test-not-loaded' is not loaded"
  [ "$(ctr_status aa-missing2)" = running ]
}

@test "apparmor: a directory bound over /proc does not swallow the profile (CVE-2019-16884)" {
  # The image's own "/proc", bound over the real one: a runtime that writes
  # "exec PROFILE" to whatever attr file it finds starts the process unconfined.
  mkdir -p "$BUNDLE"/fakeproc/{self,thread-self}/attr/apparmor
  for f in self/attr/exec thread-self/attr/exec self/attr/apparmor/exec thread-self/attr/apparmor/exec; do
    : > "$BUNDLE/fakeproc/$f"
  done
  update_config ".process.apparmorProfile = \"$DENY\"
    | .mounts += [{\"destination\": \"/proc\", \"type\": \"bind\", \"source\": \"$BUNDLE/fakeproc\", \"options\": [\"rbind\"]}]"
  set_args probe signal-wait
  run_detached aa-cve
  if [ "$status" = 0 ]; then
    wait_log aa-cve ready || true
    fail "started with profile '$(tr -d '\0' < "/proc/$(ctr_pid aa-cve)/attr/current")'"
  fi
  ! is_berth || assert_contains "$output" "apply apparmor profile '$DENY'"
  [ -z "$(cat "$BUNDLE"/fakeproc/*/attr/exec "$BUNDLE"/fakeproc/*/attr/apparmor/exec)" ]
}
