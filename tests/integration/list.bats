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

# From 64 containers on, berth keeps <root>/.berth-list, the text of each
# state.json with the inode and ctime of its directory.  These containers are
# directories with a state.json only (a dead pid): list needs nothing else.
@test "list: with 70 containers the state cache never shows a stale state" {
  requires berth
  local root=$STATE_DIR/$RUNTIME_NAME i gone row
  sh -c 'echo $$ > "$0"' "$BATS_TEST_TMPDIR/gone"
  gone=$(cat "$BATS_TEST_TMPDIR/gone")
  for i in $(seq 1 70); do
    mkdir -m 711 "$root/fake-$i"
    jq -c --arg id "fake-$i" --argjson p "$gone" '.id = $id | .pid = $p | .bundle = "/b/\($id)"' \
      "$root/ctr-running/state.json" > "$root/fake-$i/state.json"
  done
  jq -c '.annotations = {"a": "x:1\ny \"z\" \u00e9", "b": "", "c 2": "3:"}' "$root/fake-3/state.json" > "$root/fake-3/.tmp" &&
    mv "$root/fake-3/.tmp" "$root/fake-3/state.json"
  run -0 berth list
  [ "${#lines[@]}" -eq 73 ]
  [ "$(grep -c '^fake-[0-9]* *0 *stopped *\/b\/fake-[0-9]* ' <<< "$output")" -eq 70 ]
  # two seconds on, every entry is old enough to be kept
  sleep 3
  run -0 berth list
  [ -f "$root/.berth-list" ]
  # berth replaces state.json by a rename, which is what the cache watches;
  # twice within a second, and listed in between
  jq -c '.bundle = "/new/5"' "$root/fake-5/state.json" > "$root/fake-5/.tmp" && mv "$root/fake-5/.tmp" "$root/fake-5/state.json"
  run -0 berth list
  grep -q '^fake-5 .* /new/5 ' <<< "$output"
  jq -c '.bundle = "/newer/5"' "$root/fake-5/state.json" > "$root/fake-5/.tmp" && mv "$root/fake-5/.tmp" "$root/fake-5/state.json"
  run -0 berth list
  grep -q '^fake-5 .* /newer/5 ' <<< "$output"
  # the status and the owner are never taken from the cache
  run -0 berth kill ctr-running KILL
  wait_status ctr-running stopped
  chown nobody "$root/fake-9"
  rm -rf "$root/fake-7"
  mkdir -m 711 "$root/fake-99"
  run -0 berth list
  [ "${#lines[@]}" -eq 73 ]
  [[ $(grep '^ctr-running ' <<< "$output") =~ ^ctr-running\ +0\ +stopped\  ]]
  [[ $(grep '^fake-9 ' <<< "$output") == *" nobody" ]]
  ! grep -q '^fake-7 ' <<< "$output"
  [[ $(grep '^fake-99 ' <<< "$output") =~ ^fake-99\ +0\ +creating\  ]]
  run -0 berth list --format json
  [ "$(jq -r '.[] | select(.id == "fake-5") | .bundle' <<< "$output")" = /newer/5 ]
  [ "$(jq -c '.[] | select(.id == "fake-3") | .annotations' <<< "$output")" = "$(jq -c .annotations "$root/fake-3/state.json")" ]
  [ "$(jq -r '.[] | select(.id == "fake-3") | .annotations.a' <<< "$output")" = "$(printf 'x:1\ny "z" \u00e9')" ]
  [ "$(jq -r '.[] | select(.id == "ctr-created") | .status' <<< "$output")" = created ]
  # a damaged cache is no error
  printf 'berth list cache 2\nfake-1 1 2 3 9999\n{' > "$root/.berth-list"
  run -0 berth list
  [ "${#lines[@]}" -eq 73 ]
  grep -q '^fake-5 .* /newer/5 ' <<< "$output"
  for i in $(seq 1 99); do rm -rf "$root/fake-$i"; done
  run -0 berth list
  [ "${#lines[@]}" -eq 3 ]
  [ ! -e "$root/.berth-list" ]
}
