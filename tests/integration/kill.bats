#!/usr/bin/env bats
# `kill ID [SIGNAL]`: signal names and numbers reach the container's process,
# --all reaches every process in it.

load helpers

setup() {
  berth_setup
  make_bundle
  set_args probe signal-wait
}

# start_waiting ID: a running container whose process reports its signal
start_waiting() {
  run_detached "$1"
  [ "$status" -eq 0 ]
  wait_log "$1" ready
}

@test "kill: the default signal is SIGTERM" {
  start_waiting k1
  run -0 berth kill k1
  wait_status k1 stopped
  grep -qx SIGTERM "$BATS_TEST_TMPDIR/k1.log"
}

@test "kill: signals by name, with and without SIG, and by number" {
  local sig want
  for sig in USR1 SIGUSR2 1; do
    case $sig in
      USR1) want=SIGUSR1 ;; SIGUSR2) want=SIGUSR2 ;; 1) want=SIGHUP ;;
    esac
    start_waiting "k-$sig"
    run -0 berth kill "k-$sig" "$sig"
    wait_status "k-$sig" stopped
    grep -qx "$want" "$BATS_TEST_TMPDIR/k-$sig.log"
    run -0 berth delete "k-$sig"
  done
}

@test "kill: an unknown signal fails and names it" {
  start_waiting k1
  run berth kill k1 NOSUCHSIG
  assert_failure
  assert_contains "$output" "NOSUCHSIG"
  run -0 ctr_status k1
  [ "$output" = running ]
}

@test "kill: a stopped container cannot be signalled" {
  start_waiting k1
  run -0 berth kill k1 KILL
  wait_status k1 stopped
  run berth kill k1 TERM
  assert_failure
  # containerd's runc shim knows an exited process by runc's "container not
  # running" (else a CRI StopContainer racing the exit fails)
  assert_contains "$output" "container not running"
}

@test "kill --all: every process of the container gets the signal" {
  # sh as pid 1 has no SIGTERM handler, so only --all (which also reaches
  # its children) ends this container
  set_args sh -c '/probe sleep 100 & /probe sleep 100 & echo ready; wait'
  run_detached k1
  wait_log k1 ready
  run -0 berth kill k1 TERM
  sleep 0.5
  run -0 ctr_status k1
  [ "$output" = running ]
  run -0 berth kill --all k1 TERM
  wait_status k1 stopped
}

@test "kill -a is the short form of --all" {
  set_args sh -c '/probe sleep 100 & echo ready; wait'
  run_detached k1
  wait_log k1 ready
  run -0 berth kill -a k1 KILL
  wait_status k1 stopped
}

@test "kill: real-time signals by name (RTMIN+3, SIGRTMIN+3, RTMAX-2) and by number" {
  local sig want
  for sig in RTMIN+3 SIGRTMIN+3 RTMAX-2 36; do
    case $sig in
      *RTMIN+3) want=SIGRTMIN+3 ;; RTMAX-2) want=SIGRTMIN+$((64 - 2 - 34)) ;; 36) want=SIGRTMIN+2 ;;
    esac
    start_waiting "k-$sig"
    run -0 berth kill "k-$sig" "$sig"
    wait_status "k-$sig" stopped
    grep -qx "$want" "$BATS_TEST_TMPDIR/k-$sig.log"
    run -0 berth delete "k-$sig"
  done
}

@test "delete --force: a running container with exec'd processes is gone, processes and state" {
  start_waiting k1
  # rrun, not run: the detached process must not hold the output pipe (bats'
  # run waited for its 100 s sleep)
  rrun berth exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" k1 /probe sleep 100
  [ "$status" -eq 0 ]
  local init exe
  init=$(ctr_pid k1)
  exe=$(cat "$BATS_TEST_TMPDIR/exec.pid")
  [ -d "/proc/$exe" ]
  run -0 berth delete --force k1
  run berth state k1
  assert_failure
  retry 50 0.1 test ! -d "/proc/$init"
  retry 50 0.1 test ! -d "/proc/$exe"
  [ ! -e "$STATE_DIR/$RUNTIME_NAME/k1" ]
}
