#!/usr/bin/env bats
# linux.seccomp: the filter applies to the container's process.  A runtime
# whose `features` says seccomp is not enabled must refuse such a config
# loudly instead of running the process unfiltered.

load helpers

setup() {
  berth_setup
  make_bundle
}

teardown() {
  [ -z "${AGENT_PID:-}" ] || stop_agent
  if [ -n "${ROOTLESS_XDG:-}" ]; then
    rootless_teardown
  else
    berth_teardown
  fi
}

# user_bundle: as rootless.bats does, a bundle of the unprivileged user's
# from `spec --rootless` (skips when the host does not allow it)
user_bundle() {
  requires root
  rootless_user_setup
  requires_rootless
  rootless_setup
  rm -rf "$BATS_TEST_TMPDIR/bundle"
  make_user_bundle
}

AGENT=${SECCOMP_AGENT:-$BUILD_DIR/tests/helpers/seccomp-agent}
X86_ARCHS='["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]'

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

# seccomp JSON: the whole linux.seccomp object
seccomp() {
  update_config ".linux.seccomp = $1"
}

# start_agent MODE: tests/helpers/seccomp-agent on $AGENT_SOCK, answering
# notifications by MODE (errno:N, success, continue); its records (state-N.json,
# notifications) land in $AGENT_DIR.
start_agent() {
  AGENT_DIR=$BATS_TEST_TMPDIR/agent
  AGENT_SOCK=${AGENT_SOCK:-$BATS_TEST_TMPDIR/agent.sock}
  mkdir -p "$AGENT_DIR" "$(dirname "$AGENT_SOCK")"
  [ -x "$AGENT" ] || fail "no seccomp agent at $AGENT (make check builds it)"
  "$AGENT" "$AGENT_SOCK" "$AGENT_DIR" "$1" 60 < /dev/null > "$AGENT_DIR/log" 2>&1 3>&- &
  AGENT_PID=$!
  retry 50 0.1 test -e "$AGENT_DIR/ready"
}

# requires_flags FLAG...: skip unless `features` lists the seccomp flags as supported
requires_flags() {
  local f
  for f in "$@"; do
    "$BERTH" features 2> /dev/null | jq -e --arg f "$f" '.linux.seccomp.supportedFlags // [] | index($f)' > /dev/null ||
      skip "$RUNTIME_NAME does not support $f"
  done
}

stop_agent() {
  kill "$AGENT_PID" 2> /dev/null || true
  wait "$AGENT_PID" 2> /dev/null || true
  AGENT_PID=
}

# notify_filter [SYSCALL...]: SCMP_ACT_NOTIFY for mkdir (or the SYSCALLs) to the agent
notify_filter() {
  local names
  [ $# -gt 0 ] || set -- mkdir mkdirat
  names=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": '"$X86_ARCHS"',
    "listenerPath": "'"$AGENT_SOCK"'", "listenerMetadata": "berth-test-meta",
    "syscalls": [{"names": '"$names"', "action": "SCMP_ACT_NOTIFY"}]}'
}

@test "seccomp: features lists actions, operators, archs and flags" {
  requires berth
  run berth features
  assert_status 0
  jq -e '.linux.seccomp.enabled == true' <<< "$output"
  jq -e '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") and index("SCMP_ACT_KILL_PROCESS") and index("SCMP_ACT_LOG")' <<< "$output"
  jq -e '.linux.seccomp.operators | index("SCMP_CMP_MASKED_EQ") and length == 7' <<< "$output"
  jq -e '.linux.seccomp.archs | index("SCMP_ARCH_X86_64") and index("SCMP_ARCH_AARCH64")' <<< "$output"
  jq -e '.linux.seccomp.knownFlags | index("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") and length == 4' <<< "$output"
  # this kernel (6.x) has every one of them
  jq -e '.linux.seccomp.supportedFlags | length == 4' <<< "$output"
}

@test "seccomp: errnoRet picks the errno the syscall fails with" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
  run_probe -- mkdir /made
  assert_status 1
  [ "$output" = "mkdir errno 38" ]
  [ ! -e "$BUNDLE/rootfs/made" ]
}

@test "seccomp: SCMP_ACT_ERRNO without errnoRet is EPERM" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
  run_probe -- mkdir /made
  assert_status 1
  [ "$output" = "mkdir errno 1" ]
}

@test "seccomp: SCMP_ACT_TRACE without a tracer fails the syscall with ENOSYS" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRACE"}]}'
  run_probe -- mkdir /made
  assert_status 1
  [ "$output" = "mkdir errno 38" ]
}

@test "seccomp: SCMP_ACT_KILL_PROCESS, KILL_THREAD and TRAP end the process with SIGSYS" {
  local action
  for action in SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP; do
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "'$action'"}]}'
    run_probe -- ppid
    # 128 + SIGSYS (31)
    assert_status 159
  done
}

@test "seccomp: SCMP_ACT_LOG lets the syscall run and the kernel logs it" {
  dmesg > /dev/null 2>&1 || skip "cannot read the kernel log here"
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_LOG"}]}'
  set_args probe ppid
  create_ctr l1
  assert_status 0
  pid=$(ctr_pid l1)
  berth start l1
  wait_status l1 stopped
  # the syscall ran: the probe printed the (namespaced) parent pid, 0
  [ "$(ctr_log l1)" = 0 ]
  # an audit record for our pid with syscall 110 (getppid) and SECCOMP_RET_LOG
  retry 20 0.1 sh -c "dmesg | grep -E 'type=1326 .* pid=$pid .* syscall=110 .*code=0x7ffc0000'"
}

@test "seccomp: argument conditions match the value (personality(0xffffffff) only)" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO",
    "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]}]}'
  # personality(0xffffffff) (a query) is refused, personality(PER_LINUX) is not
  set_args sh -c '/probe personality; echo "query $?"; linux64 /probe pid; echo "set $?"'
  rrun berth run --bundle "$BUNDLE" a1
  assert_status 0
  grep -q "Operation not permitted" <<< "$output"
  grep -qx 'query 1' <<< "$output"
  grep -qx 'set 0' <<< "$output"
}

@test "seccomp: linux.personality is set before the filter, which may deny personality(2)" {
  runtime_has_seccomp || skip "$RUNTIME_NAME has no seccomp support"
  [ "$(uname -m)" = x86_64 ] || skip "LINUX32 check written for x86_64"
  update_config '.linux.personality = {"domain": "LINUX32"}'
  if ! is_berth; then
    set_args uname -m
    rrun berth run --bundle "$BUNDLE" p-plain
    [ "${lines[-1]}" = i686 ] || skip "$RUNTIME_NAME ignores linux.personality (runc < 1.2)"
  fi
  filter SCMP_ACT_ERRNO personality
  # with noNewPrivileges the filter comes last, without it before the
  # capabilities are dropped: personality must precede both
  for nnp in true false; do
    update_config ".process.noNewPrivileges = $nnp"
    set_args sh -c 'uname -m; linux64 true; echo "set $?"'
    rrun berth run --bundle "$BUNDLE" "p-$nnp"
    assert_status 0
    [ "${lines[0]}" = i686 ]
    # the filter is there: the container cannot change it back
    grep -qx 'set 1' <<< "$output"
  done
  set_args probe signal-wait
  run_detached p-exec
  wait_log p-exec ready
  rrun berth exec p-exec uname -m
  assert_status 0
  [ "${lines[-1]}" = i686 ]
}

@test "seccomp: conditions on one argument are alternatives (runc's rule)" {
  # 8 = PER_LINUX32: both values are refused, 0 (PER_LINUX) still passes
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO",
    "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}'
  set_args sh -c '/probe personality; echo "query $?"; linux32 /probe pid; echo "linux32 $?"; linux64 /probe pid; echo "linux64 $?"'
  rrun berth run --bundle "$BUNDLE" a2
  assert_status 0
  grep -qx 'query 1' <<< "$output"
  grep -qvx 'linux32 0' <<< "$output"
  grep -qx 'linux64 0' <<< "$output"
}

@test "seccomp: SCMP_CMP_MASKED_EQ compares the masked argument" {
  # chmod(path, mode): refused when the mode makes it world-writable (mask 0002)
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
    "args": [{"index": 1, "value": 2, "valueTwo": 2, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
  set_args sh -c 'mkdir /d; chmod 757 /d; echo "757 $?"; chmod 750 /d; echo "750 $?"'
  rrun berth run --bundle "$BUNDLE" a3
  assert_status 0
  grep -qx '757 1' <<< "$output"
  grep -qx '750 0' <<< "$output"
  [ "$(stat -c %a "$BUNDLE/rootfs/d")" = 750 ]
}

@test "seccomp: defaultAction SCMP_ACT_ERRNO with an allow list and defaultErrnoRet" {
  local allow
  # what berth (after loading the filter), sh's absence and the static probe need
  allow=$(printf '"%s",' rt_sigaction rt_sigprocmask rt_sigreturn brk close close_range write read prctl \
    newfstatat fstat stat umask set_tid_address set_robust_list sendmsg recvmsg rseq readlink readlinkat \
    prlimit64 openat open mprotect mmap munmap getrandom getpid getppid exit_group exit execve arch_prctl \
    access uname futex fcntl lseek getcwd fstatfs statfs sigaltstack gettid tgkill clock_gettime nanosleep \
    sched_yield sched_getaffinity madvise epoll_create1 epoll_ctl epoll_pwait pipe2 dup3 getdents64)
  seccomp '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "architectures": '"$X86_ARCHS"',
    "syscalls": [{"names": ['"${allow%,}"'], "action": "SCMP_ACT_ALLOW"}]}'
  run_probe -- pid
  assert_status 0
  [ "$output" = 1 ]
  run_probe -- mkdir /made
  assert_status 1
  [ "$output" = "mkdir errno 38" ]
}

@test "seccomp: an unknown syscall name is skipped, the rest applies" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["no_such_syscall_berth", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  run_probe -- mkdir /made
  assert_status 1
  [ "$output" = "mkdir errno 1" ]
}

@test "seccomp: an unknown action, architecture or operator is refused, naming it" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]}'
  create_ctr bad1
  assert_failure
  assert_contains "$output" "SCMP_ACT_BOGUS"
  ! is_berth || assert_contains "$output" ".linux.seccomp.syscalls[0].action"
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_BOGUS"], "syscalls": []}'
  create_ctr bad2
  assert_failure
  assert_contains "$output" "SCMP_ARCH_BOGUS"
  ! is_berth || assert_contains "$output" ".linux.seccomp.architectures[1]"
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_BOGUS"}]}]}'
  create_ctr bad3
  assert_failure
  assert_contains "$output" "SCMP_CMP_BOGUS"
  ! is_berth || assert_contains "$output" ".linux.seccomp.syscalls[0].args[0].op"
  for id in bad1 bad2 bad3; do
    run berth state $id
    assert_failure
  done
}

@test "seccomp: TSYNC, LOG and SPEC_ALLOW flags are accepted and the filter applies" {
  requires_flags SECCOMP_FILTER_FLAG_TSYNC SECCOMP_FILTER_FLAG_LOG SECCOMP_FILTER_FLAG_SPEC_ALLOW
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW"], "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
  run_probe -- mkdir /made
  assert_status 1
  [ "$output" = "mkdir errno 1" ]
}

@test "seccomp: without noNewPrivileges a user without CAP_SYS_ADMIN still gets the filter" {
  # runc's order: loaded before the capabilities are dropped
  update_config '.process.noNewPrivileges = false | .process.user = {"uid": 1000, "gid": 1000}
    | .process.capabilities = {}'
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
  set_args sh -c '/probe nnp; /probe mkdir /tmp/made'
  rrun berth run --bundle "$BUNDLE" nnp1
  assert_status 1
  # (probe nnp prints the NoNewPrivs bit)
  grep -qx '0' <<< "$output"
  grep -qx 'mkdir errno 1' <<< "$output"
}

@test "seccomp: SCMP_ACT_NOTIFY hands the fd and the state to listenerPath; the agent's answer is seen inside" {
  start_agent errno:95
  notify_filter
  set_args probe mkdir /made
  create_ctr n1
  assert_status 0
  pid=$(ctr_pid n1)
  # the containerProcessState document of the runtime-spec
  run cat "$AGENT_DIR/state-1.json"
  jq -e '.fds == ["seccompFd"] and .metadata == "berth-test-meta" and (.ociVersion | length > 0)' <<< "$output"
  jq -e --argjson pid "$pid" '.pid == $pid and .state.pid == $pid' <<< "$output"
  jq -e '.state.id == "n1" and .state.status == "creating"' <<< "$output"
  jq -e --arg b "$BUNDLE" '.state.bundle == $b' <<< "$output"
  berth start n1
  wait_status n1 stopped
  [ "$(ctr_log n1)" = "mkdir errno 95" ]
  [ ! -e "$BUNDLE/rootfs/made" ]
  # the agent saw mkdir (83) or mkdirat (258) from the container's process
  grep -qE "^(83|258) $pid\$" "$AGENT_DIR/notifications"
}

@test "seccomp: a listenerPath longer than sun_path (108 bytes) is reached" {
  AGENT_SOCK=$BATS_TEST_TMPDIR/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})/agent.sock
  [ ${#AGENT_SOCK} -gt 108 ]
  start_agent errno:95
  notify_filter
  set_args probe mkdir /made
  create_ctr n1
  assert_status 0
  jq -e '.state.id == "n1"' "$AGENT_DIR/state-1.json"
  berth start n1
  wait_status n1 stopped
  [ "$(ctr_log n1)" = "mkdir errno 95" ]
}

@test "seccomp: SCMP_ACT_NOTIFY: an agent can fake success or let the syscall run" {
  start_agent success
  notify_filter
  run_probe -- mkdir /faked
  assert_status 0
  [ "$output" = "mkdir 0" ]
  [ ! -e "$BUNDLE/rootfs/faked" ]
  stop_agent
  start_agent continue
  notify_filter
  run_probe -- mkdir /real
  assert_status 0
  [ "$output" = "mkdir 0" ]
  [ -d "$BUNDLE/rootfs/real" ]
}

@test "seccomp: SCMP_ACT_NOTIFY with WAIT_KILLABLE_RECV and TSYNC" {
  requires_flags SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV SECCOMP_FILTER_FLAG_TSYNC
  start_agent errno:95
  notify_filter
  update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC"]'
  run_probe -- mkdir /made
  assert_status 1
  [ "$output" = "mkdir errno 95" ]
}

@test "seccomp: exec'd processes get their own notify fd sent to the agent" {
  start_agent errno:95
  notify_filter
  set_args probe signal-wait
  run_detached n3
  wait_log n3 ready
  pid=$(ctr_pid n3)
  rrun berth exec n3 /probe mkdir /by-exec
  assert_status 1
  [ "$output" = "mkdir errno 95" ]
  retry 20 0.1 test -e "$AGENT_DIR/state-2.json"
  jq -e '.state.id == "n3" and .state.status == "running" and .fds == ["seccompFd"]' "$AGENT_DIR/state-2.json"
  # the notification came from another process than the init
  grep -E '^(83|258) ' "$AGENT_DIR/notifications" | grep -vqE " $pid\$"
}

@test "seccomp: SCMP_ACT_NOTIFY without a listening agent fails create and leaves nothing" {
  AGENT_SOCK=$BATS_TEST_TMPDIR/nobody.sock
  notify_filter
  create_ctr n4
  assert_failure
  assert_contains "$output" "nobody.sock"
  run berth state n4
  assert_failure
}

@test "seccomp: SCMP_ACT_NOTIFY cannot be the default action or lack a listenerPath" {
  requires berth
  seccomp '{"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x.sock", "syscalls": []}'
  create_ctr n5
  assert_failure
  assert_contains "$output" ".linux.seccomp.defaultAction"
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
  create_ctr n6
  assert_failure
  assert_contains "$output" ".linux.seccomp.listenerPath"
}

@test "seccomp: rootless: the filter applies in a container an unprivileged user runs" {
  user_bundle
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
  set_args sh -c '/probe uid; /probe mkdir /made'
  rrun as_user "$BERTH" run --bundle "$BUNDLE" rl1
  assert_status 1
  grep -q '^uid=0 ' <<< "$output"
  grep -qx 'mkdir errno 38' <<< "$output"
  [ ! -e "$BUNDLE/rootfs/made" ]
}

@test "seccomp: rootless: SCMP_ACT_NOTIFY reaches the agent from an unprivileged user's container" {
  user_bundle
  start_agent errno:95
  notify_filter
  set_args probe mkdir /made
  rrun as_user "$BERTH" run --bundle "$BUNDLE" rl2
  assert_status 1
  [ "$output" = "mkdir errno 95" ]
  jq -e '.state.id == "rl2" and .fds == ["seccompFd"]' "$AGENT_DIR/state-1.json"
}
