#!/usr/bin/env bats
# pause, resume, kill/delete of a paused container, ps from the cgroup, and
# `events` (stats and OOM notifications) on a pure cgroup v2 host: run them in
# the test VM (BUILDDIR=$PWD tests/vm/run-in-vm.sh cgroup-ops.bats).  Without
# a container cgroup (this hybrid host) the commands must say why they cannot
# work: the "no cgroup" tests run here.  The removal of a nested cgroupsPath
# runs here too, through use_cgroup2_view (helpers.bash): berth in a mount
# namespace of its own where the host's cgroup2 hierarchy is /sys/fs/cgroup.

load helpers

setup() {
  requires root
  berth_setup
  make_bundle
}

# ctr_cgroup ID: the container's cgroup v2 directory, from its init's
# /proc/PID/cgroup
ctr_cgroup() {
  local pid
  pid=$(ctr_pid "$1")
  echo "/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")"
}

# start_counter ID: a container whose init writes an increasing counter to
# /count ($BUNDLE/rootfs/count)
start_counter() {
  set_args probe count /count
  run_detached "$1"
  [ "$status" -eq 0 ]
  wait_log "$1" ready
  retry 50 0.1 test -s "$BUNDLE/rootfs/count"
}

counter() {
  cat "$BUNDLE/rootfs/count"
}

# nprocs_is DIR N: the cgroup DIR has N processes (for retry: evaluated on
# every attempt)
nprocs_is() {
  [ "$(wc -l < "$1/cgroup.procs")" -eq "$2" ]
}

# lines_at_least FILE TEXT N: FILE has at least N lines containing TEXT
lines_at_least() {
  [ "$(grep -c -- "$2" "$1")" -ge "$3" ]
}

# counter_advances_past N: the counter gets beyond N within a few seconds
counter_advances_past() {
  local i
  for ((i = 0; i < 100; i++)); do
    [ "$(counter)" -gt "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# ------------------------------------------------------------ no cgroup ----

@test "cgroup-ops: without a cgroup, pause, resume and events say why and change nothing" {
  [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || skip "a cgroup v2 host gives the container a cgroup"
  set_args probe signal-wait
  run_detached p1
  [ "$status" -eq 0 ]
  wait_log p1 ready
  rrun berth pause p1
  assert_status 1
  assert_contains "$output" "cannot pause container 'p1': container 'p1' has no cgroup"
  assert_contains "$output" "cgroup v2"
  rrun berth resume p1
  assert_status 1
  assert_contains "$output" "cannot resume container 'p1': container not paused (running)"
  for args in "--stats" "--interval 1s"; do
    rrun berth events $args p1
    assert_status 1
    assert_contains "$output" "container 'p1' has no cgroup"
  done
  [ "$(ctr_status p1)" = running ]
}

@test "cgroup-ops: events --interval takes Go durations and refuses others" {
  local d
  for d in abc 5 1x 1.5.2s "" s; do
    rrun berth events --interval "$d" nosuch
    assert_status 1
    assert_contains "$output" "invalid value '$d' for --interval"
  done
  for d in 0 0s -1s; do
    rrun berth events --interval "$d" nosuch
    assert_status 1
    assert_contains "$output" "duration interval must be greater than 0"
  done
  # valid: the parse passes and the missing container is what fails
  for d in 1m30s 500ms 1.5h 250us 10ns; do
    rrun berth events --interval "$d" nosuch
    assert_status 1
    assert_contains "$output" "container 'nosuch' does not exist"
  done
}

@test "cgroup-ops: pause, resume and events of a missing or stopped container" {
  for cmd in pause resume events; do
    rrun berth "$cmd" nosuch
    assert_status 1
    assert_contains "$output" "container 'nosuch' does not exist"
  done
  set_args probe exit 0
  create_ctr s1
  assert_status 0
  run -0 berth start s1
  wait_status s1 stopped
  rrun berth pause s1
  assert_status 1
  assert_contains "$output" "cannot pause container 's1': container not running (stopped)"
  rrun berth resume s1
  assert_status 1
  assert_contains "$output" "container not paused (stopped)"
  rrun berth events --stats s1
  assert_status 1
  assert_contains "$output" "container 's1' is not running"
}

# ------------------------------------------------------------ cgroup v2 ----

@test "cgroup-ops: pause freezes the container and resume thaws it" {
  requires cgroup2
  start_counter c1
  run -0 berth pause c1
  [ "$(ctr_status c1)" = paused ]
  [ "$(cat "$(ctr_cgroup c1)/cgroup.freeze")" = 1 ]
  # the process makes no progress while paused
  local a b
  a=$(counter)
  sleep 1
  b=$(counter)
  [ "$a" = "$b" ]
  # list shows it paused too (table and json)
  rrun berth list
  assert_status 0
  grep -E '^c1 +[0-9]+ +paused ' <<< "$output"
  rrun berth list --format json
  [ "$(jq -r '.[] | select(.id == "c1") | .status' <<< "$output")" = paused ]
  # the processes are still there, and ps lists them from the cgroup
  rrun berth ps --format json c1
  assert_status 0
  [ "$(jq -r '.[0]' <<< "$output")" = "$(ctr_pid c1)" ]

  run -0 berth resume c1
  [ "$(ctr_status c1)" = running ]
  [ "$(cat "$(ctr_cgroup c1)/cgroup.freeze")" = 0 ]
  counter_advances_past "$b"
}

@test "cgroup-ops: pause and resume refuse the wrong state with runc's words" {
  requires cgroup2
  start_counter c1
  rrun berth resume c1
  assert_status 1
  assert_contains "$output" "cannot resume container 'c1': container not paused (running)"
  run -0 berth pause c1
  rrun berth pause c1
  assert_status 1
  assert_contains "$output" "cannot pause container 'c1': container not running (paused)"
  # exec would freeze as it entered the cgroup
  rrun berth exec c1 /probe pid
  assert_status 1
  assert_contains "$output" "cannot exec in container 'c1': container is paused (use --ignore-paused to override)"
  rrun berth start c1
  assert_status 1
  assert_contains "$output" "container is paused"
  [ "$(ctr_status c1)" = paused ]
  run -0 berth resume c1
}

@test "cgroup-ops: a created container can be paused and resumed (as runc)" {
  requires cgroup2
  set_args probe pid
  rrun berth create --bundle "$BUNDLE" c1
  assert_status 0
  run -0 berth pause c1
  [ "$(ctr_status c1)" = paused ]
  run -0 berth resume c1
  [ "$(ctr_status c1)" = created ]
}

@test "cgroup-ops: kill --all KILL of a paused container leaves nothing" {
  requires cgroup2
  set_args sh -c '/probe sleep 1000 & /probe count /count & wait'
  run_detached c1
  [ "$status" -eq 0 ]
  wait_log c1 ready
  local cg
  cg=$(ctr_cgroup c1)
  retry 50 0.1 nprocs_is "$cg" 3
  run -0 berth pause c1
  run -0 berth kill --all c1 KILL
  wait_status c1 stopped
  retry 50 0.1 test ! -s "$cg/cgroup.procs"
  run -0 berth delete c1
  retry 50 0.1 test ! -d "$cg"
}

@test "cgroup-ops: kill KILL of a paused container's init stops it" {
  requires cgroup2
  start_counter c1
  local cg
  cg=$(ctr_cgroup c1)
  run -0 berth pause c1
  run -0 berth kill c1 KILL
  wait_status c1 stopped
  retry 50 0.1 test ! -s "$cg/cgroup.procs"
  # runc thaws after a SIGKILL so nothing stays frozen
  [ "$(cat "$cg/cgroup.freeze")" = 0 ]
}

@test "cgroup-ops: delete -f of a paused container removes processes, cgroup and state" {
  requires cgroup2
  set_args sh -c '/probe sleep 1000 & /probe count /count & wait'
  run_detached c1
  [ "$status" -eq 0 ]
  wait_log c1 ready
  local cg pids
  cg=$(ctr_cgroup c1)
  pids=$(cat "$cg/cgroup.procs")
  run -0 berth pause c1
  run -0 berth delete -f c1
  rrun berth state c1
  assert_status 1
  [ ! -d "$cg" ]
  for p in $pids; do
    [ ! -e "/proc/$p" ] || [ "$(awk '{print $3}' "/proc/$p/stat")" = Z ]
  done
}

@test "cgroup-ops: ps lists every process of the container's cgroup" {
  requires cgroup2
  set_args sh -c '/probe sleep 1000 & /probe sleep 1000 & echo ready; wait'
  run_detached c1
  [ "$status" -eq 0 ]
  wait_log c1 ready
  local cg
  cg=$(ctr_cgroup c1)
  retry 50 0.1 nprocs_is "$cg" 3
  rrun berth ps --format json c1
  assert_status 0
  [ "$(jq -r 'sort | join(" ")' <<< "$output")" = "$(sort -n "$cg/cgroup.procs" | xargs)" ]
}

@test "cgroup-ops: events --stats prints runc's stats object with the container's numbers" {
  requires cgroup2
  update_config '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 42}}'
  set_args sh -c 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; /probe signal-wait'
  run_detached c1
  [ "$status" -eq 0 ]
  wait_log c1 ready
  rrun berth events --stats c1
  assert_status 0
  [ "$(wc -l <<< "$output")" -eq 1 ]
  local ev=$output
  [ "$(jq -r .type <<< "$ev")" = stats ]
  [ "$(jq -r .id <<< "$ev")" = c1 ]
  jq -e '.data.pids.current >= 1 and .data.pids.limit == 42' <<< "$ev"
  jq -e '.data.memory.usage.usage > 0 and .data.memory.usage.limit == 67108864' <<< "$ev"
  jq -e '.data.memory.raw.anon >= 0 and .data.memory.raw.file >= 0' <<< "$ev"
  # cpu in nanoseconds: cpu.stat's usage_usec * 1000
  jq -e '.data.cpu.usage.total > 0' <<< "$ev"
  local usec
  usec=$(awk '$1 == "usage_usec" {print $2}' "$(ctr_cgroup c1)/cpu.stat")
  jq -e --argjson u "$usec" '.data.cpu.usage.total <= $u * 1000 and .data.cpu.usage.total % 1000 == 0' <<< "$ev"
  # runc's other members are there, with runc's names
  jq -e '.data | has("cpuset") and has("blkio") and has("hugetlb") and has("intel_rdt") and has("network_interfaces")' <<< "$ev"
  jq -e '.data.memory | has("swap") and has("kernel") and has("kernelTCP")' <<< "$ev"
}

@test "cgroup-ops: events --stats has the members runc 1.1 prints" {
  requires cgroup2 runc
  set_args probe signal-wait
  run_detached c1
  [ "$status" -eq 0 ]
  wait_log c1 ready
  rrun berth events --stats c1
  assert_status 0
  local ours=$output
  rrun rt runc run -d --bundle "$BUNDLE" r1
  assert_status 0
  rrun rt runc events --stats r1
  assert_status 0
  local theirs=$output
  rt runc delete -f r1
  # every object member (down to memory.raw's keys) and every always-present
  # number; omitempty numbers may be zero in one and not in the other
  local shape='[paths(type == "object" or type == "array" or type == "null")] | map(map(tostring) | join(".")) | sort'
  diff <(jq -r "$shape | .[]" <<< "$theirs") <(jq -r "$shape | .[]" <<< "$ours")
  diff <(jq -r '.data.memory.raw | keys[]' <<< "$theirs") <(jq -r '.data.memory.raw | keys[]' <<< "$ours")
}

@test "cgroup-ops: events streams stats, reports an OOM kill, and ends with the container" {
  requires cgroup2
  update_config '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
  set_args sh -c 'echo ready; while [ ! -e /go ]; do /probe sleep 0.2; done; head -c 64m /dev/zero | tail > /dev/null; echo "oom status $?"; /probe sleep 1000'
  run_detached c1
  [ "$status" -eq 0 ]
  wait_log c1 ready
  local log=$BATS_TEST_TMPDIR/events.out
  berth events --interval 500ms c1 > "$log" 2> "$BATS_TEST_TMPDIR/events.err" 3>&- &
  local ev=$!
  # stats every interval
  if ! retry 100 0.1 lines_at_least "$log" '"type":"stats"' 2; then
    cat "$BATS_TEST_TMPDIR/events.err" "$log"
    false
  fi
  jq -e 'select(.type == "stats") | .id == "c1" and .data.pids.current >= 1' "$log" > /dev/null
  touch "$BUNDLE/rootfs/go"
  wait_log c1 "oom status 137"
  retry 100 0.1 grep -qx '{"type":"oom","id":"c1"}' "$log"
  [ "$(grep -c '"type":"oom"' "$log")" -eq 1 ]
  # the stream ends by itself when the container stops
  run -0 berth kill c1 KILL
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$ev" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$ev" 2> /dev/null; then
    kill "$ev"
    fail "events did not end with the container"
  fi
  wait "$ev"
  [ ! -s "$BATS_TEST_TMPDIR/events.err" ]
}

# ------------------------------------------------- nested cgroupsPath ----
# berth removes the levels of cgroupsPath it made, never one it found or
# one that still has other children.  All of it below TOP, a top-level
# cgroup of the test's own (use_cgroup2_view: also on this hybrid host).

nested_top() {
  use_cgroup2_view
  TOP=cgn-$$-$RANDOM
  echo "$TOP" >> "$BATS_TEST_TMPDIR/cgroups"
  mkdir "$CGROUP2_ROOT/$TOP"
}

# start_in ID CGROUPSPATH: a running container in that cgroup
start_in() {
  update_config ".linux.cgroupsPath = \"$2\""
  set_args probe sleep 1000
  run_detached "$1"
  assert_status 0
  grep -qx "$(ctr_pid "$1")" "$CGROUP2_ROOT$2/cgroup.procs"
}

# levels: the cgroups below TOP, one per line, sorted
levels() {
  (cd "$CGROUP2_ROOT/$TOP" && find . -mindepth 1 -type d | sort)
}

@test "cgroup-ops: delete removes the levels of a nested cgroupsPath berth made, not those it found" {
  nested_top
  start_in c1 "/$TOP/a/b/c1"
  [ "$(jq -r .cgroup_made "$STATE_DIR/berth/c1/state.json")" = 3 ]
  run -0 berth delete -f c1
  [ -z "$(levels)" ]
  [ -d "$CGROUP2_ROOT/$TOP" ]
  # a level that was there before stays, with what is in it
  mkdir -p "$CGROUP2_ROOT/$TOP/a/keep"
  start_in c2 "/$TOP/a/b/c2"
  run -0 berth delete -f c2
  [ "$(levels)" = $'./a\n./a/keep' ]
  # the same for a cgroup that is the container's own (nothing made)
  start_in c3 "/$TOP/a/keep"
  run -0 berth delete -f c3
  [ "$(levels)" = $'./a\n./a/keep' ]
  rmdir "$CGROUP2_ROOT/$TOP/a/keep" "$CGROUP2_ROOT/$TOP/a" "$CGROUP2_ROOT/$TOP"
}

@test "cgroup-ops: a level berth made stays while other cgroups or containers are in it" {
  nested_top
  start_in c1 "/$TOP/a/b/c1" # makes a, b and c1
  start_in c2 "/$TOP/a/b/c2" # makes c2 only
  mkdir "$CGROUP2_ROOT/$TOP/a/other"
  local pid2
  pid2=$(ctr_pid c2)
  # c1 made b and a, but c2 and other are in them
  run -0 berth delete -f c1
  [ "$(levels)" = $'./a\n./a/b\n./a/b/c2\n./a/other' ]
  [ "$(ctr_status c2)" = running ]
  grep -qx "$pid2" "$CGROUP2_ROOT/$TOP/a/b/c2/cgroup.procs"
  # c2 made only c2: b stays (as runc and crun leave every level above)
  run -0 berth delete -f c2
  [ "$(levels)" = $'./a\n./a/b\n./a/other' ]
  # the other order: the last one out takes what it made and is empty
  rmdir "$CGROUP2_ROOT/$TOP/a/b"
  start_in c1 "/$TOP/a/b/c1"
  start_in c2 "/$TOP/a/b/c2"
  run -0 berth delete -f c2
  run -0 berth delete -f c1
  [ "$(levels)" = $'./a\n./a/other' ]
  rmdir "$CGROUP2_ROOT/$TOP/a/other" "$CGROUP2_ROOT/$TOP/a" "$CGROUP2_ROOT/$TOP"
}

@test "cgroup-ops: a create that fails, or is killed, leaves no level of a nested cgroupsPath" {
  nested_top
  update_config ".linux.cgroupsPath = \"/$TOP/a/b/c1\"
    | .hooks.createRuntime = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"exit 3\"]}]"
  rrun berth create --bundle "$BUNDLE" c1
  assert_status 1
  [ -z "$(levels)" ]
  [ -z "$(ls "$STATE_DIR/berth")" ]
  # killed (-9) while its createRuntime hook runs: delete -f takes every level
  local t=$BATS_TEST_TMPDIR berth_pid
  update_config ".hooks.createRuntime = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo \$\$ > $t/hook.pid; exec sleep 60\"]}]"
  RT_EXEC=1 berth create --bundle "$BUNDLE" c1 < /dev/null > "$t/c1.log" 2>&1 3>&- &
  berth_pid=$!
  retry 300 0.1 test -s "$t/hook.pid"
  [ -d "$CGROUP2_ROOT/$TOP/a/b/c1" ]
  kill -9 "$berth_pid"
  wait "$berth_pid" || true
  kill -9 "$(cat "$t/hook.pid")"
  run -0 berth delete -f c1
  [ -z "$(levels)" ]
  [ ! -e "$STATE_DIR/berth/c1" ]
  rmdir "$CGROUP2_ROOT/$TOP"
}
