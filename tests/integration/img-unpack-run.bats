#!/usr/bin/env bats
# `img unpack` then `berth run`: the bundle runs as unpacked (only the
# cgroup manager is switched off so the test makes no cgroup on the host),
# and the container shows the image's default command, env, cwd and user.

load helpers
load img-helpers

setup_file() {
  rootless_user_setup
}

setup() {
  berth_setup
  img_setup
  requires root
  command -v umoci > /dev/null || fail "umoci is not installed (apt-get install umoci)"
}

teardown() {
  rootless_teardown
}

# app_image TAG [USER]: the busybox+probe rootfs with a user "app"
# (1234:1234, also in group "extra" 4321), a /work directory, and a config
# (set with umoci config) whose default command prints who and where it is.
app_image() {
  local src=$BATS_TEST_TMPDIR/src-$1 user=${2:-app}
  cp -a "$(template_rootfs)" "$src"
  cat > "$src/etc/passwd" << 'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1234:1234:the app:/home/app:/bin/sh
EOF
  cat > "$src/etc/group" << 'EOF'
root:x:0:
app:x:1234:
extra:x:4321:app
EOF
  mkdir -p "$src/work" "$src/home/app"
  chmod 755 "$src/work"
  umoci_image "$IMG_STORE" "$1" "$src"
  umoci config --image "$IMG_STORE:$1" --clear=config.cmd --clear=config.env \
    --config.entrypoint /bin/sh --config.entrypoint -c \
    --config.cmd '/probe uid; /probe cwd; /probe env; /probe mounts; echo ran the image command' \
    --config.env PATH=/bin:/image/bin --config.env FOO=from-image \
    --config.workingdir /work --config.user "$user" --config.volume /vol > /dev/null ||
    fail "umoci config $1"
}

@test "img unpack + berth run: the image's command runs with its env, cwd and user" {
  app_image app
  run img unpack app "$BATS_TEST_TMPDIR/bundle"
  assert_status 0
  local b=$BATS_TEST_TMPDIR/bundle
  [ -f "$b/config.json" ]
  [ -x "$b/rootfs/probe" ]
  jq -e '.process.terminal == false' "$b/config.json"
  rrun berth --cgroup-manager=disabled run --bundle "$b" unpacked-$RANDOM
  assert_status 0
  grep -qx "ran the image command" <<< "$output"
  grep -q "^uid=1234 gid=1234 euid=1234 egid=1234 groups=4321\$" <<< "$output"
  grep -qx /work <<< "$output"
  grep -qx FOO=from-image <<< "$output"
  grep -qx PATH=/bin:/image/bin <<< "$output"
  grep -qx HOME=/home/app <<< "$output"
  [ "$(grep -c '^PATH=' <<< "$output")" = 1 ]
  # the Volume is a tmpfs of its own, not the rootfs
  grep -q '^/vol tmpfs ' <<< "$output"
}

@test "img unpack + berth run: User uid:gid numeric, no supplementary groups" {
  app_image num 1234:77
  run img unpack num "$BATS_TEST_TMPDIR/bundle"
  assert_status 0
  rrun berth --cgroup-manager=disabled run --bundle "$BATS_TEST_TMPDIR/bundle" num-$RANDOM
  assert_status 0
  grep -q "^uid=1234 gid=77 euid=1234 egid=77 groups=\$" <<< "$output"
  grep -qx HOME=/home/app <<< "$output"
}

@test "img unpack: a User the image's /etc/passwd lacks is an error naming it" {
  app_image nouser ghost
  run img unpack nouser "$BATS_TEST_TMPDIR/bundle"
  assert_status 1
  [[ $output == *"'ghost'"* ]]
  [[ $output == *"nouser"* ]]
}

@test "img unpack --rootless as an unprivileged user + berth run as that user" {
  requires_rootless
  rootless_setup
  app_image rl
  chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$IMG_STORE"
  local b=$BATS_TEST_TMPDIR/rlbundle
  mkdir "$b"
  chown "$ROOTLESS_UID:$ROOTLESS_GID" "$b"
  rrun as_user "$IMG" --store "$IMG_STORE" unpack --rootless rl "$b"
  assert_status 0
  # app (1234) needs more than the caller's one id: its subordinate ranges
  jq -e '.linux.uidMappings | length == 2' "$b/config.json"
  jq -e ".linux.uidMappings[1].hostID == $(rootless_subid uid)" "$b/config.json"
  rrun as_user "$BERTH" run --bundle "$b" rl-$RANDOM
  assert_status 0
  grep -qx "ran the image command" <<< "$output"
  grep -q "^uid=1234 gid=1234 euid=1234 egid=1234 groups=4321\$" <<< "$output"
  grep -qx /work <<< "$output"
  grep -qx FOO=from-image <<< "$output"
}
