#!/usr/bin/env bats
# OCI hooks: each runs at its point of the lifecycle with the state on stdin.
# A runtime whose `features` lists no hooks must refuse a config that has
# some, loudly, instead of ignoring them.

load helpers

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
