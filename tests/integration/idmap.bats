#!/usr/bin/env bats
# Idmapped bind mounts (runtime-spec 1.2): mounts[].uidMappings/gidMappings
# and the idmap/ridmap options change the owners a bind mount shows,
# without touching the files on the host.  A runtime whose `features` does
# not list mountExtensions.idmap must refuse them instead of ignoring them.

load helpers

setup() {
  berth_setup
  make_bundle
  SRC=$BATS_TEST_TMPDIR/src
  mkdir -p "$SRC/rootdir" "$BUNDLE/rootfs/data"
  touch "$SRC/f1000" "$SRC/rootfile"
  chown 1000:1000 "$SRC/f1000"
}

teardown() {
  # a submount made by the ridmap test
  ! mountpoint -q "$SRC/sub" 2> /dev/null || umount "$SRC/sub"
  if [ -n "${ROOTLESS_XDG:-}" ]; then rootless_teardown; else berth_teardown; fi
}

runtime_has_idmap() {
  "$BERTH" features 2> /dev/null | jq -e '.linux.mountExtensions.idmap.enabled == true' > /dev/null
}

# A user namespace mapping 0..65535 to 100000..165535, and the mapped ids
# able to reach the bundle (bats' directories are 0700).
with_userns() {
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
}

# bind_data OPTIONS_JSON [EXTRA_JQ]: bind $SRC on /data.
bind_data() {
  update_config '.mounts += [{"destination": "/data", "type": "bind", "source": "'"$SRC"'",
    "options": '"$1"'} '"${2:-}"']'
}

@test "idmap: a runtime without idmapped mounts refuses them and names them" {
  requires berth
  ! runtime_has_idmap || skip "$RUNTIME_NAME supports idmapped mounts"
  bind_data '["rbind", "idmap"]'
  run_probe -- pid
  assert_failure
  assert_contains "$output" "idmap"
}

@test "idmap: mounts[].uidMappings: a host file of uid 1000 shows as the mapped uid" {
  runtime_has_idmap || skip "$RUNTIME_NAME has no idmapped mounts"
  update_config '.mounts += [{"destination": "/data", "type": "bind", "source": "'"$SRC"'", "options": ["rbind"],
    "uidMappings": [{"containerID": 1000, "hostID": 2000, "size": 1}],
    "gidMappings": [{"containerID": 1000, "hostID": 3000, "size": 1}]}]'
  set_args stat -c '%n %u:%g' /data/f1000 /data/rootfile
  rrun berth run --bundle "$BUNDLE" i1
  assert_status 0
  grep -qx '/data/f1000 2000:3000' <<< "$output"
  # outside the mapping: the overflow id
  grep -qx '/data/rootfile 65534:65534' <<< "$output"
  # the host's files are unchanged
  [ "$(stat -c %u:%g "$SRC/f1000")" = 1000:1000 ]
}

@test "idmap: the idmap option takes the container's mappings: host root is root in the user namespace" {
  runtime_has_idmap || skip "$RUNTIME_NAME has no idmapped mounts"
  with_userns
  mkdir "$BUNDLE/rootfs/plain"
  bind_data '["rbind", "idmap"]'
  update_config '.mounts += [{"destination": "/plain", "type": "bind", "source": "'"$SRC"'", "options": ["rbind"]}]'
  set_args sh -c 'stat -c "%n %u:%g" /data/rootdir /plain/rootdir; /probe write /data/rootdir/made x && echo made'
  rrun berth run --bundle "$BUNDLE" i2
  assert_status 0
  grep -qx '/data/rootdir 0:0' <<< "$output"
  # the same directory without idmap: host root is not mapped there
  grep -qx '/plain/rootdir 65534:65534' <<< "$output"
  grep -qx made <<< "$output"
  # root of the user namespace wrote as host root through the idmapped mount
  [ "$(stat -c %u:%g "$SRC/rootdir/made")" = 0:0 ]
}

@test "idmap: ridmap maps the submounts of an rbind too, idmap only the top mount" {
  runtime_has_idmap || skip "$RUNTIME_NAME has no idmapped mounts"
  with_userns
  mkdir -p "$SRC/sub" "$BUNDLE/rootfs/top"
  mount -t tmpfs -o mode=755 tmpfs "$SRC/sub"
  bind_data '["rbind", "ridmap"]'
  update_config '.mounts += [{"destination": "/top", "type": "bind", "source": "'"$SRC"'", "options": ["rbind", "idmap"]}]'
  set_args stat -c '%n %u:%g' /data/sub /top/sub /top/rootdir
  rrun berth run --bundle "$BUNDLE" i3
  assert_status 0
  grep -qx '/data/sub 0:0' <<< "$output"
  grep -qx '/top/sub 65534:65534' <<< "$output"
  grep -qx '/top/rootdir 0:0' <<< "$output"
}

@test "idmap: only bind mounts can be idmapped" {
  requires berth
  runtime_has_idmap || skip "$RUNTIME_NAME has no idmapped mounts"
  with_userns
  update_config '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}]'
  run_probe -- pid
  assert_failure
  assert_contains "$output" "only bind mounts can be idmapped"
}

@test "idmap: the idmap option without any mappings is refused" {
  requires berth
  runtime_has_idmap || skip "$RUNTIME_NAME has no idmapped mounts"
  bind_data '["rbind", "idmap"]'
  run_probe -- pid
  assert_failure
  assert_contains "$output" "no user namespace mappings"
}

@test "idmap: rootless, idmapping a host file system is refused with the reason" {
  requires berth
  runtime_has_idmap || skip "$RUNTIME_NAME has no idmapped mounts"
  rootless_user_setup
  requires_rootless
  rootless_setup
  make_user_bundle "$BATS_TEST_TMPDIR/ubundle"
  mkdir "$BUNDLE/rootfs/data"
  bind_data '["rbind", "idmap"]'
  rrun as_user "$BERTH" run --bundle "$BUNDLE" i7
  assert_failure
  assert_contains "$output" "cannot idmap a file system it does not own"
}

@test "idmap: the mount's own flags still apply to an idmapped bind (ro)" {
  runtime_has_idmap || skip "$RUNTIME_NAME has no idmapped mounts"
  with_userns
  bind_data '["rbind", "idmap", "ro"]'
  set_args sh -c 'stat -c "%n %u:%g" /data/rootdir; /probe write /data/rootdir/made x; echo "write $?"; /probe mounts'
  rrun berth run --bundle "$BUNDLE" i8
  assert_status 0
  grep -qx '/data/rootdir 0:0' <<< "$output"
  grep -qx 'write 1' <<< "$output"
  grep -Eq '^/data [^ ]+ ro[,]' <<< "$output"
  [ ! -e "$SRC/rootdir/made" ]
}
