#!/usr/bin/env bats
# SELinux labels observed from inside the container: process.selinuxLabel,
# `exec --process-label` and linux.mountLabel.  Needs SELinux on with a
# policy loaded, permissive: `make check` runs this file in a second test-VM
# boot with security=selinux (VM_SELINUX_BATS in tests/Makefile.inc), where
# the host's Debian policy (selinux-policy-default) is loaded below.  A host
# without SELinux skips, the VM fails (see requires in helpers.bash).  The
# refusals on a host without SELinux are in lsm.bats.

load helpers

# Types of Debian's refpolicy (sVirt's, as for a libvirt guest), with MCS
# categories as a container engine would pick them.
LABEL=system_u:system_r:svirt_t:s0:c1,c2
LABEL2=system_u:system_r:svirt_t:s0:c3,c4
MOUNT_LABEL=system_u:object_r:svirt_image_t:s0:c1,c2

setup_file() {
  # The test VM boots with SELinux on but nothing loads a policy: load the
  # host's (the VM is thrown away; a real host is never touched).
  if [ "${container:-}" = vmrun ] && [ -e /sys/fs/selinux/load ] &&
    [ "$(tr -d '\0' < /proc/self/attr/current)" = kernel ]; then
    load_policy
    [ "$(cat /sys/fs/selinux/enforce)" = 0 ] || echo 0 > /sys/fs/selinux/enforce
  fi
}

setup() {
  berth_setup
  requires selinux
  make_bundle
}

@test "selinux: process.selinuxLabel is the container process's label" {
  update_config ".process.selinuxLabel = \"$LABEL\""
  # what the process sees inside (its label, its session keyring's label,
  # which runc sets too), then the same process seen from outside
  set_args sh -c 'echo "process: $(tr -d "\\0" < /proc/self/attr/current)"; /probe keyring; exec /probe signal-wait'
  run_detached se-run
  wait_log se-run ready
  log=$(cat "$BATS_TEST_TMPDIR/se-run.log")
  grep -qxF "process: $LABEL" <<< "$log" || fail "inside: $log"
  grep -qxF "label: $LABEL" <<< "$log" || fail "the session keyring is not labelled $LABEL: $log"
  grep -q "^keyring;.*;se-run$" <<< "$log"
  [ "$(tr -d '\0' < "/proc/$(ctr_pid se-run)/attr/current")" = "$LABEL" ]
  # the runtime's own label is not the container's
  [ "$(tr -d '\0' < /proc/self/attr/current)" != "$LABEL" ]
}

@test "selinux: exec gets the container's label, exec --process-label the one given" {
  update_config ".process.selinuxLabel = \"$LABEL\""
  set_args probe signal-wait
  run_detached se-exec
  wait_log se-exec ready
  rrun berth exec se-exec cat /proc/self/attr/current
  assert_status 0
  [ "$(tr -d '\0' <<< "$output")" = "$LABEL" ]
  rrun berth exec --process-label "$LABEL2" se-exec cat /proc/self/attr/current
  assert_status 0
  [ "$(tr -d '\0' <<< "$output")" = "$LABEL2" ]
}

@test "selinux: linux.mountLabel labels the container's new file systems (as runc)" {
  update_config ".linux.mountLabel = \"$MOUNT_LABEL\" | .linux.maskedPaths += [\"/sys/firmware\"]"
  set_args probe signal-wait
  run_detached se-mnt
  wait_log se-mnt ready
  pid=$(ctr_pid se-mnt)
  # "MOUNTPOINT SUPER_OPTIONS" of every mount in the container
  rrun berth exec se-mnt cat /proc/self/mountinfo
  assert_status 0
  output=$(awk '{ print $5, $NF }' <<< "$output")
  # tmpfs (/dev, /dev/shm, a masked directory) and devpts: context=
  for m in /dev /dev/shm /dev/pts /sys/firmware; do
    grep "^$m " <<< "$output" | grep -qF "context=\"$MOUNT_LABEL\"" || fail "$m has no context=$MOUNT_LABEL"
  done
  # and what the kernel says of the files in them
  [ "$(stat -c %C "/proc/$pid/root/dev/shm")" = "$MOUNT_LABEL" ]
  [ "$(stat -c %C "/proc/$pid/root/dev/pts/ptmx")" = "$MOUNT_LABEL" ]
  # mqueue takes no context= option: its root is relabelled (runc's SetFileLabel)
  ! grep "^/dev/mqueue " <<< "$output" | grep -q "context="
  [ "$(stat -c %C "/proc/$pid/root/dev/mqueue")" = "$MOUNT_LABEL" ]
  # proc, sysfs and cgroup keep their own labels
  for m in /proc /sys /sys/fs/cgroup; do
    ! grep "^$m " <<< "$output" | grep -q "context=" || fail "$m was given a context"
  done
}

@test "selinux: a label the policy does not know is a clear error" {
  update_config '.process.selinuxLabel = "system_u:system_r:berth_no_such_t:s0"'
  create_ctr se-bad
  assert_failure
  # (runc says only "write /proc/self/attr/keycreate: invalid argument")
  ! is_berth || assert_contains "$output" \
    "config.json: .process.selinuxLabel: 'system_u:system_r:berth_no_such_t:s0' is not a valid SELinux context"
  run berth state se-bad
  assert_failure

  update_config 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:berth_no_such_t:s0"'
  create_ctr se-bad2
  assert_failure
  ! is_berth || assert_contains "$output" \
    "config.json: .linux.mountLabel: 'system_u:object_r:berth_no_such_t:s0' is not a valid SELinux context"

  update_config 'del(.linux.mountLabel)'
  set_args probe signal-wait
  run_detached se-bad3
  wait_log se-bad3 ready
  rrun berth exec --process-label system_u:system_r:berth_no_such_t:s0 se-bad3 /probe pid
  assert_failure
  ! is_berth || assert_contains "$output" \
    "exec --process-label: 'system_u:system_r:berth_no_such_t:s0' is not a valid SELinux context"
  [ "$(ctr_status se-bad3)" = running ]
}

@test "selinux: a directory bound over /proc does not swallow the process label (CVE-2019-16884)" {
  # The image's own "/proc", bound over the real one after it is mounted:
  # a runtime that writes the label to whatever /proc/thread-self/attr/exec
  # it finds fills a plain file and starts the process with its own label.
  mkdir -p "$BUNDLE"/fakeproc/{self,thread-self}/attr
  : > "$BUNDLE/fakeproc/self/attr/exec"
  : > "$BUNDLE/fakeproc/thread-self/attr/exec"
  update_config ".process.selinuxLabel = \"$LABEL\"
    | .mounts += [{\"destination\": \"/proc\", \"type\": \"bind\", \"source\": \"$BUNDLE/fakeproc\", \"options\": [\"rbind\"]}]"
  set_args probe signal-wait
  run_detached se-cve
  if [ "$status" = 0 ]; then
    wait_log se-cve ready || true
    fail "started with label '$(tr -d '\0' < "/proc/$(ctr_pid se-cve)/attr/current")'; fake attr/exec: '$(cat "$BUNDLE/fakeproc/thread-self/attr/exec")'"
  fi
  ! is_berth || assert_contains "$output" "set selinux process label '$LABEL'"
  ! is_berth || assert_contains "$output" "procfs"
  [ ! -s "$BUNDLE/fakeproc/thread-self/attr/exec" ]
}
