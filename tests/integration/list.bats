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

# 50 containers: enough that berth lists the live pids of /proc once instead
# of reading /proc/PID/stat for each (it does so from 16 recorded pids on).
@test "list: 50 containers, stopped ones, a dead pid and a reused pid" {
  local id gone root sleeper=
  make_bundle "$BATS_TEST_TMPDIR/b-many"
  set_args probe exit 0
  for id in $(seq -f 'many-%g' 10 55); do
    create_ctr "$id"
    [ "$status" -eq 0 ]
    run -0 berth start "$id"
  done
  for id in $(seq -f 'many-%g' 10 55); do
    wait_status "$id" stopped
  done
  if is_berth; then
    root=$STATE_DIR/$RUNTIME_NAME
    # many-10 records a pid that is gone; many-11 one that is alive but a
    # different process (its start time does not match): both are stopped.
    sh -c 'echo $$ > "$0"' "$BATS_TEST_TMPDIR/gone"
    gone=$(cat "$BATS_TEST_TMPDIR/gone")
    sleep 1000 &
    sleeper=$!
    jq -c --argjson p "$gone" '.pid = $p' "$root/many-10/state.json" > "$BATS_TEST_TMPDIR/s" &&
      cp "$BATS_TEST_TMPDIR/s" "$root/many-10/state.json"
    jq -c --argjson p "$sleeper" '.pid = $p | .pid_start = 1' "$root/many-11/state.json" > "$BATS_TEST_TMPDIR/s" &&
      cp "$BATS_TEST_TMPDIR/s" "$root/many-11/state.json"
  fi
  run -0 berth list
  [ -n "$sleeper" ] && kill "$sleeper"
  [[ ${lines[0]} =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
  [ "${#lines[@]}" -eq 49 ]
  [ "$(grep -c '^many-[0-9]* *0 *stopped ' <<< "$output")" -eq 46 ]
  [[ $(grep '^ctr-running ' <<< "$output") =~ ^ctr-running\ +$(ctr_pid ctr-running)\ +running\  ]]
  [[ $(grep '^ctr-created ' <<< "$output") =~ ^ctr-created\ +[1-9][0-9]*\ +created\  ]]
  # sorted by id, every row as wide as the header says
  [ "$(sed 1d <<< "$output" | cut -d' ' -f1)" = "$(sed 1d <<< "$output" | cut -d' ' -f1 | LC_ALL=C sort)" ]
  run -0 berth list --format json
  [ "$(jq length <<< "$output")" -eq 48 ]
  [ "$(jq '[.[] | select(.status == "stopped" and .pid == 0)] | length' <<< "$output")" -eq 46 ]
  [ "$(jq -r '.[] | select(.id == "many-11") | .status' <<< "$output")" = stopped ]
  [ "$(jq -r '.[] | select(.id == "ctr-running") | .status' <<< "$output")" = running ]
  run -0 berth list -q
  [ "${#lines[@]}" -eq 48 ]
  run -0 berth state many-11
  [ "$(jq -r .status <<< "$output")" = stopped ]
}
