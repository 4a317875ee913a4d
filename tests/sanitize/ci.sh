#!/bin/bash
# make check's short form of tests/sanitize (one TESTS entry, TAP):
#   2 cppcheck (make analyze's set), zero findings.  scan-build is in make
#     analyze only (a second full build; docs/RELIABILITY.md, "sanitize")
#   1 the unit tests built with ASan+UBSan, no report
#   3 SANITIZE_CI_BATS run with the sanitized berth and img, no report
# CHECK_SANITIZE=no skips it (make distcheck).  Logs: build-sanitize/*.log.
set -uo pipefail
# Run from a make (make check runs this under the test harness, whose
# sub-make passes TEST_LOGS=<every entry> on its command line): the inner
# makes below must not inherit those overrides through MAKEFLAGS, or
# `make check TESTS=...` in the sanitized build runs the whole suite.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
here=$(cd "$(dirname "$0")" && pwd)
dir=${SANITIZE_DIR:-$PWD/build-sanitize}
MAKE=${MAKE:-make}
export MAKE

echo "1..3"
skip_all() {
  local i
  for i in 1 2 3; do echo "ok $i # SKIP $1"; done
  exit 0
}
[ "${CHECK_SANITIZE:-}" != no ] || skip_all "CHECK_SANITIZE=no"
command -v cppcheck > /dev/null || { echo "not ok 1 - no cppcheck (scripts/install-deps.sh)"; exit 0; }
# the clean copy of the source both builds start from
if ! $MAKE -C "${BUILDDIR:-$(dirname "$dir")}" sanitize-src > "$dir.src.log" 2>&1; then
  for i in 1 2 3; do echo "not ok $i - make sanitize-src failed (see $dir.src.log)"; done
  exit 0
fi

# step N DESCRIPTION LOG CMD...: one TAP line; the log's tail on failure
step() {
  local n=$1 desc=$2 log=$3 t0=$SECONDS
  shift 3
  if "$@" > "$log" 2>&1; then
    echo "ok $n - $desc ($((SECONDS - t0)) s)"
  else
    echo "not ok $n - $desc ($((SECONDS - t0)) s; $log)"
    tail -40 "$log" | sed 's/^/# /'
  fi
}

step 1 "unit tests under ASan+UBSan" "$dir/unit.log" \
  "$here/check-sanitize.sh" --src "$dir/src" --build "$dir/asan" --unit-only
# cppcheck reads the generated oci-spec headers of the sanitized build
step 2 "analyze: cppcheck, zero findings" "$dir/analyze.log" \
  "$here/analyze.sh" --src "$dir/src" --build "$dir/asan" --no-scan
# shellcheck disable=SC2086
step 3 "bats under ASan+UBSan: ${SANITIZE_CI_BATS:-}" "$dir/bats.log" \
  "$here/check-sanitize.sh" --src "$dir/src" --build "$dir/asan" --no-unit ${SANITIZE_CI_BATS:-lifecycle.bats}
grep -h '^== \(unit\|integration\|scan-build\|cppcheck\)' "$dir/analyze.log" "$dir/unit.log" "$dir/bats.log" | sed 's/^/# /'
exit 0
