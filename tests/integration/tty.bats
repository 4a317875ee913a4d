#!/usr/bin/env bats
# process.terminal: the process gets a pty as its controlling terminal and
# /dev/console; `run` relays it to the caller's terminal, `create` hands the
# master to --console-socket.

load helpers

setup() {
  berth_setup
  make_bundle
  update_config '.process.terminal = true'
}

teardown() {
  berth_teardown
  if [ -n "${RECV_PID:-}" ]; then kill "$RECV_PID" 2> /dev/null || true; fi
}

# start_receiver: console-recv.py on $SOCK, output in $RECV_OUT
start_receiver() {
  SOCK=$BATS_TEST_TMPDIR/console.sock
  RECV_OUT=$BATS_TEST_TMPDIR/console.out
  python3 "$INTEGRATION_DIR/console-recv.py" "$SOCK" "$RECV_OUT" "$@" 3>&- &
  RECV_PID=$!
  retry 100 0.1 test -S "$SOCK"
}

@test "tty: run relays the container's terminal to the caller's" {
  set_args sh -c 'tty; /probe stat /dev/console; /probe cat /proc/self/stat | cut -d" " -f7'
  # script(1) gives the runtime a terminal of its own to relay to
  run -0 script -qec "$(printf '%q ' "$BERTH" --root "$STATE_DIR/$RUNTIME_NAME" run --bundle "$BUNDLE" tty1)" /dev/null
  # script's own echo of the terminal setup may leave a literal ^@ in front
  output=$(tr -d '\r' <<< "$output" | sed 's/^\^@//')
  echo "$output"
  grep -qx '/dev/pts/0' <<< "$output"
  # /dev/console is the pty (major 136)
  grep -qx 'char 0[0-9]* 136:0' <<< "$output"
  # and it is the controlling terminal (tty_nr of 136:0)
  grep -qx 34816 <<< "$output"
}

@test "tty: create --console-socket hands the pty master over" {
  start_receiver
  set_args sh -c 'tty; /probe stat /dev/console; echo hello-from-tty'
  rrun_log t1 berth create --console-socket "$SOCK" --bundle "$BUNDLE" t1
  assert_status 0
  run -0 berth start t1
  retry 100 0.1 grep -q hello-from-tty "$RECV_OUT"
  grep -qx 'fds 1' "$RECV_OUT"
  tr -d '\r' < "$RECV_OUT" | grep -qx '/dev/pts/0'
  tr -d '\r' < "$RECV_OUT" | grep -qx 'char 0[0-9]* 136:0'
}

@test "tty: input written to the master reaches the process" {
  start_receiver $'typed-in\n'
  set_args sh -c 'read line; echo "got:$line"'
  rrun_log t1 berth run -d --console-socket "$SOCK" --bundle "$BUNDLE" t1
  assert_status 0
  retry 100 0.1 grep -q 'got:typed-in' "$RECV_OUT"
}

@test "tty: create with terminal but without --console-socket fails" {
  create_ctr t1
  assert_failure
  assert_contains "$output" "console"
}
