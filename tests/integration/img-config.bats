#!/usr/bin/env bats
# img config: an image's configuration changed without a layer.

load helpers
load img-helpers

setup() {
  berth_setup
  img_setup
  requires root
}

@test "img config: cmd, entrypoint, env, workdir, user, labels, volumes, ports, stop signal" {
  umoci_image "$IMG_STORE" base
  local layers_before
  layers_before=$(config_json "$IMG_STORE" base | jq -c .rootfs.diff_ids)
  img config --entrypoint /bin/sh --entrypoint -c --cmd 'echo $GREETING' --env GREETING=hi --env PATH=/bin \
    --workdir /tmp --user 1000:1000 --label org.example=yes --volume /data --port 8080 --stop-signal SIGINT \
    --author tester base
  run config_json "$IMG_STORE" base
  assert_status 0
  local c=$output
  [ "$(jq -c .config.Entrypoint <<< "$c")" = '["/bin/sh","-c"]' ]
  [ "$(jq -c .config.Cmd <<< "$c")" = '["echo $GREETING"]' ]
  [ "$(jq -r '.config.Env | map(select(startswith("GREETING="))) | .[0]' <<< "$c")" = GREETING=hi ]
  [ "$(jq -r '.config.Env | map(select(startswith("PATH="))) | length' <<< "$c")" = 1 ] || fail "PATH twice"
  [ "$(jq -r .config.WorkingDir <<< "$c")" = /tmp ]
  [ "$(jq -r .config.User <<< "$c")" = 1000:1000 ]
  [ "$(jq -r '.config.Labels["org.example"]' <<< "$c")" = yes ]
  [ "$(jq -c .config.Volumes <<< "$c")" = '{"/data":{}}' ]
  [ "$(jq -c .config.ExposedPorts <<< "$c")" = '{"8080/tcp":{}}' ]
  [ "$(jq -r .config.StopSignal <<< "$c")" = SIGINT ]
  [ "$(jq -r .author <<< "$c")" = tester ]
  [ "$(jq -c .rootfs.diff_ids <<< "$c")" = "$layers_before" ] || fail "the layers changed"
  [ "$(jq -r '.history[-1].empty_layer' <<< "$c")" = true ]
  [ "$(jq -r '.history[-1].created_by' <<< "$c")" = "img config" ]
  # umoci agrees
  run umoci stat --image "$IMG_STORE:base" --json
  assert_status 0
}

@test "img config --tag keeps the original; --clear; errors name the option" {
  umoci_image "$IMG_STORE" base
  img config --tag derived --clear cmd --cmd /bin/true base
  [ "$(config_json "$IMG_STORE" base | jq -c .config.Cmd)" = '["/bin/sh","-c","echo hello from image"]' ]
  [ "$(config_json "$IMG_STORE" derived | jq -c .config.Cmd)" = '["/bin/true"]' ]
  run img config --env NOEQUALS base
  assert_failure
  assert_contains "$output" "'--env'"
  run img config --workdir relative base
  assert_failure
  assert_contains "$output" "not an absolute path"
  run img config base
  assert_failure
  assert_contains "$output" "nothing to change"
  run img config --cmd x missing
  assert_failure
  assert_contains "$output" "'missing' not found"
}

@test "img new → unpack → fill the rootfs → commit → config → unpack elsewhere → berth run" {
  img new scratch
  run img unpack scratch "$BATS_TEST_TMPDIR/b1"
  assert_status 0
  assert_contains "$output" "neither Entrypoint nor Cmd"
  [ "$(jq -c .process.args "$BATS_TEST_TMPDIR/b1/config.json")" = '["sh"]' ]
  cp -a "$(template_rootfs)/." "$BATS_TEST_TMPDIR/b1/rootfs/"
  echo "made by hand" > "$BATS_TEST_TMPDIR/b1/rootfs/etc/motd"
  img commit "$BATS_TEST_TMPDIR/b1" scratch:filled
  img config --cmd /bin/cat --cmd /etc/motd scratch:filled
  img unpack scratch:filled "$BATS_TEST_TMPDIR/b2"
  [ "$(tree_digest "$BATS_TEST_TMPDIR/b1/rootfs")" = "$(tree_digest "$BATS_TEST_TMPDIR/b2/rootfs")" ] ||
    fail "the committed tree differs"
  run berth --cgroup-manager=disabled run -b "$BATS_TEST_TMPDIR/b2" "ctr-$BATS_TEST_NUMBER"
  assert_status 0
  [ "$output" = "made by hand" ]
}

@test "img --digest sha512: commit writes sha512 blobs that unpack, gc and export handle" {
  umoci_image "$IMG_STORE" base
  img unpack base "$BATS_TEST_TMPDIR/b1"
  echo sha512 > "$BATS_TEST_TMPDIR/b1/rootfs/etc/which"
  img --digest sha512 commit "$BATS_TEST_TMPDIR/b1" base:512
  local m
  m=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="base:512") | .digest' "$IMG_STORE/index.json")
  [[ $m == sha512:* ]] || fail "the manifest digest is $m"
  [ -f "$IMG_STORE/blobs/sha512/${m#sha512:}" ]
  [ "$(sha512sum < "$IMG_STORE/blobs/sha512/${m#sha512:}" | cut -d' ' -f1)" = "${m#sha512:}" ]
  img unpack base:512 "$BATS_TEST_TMPDIR/b2"
  [ "$(cat "$BATS_TEST_TMPDIR/b2/rootfs/etc/which")" = sha512 ]
  img gc
  img unpack base:512 "$BATS_TEST_TMPDIR/b3"
  img export -o "$BATS_TEST_TMPDIR/a.tar" base:512
  IMG_STORE=$BATS_TEST_TMPDIR/s2 img import "$BATS_TEST_TMPDIR/a.tar"
  IMG_STORE=$BATS_TEST_TMPDIR/s2 img unpack base:512 "$BATS_TEST_TMPDIR/b4"
  [ "$(cat "$BATS_TEST_TMPDIR/b4/rootfs/etc/which")" = sha512 ]
  run img --digest md5 ls
  assert_failure
  assert_contains "$output" "unknown digest algorithm 'md5'"
}
