#!/usr/bin/env bats
# berth killed with SIGKILL at every step of create, start, exec, kill,
# delete, run -d and run (the fault points of src/common/fault.h): after
# each kill `state`, `list` and `delete -f` must succeed (or say "does not
# exist" once nothing is left), and nothing may stay behind: no state dir,
# no mount mentioning the bundle or the state root, no process of the
# container or of berth, no cgroup; and the id must be usable again.
#
# Each scenario first runs its command with BERTH_FAULT_LOG to list the
# points it reaches (the test fails when an expected one is missing: a
# point removed from the code is noticed), then once per point with
# BERTH_FAULT_AT.  make check: every point once (the first scenario that
# reaches it; each kill reuses the id of the one before, and a full
# create/start/delete checks it after a scenario's last kill).
# FAULTS_FULL=1 (make stress-faults): every occurrence of every point in
# every scenario, the id reuse checked after each kill, and many more
# random kills from outside.
# FAULTS_RANDOM=N sets the number of random kills (default 12, full 300).
#
# Scenarios besides the commands themselves: a container without a mount
# namespace (host mounts), one with a user namespace (the id maps), one
# with a terminal (--console-socket), and one in a nested cgroupsPath whose
# intermediate levels berth makes (create, delete and exec; on a hybrid
# host berth sees the cgroup2 hierarchy as /sys/fs/cgroup in a mount
# namespace of its own, use_cgroup2_view, so the cgroup points are reached
# here too).

load helpers

ID=fault1

setup() {
  requires root berth
  berth_setup
  make_bundle
  TAG="faults-$$-$RANDOM$RANDOM"
  CG=$(jq -r .linux.cgroupsPath "$BUNDLE/config.json")
  # the container's processes carry BERTH_FAULTS_TAG, berth's own
  # BERTH_FAULT_RUN: a leftover of either is found in /proc/*/environ
  update_config ".process.env += [\"BERTH_FAULTS_TAG=$TAG\"]
    | .hooks.createRuntime = [{\"path\": \"/bin/true\"}]"
  set_args probe sleep 1000
  FLOG=$BATS_TEST_TMPDIR/fault.log
  : > "$FLOG"
  # The init logs its points after pivot_root too: the same file (a hard
  # link) at the same path inside the rootfs.
  mkdir -p "$BUNDLE/rootfs$BATS_TEST_TMPDIR"
  ln "$FLOG" "$BUNDLE/rootfs$FLOG"
  DONE=$BATS_FILE_TMPDIR/points-done
  touch "$DONE"
  # the bundle the id is reused with: the same rootfs, a long-lived process
  REUSE=$BATS_TEST_TMPDIR/reuse
  mkdir "$REUSE"
  ln -s "$BUNDLE/rootfs" "$REUSE/rootfs"
  cp "$BUNDLE/config.json" "$REUSE/config.json"
}

# fb [ENV=VALUE...] ARGS...: berth with this test's root and tag, its
# output in $BATS_TEST_TMPDIR/fb.out (never a pipe: a container may keep
# it open), status in $status.
fb() {
  local envs=()
  while [[ $1 == *=* ]]; do
    envs+=("$1")
    shift
  done
  status=0
  env BERTH_FAULT_RUN="$TAG" "${envs[@]}" "$BERTH" --root "$STATE_DIR/berth" "$@" \
    < /dev/null > "$BATS_TEST_TMPDIR/fb.out" 2>&1 3>&- || status=$?
  output=$(cat "$BATS_TEST_TMPDIR/fb.out")
}
# make sure berth_teardown knows the runtime (for its delete -f sweep)
ensure_runtime_listed() {
  grep -qx "berth $BERTH" "$BATS_TEST_TMPDIR/runtimes" || echo "berth $BERTH" >> "$BATS_TEST_TMPDIR/runtimes"
}

fb_ok() {
  fb "$@"
  [ "$status" -eq 0 ] || fail "berth $* -> exit $status: $output"
}

# ------------------------------------------------------------- scenarios ----
# pre_X: bring the container to where command X starts; cmd_X ENV...: X.

pre_create() { :; }
cmd_create() { fb "$@" create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"; }
pre_start() { fb_ok create --bundle "$BUNDLE" "$ID"; }
cmd_start() { fb "$@" start "$ID"; }
pre_exec() { fb_ok run -d --bundle "$BUNDLE" "$ID"; }
cmd_exec() { fb "$@" exec -d --pid-file "$BATS_TEST_TMPDIR/xpid" "$ID" /probe sleep 1000; }
pre_kill() { fb_ok run -d --bundle "$BUNDLE" "$ID"; }
cmd_kill() { fb "$@" kill "$ID" KILL; }
pre_delete() { fb_ok run -d --bundle "$BUNDLE" "$ID"; }
cmd_delete() { fb "$@" delete -f "$ID"; }
pre_rund() { :; }
cmd_rund() { fb "$@" run -d --bundle "$BUNDLE" "$ID"; }
# foreground run of a short process: create, start, wait, delete
pre_run() { set_args /bin/sleep 0.2; }
cmd_run() { fb "$@" run --bundle "$BUNDLE" "$ID"; }
# a container without a mount namespace: its mounts are made on the host
# (hostmounts.c), the ones most likely to be left behind
pre_hostns() {
  update_config '.linux.namespaces |= map(select(.type != "mount"))
    | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
}
cmd_hostns() { fb "$@" run -d --bundle "$BUNDLE" "$ID"; }
pre_hostnsdel() {
  pre_hostns
  fb_ok run -d --bundle "$BUNDLE" "$ID"
}
cmd_hostnsdel() { fb "$@" delete -f "$ID"; }
# a user namespace: berth writes the init's uid/gid maps (create.id-maps)
pre_userns() {
  update_config '.linux.namespaces |= (map(select(.type != "user")) + [{"type": "user"}])
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  # the mapped ids must reach the bundle (bats' directories are 0700) and
  # the log, which the init writes to after pivot_root
  chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  chmod 666 "$FLOG"
}
cmd_userns() { fb "$@" run -d --bundle "$BUNDLE" "$ID"; }
# process.terminal: the init's pty master goes to --console-socket
# (create.console-sent), to a receiver that keeps every master it gets
pre_tty() {
  update_config '.process.terminal = true'
  [ -n "${RECV_PID:-}" ] || start_console_server
}
cmd_tty() { fb "$@" run -d --console-socket "$SOCK" --bundle "$BUNDLE" "$ID"; }
# a nested cgroupsPath, /CGTOP/a/b/CG, below a top-level cgroup of the
# test's own (made by the test: berth must never remove it), all other
# levels made by berth; on a hybrid host through use_cgroup2_view
# (helpers.bash), which reaches the cgroup points here too
pre_cgnest() { update_config ".linux.cgroupsPath = \"/$CGTOP/a/b/$CG\""; }
cmd_cgnest() { fb "$@" run -d --bundle "$BUNDLE" "$ID"; }
pre_cgnestdel() {
  pre_cgnest
  fb_ok run -d --bundle "$BUNDLE" "$ID"
}
cmd_cgnestdel() { fb "$@" delete -f "$ID"; }
pre_cgexec() { pre_cgnestdel; }
cmd_cgexec() { cmd_exec "$@"; }
cgroup_view_setup() {
  use_cgroup2_view
  CGTOP=faults-cg-$$-$RANDOM
  mkdir "$CGROUP2_ROOT/$CGTOP"
}
cgroup_view_done() {
  rmdir "$CGROUP2_ROOT/$CGTOP"
}

start_console_server() {
  SOCK=$BATS_TEST_TMPDIR/console.sock
  python3 "$INTEGRATION_DIR/console-recv.py" --serve "$SOCK" < /dev/null > /dev/null 2>&1 3>&- &
  RECV_PID=$!
  retry 100 0.1 test -S "$SOCK"
}

teardown() {
  local st=0
  berth_teardown || st=$?
  if [ -n "${RECV_PID:-}" ]; then
    kill "$RECV_PID" 2> /dev/null || true
    wait "$RECV_PID" 2> /dev/null || true
  fi
  # a failed nested-cgroup test: its own top-level cgroup (and any level
  # berth left in it, already reported) must not stay on the host
  if [ -n "${CGTOP:-}" ] && [ -d "$CGROUP2_ROOT/$CGTOP" ]; then
    find "$CGROUP2_ROOT/$CGTOP" -depth -type d -exec rmdir {} \; 2> /dev/null || true
  fi
  return "$st"
}

# The points each scenario must reach (a subset: some depend on the host,
# e.g. create.cgroup only where berth makes a cgroup).
declare -gA EXPECT=(
  [create]="create.state-dir create.fifo create.init-forked create.init-pid create.hooks-run create.init-ready
    create.config-saved create.state-written create.pid-file init.forked init.namespaces init.before-pivot
    init.after-pivot init.before-fifo"
  [start]="start.locked start.fifo-opened start.fifo-removed start.released"
  [exec]="exec.namespaces-opened exec.helper-forked exec.helper.joined exec.helper.process-forked
    exec.pid-received exec.process.before-exec exec.process-started exec.pid-file"
  [kill]="kill.loaded kill.signalled"
  [delete]="delete.locked delete.killed delete.stopped delete.unmounted delete.state-removed"
  [rund]="create.state-dir create.init-ready start.released init.released"
  [run]="run.started run.exited delete.locked delete.state-removed"
  [hostns]="create.hostmounts-begun create.hostmounts-saved"
  [hostnsdel]="delete.unmounted"
  [userns]="create.init-pid create.id-maps create.hooks-run create.init-ready init.namespaces init.after-pivot
    init.released start.released"
  [tty]="create.hooks-run create.console-sent create.init-ready init.after-pivot start.released"
  [cgnest]="create.state-creating create.cgroup-made create.cgroup create.init-ready start.released"
  [cgnestdel]="delete.locked delete.stopped delete.cgroup-leaf-removed delete.cgroup-removed delete.state-removed"
  [cgexec]="exec.helper.cgroup-joined exec.process-started"
)

# Where berth makes cgroups (a pure cgroup v2 host: the test VM) it also
# passes these.
if [ "$(stat -f -c %T /sys/fs/cgroup 2> /dev/null)" = cgroup2fs ]; then
  EXPECT[create]+=" create.state-creating create.cgroup-made create.cgroup"
  EXPECT[exec]+=" exec.helper.cgroup-joined"
  EXPECT[delete]+=" delete.cgroup-removed"
fi

# Killed in the short form even when another scenario killed them already:
# the points where a container without a mount namespace has host mounts.
declare -gA ALWAYS=(
  [hostns]="create.hostmounts-begun create.init-ready create.hostmounts-saved"
  [hostnsdel]="delete.stopped delete.unmounted"
  [userns]="create.init-pid create.id-maps create.hooks-run init.namespaces init.after-pivot"
  [tty]="create.hooks-run create.console-sent create.init-ready init.after-pivot"
  [cgnest]="create.state-dir create.state-creating create.cgroup-made create.cgroup create.init-pid
    create.init-ready create.state-written start.released"
  [cgnestdel]="delete.locked delete.stopped delete.cgroup-leaf-removed delete.cgroup-removed delete.unmounted"
  [cgexec]="exec.helper-forked exec.helper.cgroup-joined exec.helper.joined exec.process-started"
)

# --------------------------------------------------------------- checks ----

# Processes of this test (container or berth) still alive, as "PID:COMM".
tagged_processes() {
  local f pid
  for f in $(grep -l -a -F -e "BERTH_FAULTS_TAG=$TAG" -e "BERTH_FAULT_RUN=$TAG" /proc/[0-9]*/environ 2> /dev/null); do
    pid=${f#/proc/}
    pid=${pid%/environ}
    [ "$pid" != "$$" ] && [ "$pid" != "$BASHPID" ] || continue
    echo "$pid:$(cat "/proc/$pid/comm" 2> /dev/null)"
  done
}

leaks() {
  local p m c
  [ ! -e "$STATE_DIR/berth/$ID" ] || echo "state dir $STATE_DIR/berth/$ID: $(ls "$STATE_DIR/berth/$ID" | tr '\n' ' ')"
  m=$(grep -F -e "$BUNDLE" -e "$STATE_DIR" /proc/self/mountinfo || true)
  [ -z "$m" ] || echo "mounts: $m"
  p=$(tagged_processes)
  [ -z "$p" ] || echo "processes: $p"
  c=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$CG" 2> /dev/null || true)
  [ -z "$c" ] || echo "cgroups: $c"
  if [ -n "${CGTOP:-}" ]; then
    # every level berth made goes, the one it found stays
    [ -d "$CGROUP2_ROOT/$CGTOP" ] || echo "cgroup $CGTOP (the test's own) removed"
    c=$(find "$CGROUP2_ROOT/$CGTOP" -mindepth 1 -type d 2> /dev/null || true)
    [ -z "$c" ] || echo "cgroups made by berth: $c"
  fi
}

# after_kill WHAT: state, list and delete -f succeed, then nothing is left
# (a dying orphan gets 2 s to go) and the id can be used again.
after_kill() {
  local what=$1 i l st
  fb state "$ID"
  if [ "$status" -eq 0 ]; then
    [[ $output =~ \"status\":\ \"(creating|created|running|stopped|paused)\" ]] ||
      fail "$what: state: no status in: $output"
  else
    assert_contains "$output" "container '$ID' does not exist" || fail "$what: state failed: $output"
    [ ! -e "$STATE_DIR/berth/$ID" ] || fail "$what: state says 'does not exist' but the state dir is there"
  fi
  fb list
  [ "$status" -eq 0 ] || fail "$what: list -> $status: $output"
  if [ -e "$STATE_DIR/berth/$ID" ]; then
    grep -q "^$ID " "$BATS_TEST_TMPDIR/fb.out" || fail "$what: list does not show '$ID': $output"
  fi
  fb delete -f "$ID"
  [ "$status" -eq 0 ] || fail "$what: delete -f -> $status: $output"
  [ -z "$output" ] || fail "$what: delete -f said: $output"
  fb state "$ID"
  [ "$status" -ne 0 ] && assert_contains "$output" "does not exist" || fail "$what: state after delete: $output"
  for ((i = 0; i < 20; i++)); do
    l=$(leaks)
    [ -n "$l" ] || break
    sleep 0.1
  done
  [ -z "$l" ] || fail "$what: left behind: $l"
}

reuse_id() {
  local what=$1
  fb_ok create --bundle "$REUSE" "$ID" || fail "$what: the id cannot be reused"
  fb_ok start "$ID"
  fb_ok state "$ID"
  [[ $output == *'"status": "running"'* ]] || fail "$what: reused id not running: $output"
  fb_ok delete -f "$ID"
  [ -z "$(leaks)" ] || fail "$what: left behind after reuse: $(leaks)"
}

# points SCENARIO: run it with the log, print "NAME:K MAIN|CHILD" for every
# occurrence K of every point, check the expected ones are there, clean up.
points() {
  local s=$1 p main
  : > "$FLOG"
  "pre_$s"
  : > "$FLOG"
  "cmd_$s" BERTH_FAULT_LOG="$FLOG"
  [ "$status" -eq 0 ] || fail "$s without faults: exit $status: $output"
  for p in ${EXPECT[$s]}; do
    grep -q " $p\$" "$FLOG" || fail "$s: point '$p' not reached (log: $(awk '{print $2}' "$FLOG" | tr '\n' ' '))"
  done
  main=$(awk 'NR == 1 {print $1}' "$FLOG")
  awk -v main="$main" '{ k = ++seen[$1 " " $2]; print $2 ":" k, ($1 == main ? "main" : "child") }' "$FLOG" |
    sort -u -t' ' -k1,1 > "$BATS_TEST_TMPDIR/points.$s"
  fb delete -f "$ID"
  : > "$FLOG"
  [ -z "$(leaks)" ] || fail "$s: left behind without faults: $(leaks)"
}

# kill_at SCENARIO NAME:K MAIN|CHILD: the command dies there, then after_kill
kill_at() {
  local s=$1 at=$2 who=$3 name=${2%:*} k=${2##*:} n st
  "pre_$s"
  : > "$FLOG"
  "cmd_$s" BERTH_FAULT_AT="$at" BERTH_FAULT_LOG="$FLOG"
  st=$status
  # the point was reached K times by some process, the last one its death
  n=$(awk -v p="$name" '$2 == p {c[$1]++} END {m = 0; for (i in c) if (c[i] > m) m = c[i]; print m}' "$FLOG")
  [ "$n" = "$k" ] || fail "$s: $at: reached $n times (log: $(awk '{print $2}' "$FLOG" | tr '\n' ' '))"
  if [ "$who" = main ]; then
    [ "$status" -eq 137 ] || fail "$s: $at: berth exit $status, expected 137 (SIGKILL): $output"
  else
    # a child killed: the parent fails with its own error, except where
    # the child's death is the container's (its init reported ready, its
    # process was released): create or start then succeed and the
    # container is stopped; exec -d succeeds, its process gone
    case $name in
      init.before-fifo | init.released | exec.process.before-exec) ;;
      *)
        [ "$status" -ne 0 ] || fail "$s: $at: a child was killed but berth succeeded: $output"
        [ "$status" -ne 137 ] || fail "$s: $at: berth itself killed (137) by a child's point"
        [ -n "$output" ] || fail "$s: $at: berth failed without a message"
        ;;
    esac
  fi
  after_kill "$s: $at"
  # the next kill reuses the id anyway; the full sweep checks each time
  [ -z "${FAULTS_FULL:-}" ] || reuse_id "$s: $at"
  echo "# $s: killed at $at ($who): exit $st, clean"
}

# sweep SCENARIO: every point (short form: those no scenario killed yet, and
# only their first occurrence; FAULTS_FULL: all of them).
sweep() {
  local s=$1 at who count=0 always=" ${ALWAYS[$1]:-} "
  always=${always//$'\n'/ }
  ensure_runtime_listed
  points "$s"
  while read -r at who; do
    if [ -z "${FAULTS_FULL:-}" ]; then
      [[ $at == *:1 ]] || continue
      [[ $always == *" ${at%:1} "* ]] || ! grep -qx "${at%:1}" "$DONE" || continue
    fi
    kill_at "$s" "$at" "$who"
    echo "${at%:*}" >> "$DONE"
    count=$((count + 1))
  done < "$BATS_TEST_TMPDIR/points.$s"
  reuse_id "$s: after the last kill"
  echo "# $s: $count kill points" >&3
  echo "$s $count" >> "$BATS_FILE_TMPDIR/counts"
}

@test "faults: berth create killed at each point" {
  sweep create
}

@test "faults: berth start killed at each point" {
  sweep start
}

@test "faults: berth exec killed at each point" {
  sweep exec
}

@test "faults: berth kill killed at each point" {
  sweep kill
}

@test "faults: berth delete -f killed at each point" {
  sweep delete
}

@test "faults: berth run -d killed at each point" {
  sweep rund
}

@test "faults: berth run (foreground, then delete) killed at each point" {
  sweep run
}

@test "faults: a container without a mount namespace: create killed at each point leaves no host mount" {
  sweep hostns
}

@test "faults: a container without a mount namespace: delete killed at each point leaves no host mount" {
  sweep hostnsdel
}

@test "faults: a container with a user namespace: run -d killed at each point" {
  sweep userns
}

@test "faults: a container with a terminal (--console-socket): run -d killed at each point" {
  sweep tty
}

@test "faults: a nested cgroupsPath: run -d killed at each point leaves no level berth made" {
  cgroup_view_setup
  sweep cgnest
  cgroup_view_done
}

@test "faults: a nested cgroupsPath: delete -f killed at each point leaves no level berth made" {
  cgroup_view_setup
  sweep cgnestdel
  cgroup_view_done
}

@test "faults: a nested cgroupsPath: exec -d killed at each point" {
  cgroup_view_setup
  sweep cgexec
  cgroup_view_done
}

# ---------------------------------------------------- regression tests ----

@test "faults: delete -f of a state dir without state.json (create killed right after mkdir)" {
  cmd_create BERTH_FAULT_AT=create.state-dir
  assert_status 137
  [ -d "$STATE_DIR/berth/$ID" ] && [ ! -e "$STATE_DIR/berth/$ID/state.json" ]
  fb_ok state "$ID"
  [ "$(jq -r .status "$BATS_TEST_TMPDIR/fb.out")" = creating ]
  # no process ever ran: no poststop hooks, no warning about them
  fb_ok delete "$ID"
  [ -z "$output" ] || fail "delete said: $output"
  [ ! -e "$STATE_DIR/berth/$ID" ]
}

@test "faults: create killed once its init is ready: delete kills the init waiting on the exec fifo" {
  cmd_create BERTH_FAULT_AT=create.init-ready
  assert_status 137
  # the init is alive (it lost its parent-death signal when it got ready)
  local pid
  pid=$(awk '{print $1}' "$STATE_DIR/berth/$ID/init.pid")
  kill -0 "$pid"
  fb_ok state "$ID"
  [ "$(jq -r .status "$BATS_TEST_TMPDIR/fb.out")" = creating ]
  fb_ok delete "$ID"
  retry 20 0.1 sh -c "! kill -0 $pid 2> /dev/null || grep -q '^State:.*Z' /proc/$pid/status"
  [ -z "$(tagged_processes)" ]
}

@test "faults: create killed right after the clone: the init notices and exits" {
  cmd_create BERTH_FAULT_AT=create.init-forked
  assert_status 137
  retry 20 0.1 test -z "$(tagged_processes)"
  fb_ok delete "$ID"
}

@test "faults: start killed once the fifo is open: the container is not left 'created' while it runs" {
  pre_start
  cmd_start BERTH_FAULT_AT=start.fifo-removed
  assert_status 137
  # released or dead, but never 'created' again, and a second start says so
  local i st
  for ((i = 0; i < 20; i++)); do
    fb_ok state "$ID"
    st=$(jq -r .status "$BATS_TEST_TMPDIR/fb.out")
    [ "$st" = created ] || break
    sleep 0.1
  done
  [[ $st =~ ^(running|stopped)$ ]]
  fb start "$ID"
  assert_failure
  fb_ok delete -f "$ID"
}

@test "faults: create of a container without a mount namespace killed before its mounts were recorded" {
  pre_hostns
  cmd_hostns BERTH_FAULT_AT=create.init-ready
  assert_status 137
  grep -q -F "$BUNDLE/rootfs" /proc/self/mountinfo
  [ ! -e "$STATE_DIR/berth/$ID/hostmounts" ]
  fb_ok delete -f "$ID"
  ! grep -q -F "$BUNDLE" /proc/self/mountinfo
}

@test "faults: berth create and run -d killed from outside after random delays" {
  local i n=${FAULTS_RANDOM:-12} delay pid cmd
  [ -z "${FAULTS_FULL:-}" ] || n=${FAULTS_RANDOM:-300}
  ensure_runtime_listed
  for ((i = 0; i < n; i++)); do
    cmd=(run -d)
    ((i % 2)) || cmd=(create)
    # 0 to 40 ms: berth's create takes ~20-40 ms here
    delay=$(printf '0.%03d' $((RANDOM % 40)))
    env BERTH_FAULT_RUN="$TAG" "$BERTH" --root "$STATE_DIR/berth" "${cmd[@]}" --bundle "$BUNDLE" "$ID" \
      < /dev/null > /dev/null 2>&1 3>&- &
    pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" || true
    after_kill "random kill $i (${cmd[*]} after ${delay}s)"
  done
  echo "# $n random kills" >&3
  echo "random $n" >> "$BATS_FILE_TMPDIR/counts"
}
