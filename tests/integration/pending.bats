#!/usr/bin/env bats
# What berth does not do yet must say so and fail: never a fake success.
# (every cgroup-backed command has landed: update is tested in cgroups.bats)

load helpers

setup() {
  requires root berth
  berth_setup
  make_bundle
}

@test "pending: a config asking for cgroup limits is refused, naming the field" {
  [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || skip "limits are applied on a cgroup v2 host (cgroups.bats)"
  update_config '.linux.resources.memory = {"limit": 33554432}'
  rrun berth run --bundle "$BUNDLE" m1
  [ "$status" -eq 1 ]
  assert_contains "$output" ".linux.resources.memory"
  # nothing was left behind
  rrun berth state m1
  [ "$status" -ne 0 ]
  [ -z "$(ls "$STATE_DIR/berth" 2> /dev/null)" ]
}

@test "pending: features lists what works and nothing that does not" {
  rrun berth features
  [ "$status" -eq 0 ]
  # valid JSON, the runtime-spec bounds, and the namespaces berth creates
  [ "$(jq -r .ociVersionMax <<< "$output")" = 1.2.0 ]
  for ns in pid network mount ipc uts user; do
    jq -e --arg ns "$ns" '.linux.namespaces | index($ns)' <<< "$output" > /dev/null
  done
  # the cgroup v2 manager, and no v1 one
  [ "$(jq -r '.linux.cgroup.v2' <<< "$output")" = true ]
  [ "$(jq -r '.linux.cgroup.v1' <<< "$output")" = false ]
  # every mount option it lists is accepted by a real mount
  jq -e '.mountOptions | index("rro")' <<< "$output" > /dev/null
}
