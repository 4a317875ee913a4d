#!/usr/bin/env bats
# What a user sees when something is wrong: the message names the problem,
# the exit status is non-zero, and nothing is left behind (teardown checks
# for state dirs, mounts and cgroups).

load helpers

setup() {
  berth_setup
  make_bundle
}

# no_state_left: the runtime's state root holds no container
no_state_left() {
  local d=$STATE_DIR/$RUNTIME_NAME
  [ ! -d "$d" ] || [ -z "$(find "$d" -mindepth 1 -maxdepth 1 -type d)" ]
}

@test "errors: a config.json with the wrong type names the JSON path" {
  update_config '.process.args = "probe"'
  create_ctr bad
  assert_failure
  assert_contains "$output" "process.args"
  if is_berth; then assert_contains "$output" ".process.args"; fi
  no_state_left
}

@test "errors: a wrong element type names the element" {
  requires berth
  update_config '.process.args = ["/probe", 42]'
  create_ctr bad
  assert_failure
  assert_contains "$output" ".process.args[1]"
  no_state_left
}

@test "errors: invalid JSON in config.json is reported as such" {
  echo '{"ociVersion": "1.0.2", ' > "$BUNDLE/config.json"
  create_ctr bad
  assert_failure
  # runc says only "unexpected EOF"
  if is_berth; then assert_contains "$output" "config.json"; fi
  no_state_left
}

@test "errors: a relative process.cwd is refused before anything runs" {
  update_config '.process.cwd = "relative/dir"'
  create_ctr bad
  assert_failure
  grep -qi cwd <<< "$output"
  no_state_left
}

@test "errors: a missing bundle is named" {
  rrun_log bad berth create --bundle "$BATS_TEST_TMPDIR/no-such-bundle" bad
  assert_failure
  assert_contains "$output" "no-such-bundle"
  no_state_left
}

@test "errors: a bundle without config.json is named" {
  rm "$BUNDLE/config.json"
  create_ctr bad
  assert_failure
  assert_contains "$output" "config.json"
  no_state_left
}

@test "errors: an invalid container id is refused and creates nothing" {
  local id
  for id in ../x a/b .. ''; do
    rrun_log bad berth create --bundle "$BUNDLE" "$id"
    assert_failure
    if is_berth && [ -n "$id" ]; then assert_contains "$output" "'$id'"; fi
  done
  no_state_left
  [ ! -e "$STATE_DIR/x" ]
}

@test "errors: a failing mount leaves no state, process or mount behind" {
  update_config '.mounts += [{"destination": "/data", "type": "bind", "source": "'"$BATS_TEST_TMPDIR"'/no-such-dir", "options": ["bind"]}]'
  create_ctr bad
  assert_failure
  assert_contains "$output" "no-such-dir"
  no_state_left
}

@test "errors: --log FILE --log-format json writes the error as one JSON line" {
  run berth --log "$BATS_TEST_TMPDIR/log.json" --log-format json state no-such-ctr
  assert_failure
  cat "$BATS_TEST_TMPDIR/log.json"
  run -0 jq -c 'select(.level == "error")' "$BATS_TEST_TMPDIR/log.json"
  [ "${#lines[@]}" -eq 1 ]
  jq -e '(.msg | type == "string" and length > 0) and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))' <<< "${lines[0]}"
  if is_berth; then assert_contains "${lines[0]}" "no-such-ctr"; fi
}

@test "errors: --log FILE in text format gets the error too" {
  run berth --log "$BATS_TEST_TMPDIR/log.txt" state no-such-ctr
  assert_failure
  grep -q "does not exist" "$BATS_TEST_TMPDIR/log.txt"
}
