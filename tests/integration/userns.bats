#!/usr/bin/env bats
# A user namespace from linux.uidMappings/gidMappings: root inside is an
# unprivileged id outside.

load helpers

setup() {
  berth_setup
  make_bundle
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  # the mapped ids must be able to reach the bundle (bats' dirs are 0700)
  chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
}

@test "userns: root inside is the mapped id outside" {
  set_args sh -c '/probe uid; cat /proc/self/uid_map /proc/self/gid_map'
  rrun berth run --bundle "$BUNDLE" u1
  assert_status 0
  grep -qx 'uid=0 gid=0 euid=0 egid=0 groups=' <<< "$output"
  [ "$(grep -c '^ *0 *100000 *65536$' <<< "$output")" -eq 2 ]
}

@test "userns: the user namespace is new, the others too" {
  run_probe -- ns
  assert_status 0
  grep -q "^user " <<< "$output"
  ! grep -qxF "user $(host_ns user)" <<< "$output"
  ! grep -qxF "mnt $(host_ns mnt)" <<< "$output"
}

@test "userns: files the container creates belong to the mapped id on the host" {
  # (the mount point exists: mapped root may not create it in a host-root dir)
  mkdir "$BUNDLE/vol" "$BUNDLE/rootfs/vol"
  chown 100000:100000 "$BUNDLE/vol"
  update_config '.mounts += [{"destination": "/vol", "type": "bind", "source": "'"$BUNDLE"'/vol", "options": ["rbind"]}]'
  run_probe -- write /vol/made-inside x
  assert_status 0
  [ "$(stat -c %u:%g "$BUNDLE/vol/made-inside")" = 100000:100000 ]
}

@test "userns: host-root files are not root's inside" {
  set_args sh -c 'stat -c %u /probe; /probe write /probe x; echo "write $?"'
  rrun berth run --bundle "$BUNDLE" u3
  assert_status 0
  # unmapped owners show as the overflow id
  grep -qx 65534 <<< "$output"
  grep -qx 'write 1' <<< "$output"
}

@test "userns: exec joins the container's user namespace" {
  set_args probe signal-wait
  run_detached u4
  wait_log u4 ready
  rrun berth exec u4 /probe cat /proc/self/uid_map
  assert_status 0
  grep -q '^ *0 *100000 *65536$' <<< "$output"
}
