#!/usr/bin/env bats
# A rootless berth on a pure cgroup v2 host: no cgroup where it may not
# make one (and then an error only when limits are asked for), its
# container's cgroup inside a subtree delegated to the user (runc's relative
# cgroupsPath: below the parent of the caller's cgroup).  In the test VM
# under `make check` (VM_CHECK_BATS).

load helpers

setup_file() {
  rootless_user_setup
}

setup() {
  requires cgroup2 berth
  berth_setup
  requires_rootless
  rootless_setup
  make_user_bundle
  CG_NAME=cgc-rl-$$-$RANDOM
  echo "$CG_NAME" >> "$BATS_TEST_TMPDIR/cgroups"
  update_config ".linux.cgroupsPath = \"$CG_NAME\""
}

teardown() {
  rootless_teardown
}

@test "cgroup-rootless: where the user may not make a cgroup the container runs without one, unless it asks for limits" {
  set_args probe cat /proc/self/cgroup
  rrun as_user "$BERTH" run --bundle "$BUNDLE" r1
  assert_status 0
  grep -q '^0::' <<< "$output"
  [ ! -e "/sys/fs/cgroup/$CG_NAME" ]
  update_config '.linux.resources.pids = {"limit": 10}'
  rrun as_user "$BERTH" run --bundle "$BUNDLE" r2
  assert_status 1
  assert_contains "$output" "create cgroup '/$CG_NAME': Permission denied"
  [ ! -e "/sys/fs/cgroup/$CG_NAME" ]
}

@test "cgroup-rootless: in a delegated subtree the container's cgroup goes next to the caller's, with its limits" {
  local d=/sys/fs/cgroup/$CG_NAME-deleg
  echo "$CG_NAME-deleg" >> "$BATS_TEST_TMPDIR/cgroups"
  # delegation as the kernel documents it: the directory and its
  # cgroup.procs, cgroup.threads, cgroup.subtree_control; the user's
  # shell in a leaf of it
  mkdir -p "$d/shell"
  chown "$ROOTLESS_UID:$ROOTLESS_GID" "$d" "$d"/cgroup.{procs,threads,subtree_control} \
    "$d/shell" "$d/shell"/cgroup.{procs,threads,subtree_control}
  in_shell() { sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$d/shell" "$@"; }
  update_config '.linux.resources.pids = {"limit": 10}'
  set_args probe signal-wait
  rrun_log r3 in_shell runuser -u "$ROOTLESS_USER" -- env XDG_RUNTIME_DIR="$ROOTLESS_XDG" \
    "$BERTH" run -d --bundle "$BUNDLE" r3
  assert_status 0
  wait_log r3 ready
  local pid
  pid=$(berth_user state r3 | jq -r .pid)
  [ "$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")" = "/$CG_NAME-deleg/$CG_NAME" ]
  [ "$(cat "$d/$CG_NAME/pids.max")" = 10 ]
  [ "$(stat -c %u "$d/$CG_NAME")" = "$ROOTLESS_UID" ]
  run -0 berth_user delete -f r3
  [ ! -d "$d/$CG_NAME" ]
  rmdir "$d/shell" "$d"
}
