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
