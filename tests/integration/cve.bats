#!/usr/bin/env bats
# Regression tests for published container-runtime CVEs, one test (or more)
# per CVE, each named after it.  Every test builds the hostile situation
# the CVE used and checks what a user would see: the host file is
# unchanged, the container stays confined, berth fails with a clear error.

load helpers

setup_file() {
  rootless_user_setup
}

setup() {
  berth_setup
  make_bundle
}

teardown() {
  rootless_teardown
}

# user_bundle: a `spec --rootless` bundle owned by the rootless user (sets
# BUNDLE), for the tests that also run unprivileged.
user_bundle() {
  requires_rootless
  rootless_setup
  make_user_bundle "$BATS_TEST_TMPDIR/ubundle"
}

# exe_sha FILE: the sha256 of FILE
exe_sha() {
  sha256sum "$1" | awk '{print $1}'
}

# exe_attack LOG [ENV...]: run the CVE-2019-5736 attacker against a copy of
# berth named berth (create, then an exec with CAP_SYS_PTRACE that holds
# /proc/1/exe and writes into it once the init has exec'd); ENV is put in
# berth's environment.  Fails unless the copy is unchanged afterwards.
exe_attack() {
  local log=$1 copy=$BATS_TEST_TMPDIR/bin/berth before
  shift
  [ $# -eq 0 ] || export "$@"
  mkdir -p "$(dirname "$copy")"
  cp "$BERTH" "$copy"
  before=$(exe_sha "$copy")
  set_args probe sleep 30
  BERTH=$copy create_ctr c5736
  assert_status 0
  # Until `start`, pid 1 of the container is berth itself.  An exec'd
  # process with CAP_SYS_PTRACE may open /proc/1/exe; once the init has
  # exec'd, the binary is no longer busy and a host file could be written.
  rt "$copy" exec -d --cap CAP_SYS_PTRACE c5736 /probe exe-write 10 < /dev/null > "$log" 2>&1 3>&-
  retry 100 0.1 grep -q '^caught 1 ' "$log"
  rt "$copy" start c5736
  retry 100 0.1 grep -qE '^(wrote|refused)' "$log"
  cat "$log"
  grep -q '^refused' "$log"
  [ "$(exe_sha "$copy")" = "$before" ]
}

@test "CVE-2019-5736: the container cannot overwrite the berth binary through /proc/PID/exe" {
  requires root berth
  local log=$BATS_TEST_TMPDIR/attacker.log
  exe_attack "$log"
  # root: a private read-only overlayfs view of the binary, nothing copied
  grep -q '^caught 1 /berth$' "$log"
  grep -q '^refused: open: Read-only file system' "$log"
}

@test "CVE-2019-5736: the sealed memfd copy (where no overlayfs can be made) cannot be overwritten either" {
  requires root berth
  local log=$BATS_TEST_TMPDIR/attacker.log
  exe_attack "$log" BERTH_SELFEXE=memfd
  grep -q '^caught 1 /memfd:berth' "$log"
}

@test "CVE-2019-5736: a forged sealed-binary marker does not skip the protection" {
  requires root berth
  local log=$BATS_TEST_TMPDIR/attacker.log copy=$BATS_TEST_TMPDIR/bin/berth
  mkdir -p "$(dirname "$copy")"
  cp "$BERTH" "$copy"
  # the marker with the host binary's own device and inode
  exe_attack "$log" "_BERTH_SEALED_EXE=$(stat -c '%d:%i' "$copy")"
  grep -q '^caught 1 /berth$' "$log"
}

@test "CVE-2019-5736: the container's init never runs from the host binary, nor hands the marker on" {
  requires root berth
  local pid
  set_args probe sleep 30
  create_ctr cexe
  assert_status 0
  pid=$(ctr_pid cexe)
  # the overlay's file, at no host path
  [ "$(readlink "/proc/$pid/exe")" = /berth ]
  berth start cexe
  retry 50 0.1 sh -c "[ \"\$(readlink /proc/$pid/exe)\" != /berth ]"
  ! tr '\0' '\n' < "/proc/$pid/environ" | grep -q '^_BERTH_SEALED_EXE='
}

@test "procfs: a mount over /proc/sys does not redirect berth's sysctl writes" {
  requires root
  # a host directory shaped like /proc/sys, bound over the container's
  local fake=$BATS_TEST_TMPDIR/fakesys
  mkdir -p "$fake/net/ipv4" "$BUNDLE/rootfs/mnt/proc"
  echo 0 > "$fake/net/ipv4/ip_forward"
  update_config '.mounts += [{"destination": "/proc/sys", "type": "bind", "source": "'"$fake"'", "options": ["rbind"]},
                             {"destination": "/mnt/proc", "type": "proc", "source": "proc"}]
                 | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
  run_probe -- cat /mnt/proc/sys/net/ipv4/ip_forward
  # the host file is untouched; the container's real sysctl got the value
  [ "$(cat "$fake/net/ipv4/ip_forward")" = 0 ]
  assert_status 0
  [ "${lines[-1]}" = 1 ]
}

@test "procfs: berth refuses a /proc that is not a procfs" {
  requires root berth
  update_config '(.mounts[] | select(.destination == "/proc")) |= (.type = "tmpfs" | .source = "tmpfs")
                 | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
  run_probe -- pid
  assert_failure
  assert_contains "$output" "'/proc' is not the root of a procfs mount"
}

# hostile_dev: a /dev the config binds from the bundle (so berth makes no
# devices of its own there), with a victim file bound from the host at
# /victim; the caller adds the symlink the attack needs.
hostile_dev() {
  VICTIM=$BATS_TEST_TMPDIR/victim
  echo untouched > "$VICTIM"
  mkdir -p "$BUNDLE/hostdev/pts" "$BUNDLE/hostdev/shm" "$BUNDLE/hostdev/mqueue"
  ln -s pts/ptmx "$BUNDLE/hostdev/ptmx"
  : > "$BUNDLE/rootfs/victim"
  update_config '(.mounts[] | select(.destination == "/dev")) |= {"destination": "/dev", "type": "bind",
                   "source": "'"$BUNDLE/hostdev"'", "options": ["rbind"]}
                 | .mounts += [{"destination": "/victim", "type": "bind", "source": "'"$VICTIM"'", "options": ["bind"]}]'
}

@test "CVE-2025-31133: a /dev/null that is a symlink is never mounted over a masked path" {
  requires root
  hostile_dev
  ln -s /victim "$BUNDLE/hostdev/null"
  echo secret > "$BUNDLE/rootfs/masked"
  update_config '.linux.maskedPaths += ["/masked"]'
  # with the mask made from the symlink's target, this would write the host file
  run_probe -- write /masked pwned
  assert_failure
  [ "$(cat "$VICTIM")" = untouched ]
  ! is_berth || assert_contains "$output" "'/dev/null' is not the null device"
}

@test "CVE-2025-52565: a /dev/console that is a symlink does not redirect the console bind" {
  requires root
  hostile_dev
  ln -s /victim "$BUNDLE/hostdev/console"
  update_config '.process.terminal = true'
  set_args sh -c 'echo pwned > /dev/console'
  rrun script -qec "$(printf '%q ' "$BERTH" --root "$STATE_DIR/$RUNTIME_NAME" run --bundle "$BUNDLE" c52565)" /dev/null
  [ "$(cat "$VICTIM")" = untouched ]
  if is_berth; then
    assert_failure
    assert_contains "$output" "console '/dev/console' is a symlink"
  fi
}

@test "CVE-2025-52565: the console is a devpts pty, the container's /dev/console is bound to it" {
  requires root
  update_config '.process.terminal = true'
  set_args sh -c '/probe stat /dev/console; /probe mounts'
  rrun script -qec "$(printf '%q ' "$BERTH" --root "$STATE_DIR/$RUNTIME_NAME" run --bundle "$BUNDLE" c52565)" /dev/null
  assert_status 0
  # script's echo of the terminal setup may leave a literal ^@ in front
  output=$(tr -d '\r' <<< "$output" | sed 's/^\^@//')
  grep -qx 'char 0[0-9]* 136:0' <<< "$output"
  grep -q '^/dev/console devpts ' <<< "$output"
}

@test "CVE-2019-16884: proc is not mounted through a symlink in the rootfs" {
  requires root
  rmdir "$BUNDLE/rootfs/proc"
  mkdir "$BUNDLE/rootfs/fakeproc"
  ln -s /fakeproc "$BUNDLE/rootfs/proc"
  run_probe -- pid
  assert_failure
  # nothing was mounted on the image's directory (seen from the host)
  ! grep -q " $BUNDLE/rootfs/fakeproc " /proc/self/mountinfo
  ! is_berth || assert_contains "$output" "the destination is reached through a symlink"
}

@test "CVE-2023-27561: sysfs is not mounted through a symlink in the rootfs either" {
  requires root
  rmdir "$BUNDLE/rootfs/sys"
  mkdir "$BUNDLE/rootfs/fakesys"
  ln -s fakesys "$BUNDLE/rootfs/sys"
  run_probe -- pid
  assert_failure
  ! is_berth || assert_contains "$output" "the destination is reached through a symlink"
}

@test "CVE-2024-21626: only stdio is open in the container, none of berth's descriptors" {
  requires root
  run_probe -- fds
  assert_status 0
  [ "$(grep -E '^[0-9]+ ' <<< "$output" | awk '{print $1}' | tr '\n' ' ')" = "0 1 2 " ]
}

@test "CVE-2024-21626: process.cwd /proc/self/fd/N never leads outside the container" {
  requires root
  local n outside=0
  for n in 3 4 5 6 7 8 9 10; do
    update_config ".process.cwd = \"/proc/self/fd/$n\""
    run_probe -- cwd
    # either refused, or a directory inside the container
    if [ "$status" -eq 0 ]; then
      [[ ${lines[-1]} == /* ]] || fail "fd $n: cwd '${lines[-1]}' is outside the container"
      [[ ${lines[-1]} != *unreachable* ]]
    else
      ! is_berth || assert_contains "$output" "cwd"
      [[ $output != *"is outside the container"* ]] || outside=$((outside + 1))
    fi
  done
  # berth's init still holds a host directory (its /proc handle) when it
  # changes directory: one of these fds leads there and must be caught
  ! is_berth || [ "$outside" -ge 1 ]
}

@test "CVE-2024-21626: exec --cwd /proc/self/fd/N never leads outside the container" {
  requires root
  set_args probe sleep 30
  run_detached c21626
  assert_status 0
  local n
  for n in 3 4 5 6 7 8 9 10; do
    rrun berth exec --cwd "/proc/self/fd/$n" c21626 /probe cwd
    if [ "$status" -eq 0 ]; then
      [[ ${lines[-1]} == /* ]] || fail "fd $n: cwd '${lines[-1]}' is outside the container"
      [[ ${lines[-1]} != *unreachable* ]]
    fi
  done
}

# cap_of SET: the hex value of SET in the last `probe caps` output
cap_of() {
  awk -v k="$1" '$1 == k {print $2}' <<< "$output"
}

@test "CVE-2022-27650: exec never grants inheritable capabilities" {
  requires root
  # inheritable without ambient: nothing needs it across exec
  update_config '.process.capabilities.inheritable = ["CAP_KILL"] | del(.process.capabilities.ambient)'
  set_args probe sleep 30
  run_detached c27650
  assert_status 0
  # the init has what its config lists
  rrun sh -c "grep CapInh /proc/$(ctr_pid c27650)/status"
  assert_contains "$output" 0000000000000020
  rrun berth exec c27650 /probe caps
  assert_status 0
  [ "$(cap_of CapInh)" = 0000000000000000 ]
  # --cap adds to bounding, effective and permitted, never to inheritable
  rrun berth exec --cap CAP_SYS_ADMIN c27650 /probe caps
  assert_status 0
  [ "$(cap_of CapInh)" = 0000000000000000 ]
  (((0x$(cap_of CapEff) >> 21) & 1))
  (((0x$(cap_of CapPrm) >> 21) & 1))
  (((0x$(cap_of CapBnd) >> 21) & 1))
}

@test "CVE-2024-21626 (rootless): only stdio is open in the container" {
  user_bundle
  set_args probe fds
  rrun as_user "$BERTH" run --bundle "$BUNDLE" r21626
  assert_status 0
  [ "$(grep -E '^[0-9]+ ' <<< "$output" | awk '{print $1}' | tr '\n' ' ')" = "0 1 2 " ]
}

@test "procfs (rootless): a mount over /proc/sys does not redirect berth's sysctl writes" {
  user_bundle
  local fake=$BATS_TEST_TMPDIR/ufakesys
  mkdir -p "$fake/net/ipv4" "$BUNDLE/rootfs/mnt/proc"
  echo 0 > "$fake/net/ipv4/ip_forward"
  chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$fake" "$BUNDLE/rootfs/mnt"
  update_config '.linux.namespaces += [{"type": "network"}]
                 | .mounts += [{"destination": "/proc/sys", "type": "bind", "source": "'"$fake"'", "options": ["rbind"]},
                               {"destination": "/mnt/proc", "type": "proc", "source": "proc"}]
                 | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
  set_args probe cat /mnt/proc/sys/net/ipv4/ip_forward
  rrun as_user "$BERTH" run --bundle "$BUNDLE" rprocfs
  [ "$(cat "$fake/net/ipv4/ip_forward")" = 0 ]
  assert_status 0
  [ "${lines[-1]}" = 1 ]
}

@test "CVE-2024-21626: the cwd check still works when seccomp denies getcwd" {
  requires root
  [ "$(berth features | jq -r '.linux.seccomp.enabled')" = true ] || skip "berth has no seccomp"
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                   "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO"}]}
                 | .process.cwd = "/tmp"'
  run_probe -- pid
  assert_status 0
  [ "${lines[-1]}" = 1 ]
}
