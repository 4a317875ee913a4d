#!/bin/bash
# make check-sanitize: berth, img, the hooks and the unit tests built with
# AddressSanitizer + UndefinedBehaviorSanitizer (configure
# --enable-sanitizers) in a VPATH build of their own, then the unit tests
# and the host integration suite run with those binaries.
#
#   check-sanitize.sh --src DIR --build DIR [--unit-only|--no-unit] [FILE.bats ...]
#
# --src is a clean copy of the source (make distdir: the source tree itself
# is configured in-tree, and configure refuses a VPATH build from such a
# tree), --build the sanitized build directory.  No FILE.bats: every bats
# file.  Reports: $BUILD/log (tests/sanitize/env.sh).  Exit 0 only when
# every test passed and no sanitizer report was written.
set -euo pipefail
# Run from a make (make check runs this under the test harness, whose
# sub-make passes TEST_LOGS=<every entry> on its command line): the inner
# makes below must not inherit those overrides through MAKEFLAGS, or
# `make check TESTS=...` in the sanitized build runs the whole suite.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
src= build= unit_only= no_unit=
while [ $# -gt 0 ]; do
  case $1 in
    --src) src=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --unit-only) unit_only=1; shift ;;
    --no-unit) no_unit=1; shift ;;
    *) break ;;
  esac
done
[ -n "$src" ] && [ -n "$build" ] || { echo "usage: $0 --src DIR --build DIR [--unit-only] [FILE.bats...]" >&2; exit 2; }
MAKE=${MAKE:-make}
JOBS=${JOBS:--j2}

# shellcheck source=tests/sanitize/env.sh
. "$here/env.sh"
SAN_LOG=$build/log SAN_SUPP=$here

san_build "$src" "$build"
rm -rf "$SAN_LOG"
san_env

rc=0
if [ -z "$no_unit" ]; then
  units=$(cd "$build" && ls tests/unit/test-* | grep -v '[.]' | tr '\n' ' ')
  echo "== unit tests under ASan+UBSan: $units"
  # the TAP driver: one .log per unit test in $build/tests/unit
  (cd "$build" && $MAKE $JOBS check TESTS="$units") > "$build/unit.out" 2>&1 || rc=1
  cat "$build/unit.out"
  echo "== unit: $(grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$build/unit.out" | tr -s ' \n' ' ')"
fi
if [ -z "$unit_only" ]; then
  echo "== integration suite under ASan+UBSan (BUILDDIR=$build): ${*:-every bats file}"
  tap=$build/integration.tap
  BUILDDIR=$build "$top/tests/integration/run.sh" "$@" | tee "$tap" || rc=1
  echo "== integration: $(grep -c '^ok' "$tap") ok ($(grep -c '^ok .* # skip' "$tap") skipped), $(grep -c '^not ok' "$tap") not ok"
  ! grep -q '^not ok' "$tap" || rc=1
fi
san_reports || { echo "check-sanitize: sanitizer reports in $SAN_LOG (above)" >&2; rc=1; }
exit "$rc"
