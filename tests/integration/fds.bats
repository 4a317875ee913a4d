#!/usr/bin/env bats
# File descriptors: only stdio reaches the container unless --preserve-fds
# says otherwise (CVE-2024-21626 was a leaked runtime fd).

load helpers

setup() {
  berth_setup
  make_bundle
  echo three > "$BATS_TEST_TMPDIR/three"
  echo four > "$BATS_TEST_TMPDIR/four"
  echo five > "$BATS_TEST_TMPDIR/five"
}

# fds_listed: the fd numbers the last `probe fds` listed, space-separated
fds_listed() {
  grep -E '^[0-9]+ ' <<< "$output" | awk '{print $1}' | sort -n | tr '\n' ' '
}

@test "fds: only 0, 1 and 2 are open in the container" {
  # fds 5 and 7 are open in the caller and must not reach the container
  run_probe -- fds 5< "$BATS_TEST_TMPDIR/five" 7< "$BATS_TEST_TMPDIR/five"
  assert_status 0
  [ "$(fds_listed)" = "0 1 2 " ]
}

@test "fds: none of the runtime's own files reach the container" {
  run_probe -- fds
  assert_status 0
  ! grep -E -e 'state|exec.fifo|config.json|socket:|anon_inode|/proc' <<< "$output"
}

@test "fds: --preserve-fds 2 passes fds 3 and 4, not 5" {
  set_args sh -c '/probe fds; cat <&3; cat <&4'
  local out=$BATS_TEST_TMPDIR/out rc=0
  berth run --preserve-fds 2 --bundle "$BUNDLE" keep2 3< "$BATS_TEST_TMPDIR/three" \
    4< "$BATS_TEST_TMPDIR/four" 5< "$BATS_TEST_TMPDIR/five" < /dev/null > "$out" 2>&1 || rc=$?
  output=$(cat "$out")
  echo "$output"
  [ "$rc" -eq 0 ]
  # sh itself opens nothing extra before exec'ing the probe
  [[ $(fds_listed) == "0 1 2 3 4 "* ]]
  ! grep -q '^5 ' <<< "$output"
  grep -qx three <<< "$output"
  grep -qx four <<< "$output"
}

@test "fds: create --preserve-fds passes the fds to the process started later" {
  set_args sh -c 'cat <&3; exec /probe signal-wait'
  local rc=0
  berth create --preserve-fds 1 --bundle "$BUNDLE" keep1 3< "$BATS_TEST_TMPDIR/three" \
    < /dev/null > "$BATS_TEST_TMPDIR/keep1.log" 2>&1 || rc=$?
  cat "$BATS_TEST_TMPDIR/keep1.log"
  [ "$rc" -eq 0 ]
  run -0 berth start keep1
  wait_log keep1 ready
  grep -qx three "$BATS_TEST_TMPDIR/keep1.log"
}
