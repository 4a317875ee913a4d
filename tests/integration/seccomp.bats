#!/usr/bin/env bats
# linux.seccomp: the filter applies to the container's process.  A runtime
# whose `features` says seccomp is not enabled must refuse such a config
# loudly instead of running the process unfiltered.

load helpers

setup() {
  berth_setup
  make_bundle
}

runtime_has_seccomp() {
  [ "$RUNTIME_NAME" != berth ] && return 0
  "$BERTH" features | jq -e '.linux.seccomp.enabled == true' > /dev/null
}

# filter ACTION SYSCALL...: allow everything but SYSCALLs, which get ACTION
filter() {
  local action=$1
  shift
  local names
  names=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
  # errnoRet belongs to SCMP_ACT_ERRNO only (crun refuses it elsewhere)
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [{"names": '"$names"', "action": "'"$action"'"}]}
    | if "'"$action"'" == "SCMP_ACT_ERRNO" then .linux.seccomp.syscalls[0].errnoRet = 1 else . end'
}

@test "seccomp: a runtime without seccomp refuses a filter and names it" {
  ! runtime_has_seccomp || skip "$RUNTIME_NAME supports seccomp"
  filter SCMP_ACT_ERRNO mkdir mkdirat
  create_ctr s1
  assert_failure
  assert_contains "$output" "seccomp"
  run berth state s1
  assert_failure
}

@test "seccomp: SCMP_ACT_ERRNO makes the syscall fail with errnoRet" {
  runtime_has_seccomp || skip "$RUNTIME_NAME has no seccomp support (see the test above)"
  filter SCMP_ACT_ERRNO mkdir mkdirat
  set_args sh -c 'mkdir /made 2>&1; echo "mkdir $?"; /probe write /written x; echo "write $?"'
  rrun berth run --bundle "$BUNDLE" s2
  assert_status 0
  grep -q 'Operation not permitted' <<< "$output"
  grep -qx 'mkdir 1' <<< "$output"
  grep -qx 'write 0' <<< "$output"
  [ ! -e "$BUNDLE/rootfs/made" ]
}

@test "seccomp: the filter shows in /proc/self/status" {
  runtime_has_seccomp || skip "$RUNTIME_NAME has no seccomp support (see the test above)"
  filter SCMP_ACT_ERRNO mkdir mkdirat
  run_probe -- cat /proc/self/status
  assert_status 0
  grep -qE '^Seccomp:[[:space:]]+2$' <<< "$output"
}

@test "seccomp: SCMP_ACT_KILL kills the process" {
  runtime_has_seccomp || skip "$RUNTIME_NAME has no seccomp support (see the test above)"
  filter SCMP_ACT_KILL getppid
  run_probe -- ppid
  # killed by SIGSYS (31)
  assert_status 159
}

@test "seccomp: exec'd processes get the filter too" {
  runtime_has_seccomp || skip "$RUNTIME_NAME has no seccomp support (see the test above)"
  filter SCMP_ACT_ERRNO mkdir mkdirat
  set_args probe signal-wait
  run_detached s5
  wait_log s5 ready
  rrun berth exec s5 sh -c 'mkdir /made-by-exec; echo "mkdir $?"'
  grep -qx 'mkdir 1' <<< "$output"
}
