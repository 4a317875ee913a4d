#!/usr/bin/env bats
# The container's own cgroup on a pure cgroup v2 host: where it is made
# (cgroupsPath as runc reads it), who is in it (the init from birth, exec'd
# processes), how it goes (delete, a failed create, a create killed
# midway), and that nothing outside it is touched.  This host is hybrid:
# `make check` runs this file in the test VM (VM_CHECK_BATS).

load helpers

setup() {
  requires root cgroup2 berth
  berth_setup
  make_bundle
  # placement only: limits are cgroups.bats' business
  update_config 'del(.linux.resources)'
  CG_NAME=$(jq -r .linux.cgroupsPath "$BUNDLE/config.json")
}

# cg_of PID: the cgroup v2 path of a process, as the host sees it
cg_of() {
  awk -F: '$1 == "0" {print $3}' "/proc/$1/cgroup"
}

# recorded_cg ID: the cgroup berth recorded in the container's state
recorded_cg() {
  jq -r .cgroup_path "$STATE_DIR/berth/$1/state.json"
}

# track NAME: have teardown check (and clean) cgroups called NAME too
track() {
  echo "$1" >> "$BATS_TEST_TMPDIR/cgroups"
}

start_ctr() {
  set_args probe signal-wait
  run_detached "$@"
  assert_status 0
  wait_log "$1" ready
}

@test "cgroup-core: a relative cgroupsPath is created below the parent of berth's cgroup; delete removes it" {
  # berth runs in <base>/inner: the container goes to <base>/<cgroupsPath>
  local base=/sys/fs/cgroup/cgc-base-$$
  track "cgc-base-$$"
  mkdir -p "$base/inner"
  run_in_inner() { sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$base/inner" "$@"; }
  set_args probe signal-wait
  rrun_log c1 run_in_inner "$BERTH" --root "$STATE_DIR/berth" run -d --bundle "$BUNDLE" c1
  echo "berth $BERTH" >> "$BATS_TEST_TMPDIR/runtimes"
  assert_status 0
  wait_log c1 ready
  local pid
  pid=$(ctr_pid c1)
  [ "$(cg_of "$pid")" = "/cgc-base-$$/$CG_NAME" ]
  [ "$(recorded_cg c1)" = "/cgc-base-$$/$CG_NAME" ]
  grep -qx "$pid" "$base/$CG_NAME/cgroup.procs"
  run -0 berth delete -f c1
  [ ! -d "$base/$CG_NAME" ]
  # the caller's own cgroups stay
  [ -d "$base/inner" ]
  rmdir "$base/inner" "$base"
}

@test "cgroup-core: an empty cgroupsPath means a cgroup named after the container id" {
  update_config 'del(.linux.cgroupsPath)'
  local id=cgc-id-$$
  track "$id"
  start_ctr "$id"
  local own
  own=$(dirname "$(cg_of $$)")
  [ "$(cg_of "$(ctr_pid "$id")")" = "${own%/}/$id" ]
  run -0 berth delete -f "$id"
  [ ! -d "/sys/fs/cgroup${own%/}/$id" ]
}

@test "cgroup-core: an absolute cgroupsPath creates every level; delete removes the levels it made" {
  local top=cgc-abs-$$
  track "$top"
  update_config ".linux.cgroupsPath = \"/$top//mid/./leaf/\""
  start_ctr c1
  [ "$(cg_of "$(ctr_pid c1)")" = "/$top/mid/leaf" ]
  [ "$(recorded_cg c1)" = "/$top/mid/leaf" ]
  run -0 berth delete -f c1
  # all three were made for it (those it finds stay: cgroup-ops.bats)
  [ ! -d "/sys/fs/cgroup/$top" ]
}

@test "cgroup-core: '..' in cgroupsPath is refused, naming the field; nothing is created" {
  local p
  for p in "../escape-$$" "/cgc-dd-$$/../../x"; do
    update_config ".linux.cgroupsPath = \"$p\""
    rrun berth run -d --bundle "$BUNDLE" c1
    assert_status 1
    assert_contains "$output" ".linux.cgroupsPath '$p': '..' is not allowed"
  done
  [ ! -e "/sys/fs/cgroup/escape-$$" ] && [ ! -e "/sys/fs/cgroup/cgc-dd-$$" ] && [ ! -e /sys/fs/cgroup/x ]
  [ -z "$(ls "$STATE_DIR/berth")" ]
}

@test "cgroup-core: exec'd processes join the container's cgroup; --cgroup picks an existing sub-cgroup" {
  start_ctr c1
  local cg
  cg=$(recorded_cg c1)
  rrun berth exec -d --pid-file "$BATS_TEST_TMPDIR/e1.pid" c1 /probe sleep 60
  assert_status 0
  [ "$(cg_of "$(cat "$BATS_TEST_TMPDIR/e1.pid")")" = "$cg" ]
  mkdir "/sys/fs/cgroup$cg/sub"
  rrun berth exec -d --cgroup sub --pid-file "$BATS_TEST_TMPDIR/e2.pid" c1 /probe sleep 60
  assert_status 0
  [ "$(cg_of "$(cat "$BATS_TEST_TMPDIR/e2.pid")")" = "$cg/sub" ]
  # runc's controller:path form; v2 has one path for all controllers
  rrun berth exec -d --cgroup memory,pids:sub --pid-file "$BATS_TEST_TMPDIR/e3.pid" c1 /probe sleep 60
  assert_status 0
  [ "$(cg_of "$(cat "$BATS_TEST_TMPDIR/e3.pid")")" = "$cg/sub" ]
  rrun berth exec --cgroup nosuch c1 /probe pid
  assert_status 1
  assert_contains "$output" "sub-cgroup 'nosuch' of cgroup '$cg' does not exist"
  rrun berth exec --cgroup memory:sub --cgroup pids:other c1 /probe pid
  assert_status 1
  assert_contains "$output" "'sub' and 'other' differ"
  rrun berth exec --cgroup ../x c1 /probe pid
  assert_status 1
  assert_contains "$output" "'..' is not allowed"
  # delete kills all of them and removes the sub-cgroup too
  run -0 berth delete -f c1
  [ ! -d "/sys/fs/cgroup$cg" ]
  local f
  for f in e1 e2 e3; do
    ! kill -0 "$(cat "$BATS_TEST_TMPDIR/$f.pid")" 2> /dev/null
  done
}

@test "cgroup-core: delete kills processes left in the cgroup by a container without its own pid namespace" {
  update_config '.linux.namespaces |= map(select(.type != "pid"))'
  # the init exits at once, its child (reparented to the host) lives on
  set_args sh -c '/probe sleep 60 > /dev/null 2>&1 & echo "child $!"'
  rrun_log c1 berth run -d --bundle "$BUNDLE" c1
  assert_status 0
  retry 100 0.1 grep -q '^child ' "$BATS_TEST_TMPDIR/c1.log"
  local child cg
  child=$(awk '/^child / {print $2}' "$BATS_TEST_TMPDIR/c1.log")
  cg=$(recorded_cg c1)
  wait_status c1 stopped
  [ "$(cg_of "$child")" = "$cg" ]
  run -0 berth delete c1
  ! kill -0 "$child" 2> /dev/null
  [ ! -d "/sys/fs/cgroup$cg" ]
}

@test "cgroup-core: a create that fails removes the cgroup it made" {
  update_config '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]'
  rrun berth create --bundle "$BUNDLE" c1
  assert_status 1
  [ -z "$(ls "$STATE_DIR/berth")" ]
  [ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$CG_NAME")" ]
}

@test "cgroup-core: delete -f after berth was killed (-9) in the middle of create removes the cgroup and the state" {
  local t=$BATS_TEST_TMPDIR
  update_config ".hooks.createRuntime = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo \$\$ > $t/hook.pid; exec sleep 60\"]}]"
  RT_EXEC=1 berth create --bundle "$BUNDLE" c1 < /dev/null > "$t/c1.log" 2>&1 3>&- &
  local berth_pid=$! cg init
  retry 300 0.1 test -s "$t/hook.pid"
  cg=$(recorded_cg c1)
  [ "$cg" != "" ] && [ "$cg" != null ]
  # the init is already in it, waiting for the hook to finish
  init=$(head -n 1 "/sys/fs/cgroup$cg/cgroup.procs")
  [ -n "$init" ]
  kill -9 "$berth_pid"
  wait "$berth_pid" || true
  kill -9 "$(cat "$t/hook.pid")"
  [ "$(ctr_status c1)" = creating ]
  run -0 berth delete -f c1
  [ ! -d "/sys/fs/cgroup$cg" ]
  [ ! -d "$STATE_DIR/berth/c1" ]
  ! kill -0 "$init" 2> /dev/null
}

@test "cgroup-core: cgroups next to the container's and an occupied one are left alone" {
  local top=/sys/fs/cgroup/cgc-side-$$
  track "cgc-side-$$"
  mkdir -p "$top/busy" "$top/sibling"
  # a process of ours in the would-be cgroup: refused, not taken over
  sh -c 'echo $$ > "$1/busy/cgroup.procs"; exec /bin/sleep 60' sh "$top" &
  local sleeper=$!
  retry 50 0.1 grep -qx "$sleeper" "$top/busy/cgroup.procs"
  update_config ".linux.cgroupsPath = \"/cgc-side-$$/busy\""
  rrun berth run -d --bundle "$BUNDLE" c1
  assert_status 1
  assert_contains "$output" "cgroup '/cgc-side-$$/busy' already has processes in it"
  kill -0 "$sleeper"
  # a container next to it: delete takes only its own
  update_config ".linux.cgroupsPath = \"/cgc-side-$$/mine\""
  start_ctr c2
  run -0 berth delete -f c2
  [ ! -d "$top/mine" ]
  [ -d "$top/sibling" ] && [ -d "$top/busy" ]
  kill -0 "$sleeper"
  kill "$sleeper"
  wait "$sleeper" || true
  rmdir "$top/busy" "$top/sibling" "$top"
}

@test "cgroup-core: a new cgroup namespace is rooted at the container's cgroup, also when the init is cloned by the join helper" {
  chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  update_config '.linux.namespaces |= (map(select(.type != "cgroup" and .type != "user")) + [{"type": "cgroup"}, {"type": "user"}])
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  # clone3 CLONE_INTO_CGROUP: the init sees its own cgroup as the root
  start_ctr c1
  [ "$(cg_of "$(ctr_pid c1)")" = "$(recorded_cg c1)" ]
  rrun berth exec c1 /probe cat /proc/self/cgroup
  assert_status 0
  [ "$output" = "0::/" ]
  # c2 joins c1's user namespace by path: a helper enters c2's cgroup,
  # joins, and clones the init from there
  make_bundle "$BATS_TEST_TMPDIR/b2"
  update_config "del(.linux.resources) | .linux.namespaces |= (map(select(.type != \"cgroup\" and .type != \"user\"))
    + [{\"type\": \"cgroup\"}, {\"type\": \"user\", \"path\": \"/proc/$(ctr_pid c1)/ns/user\"}])"
  start_ctr c2
  [ "$(cg_of "$(ctr_pid c2)")" = "$(recorded_cg c2)" ]
  [ "$(recorded_cg c2)" != "$(recorded_cg c1)" ]
  rrun berth exec c2 /probe cat /proc/self/cgroup
  assert_status 0
  [ "$output" = "0::/" ]
}

@test "cgroup-core: kill --all reaches a process outside any pid namespace of the container's own" {
  update_config '.linux.namespaces |= map(select(.type != "pid"))'
  set_args sh -c '/probe sleep 60 > /dev/null 2>&1 & echo "child $!"; exec /probe signal-wait'
  run_detached c1
  assert_status 0
  wait_log c1 ready
  local child init
  child=$(awk '/^child / {print $2}' "$BATS_TEST_TMPDIR/c1.log")
  init=$(ctr_pid c1)
  [ "$(cg_of "$child")" = "$(recorded_cg c1)" ]
  run -0 berth kill --all c1 KILL
  retry 100 0.1 sh -c "! kill -0 $child 2> /dev/null && ! kill -0 $init 2> /dev/null"
  wait_status c1 stopped
  run -0 berth delete c1
}

@test "cgroup-core: exec joins the init's sub-cgroup when the container's own takes no processes (nested controllers)" {
  start_ctr c1
  local cg
  cg=$(recorded_cg c1)
  # what a cgroup manager inside the container does: the init to a leaf,
  # a controller for the children (the kernel then refuses processes in $cg)
  mkdir "/sys/fs/cgroup$cg/init"
  ctr_pid c1 > "/sys/fs/cgroup$cg/init/cgroup.procs"
  echo +pids > "/sys/fs/cgroup$cg/cgroup.subtree_control"
  rrun berth exec -d --pid-file "$BATS_TEST_TMPDIR/e.pid" c1 /probe sleep 60
  assert_status 0
  [ "$(cg_of "$(cat "$BATS_TEST_TMPDIR/e.pid")")" = "$cg/init" ]
  run -0 berth delete -f c1
  [ ! -d "/sys/fs/cgroup$cg" ]
}
