#!/usr/bin/env bats
# NOTIFY_SOCKET (systemd Type=notify): the container gets a socket of its
# own at /run/notify/notify.sock, and `start` forwards what it sends to the
# socket berth was given, returning once READY=1 has passed.

load helpers

setup() {
  berth_setup
  make_bundle
  RECV_SOCK=$BATS_TEST_TMPDIR/host-notify.sock
  RECV_OUT=$BATS_TEST_TMPDIR/received
  python3 "$INTEGRATION_DIR/notify-recv.py" "$RECV_SOCK" "$RECV_OUT" 3>&- &
  RECV_PID=$!
  retry 100 0.1 grep -q listening "$RECV_OUT"
}

teardown() {
  kill "$RECV_PID" 2> /dev/null || true
  berth_teardown
}

@test "notify: the container sees NOTIFY_SOCKET at /run/notify/notify.sock, a socket" {
  set_args sh -c 'echo "env=$NOTIFY_SOCKET"; /probe stat /run/notify/notify.sock; /probe notify READY=1'
  NOTIFY_SOCKET=$RECV_SOCK rrun berth run --bundle "$BUNDLE" n1
  assert_status 0
  assert_contains "$output" "env=/run/notify/notify.sock"
  grep -q '^socket ' <<< "$output"
}

@test "notify: READY=1 and the other messages reach the host socket, with MAINPID" {
  set_args sh -c '/probe notify STATUS=starting; /probe notify READY=1; exec sleep 30'
  NOTIFY_SOCKET=$RECV_SOCK run_detached n2
  assert_status 0
  grep -qx STATUS=starting "$RECV_OUT"
  grep -qx READY=1 "$RECV_OUT"
  grep -qx "MAINPID=$(ctr_pid n2)" "$RECV_OUT"
}

@test "notify: start returns only after the container sent READY=1" {
  set_args sh -c 'sleep 1; /probe notify READY=1; exec sleep 30'
  NOTIFY_SOCKET=$RECV_SOCK create_ctr n3
  assert_status 0
  ! grep -q READY=1 "$RECV_OUT"
  local t0=$SECONDS
  NOTIFY_SOCKET=$RECV_SOCK rrun berth start n3
  assert_status 0
  # READY=1 was forwarded before start exited
  grep -qx READY=1 "$RECV_OUT"
  [ $((SECONDS - t0)) -ge 1 ]
}

@test "notify: a container that exits without READY=1 does not hang start" {
  set_args sh -c 'exit 0'
  NOTIFY_SOCKET=$RECV_SOCK create_ctr n4
  assert_status 0
  NOTIFY_SOCKET=$RECV_SOCK rrun timeout 10 "$BERTH" --root "$STATE_DIR/$RUNTIME_NAME" start n4
  assert_status 0
  ! grep -q READY=1 "$RECV_OUT"
}

@test "notify: without NOTIFY_SOCKET nothing is mounted or set" {
  set_args sh -c 'echo "env=${NOTIFY_SOCKET:-none}"; /probe stat /run/notify/notify.sock; echo "stat $?"'
  env -u NOTIFY_SOCKET "$BERTH" --root "$STATE_DIR/$RUNTIME_NAME" run --bundle "$BUNDLE" n5 > "$BATS_TEST_TMPDIR/out" 2>&1
  grep -qx env=none "$BATS_TEST_TMPDIR/out"
  grep -qx 'stat 1' "$BATS_TEST_TMPDIR/out"
}

@test "notify: socket paths longer than sun_path (108 bytes) on both sides" {
  # a host socket and a state root each deeper than a sockaddr_un can name
  local deep=$BATS_TEST_TMPDIR/a-directory-name-of-forty-characters-xx/another-directory-name-of-forty-chars/and-a-third-one-to-pass-108-bytes-xxxx
  mkdir -p "$deep/state"
  local sock=$deep/host-notify.sock out=$BATS_TEST_TMPDIR/received-deep
  [ "${#sock}" -gt 108 ] && [ "${#deep}" -gt 108 ]
  python3 "$INTEGRATION_DIR/notify-recv.py" "$sock" "$out" 3>&- &
  local recv=$!
  retry 100 0.1 grep -q listening "$out"
  set_args sh -c '/probe notify STATUS=deep; /probe notify READY=1'
  NOTIFY_SOCKET=$sock rrun "$BERTH" --root "$deep/state" run --bundle "$BUNDLE" n6
  kill "$recv"
  "$BERTH" --root "$deep/state" delete -f n6 > /dev/null 2>&1 || true
  assert_status 0
  grep -qx STATUS=deep "$out"
  grep -qx READY=1 "$out"
  grep -q '^MAINPID=' "$out"
}
