#!/usr/bin/env bats
# `spec` writes a starting config.json for a bundle.

load helpers

@test "spec writes a config.json runnable with sh" {
  cd "$BATS_TEST_TMPDIR"
  run -0 "$BERTH" spec
  [ -f config.json ]
  run -0 jq -r '.ociVersion, .root.path, (.process.args | join(" ")), .process.cwd' config.json
  [[ ${lines[0]} == 1.* ]]
  [ "${lines[1]}" = rootfs ]
  [ "${lines[2]}" = sh ]
  [ "${lines[3]}" = / ]
  # the namespaces a container gets by default
  run -0 jq -r '[.linux.namespaces[].type] | sort | join(" ")' config.json
  for ns in ipc mount network pid uts; do
    assert_contains "$output" "$ns"
  done
}

@test "spec refuses to overwrite an existing config.json" {
  cd "$BATS_TEST_TMPDIR"
  echo '{"mine": true}' > config.json
  run "$BERTH" spec
  assert_failure
  assert_contains "$output" "config.json"
  [ "$(jq -c . config.json)" = '{"mine":true}' ]
}

@test "spec -b DIR and --bundle DIR write into DIR" {
  mkdir "$BATS_TEST_TMPDIR/b1" "$BATS_TEST_TMPDIR/b2" "$BATS_TEST_TMPDIR/cwd"
  cd "$BATS_TEST_TMPDIR/cwd"
  run -0 "$BERTH" spec -b "$BATS_TEST_TMPDIR/b1"
  run -0 "$BERTH" spec --bundle "$BATS_TEST_TMPDIR/b2"
  jq -e .ociVersion "$BATS_TEST_TMPDIR/b1/config.json"
  jq -e .ociVersion "$BATS_TEST_TMPDIR/b2/config.json"
  [ ! -e config.json ]
}

@test "spec --rootless adds a user namespace mapping the caller" {
  cd "$BATS_TEST_TMPDIR"
  run -0 "$BERTH" spec --rootless
  run -0 jq -r '[.linux.namespaces[].type] | join(" ")' config.json
  assert_contains "$output" "user"
  run -0 jq -r '.linux.uidMappings[0] | "\(.containerID) \(.hostID) \(.size)"' config.json
  [ "$output" = "0 $(id -u) 1" ]
  run -0 jq -r '.linux.gidMappings[0] | "\(.containerID) \(.hostID) \(.size)"' config.json
  [ "$output" = "0 $(id -g) 1" ]
  # no cgroup limits a rootless container could not set
  run -0 jq -r '.linux.resources // {} | length' config.json
  [ "$output" = 0 ]
}

@test "spec output validates against the runtime-spec schema" {
  local check=$TOP_DIR/tests/schema/check-schema.py
  [ -f "$check" ] || skip "tests/schema/check-schema.py is not there yet"
  cd "$BATS_TEST_TMPDIR"
  run -0 "$BERTH" spec
  run -0 python3 "$check" config.json
  mkdir rootless && cd rootless
  run -0 "$BERTH" spec --rootless
  run -0 python3 "$check" config.json
}
