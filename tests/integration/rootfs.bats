#!/usr/bin/env bats
# The container's root file system: read-only root, masked and read-only
# paths, bind mounts from the bundle, and a hostile rootfs that must not make
# the runtime touch the host.

load helpers

setup() {
  berth_setup
  make_bundle
}

teardown() {
  berth_teardown
  if [ -n "${HOST_MARK:-}" ]; then
    rmdir "$HOST_MARK" 2> /dev/null || true
  fi
}

@test "rootfs: root.readonly makes / read-only, /dev and /tmp mounts stay writable" {
  update_config '.root.readonly = true'
  set_args sh -c '/probe write /file x; echo "root $?"; /probe write /dev/shm/file x; echo "shm $?"'
  rrun berth run --bundle "$BUNDLE" ro
  assert_status 0
  grep -qx 'root 1' <<< "$output"
  grep -q 'Read-only file system' <<< "$output"
  grep -qx 'shm 0' <<< "$output"
  [ ! -e "$BUNDLE/rootfs/file" ]
  run_probe -- mounts
  grep -qE '^/ [^ ]+ ro(,|$)' <<< "$output"
}

@test "rootfs: a writable root writes through to the bundle" {
  run_probe -- write /written hello
  assert_status 0
  [ "$(cat "$BUNDLE/rootfs/written")" = hello ]
}

@test "rootfs: maskedPaths hide files and directories" {
  mkdir -p "$BUNDLE/rootfs/secret-dir"
  echo secret > "$BUNDLE/rootfs/secret-file"
  echo secret > "$BUNDLE/rootfs/secret-dir/inner"
  update_config '.linux.maskedPaths += ["/secret-file", "/secret-dir", "/does-not-exist"]'
  set_args sh -c 'echo "file[$(cat /secret-file)]"; echo "dir[$(ls -A /secret-dir)]"; /probe stat /proc/keys; ls -A /sys/firmware | wc -l'
  rrun berth run --bundle "$BUNDLE" masked
  assert_status 0
  grep -qx 'file\[\]' <<< "$output"
  grep -qx 'dir\[\]' <<< "$output"
  # the default masked paths: files are /dev/null binds, directories empty
  grep -qx 'char 0666 1:3' <<< "$output"
  [ "${lines[-1]}" = 0 ]
  # the host's files are untouched
  [ "$(cat "$BUNDLE/rootfs/secret-file")" = secret ]
}

@test "rootfs: readonlyPaths are read-only, the rest stays writable" {
  mkdir -p "$BUNDLE/rootfs/data" "$BUNDLE/rootfs/scratch"
  update_config '.linux.readonlyPaths += ["/data"]'
  set_args sh -c '/probe write /data/x 1; echo "data $?"; /probe write /scratch/x 1; echo "scratch $?"
                  /probe write /proc/sys/kernel/hostname x; echo "procsys $?"'
  rrun berth run --bundle "$BUNDLE" rop
  assert_status 0
  grep -qx 'data 1' <<< "$output"
  grep -qx 'scratch 0' <<< "$output"
  grep -qx 'procsys 1' <<< "$output"
  [ ! -e "$BUNDLE/rootfs/data/x" ]
}

@test "rootfs: a bind mount from the bundle is visible, read-write and read-only" {
  mkdir -p "$BUNDLE/shared-rw" "$BUNDLE/shared-ro"
  echo from-host > "$BUNDLE/shared-ro/file"
  update_config '.mounts += [
    {"destination": "/mnt/rw", "type": "bind", "source": "'"$BUNDLE"'/shared-rw", "options": ["rbind"]},
    {"destination": "/mnt/ro", "type": "bind", "source": "'"$BUNDLE"'/shared-ro", "options": ["rbind", "ro"]}]'
  set_args sh -c 'cat /mnt/ro/file; /probe write /mnt/ro/new x; echo "ro $?"; /probe write /mnt/rw/new from-container; echo "rw $?"'
  rrun berth run --bundle "$BUNDLE" binds
  assert_status 0
  grep -qx from-host <<< "$output"
  grep -qx 'ro 1' <<< "$output"
  grep -qx 'rw 0' <<< "$output"
  [ "$(cat "$BUNDLE/shared-rw/new")" = from-container ]
  [ ! -e "$BUNDLE/shared-ro/new" ]
}

@test "rootfs: a tmpfs mount with options" {
  update_config '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
                              "options": ["nosuid", "nodev", "mode=700", "size=1m"]}]'
  set_args sh -c '/probe stat /scratch; /probe mounts | grep "^/scratch "'
  rrun berth run --bundle "$BUNDLE" tmpfs
  assert_status 0
  grep -qx 'dir 0700 0:0' <<< "$output"
  grep -qE '^/scratch tmpfs .*nosuid' <<< "$output"
  grep -qE '^/scratch tmpfs .*nodev' <<< "$output"
}

@test "rootfs: tmpcopyup copies the covered directory, hard links stay links" {
  local d=$BUNDLE/rootfs/data
  mkdir -p "$d/sub"
  echo shared > "$d/a"
  ln "$d/a" "$d/b"
  ln "$d/a" "$d/sub/c"
  echo own > "$d/solo"
  chown 1234:5678 "$d/solo"
  chmod 0600 "$d/solo"
  ln -s a "$d/link"
  update_config '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
                              "options": ["tmpcopyup", "mode=755"]}]'
  set_args sh -c '/probe mounts | grep "^/data "; cd /data && stat -c "%n %i %h %a %u:%g" a b sub/c solo;
                  readlink link; cat sub/c; echo changed > b; cat a'
  rrun berth run --bundle "$BUNDLE" copyup
  assert_status 0
  grep -qE '^/data tmpfs ' <<< "$output"
  local ia ib ic
  ia=$(awk 'NF == 5 && $1 == "a" {print $2 " " $3}' <<< "$output")
  ib=$(awk 'NF == 5 && $1 == "b" {print $2 " " $3}' <<< "$output")
  ic=$(awk 'NF == 5 && $1 == "sub/c" {print $2 " " $3}' <<< "$output")
  grep -qE '^solo [0-9]+ 1 600 1234:5678$' <<< "$output"
  grep -qx a <<< "$output"
  grep -qx shared <<< "$output"
  # runc 1.1.5 copies every name as a file of its own
  is_berth || [ "$ia" = "$ib" ] || skip "$RUNTIME_NAME does not keep hard links in tmpcopyup"
  # one inode with three names, as in the image: a write through one shows in all
  [ -n "$ia" ] && [ "$ia" = "$ib" ] && [ "$ia" = "$ic" ]
  [ "${ia#* }" = 3 ]
  grep -qx changed <<< "$output"
  # the copy is the tmpfs's: the image is untouched
  [ "$(cat "$d/a")" = shared ]
}

@test "rootfs: a hostile rootfs (/etc -> /) cannot make the runtime mount on the host" {
  local name=berth-hostile-$$-$RANDOM
  HOST_MARK=/$name
  [ ! -e "$HOST_MARK" ]
  rm -rf "$BUNDLE/rootfs/etc"
  ln -s / "$BUNDLE/rootfs/etc"
  update_config '.mounts += [{"destination": "/etc/'"$name"'", "type": "tmpfs", "source": "tmpfs", "options": ["mode=755"]}]'
  set_args sh -c '/probe mounts | grep '"$name"'; /probe stat /'"$name"
  rrun berth run --bundle "$BUNDLE" hostile
  # either refused or confined to the rootfs; the host is untouched
  [ ! -e "$HOST_MARK" ]
  ! grep -q " /$name " /proc/self/mountinfo
  if [ "$status" -eq 0 ]; then
    # confined: the mount landed at /<name> inside the container's root
    grep -q "^/$name tmpfs" <<< "$output"
    [ -d "$BUNDLE/rootfs/$name" ]
  fi
}

@test "rootfs: a hostile rootfs (/dev -> ../../..) cannot make the runtime create nodes on the host" {
  local name=berth-hostile-$$-$RANDOM
  HOST_MARK=/$name
  update_config '.linux.devices = [{"path": "/dev/'"$name"'/null", "type": "c", "major": 1, "minor": 3}]
                 | .mounts |= map(select(.destination | startswith("/dev") | not))'
  rm -rf "$BUNDLE/rootfs/dev"
  ln -s ../../../../../../.. "$BUNDLE/rootfs/dev"
  rrun berth run --bundle "$BUNDLE" hostile2
  [ ! -e "$HOST_MARK" ]
  [ ! -e "$BUNDLE/$name" ]
  [ ! -e "$BATS_TEST_TMPDIR/$name" ]
}

# root_mountinfo: the mountinfo line of the container's "/"
root_mountinfo() {
  set_args sh -c 'grep -E "^[0-9]+ [0-9]+ [0-9]+:[0-9]+ [^ ]+ / " /proc/self/mountinfo'
  rrun berth run --bundle "$BUNDLE" "prop-$RANDOM"
}

@test "rootfs: rootfsPropagation unbindable (the rootfs is still bound onto itself first)" {
  update_config '.linux.rootfsPropagation = "unbindable"'
  root_mountinfo
  assert_status 0
  assert_contains "$output" " unbindable "
}

@test "rootfs: rootfsPropagation private and shared" {
  update_config '.linux.rootfsPropagation = "private"'
  root_mountinfo
  assert_status 0
  [[ $output != *shared:* && $output != *master:* && $output != *unbindable* ]]
  update_config '.linux.rootfsPropagation = "shared"'
  root_mountinfo
  assert_status 0
  assert_contains "$output" " shared:"
}
