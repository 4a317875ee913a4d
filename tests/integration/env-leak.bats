#!/usr/bin/env bats
# berth's own environment never reaches the container: the process, an
# exec'd process and the hooks get exactly the environment config.json (or
# `exec --env`) gives them.  A sanitized berth (make check-sanitize) runs
# with ASAN_OPTIONS, UBSAN_OPTIONS and LSAN_OPTIONS set; LD_PRELOAD stands
# for anything else a caller may carry.

load helpers

setup() {
  berth_setup
  make_bundle
  update_config '.process.env = ["PATH=/bin", "FROM_CONFIG=1"]'
}

# leaky CMD...: CMD with variables that must stay on the host side.
leaky() {
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    LSAN_OPTIONS=${LSAN_OPTIONS:-report_objects=0} LD_PRELOAD= BERTH_TEST_HOST_ONLY=1 "$@"
}

# no_host_vars TEXT: none of the host-only variables is in TEXT.
no_host_vars() {
  ! grep -E '^(ASAN|UBSAN|LSAN)_OPTIONS=|^LD_PRELOAD=|^BERTH_TEST_HOST_ONLY=' <<< "$1"
}

@test "env-leak: berth run gives the process only config.json's environment" {
  set_args probe env
  rrun leaky berth run --bundle "$BUNDLE" e1
  [ "$status" -eq 0 ]
  grep -qx FROM_CONFIG=1 <<< "$output"
  no_host_vars "$output"
}

@test "env-leak: berth exec gives the process only config.json's and --env's environment" {
  set_args probe sleep 60
  leaky create_ctr e2
  [ "$status" -eq 0 ]
  rrun leaky berth start e2
  [ "$status" -eq 0 ]
  rrun leaky berth exec --env EXTRA=2 e2 /probe env
  [ "$status" -eq 0 ]
  grep -qx FROM_CONFIG=1 <<< "$output"
  grep -qx EXTRA=2 <<< "$output"
  no_host_vars "$output"
  berth kill e2 KILL
}

@test "env-leak: a hook gets only its own env" {
  update_config ".hooks = {\"poststart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"env > $BATS_TEST_TMPDIR/hook-env\"], \"env\": [\"HOOK=1\"]}]}"
  set_args probe pid
  rrun leaky berth run --bundle "$BUNDLE" e3
  [ "$status" -eq 0 ]
  grep -qx HOOK=1 "$BATS_TEST_TMPDIR/hook-env"
  no_host_vars "$(cat "$BATS_TEST_TMPDIR/hook-env")"
}
