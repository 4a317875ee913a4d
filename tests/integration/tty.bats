#!/usr/bin/env bats
# process.terminal: the process gets a pty as its controlling terminal and
# /dev/console; `run` relays it to the caller's terminal, `create` hands the
# master to --console-socket.

load helpers

setup_file() {
  rootless_user_setup
}

setup() {
  berth_setup
  make_bundle
  update_config '.process.terminal = true'
}

teardown() {
  if [ -n "${ROOTLESS_XDG:-}" ]; then rootless_teardown; else berth_teardown; fi
  if [ -n "${RECV_PID:-}" ]; then kill "$RECV_PID" 2> /dev/null || true; fi
}

# start_receiver: console-recv.py on $SOCK, output in $RECV_OUT
start_receiver() {
  SOCK=${SOCK:-$BATS_TEST_TMPDIR/console.sock}
  mkdir -p "$(dirname "$SOCK")"
  RECV_OUT=$BATS_TEST_TMPDIR/console.out
  python3 "$INTEGRATION_DIR/console-recv.py" "$SOCK" "$RECV_OUT" "$@" 3>&- &
  RECV_PID=$!
  retry 100 0.1 test -S "$SOCK"
}

# in_pty ROWS COLS NEWROWS NEWCOLS CMD...: run CMD as the session leader of
# a new pty of ROWS x COLS (the caller's terminal, as a user's shell would
# give it).  When CMD first prints "R C", report whether the terminal is in
# raw mode then ("raw yes|no"); with NEWROWS > 0, resize the pty then (the
# kernel sends SIGWINCH to CMD); then type a newline (a `read` may wait for it).  After CMD exits, report whether the
# terminal settings are back as they were ("restored yes|no": the same
# termios, what stty -g prints) and CMD's status ("exit N"), then what CMD
# wrote ("out LINE").
in_pty() {
  python3 - "$@" 3>&- << 'EOF'
import fcntl, os, pty, re, select, struct, sys, termios, time

rows, cols, nrows, ncols = map(int, sys.argv[1:5])
cmd = sys.argv[5:]
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
before = termios.tcgetattr(slave)
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(master)
    os.execvp(cmd[0], cmd)
out, seen, status = b"", False, None
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        out += os.read(master, 65536)
    if not seen and re.search(rb"^\d+ \d+\r?\n", out, re.M):
        seen = True
        lflag = termios.tcgetattr(slave)[3]
        print("raw", "no" if lflag & (termios.ICANON | termios.ECHO) else "yes")
        if nrows > 0:
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", nrows, ncols, 0, 0))
        os.write(master, b"\n")
    if status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        status = st if done else None
    elif not r:
        break
if status is None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    print("timeout")
    status = 9
print("restored", "yes" if termios.tcgetattr(slave) == before else "no")
print("exit", os.waitstatus_to_exitcode(status))
for line in out.decode(errors="replace").replace("\r", "").splitlines():
    print("out", line)
EOF
}

# the runtime under test with this test's root, as a command line for in_pty
rt_cmd() {
  echo "$BERTH" --root "$STATE_DIR/$RUNTIME_NAME"
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

@test "tty: a --console-socket path longer than sun_path (108 bytes) is reached" {
  SOCK=$BATS_TEST_TMPDIR/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})/console.sock
  [ ${#SOCK} -gt 108 ]
  start_receiver
  set_args sh -c 'echo hello-from-tty'
  rrun_log t1 berth create --console-socket "$SOCK" --bundle "$BUNDLE" t1
  assert_status 0
  run -0 berth start t1
  retry 100 0.1 grep -q hello-from-tty "$RECV_OUT"
  grep -qx 'fds 1' "$RECV_OUT"
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

@test "tty: process.consoleSize is the size of the container's pty" {
  start_receiver
  update_config '.process.consoleSize = {"height": 41, "width": 123}'
  set_args probe winsize
  rrun_log t1 berth run -d --console-socket "$SOCK" --bundle "$BUNDLE" t1
  assert_status 0
  retry 100 0.1 grep -q '^[0-9]* [0-9]*' "$RECV_OUT"
  tr -d '\r' < "$RECV_OUT" | grep -qx '41 123'
}

@test "tty: run in a terminal: raw mode, restored after, the caller's size" {
  # the container waits for the newline in_pty types: still running when
  # the terminal mode is checked
  set_args sh -c '/probe winsize; read line; echo "got:$line."'
  # the size of the terminal run is attached to wins over consoleSize
  update_config '.process.consoleSize = {"height": 10, "width": 20}'
  run -0 in_pty 37 101 0 0 $(rt_cmd) run --bundle "$BUNDLE" t1
  echo "$output"
  grep -qx 'out 37 101' <<< "$output"
  grep -qx 'out got:.' <<< "$output"
  grep -qx 'raw yes' <<< "$output"
  grep -qx 'restored yes' <<< "$output"
  grep -qx 'exit 0' <<< "$output"
}

@test "tty: run in a terminal: a resize of the caller's terminal reaches the container" {
  set_args probe winsize-wait
  run -0 in_pty 24 80 50 132 $(rt_cmd) run --bundle "$BUNDLE" t1
  echo "$output"
  [ "$(grep '^out [0-9]' <<< "$output")" = $'out 24 80\nout 50 132' ]
  grep -qx 'restored yes' <<< "$output"
  grep -qx 'exit 0' <<< "$output"
}

@test "tty: run in a terminal: the terminal is restored when the process fails" {
  set_args probe exit 3
  run -0 in_pty 24 80 0 0 $(rt_cmd) run --bundle "$BUNDLE" t1
  echo "$output"
  grep -qx 'restored yes' <<< "$output"
  grep -qx 'exit 3' <<< "$output"
}

@test "tty: exec -t in a terminal: raw mode, the caller's size, resize, restored" {
  update_config '.process.terminal = false'
  set_args probe sleep 100
  run_detached t1
  assert_status 0
  wait_status t1 running
  run -0 in_pty 33 99 45 120 $(rt_cmd) exec -t t1 /probe winsize-wait
  echo "$output"
  [ "$(grep '^out [0-9]' <<< "$output")" = $'out 33 99\nout 45 120' ]
  grep -qx 'raw yes' <<< "$output"
  grep -qx 'restored yes' <<< "$output"
  grep -qx 'exit 0' <<< "$output"
}

@test "tty: exec --process with consoleSize sizes the exec's pty" {
  update_config '.process.terminal = false'
  set_args probe sleep 100
  run_detached t1
  assert_status 0
  wait_status t1 running
  start_receiver
  jq '.process | .terminal = true | .args = ["/probe", "winsize"] | .consoleSize = {"height": 17, "width": 71}' \
    "$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/process.json"
  rrun berth exec -d --console-socket "$SOCK" --process "$BATS_TEST_TMPDIR/process.json" t1
  assert_status 0
  retry 100 0.1 grep -q '^[0-9]* [0-9]*' "$RECV_OUT"
  tr -d '\r' < "$RECV_OUT" | grep -qx '17 71'
}

@test "tty: rootless run in a terminal: the caller's size, resize, restored" {
  requires_rootless
  rootless_setup
  make_user_bundle "$BATS_TEST_TMPDIR/user-bundle"
  update_config '.process.terminal = true'
  set_args probe winsize-wait
  run -0 in_pty 29 91 31 95 runuser -u "$ROOTLESS_USER" -- env XDG_RUNTIME_DIR="$ROOTLESS_XDG" \
    "$BERTH" run --bundle "$BUNDLE" t1
  echo "$output"
  [ "$(grep '^out [0-9]' <<< "$output")" = $'out 29 91\nout 31 95' ]
  grep -qx 'raw yes' <<< "$output"
  grep -qx 'restored yes' <<< "$output"
  grep -qx 'exit 0' <<< "$output"
}
