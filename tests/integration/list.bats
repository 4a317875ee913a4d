#!/usr/bin/env bats
# `list`: the table, --format json and -q, for containers in several states.

load helpers

setup() {
  berth_setup
  make_bundle "$BATS_TEST_TMPDIR/b-created"
  set_args probe signal-wait
  create_ctr ctr-created
  [ "$status" -eq 0 ]
  make_bundle "$BATS_TEST_TMPDIR/b-running"
  set_args probe signal-wait
  run_detached ctr-running
  [ "$status" -eq 0 ]
}

@test "list: an empty root lists nothing" {
  run -0 berth delete -f ctr-created
  run -0 berth delete -f ctr-running
  run -0 berth list -q
  [ -z "$output" ]
  run -0 berth list --format json
  # runc prints "null" for no containers, crun "[]"
  [ "$(jq -c '. // []' <<< "$output")" = "[]" ]
}

@test "list: a table with a header and one row per container" {
  run -0 berth list
  [[ ${lines[0]} =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER ]]
  [ "${#lines[@]}" -eq 3 ]
  local row
  row=$(grep '^ctr-created ' <<< "$output")
  [[ $row =~ ^ctr-created\ +[1-9][0-9]*\ +created\ +$BATS_TEST_TMPDIR/b-created\ + ]]
  [[ $row == *" root" ]]
  row=$(grep '^ctr-running ' <<< "$output")
  [[ $row =~ ^ctr-running\ +$(ctr_pid ctr-running)\ +running\ +$BATS_TEST_TMPDIR/b-running\ + ]]
}

@test "list --format json: an array with the state fields" {
  run -0 berth list --format json
  [ "$(jq -r 'map(.id) | sort | join(" ")' <<< "$output")" = "ctr-created ctr-running" ]
  [ "$(jq -r '.[] | select(.id == "ctr-running") | .status' <<< "$output")" = running ]
  [ "$(jq -r '.[] | select(.id == "ctr-created") | .status' <<< "$output")" = created ]
  [ "$(jq -r '.[] | select(.id == "ctr-running") | .pid' <<< "$output")" = "$(ctr_pid ctr-running)" ]
  [ "$(jq -r '.[] | select(.id == "ctr-running") | .bundle' <<< "$output")" = "$BATS_TEST_TMPDIR/b-running" ]
  # created is an RFC 3339 time
  jq -e 'all(.[]; .created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)$"))' <<< "$output"
  jq -e 'all(.[]; has("ociVersion") and has("rootfs") and has("owner"))' <<< "$output"
}

@test "list -q: only the ids, one a line" {
  run -0 berth list -q
  [ "$(sort <<< "$output" | tr '\n' ' ')" = "ctr-created ctr-running " ]
  run -0 berth list --quiet
  [ "${#lines[@]}" -eq 2 ]
}

@test "list: a stopped container shows as stopped" {
  run -0 berth kill ctr-running KILL
  wait_status ctr-running stopped
  run -0 berth list --format json
  [ "$(jq -r '.[] | select(.id == "ctr-running") | .status' <<< "$output")" = stopped ]
}
