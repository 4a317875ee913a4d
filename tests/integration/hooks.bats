#!/usr/bin/env bats
# OCI hooks: each runs at its point of the lifecycle with the state on stdin.
# A runtime whose `features` lists no hooks must refuse a config that has
# some, loudly, instead of ignoring them.

load helpers

setup_file() {
  rootless_user_setup
}

teardown() {
  if [ -n "${ROOTLESS_XDG:-}" ]; then rootless_teardown; else berth_teardown; fi
}

setup() {
  berth_setup
  make_bundle
  HOOKLOG=$BATS_TEST_TMPDIR/hooks
  mkdir -p "$HOOKLOG"
}

# hook NAME: a host hook that saves its stdin (the state) as $HOOKLOG/NAME
hook() {
  jq -n --arg n "$1" --arg d "$HOOKLOG" '{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($d)/\($n)"]}'
}

# runtime_has_hooks: whether the runtime under test says it runs hooks
runtime_has_hooks() {
  [ "$RUNTIME_NAME" != berth ] && return 0
  "$BERTH" features | jq -e '(.hooks // []) | length > 0' > /dev/null
}

@test "hooks: a runtime without hook support refuses hooks and names them" {
  ! runtime_has_hooks || skip "$RUNTIME_NAME runs hooks"
  update_config ".hooks = {\"poststart\": [$(hook poststart)]}"
  create_ctr h1
  assert_failure
  assert_contains "$output" "hooks"
}

@test "hooks: createRuntime, poststart and poststop get the state at their point" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  update_config ".hooks = {\"createRuntime\": [$(hook createRuntime)], \"poststart\": [$(hook poststart)],
                           \"poststop\": [$(hook poststop)]}"
  set_args probe signal-wait
  create_ctr h1
  assert_status 0
  # "creating" by the spec's lifecycle; crun says "created"
  [[ $(jq -r .status "$HOOKLOG/createRuntime") == creat@(ing|ed) ]]
  [ "$(jq -r .id "$HOOKLOG/createRuntime")" = h1 ]
  [ "$(jq -r .bundle "$HOOKLOG/createRuntime")" = "$BUNDLE" ]
  [ "$(jq -r .pid "$HOOKLOG/createRuntime")" = "$(ctr_pid h1)" ]
  # runc 1.1 runs poststart during create, against the spec (runc#4347)
  [ "$RUNTIME_NAME" = runc ] || [ ! -e "$HOOKLOG/poststart" ]
  run -0 berth start h1
  retry 100 0.1 test -s "$HOOKLOG/poststart"
  [ "$(jq -r .status "$HOOKLOG/poststart")" = running ] || [ "$RUNTIME_NAME" = runc ]
  [ "$(jq -r .pid "$HOOKLOG/poststart")" = "$(ctr_pid h1)" ]
  [ ! -e "$HOOKLOG/poststop" ]
  run -0 berth kill h1 KILL
  wait_status h1 stopped
  run -0 berth delete h1
  [ "$(jq -r .status "$HOOKLOG/poststop")" = stopped ]
}

@test "hooks: startContainer runs inside the container before the process" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  update_config '.hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "hostname > /hook-saw-hostname"]}]}
                 | .hostname = "inside-hook"'
  set_args probe exit 0
  rrun berth run --bundle "$BUNDLE" h2
  assert_status 0
  [ "$(cat "$BUNDLE/rootfs/hook-saw-hostname")" = inside-hook ]
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  update_config '.hooks = {"createRuntime": [{"path": "/bin/false"}]}'
  create_ctr h3
  assert_failure
  run berth state h3
  assert_failure
}

@test "hooks: a failing poststart or poststop hook warns, and the later hooks still run" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  # runc 1.1 runs poststart during create and fails create with it (runc#4347)
  [ "$RUNTIME_NAME" != runc ] || skip "runc 1.1 runs poststart hooks at create, a failure is fatal"
  local fail='{"path": "/bin/false", "args": ["false"]}'
  update_config ".hooks = {\"poststart\": [$fail, $(hook poststart)], \"poststop\": [$fail, $(hook poststop)]}"
  set_args probe signal-wait
  create_ctr h1
  assert_status 0
  rrun berth start h1
  assert_status 0
  is_berth && assert_contains "$output" "poststart hook '/bin/false' exited with status 1"
  retry 100 0.1 test -s "$HOOKLOG/poststart"
  [ "$(ctr_status h1)" = running ]
  run -0 berth kill h1 KILL
  wait_status h1 stopped
  rrun berth delete h1
  assert_status 0
  is_berth && assert_contains "$output" "poststop hook '/bin/false' exited with status 1"
  [ "$(jq -r .status "$HOOKLOG/poststop")" = stopped ]
}

@test "hooks: poststart runs once the container's process has been exec'd" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  [ "$RUNTIME_NAME" != runc ] || skip "runc 1.1 runs poststart hooks at create, before the exec (runc#4347)"
  # the hook records what the container's pid is executing at that moment
  local h
  h=$(jq -n --arg d "$HOOKLOG" '{"path": "/bin/sh", "args": ["sh", "-c",
        "pid=$(jq -r .pid); readlink /proc/$pid/exe > \($d)/exe"]}')
  # a slow startContainer hook (in the container, before the exec) opens
  # the window in which a runtime that does not wait would run poststart
  update_config ".hooks = {\"poststart\": [$h],
    \"startContainer\": [{\"path\": \"/bin/sleep\", \"args\": [\"sleep\", \"0.5\"]}]}"
  set_args probe signal-wait
  local i
  for i in 1 2; do
    create_ctr "h$i"
    assert_status 0
    run -0 berth start "h$i"
    # start returns after poststart: the process was the probe already
    [[ $(cat "$HOOKLOG/exe") == */probe ]] || fail "poststart saw '$(cat "$HOOKLOG/exe")'"
    run -0 berth delete -f "h$i"
  done
}

@test "hooks: prestart runs before createRuntime, in the runtime's namespaces, with the state" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  # each hook appends its stage and its mount namespace, then saves the state
  local pre cr
  pre=$(jq -n --arg d "$HOOKLOG" '{"path": "/bin/sh", "args": ["sh", "-c",
        "echo prestart $(readlink /proc/self/ns/mnt) >> \($d)/order; cat > \($d)/prestart"]}')
  cr=$(jq -n --arg d "$HOOKLOG" '{"path": "/bin/sh", "args": ["sh", "-c",
        "echo createRuntime $(readlink /proc/self/ns/mnt) >> \($d)/order"]}')
  update_config ".hooks = {\"prestart\": [$pre], \"createRuntime\": [$cr]}"
  set_args probe signal-wait
  create_ctr h1
  assert_status 0
  [ "$(jq -r .id "$HOOKLOG/prestart")" = h1 ]
  [ "$(jq -r .bundle "$HOOKLOG/prestart")" = "$BUNDLE" ]
  [ "$(jq -r .pid "$HOOKLOG/prestart")" = "$(ctr_pid h1)" ]
  [[ $(jq -r .status "$HOOKLOG/prestart") == creat@(ing|ed) ]]
  [ "$(jq -r .ociVersion "$HOOKLOG/prestart")" != null ]
  # prestart first, both in the runtime's (here the host's) mount namespace
  [ "$(cat "$HOOKLOG/order")" = "prestart $(host_ns mnt)
createRuntime $(host_ns mnt)" ]
  run -0 berth delete -f h1
}

@test "hooks: createContainer runs in the container's mount namespace, rootfs mounted, before pivot_root" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  # before pivot_root the hook still sees the host's tree: the rootfs at its
  # host path, with the container's /proc mounted on it
  local h
  h=$(jq -n --arg d "$HOOKLOG" --arg r "$BUNDLE/rootfs" '{"path": "/bin/sh", "args": ["sh", "-c",
        "readlink /proc/self/ns/mnt > \($d)/ns; test -x \($r)/probe && touch \($d)/saw-rootfs;
         awk -v p=\($r)/proc '"'"'$5 == p { print $9 }'"'"' /proc/self/mountinfo > \($d)/proc-fs"]}')
  update_config ".hooks = {\"createContainer\": [$h]}"
  set_args probe signal-wait
  create_ctr h1
  assert_status 0
  [ -e "$HOOKLOG/saw-rootfs" ]
  [ "$(cat "$HOOKLOG/proc-fs")" = proc ]
  # the container's mount namespace, not the host's
  [ "$(cat "$HOOKLOG/ns")" = "$(readlink "/proc/$(ctr_pid h1)/ns/mnt")" ]
  [ "$(cat "$HOOKLOG/ns")" != "$(host_ns mnt)" ]
  run -0 berth delete -f h1
}

@test "hooks: a hook gets its args (argv[0] = args[0]) and exactly its env" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  # /proc/self/{cmdline,environ} of the hook are what it was exec'd with
  local h
  h=$(jq -n --arg d "$HOOKLOG" '{"path": "/bin/sh",
        "args": ["my-hook", "-c", "tr \"\\0\" \"\\n\" < /proc/$$/cmdline > \($d)/argv; tr \"\\0\" \"\\n\" < /proc/$$/environ > \($d)/env",
                 "zero", "one two", "three"],
        "env": ["HOOK_A=1", "HOOK_B=with space"]}')
  update_config ".hooks = {\"createRuntime\": [$h]}"
  set_args probe signal-wait
  HOOK_LEAK=from-the-caller create_ctr h1
  assert_status 0
  mapfile -t argv < "$HOOKLOG/argv"
  [ "${#argv[@]}" = 6 ]
  [ "${argv[0]}" = my-hook ]
  [ "${argv[1]}" = -c ]
  [ "${argv[3]}" = zero ]
  [ "${argv[4]}" = "one two" ]
  [ "${argv[5]}" = three ]
  [ "$(cat "$HOOKLOG/env")" = "HOOK_A=1
HOOK_B=with space" ]
  run -0 berth delete -f h1
}

@test "hooks: a hook that outlives its timeout is killed and create fails, leaving nothing" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  # the hook saves its pid and its child's, then waits well past its 1 s
  # timeout.  runc waits for the hook's output to close, which a child
  # left running keeps open: for runc the hook execs the sleep itself.
  local h script='echo $$ > \($d)/pid; sleep 60 & echo $! > \($d)/child; wait'
  is_berth || script='echo $$ > \($d)/pid; echo $$ > \($d)/child; exec sleep 60'
  h=$(jq -n --arg d "$HOOKLOG" '{"path": "/bin/sh", "args": ["sh", "-c", "'"$script"'"], "timeout": 1}')
  update_config ".hooks = {\"createRuntime\": [$h]}"
  set_args probe signal-wait
  local t0=$SECONDS
  create_ctr h1
  assert_failure
  [ $((SECONDS - t0)) -lt 15 ] || fail "create took $((SECONDS - t0)) s"
  is_berth && assert_contains "$output" "createRuntime hook '/bin/sh' timed out after 1 seconds"
  run berth state h1
  assert_failure
  [ ! -e "$STATE_DIR/$RUNTIME_NAME/h1" ]
  # the hook itself is gone (killed and reaped), not left sleeping
  local pid
  pid=$(cat "$HOOKLOG/pid")
  retry 50 0.1 test ! -e "/proc/$pid" || fail "hook $pid still exists: $(cat /proc/$pid/cmdline | tr '\0' ' ')"
  # berth kills the hook's process group: what the hook started goes too
  # (runc kills the hook only; the orphan is ours to remove then)
  pid=$(cat "$HOOKLOG/child")
  if ! retry 50 0.1 test ! -e "/proc/$pid"; then
    kill -KILL "$pid"
    ! is_berth || fail "the hook's child $pid was left running"
  fi
}

@test "hooks: a failing prestart hook fails create and leaves nothing" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  update_config '.hooks = {"prestart": [{"path": "/bin/false", "args": ["false"]}],
                           "createRuntime": [{"path": "/bin/touch", "args": ["touch", "'"$HOOKLOG"'/createRuntime"]}]}'
  set_args probe signal-wait
  create_ctr h1
  assert_failure
  is_berth && assert_contains "$output" "prestart hook '/bin/false' exited with status 1"
  # the stages after it did not run
  [ ! -e "$HOOKLOG/createRuntime" ]
  run berth state h1
  assert_failure
  [ ! -e "$STATE_DIR/$RUNTIME_NAME/h1" ]
}

@test "hooks: a failing startContainer hook fails start and the container ends stopped" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  update_config '.hooks = {"startContainer": [{"path": "/bin/false", "args": ["false"]}]}'
  set_args probe write /ran-the-process x
  create_ctr h1
  assert_status 0
  rrun berth start h1
  # runc 1.1 reports it on the container's stderr only, and start succeeds
  if is_berth; then assert_failure; fi
  is_berth && assert_contains "$output" "startContainer hook '/bin/false' exited with status 1"
  wait_status h1 stopped
  # the container's process never ran
  [ ! -e "$BUNDLE/rootfs/ran-the-process" ]
  run -0 berth delete h1
}

@test "hooks: rootless: runtime hooks run as the user, createContainer as root of the container" {
  runtime_has_hooks || skip "$RUNTIME_NAME has no hook support (see the test above)"
  requires_rootless
  rootless_setup
  make_user_bundle "$BATS_TEST_TMPDIR/user-bundle"
  chown "$ROOTLESS_UID:$ROOTLESS_GID" "$HOOKLOG"
  # each hook records the uid it runs as, then saves its stdin (the state)
  local n hooks=
  for n in createRuntime createContainer poststop; do
    hooks+=${hooks:+,}$(jq -n --arg n "$n" --arg d "$HOOKLOG" \
      '{($n): [{"path": "/bin/sh", "args": ["sh", "-c", "id -u > \($d)/\($n).uid; cat > \($d)/\($n)"]}]}')
  done
  update_config ".hooks = ([$hooks] | add)"
  chown "$ROOTLESS_UID:$ROOTLESS_GID" "$BUNDLE/config.json"
  set_args probe signal-wait
  rrun berth_user create --bundle "$BUNDLE" h1
  assert_status 0
  [ "$(cat "$HOOKLOG/createRuntime.uid")" = "$ROOTLESS_UID" ]
  [ "$(jq -r .id "$HOOKLOG/createRuntime")" = h1 ]
  # in the container's user namespace, where the user is root
  [ "$(cat "$HOOKLOG/createContainer.uid")" = 0 ]
  [ "$(jq -r .id "$HOOKLOG/createContainer")" = h1 ]
  rrun berth_user delete -f h1
  assert_status 0
  [ "$(cat "$HOOKLOG/poststop.uid")" = "$ROOTLESS_UID" ]
  [ "$(jq -r .status "$HOOKLOG/poststop")" = stopped ]
}
