#!/usr/bin/env bats
# Rootless: an unprivileged user runs containers from a `spec --rootless`
# bundle it owns; its uid is root inside, its state lives under its
# XDG_RUNTIME_DIR, and larger id ranges come from /etc/subuid through
# newuidmap/newgidmap.

load helpers

setup_file() {
  rootless_user_setup
}

setup() {
  berth_setup
  requires_rootless
  rootless_setup
  make_user_bundle
}

teardown() {
  rootless_teardown
}

# rrun_user CMD...: rrun as the user (the output goes through a file).
rrun_user() {
  rrun as_user "$@"
}

@test "rootless: root inside is the caller's uid outside" {
  set_args sh -c '/probe uid; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
  rrun_user "$BERTH" run --bundle "$BUNDLE" r1
  assert_status 0
  grep -q '^uid=0 gid=0 euid=0 egid=0' <<< "$output"
  grep -Eq "^ *0 +$ROOTLESS_UID +1\$" <<< "$output"
  grep -Eq "^ *0 +$ROOTLESS_GID +1\$" <<< "$output"
  # the kernel demands it before an unprivileged gid_map
  grep -qx deny <<< "$output"
}

@test "rootless: a file made in a bind mount belongs to the user on the host" {
  mkdir "$BUNDLE/vol"
  chown "$ROOTLESS_UID:$ROOTLESS_GID" "$BUNDLE/vol"
  update_config '.mounts += [{"destination": "/vol", "type": "bind", "source": "'"$BUNDLE"'/vol", "options": ["rbind"]}]'
  set_args probe write /vol/made-inside x
  rrun_user "$BERTH" run --bundle "$BUNDLE" r2
  assert_status 0
  [ "$(stat -c %u:%g "$BUNDLE/vol/made-inside")" = "$ROOTLESS_UID:$ROOTLESS_GID" ]
}

@test "rootless: hostname, pid 1 and new namespaces" {
  update_config '.hostname = "rootless-box"'
  set_args sh -c '/probe hostname; /probe ns; exec /probe pid'
  rrun_user "$BERTH" run --bundle "$BUNDLE" r3
  assert_status 0
  grep -qx rootless-box <<< "$output"
  grep -qx 1 <<< "$output"
  ! grep -qxF "user $(host_ns user)" <<< "$output"
  ! grep -qxF "mnt $(host_ns mnt)" <<< "$output"
  ! grep -qxF "pid $(host_ns pid)" <<< "$output"
  # spec --rootless keeps the host's network (no network namespace), as runc
  grep -qxF "net $(host_ns net)" <<< "$output"
}

@test "rootless: proc, a read-only sysfs bind, devpts, mqueue and shm are mounted" {
  set_args probe mounts
  rrun_user "$BERTH" run --bundle "$BUNDLE" r4b
  assert_status 0
  grep -q '^/proc proc ' <<< "$output"
  grep -Eq '^/sys sysfs ro[,]' <<< "$output"
  grep -q '^/dev/pts devpts ' <<< "$output"
  grep -q '^/dev/mqueue mqueue ' <<< "$output"
  grep -q '^/dev/shm tmpfs ' <<< "$output"
}

@test "rootless: devices are the host's, bind-mounted (mknod is not allowed)" {
  set_args sh -c '/probe stat /dev/null; /probe stat /dev/zero; echo hi > /dev/null && echo written'
  rrun_user "$BERTH" run --bundle "$BUNDLE" r5
  assert_status 0
  grep -qx 'char 0666 1:3' <<< "$output"
  grep -qx 'char 0666 1:5' <<< "$output"
  grep -qx written <<< "$output"
}

@test "rootless: create, state under XDG_RUNTIME_DIR, exec, kill, delete" {
  set_args probe signal-wait
  rrun_log r6 as_user "$BERTH" run -d --bundle "$BUNDLE" r6
  assert_status 0
  wait_log r6 ready
  [ -d "$ROOTLESS_XDG/$RUNTIME_NAME/r6" ]
  [ "$(stat -c %u "$ROOTLESS_XDG/$RUNTIME_NAME/r6")" = "$ROOTLESS_UID" ]
  # nothing in root's own state root
  [ ! -e "$STATE_DIR/$RUNTIME_NAME/r6" ]
  [ "$(berth_user state r6 | jq -r .status)" = running ]
  # sticky, so that the session manager's cleanup of XDG_RUNTIME_DIR spares it
  [ "$(stat -c %a "$ROOTLESS_XDG/$RUNTIME_NAME")" = 1700 ]
  rrun_user "$BERTH" exec r6 /probe uid
  assert_status 0
  grep -q '^uid=0 gid=0' <<< "$output"
  pid=$(berth_user state r6 | jq -r .pid)
  [ "$(stat -c %u "/proc/$pid")" = "$ROOTLESS_UID" ]
  rrun_user "$BERTH" kill r6 TERM
  assert_status 0
  wait_log r6 SIGTERM
  retry 50 0.1 sh -c "[ \"\$(runuser -u $ROOTLESS_USER -- env XDG_RUNTIME_DIR=$ROOTLESS_XDG $BERTH state r6 | jq -r .status)\" = stopped ]"
  rrun_user "$BERTH" delete r6
  assert_status 0
  [ ! -e "$ROOTLESS_XDG/$RUNTIME_NAME/r6" ]
}

@test "rootless: a subuid range through newuidmap: uid 1000 inside is a subordinate uid outside" {
  command -v newuidmap > /dev/null || skip "needs newuidmap (Debian package uidmap)"
  local subu subg
  subu=$(rootless_subid uid)
  subg=$(rootless_subid gid)
  [ -n "$subu" ] && [ -n "$subg" ] || skip "$ROOTLESS_USER has no /etc/subuid or /etc/subgid range"
  update_config '.linux.uidMappings = [{"containerID": 0, "hostID": '"$ROOTLESS_UID"', "size": 1},
      {"containerID": 1, "hostID": '"$subu"', "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": '"$ROOTLESS_GID"', "size": 1},
      {"containerID": 1, "hostID": '"$subg"', "size": 65536}]
    | .process.user = {"uid": 1000, "gid": 1000}'
  mkdir "$BUNDLE/vol"
  # uid 1000 inside is subu + 999 outside: it may write there
  chown "$((subu + 999)):$((subg + 999))" "$BUNDLE/vol"
  update_config '.mounts += [{"destination": "/vol", "type": "bind", "source": "'"$BUNDLE"'/vol", "options": ["rbind"]}]'
  set_args sh -c '/probe uid; cat /proc/self/uid_map; /probe write /vol/f x && echo wrote'
  rrun_user "$BERTH" run --bundle "$BUNDLE" r7
  assert_status 0
  grep -q '^uid=1000 gid=1000 euid=1000 egid=1000' <<< "$output"
  grep -Eq "^ *1 +$subu +65536\$" <<< "$output"
  grep -qx wrote <<< "$output"
  [ "$(stat -c %u:%g "$BUNDLE/vol/f")" = "$((subu + 999)):$((subg + 999))" ]
}

@test "rootless: ids outside the user's subordinate ranges are refused by newuidmap" {
  command -v newuidmap > /dev/null || skip "needs newuidmap (Debian package uidmap)"
  update_config '.linux.uidMappings = [{"containerID": 0, "hostID": '"$ROOTLESS_UID"', "size": 1},
      {"containerID": 1, "hostID": 1, "size": 10}]'
  rrun_user "$BERTH" run --bundle "$BUNDLE" r8
  assert_failure
  if is_berth; then
    assert_contains "$output" "newuidmap"
    assert_contains "$output" "not allowed"
  fi
  [ ! -e "$ROOTLESS_XDG/$RUNTIME_NAME/r8" ]
}

@test "rootless: additionalGids cannot be set with setgroups denied, and the error says so" {
  requires berth
  update_config '.process.user.additionalGids = [0]'
  rrun_user "$BERTH" run --bundle "$BUNDLE" r9
  assert_failure
  assert_contains "$output" "additionalGids"
  assert_contains "$output" "setgroups is denied"
}

@test "rootless: without XDG_RUNTIME_DIR the state root is a private /tmp/$RUNTIME_NAME-UID" {
  requires berth
  local root=/tmp/berth-$ROOTLESS_UID made=
  [ -e "$root" ] || made=1
  set_args probe signal-wait
  rrun_log r10 runuser -u "$ROOTLESS_USER" -- env -u XDG_RUNTIME_DIR "$BERTH" run -d --bundle "$BUNDLE" r10
  status_run=$status
  [ -d "$root/r10" ] && st_mode=$(stat -c %a:%U "$root") || st_mode=
  runuser -u "$ROOTLESS_USER" -- env -u XDG_RUNTIME_DIR "$BERTH" delete -f r10 || true
  [ -z "$made" ] || rm -rf "$root"
  [ "$status_run" -eq 0 ]
  [ "$st_mode" = "700:$ROOTLESS_USER" ]
}

@test "rootless: a /tmp state root another user could enter is refused" {
  requires berth
  local root=/tmp/berth-$ROOTLESS_UID
  [ ! -e "$root" ] || skip "$root exists already"
  mkdir -m 777 "$root"
  rrun runuser -u "$ROOTLESS_USER" -- env -u XDG_RUNTIME_DIR "$BERTH" list
  rmdir "$root"
  assert_failure
  assert_contains "$output" "is not a private directory"
}

@test "rootless: a sysfs mount without a network namespace of its own becomes a bind of the host's /sys" {
  # the kernel refuses a new sysfs to a user namespace that does not own the
  # network namespace; crun then binds the host's /sys (runc 1.1 fails)
  requires berth
  update_config '(.mounts[] | select(.destination == "/sys")) |= {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}'
  set_args sh -c '/probe mounts; ls /sys/kernel > /dev/null && echo listed'
  rrun_user "$BERTH" run --bundle "$BUNDLE" r12
  assert_status 0
  grep -Eq '^/sys sysfs ro[,]' <<< "$output"
  grep -qx listed <<< "$output"
}

@test "rootless: linux.devices are bind-mounted from the host" {
  update_config '.linux.devices = [{"path": "/dev/full", "type": "c", "major": 1, "minor": 7, "fileMode": 438}]'
  set_args sh -c '/probe stat /dev/full; echo x > /dev/full; echo "write $?"'
  rrun_user "$BERTH" run --bundle "$BUNDLE" r13
  assert_status 0
  grep -q '^char .* 1:7$' <<< "$output"
  # /dev/full refuses every write with ENOSPC: it is the real device
  grep -qx 'write 1' <<< "$output"
}

@test "rootless: list and ps show the user's container, root's list does not" {
  set_args probe signal-wait
  rrun_log r14 as_user "$BERTH" run -d --bundle "$BUNDLE" r14
  assert_status 0
  wait_log r14 ready
  rrun_user "$BERTH" list -q
  assert_status 0
  grep -qx r14 <<< "$output"
  # runc finds the processes through the cgroup, which rootless has none of
  if is_berth; then
    rrun_user "$BERTH" ps r14
    assert_status 0
    assert_contains "$output" "probe"
  fi
  rrun berth list -q
  ! grep -qx r14 <<< "$output"
  berth_user delete -f r14
}

@test "rootless: root of a user namespace the user made (unshare -r) keeps state under XDG_RUNTIME_DIR" {
  # runc 1.1 has the same rule for its root but fails to start a container
  # there (it cannot setns back into the mount namespace it came from)
  requires berth
  # inside, the user is uid 0: the container maps that uid 0
  update_config '.linux.uidMappings[0].hostID = 0 | .linux.gidMappings[0].hostID = 0'
  set_args probe uid
  rrun as_user env USER="$ROOTLESS_USER" unshare -Ur sh -c \
    '"$1" run --bundle "$2" r15 && ls "$XDG_RUNTIME_DIR"' sh "$BERTH" "$BUNDLE"
  assert_status 0
  grep -q '^uid=0 gid=0' <<< "$output"
  grep -qx "$RUNTIME_NAME" <<< "$output"
  # rootless podman's conmon runs the runtime with no USER at all (runc's
  # rule: only USER=root means the real root)
  rm -rf "${ROOTLESS_XDG:?}/$RUNTIME_NAME"
  rrun as_user env -u USER unshare -Ur sh -c \
    '"$1" run --bundle "$2" r15b && ls "$XDG_RUNTIME_DIR"' sh "$BERTH" "$BUNDLE"
  assert_status 0
  grep -q '^uid=0 gid=0' <<< "$output"
  grep -qx "$RUNTIME_NAME" <<< "$output"
}

@test "rootless: a devpts gid=5 option (a root config) is dropped when gid 5 is not mapped" {
  # crun does the same; runc fails the mount
  requires berth
  update_config '(.mounts[] | select(.destination == "/dev/pts") | .options) += ["gid=5"]'
  set_args probe mounts
  rrun_user "$BERTH" run --bundle "$BUNDLE" r16
  assert_status 0
  grep -q '^/dev/pts devpts ' <<< "$output"
}

@test "rootless: mqueue without an ipc namespace of its own binds the host's /dev/mqueue, or says why it cannot" {
  requires berth
  update_config '.linux.namespaces |= map(select(.type != "ipc"))'
  set_args probe mounts
  rrun_user "$BERTH" run --bundle "$BUNDLE" r17
  if [ -d /dev/mqueue ] && mountpoint -q /dev/mqueue; then
    assert_status 0
    grep -q '^/dev/mqueue mqueue ' <<< "$output"
  else
    assert_failure
    assert_contains "$output" "does not own the ipc namespace"
    assert_contains "$output" "no '/dev/mqueue' to bind"
  fi
}

@test "rootless: spec --rootless as written (read-only root, cgroup mount) runs; the root is read-only" {
  update_config '.root.readonly = true'
  set_args sh -c '/probe write /made x; echo "write $?"; /probe mounts'
  rrun_user "$BERTH" run --bundle "$BUNDLE" r18
  assert_status 0
  grep -qx 'write 1' <<< "$output"
  grep -Eq '^/ [^ ]+ ro[,]' <<< "$output"
  grep -q '^/sys/fs/cgroup ' <<< "$output"
}

@test "rootless: a user namespace without mappings (crun spec --rootless) maps the caller to root" {
  requires berth
  update_config 'del(.linux.uidMappings) | del(.linux.gidMappings)'
  set_args sh -c '/probe uid; cat /proc/self/uid_map /proc/self/gid_map'
  rrun_user "$BERTH" run --bundle "$BUNDLE" r19
  assert_status 0
  grep -q '^uid=0 gid=0' <<< "$output"
  grep -Eq "^ *0 +$ROOTLESS_UID +1\$" <<< "$output"
  grep -Eq "^ *0 +$ROOTLESS_GID +1\$" <<< "$output"
}

@test "rootless: root is still told to give mappings for a new user namespace" {
  requires berth
  update_config 'del(.linux.uidMappings) | del(.linux.gidMappings)'
  run_probe -- uid
  assert_failure
  assert_contains "$output" "a new user namespace needs uid and gid mappings"
}
