#!/usr/bin/env bats
# Help output: the commands a user (or conmon/podman reading --help) looks for.

load helpers

@test "--help lists the lifecycle commands" {
  run -0 "$BERTH" --help
  local cmd
  for cmd in create start run state kill delete list spec exec; do
    assert_contains "$output" "$cmd"
  done
}

@test "help is the same as --help" {
  run -0 "$BERTH" --help
  local long=$output
  run -0 "$BERTH" help
  [ "$output" = "$long" ]
}

@test "create --help shows its options and exits 0" {
  run -0 "$BERTH" create --help
  assert_contains "$output" "--bundle"
  assert_contains "$output" "--pid-file"
  assert_contains "$output" "--console-socket"
}

@test "kill --help and delete --help show their options" {
  run -0 "$BERTH" kill --help
  assert_contains "$output" "--all"
  run -0 "$BERTH" delete --help
  assert_contains "$output" "--force"
}

@test "an unknown command fails and names it" {
  run "$BERTH" no-such-command
  assert_failure
  assert_contains "$output" "no-such-command"
}

@test "an unknown option fails and names it" {
  run "$BERTH" state --no-such-option x
  assert_failure
  assert_contains "$output" "no-such-option"
}
