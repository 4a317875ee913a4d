#!/usr/bin/env bats
# The process's privileges and limits: capabilities, no_new_privs, rlimits,
# oom_score_adj, as the process itself reads them.

load helpers

setup() {
  berth_setup
  make_bundle
}

# cap_of SET: the hex mask of SET (CapEff...) from the last run_probe caps
cap_of() {
  awk -v s="$1" '$1 == s {print $2}' <<< "$output"
}

@test "process: the default capabilities are spec's three in every set but ambient" {
  update_config '.process.capabilities = {
    "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]}'
  run_probe -- caps
  assert_status 0
  # AUDIT_WRITE (29), KILL (5), NET_BIND_SERVICE (10)
  [ "$(cap_of CapBnd)" = 0000000020000420 ]
  [ "$(cap_of CapEff)" = 0000000020000420 ]
  [ "$(cap_of CapPrm)" = 0000000020000420 ]
  [ "$(cap_of CapInh)" = 0000000000000000 ]
  [ "$(cap_of CapAmb)" = 0000000000000000 ]
}

@test "process: each capability set is applied on its own" {
  update_config '.process.capabilities = {
    "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID"],
    "permitted": ["CAP_CHOWN", "CAP_KILL"],
    "effective": ["CAP_KILL"],
    "inheritable": ["CAP_KILL"],
    "ambient": ["CAP_KILL"]}'
  run_probe -- caps
  assert_status 0
  # CHOWN (0), KILL (5), SETUID (7); as root, exec makes effective = permitted
  [ "$(cap_of CapBnd)" = 00000000000000a1 ]
  [ "$(cap_of CapPrm)" = 0000000000000021 ]
  [ "$(cap_of CapEff)" = 0000000000000021 ]
  [ "$(cap_of CapInh)" = 0000000000000020 ]
  [ "$(cap_of CapAmb)" = 0000000000000020 ]
}

@test "process: a non-root user keeps only the ambient capabilities across exec" {
  update_config '.process.user = {"uid": 1000, "gid": 1000} | .process.capabilities = {
    "bounding": ["CAP_CHOWN", "CAP_KILL"], "permitted": ["CAP_CHOWN", "CAP_KILL"],
    "effective": ["CAP_CHOWN", "CAP_KILL"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
  run_probe -- caps
  assert_status 0
  [ "$(cap_of CapPrm)" = 0000000000000020 ]
  [ "$(cap_of CapEff)" = 0000000000000020 ]
  [ "$(cap_of CapAmb)" = 0000000000000020 ]
  update_config 'del(.process.capabilities.ambient)'
  run_probe -- caps
  [ "$(cap_of CapPrm)" = 0000000000000000 ]
  [ "$(cap_of CapEff)" = 0000000000000000 ]
}

@test "process: no capabilities at all when the config lists none" {
  update_config '.process.capabilities = {}'
  run_probe -- caps
  assert_status 0
  [ "$(cap_of CapEff)" = 0000000000000000 ]
  [ "$(cap_of CapBnd)" = 0000000000000000 ]
}

@test "process: capabilities are enforced (chown needs CAP_CHOWN)" {
  update_config '.process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}'
  set_args sh -c 'touch /f && chown 1:1 /f; echo "chown $?"'
  rrun berth run --bundle "$BUNDLE" nochown
  assert_status 0
  grep -qx 'chown 1' <<< "$output"
}

@test "process: an unknown capability is refused and named" {
  requires berth # runc 1.1 only warns and ignores it
  update_config '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
  create_ctr badcap
  assert_failure
  assert_contains "$output" "CAP_NO_SUCH_THING"
}

@test "process: noNewPrivileges sets no_new_privs" {
  update_config '.process.noNewPrivileges = true'
  run_probe -- nnp
  assert_status 0
  [ "${lines[-1]}" = 1 ]
  update_config '.process.noNewPrivileges = false'
  run_probe -- nnp
  [ "${lines[-1]}" = 0 ]
}

@test "process: rlimits are applied" {
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
                                     {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
  set_args sh -c '/probe rlimit NOFILE; /probe rlimit CORE'
  rrun berth run --bundle "$BUNDLE" rl
  assert_status 0
  grep -qx '100 200' <<< "$output"
  grep -qx '0 0' <<< "$output"
}

@test "process: oomScoreAdj is applied" {
  update_config '.process.oomScoreAdj = 123'
  run_probe -- cat /proc/self/oom_score_adj
  assert_status 0
  [ "${lines[-1]}" = 123 ]
}

@test "process: args[0] is looked up in the container's PATH" {
  update_config '.process.env = ["PATH=/opt/tools:/bin"]'
  mkdir -p "$BUNDLE/rootfs/opt/tools"
  cp "$BUNDLE/rootfs/probe" "$BUNDLE/rootfs/opt/tools/probe-in-path"
  set_args probe-in-path hostname
  update_config '.hostname = "found-in-path"'
  rrun berth run --bundle "$BUNDLE" inpath
  assert_status 0
  [ "${lines[-1]}" = found-in-path ]
}

@test "process: a missing executable fails and names it" {
  set_args /no/such/binary
  rrun berth run --bundle "$BUNDLE" missing
  assert_failure
  assert_contains "$output" "/no/such/binary"
}

@test "process: an rlimit whose hard limit cannot be raised fails and names it" {
  requires root
  # this host's root lacks CAP_SYS_RESOURCE; elsewhere, skip
  if capsh --has-p=cap_sys_resource 2> /dev/null; then skip "root has CAP_SYS_RESOURCE here"; fi
  local hard
  hard=$(ulimit -Hn)
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": '"$((hard + 1))"'}]'
  run_probe -- rlimit NOFILE
  assert_failure
  # (runc 1.1 says "rlimit type 7")
  if is_berth; then assert_contains "$output" "setrlimit 'RLIMIT_NOFILE': cannot raise the hard limit"; fi
}

@test "process: user uid, gid, additionalGids and umask are the process's" {
  update_config '.process.user = {"uid": 1234, "gid": 2345, "additionalGids": [7, 8], "umask": 63}'
  set_args sh -c '/probe uid; /probe umask'
  rrun berth run --bundle "$BUNDLE" user
  assert_status 0
  assert_contains "$output" "uid=1234 gid=2345"
  assert_contains "$output" "groups=7,8"
  grep -qx '0*77' <<< "$output"
}

@test "process: scheduler policy and nice are applied (SCHED_BATCH)" {
  update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
  run_probe -- sched
  assert_status 0
  [ "${lines[-1]}" = "SCHED_BATCH 7 0" ]
}

@test "process: a real-time scheduler policy with its priority (SCHED_FIFO)" {
  requires root
  update_config '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 3}'
  run_probe -- sched
  assert_status 0
  [ "${lines[-1]}" = "SCHED_FIFO 0 3" ]
}

@test "process: SCHED_IDLE, and an unknown policy is refused before anything runs" {
  update_config '.process.scheduler = {"policy": "SCHED_IDLE"}'
  run_probe -- sched
  assert_status 0
  [ "${lines[-1]%% *}" = SCHED_IDLE ]
  update_config '.process.scheduler = {"policy": "SCHED_NOPE"}'
  run_probe -- sched
  assert_failure
  assert_contains "$output" SCHED_NOPE
}

@test "process: SCHED_DEADLINE takes runtime, deadline and period" {
  requires root
  update_config '.process.scheduler = {"policy": "SCHED_DEADLINE",
    "runtime": 1000000, "deadline": 10000000, "period": 10000000}'
  run_probe -- sched
  # some kernels refuse deadline tasks outside the root cpuset/with RT throttling
  if [ "$status" -ne 0 ]; then
    assert_contains "$output" "SCHED_DEADLINE"
    skip "kernel refused SCHED_DEADLINE: ${lines[-1]}"
  fi
  [ "${lines[-1]%% *}" = SCHED_DEADLINE ]
}

@test "process: ioPriority class and priority are applied" {
  update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
  run_probe -- ioprio
  assert_status 0
  [ "${lines[-1]}" = "IOPRIO_CLASS_IDLE 0" ]
  update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
  run_probe -- ioprio
  assert_status 0
  [ "${lines[-1]}" = "IOPRIO_CLASS_BE 6" ]
}

@test "process: personality LINUX32 makes uname report a 32-bit machine" {
  [ "$(uname -m)" = x86_64 ] || skip "LINUX32 check written for x86_64"
  update_config '.linux.personality = {"domain": "LINUX32"}'
  run_probe -- personality
  assert_status 0
  [ "${lines[-1]}" = "0x8 i686" ]
  update_config '.linux.personality = {"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE"]}'
  run_probe -- personality
  assert_status 0
  [ "${lines[-1]}" = "0x40000 x86_64" ]
}

@test "process: execCPUAffinity final is the process's cpu set" {
  [ "$(nproc)" -ge 2 ] || skip "needs two cpus"
  update_config '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
  run_probe -- affinity
  assert_status 0
  [ "${lines[-1]}" = 1 ]
  update_config '.process.execCPUAffinity = {"initial": "1"}'
  run_probe -- affinity
  assert_status 0
  [ "${lines[-1]}" = 1 ]
  update_config '.process.execCPUAffinity = {"final": "0-x"}'
  run_probe -- affinity
  assert_failure
  assert_contains "$output" "0-x"
}

@test "process: namespaced sysctls are set inside the container" {
  update_config '.linux.sysctl = {"kernel.shmmni": "1234", "net.ipv4.ip_forward": "1",
                                  "kernel.domainname": "sysctl.example"}'
  set_args sh -c '/probe cat /proc/sys/kernel/shmmni; /probe cat /proc/sys/net/ipv4/ip_forward;
                  /probe cat /proc/sys/kernel/domainname'
  rrun berth run --bundle "$BUNDLE" sysctl
  assert_status 0
  grep -qx 1234 <<< "$output"
  grep -qx 1 <<< "$output"
  grep -qx sysctl.example <<< "$output"
  [ "$(cat /proc/sys/kernel/shmmni)" != 1234 ]
}

@test "process: a host-wide sysctl, or one without its namespace, is refused and named" {
  local before
  before=$(cat /proc/sys/vm/swappiness)
  update_config '.linux.sysctl = {"vm.swappiness": "13"}'
  run_probe -- pid
  assert_failure
  assert_contains "$output" vm.swappiness
  [ "$(cat /proc/sys/vm/swappiness)" = "$before" ]
  update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"} |
                 .linux.namespaces |= map(select(.type != "network"))'
  run_probe -- pid
  assert_failure
  assert_contains "$output" net.ipv4.ip_forward
}

@test "process: scheduler, ioPriority, personality, affinity and a time namespace as an unprivileged user" {
  rootless_user_setup
  requires_rootless
  rootless_setup
  make_user_bundle "$BATS_TEST_TMPDIR/ubundle"
  update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}
    | .process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}
    | .linux.personality = {"domain": "LINUX32"}
    | .process.execCPUAffinity = {"final": "0"}
    | .linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"monotonic": {"secs": 86400}}'
  set_args sh -c '/probe sched; /probe ioprio; /probe personality; /probe affinity; /probe clock'
  rrun as_user "$BERTH" run --bundle "$BUNDLE" "urun-$RANDOM"
  assert_status 0
  grep -qx 'SCHED_BATCH 5 0' <<< "$output"
  grep -qx 'IOPRIO_CLASS_BE 6' <<< "$output"
  grep -q '^0x8 ' <<< "$output"
  grep -qx 0 <<< "$output"
  local mono
  mono=$(awk '$1 == "monotonic" {print $2}' <<< "$output")
  [ "$mono" -ge $(($(cut -d. -f1 /proc/uptime) + 86400 - 5)) ]
}

@test "process: systemd socket activation: LISTEN_FDS descriptors pass in with LISTEN_PID=1" {
  echo activated > "$BATS_TEST_TMPDIR/act"
  set_args sh -c 'echo "fds=$LISTEN_FDS pid=$LISTEN_PID"; cat <&3'
  local out=$BATS_TEST_TMPDIR/out rc=0
  # LISTEN_PID must name berth itself: exec keeps the shell's pid
  sh -c 'export LISTEN_FDS=1 LISTEN_PID=$$; exec "$@"' sh "$BERTH" --root "$STATE_DIR/$RUNTIME_NAME" \
    run --bundle "$BUNDLE" lfds 3< "$BATS_TEST_TMPDIR/act" < /dev/null > "$out" 2>&1 || rc=$?
  cat "$out"
  [ "$rc" -eq 0 ]
  grep -qx 'fds=1 pid=1' "$out"
  grep -qx activated "$out"
}
