#!/bin/bash
# make analyze: clang's static analyzer (scan-build, clang-tools-14) over a
# build of berth, img and the hooks, and cppcheck over src/ oci-spec/ hooks/.
# Zero reports and zero findings, or exit 1.
#
#   analyze.sh --src DIR --build DIR [--no-scan] [--no-cppcheck]
#
# --src: a clean copy of the source (make distdir), --build: the analyzer's
# VPATH build (configured with scan-build, rebuilt from clean each run:
# scan-build sees only what it compiles).  scan-build's HTML reports go to
# BUILD/report.
#
# cppcheck's checks: its errors (always on) plus warning, portability and
# performance.  "style" is left out: it is about taste (variable scope,
# const pointers), not defects.  A false positive is suppressed where it is
# reported, `// cppcheck-suppress ID` with the reason on the same line.
set -euo pipefail
# Run from a make (make check runs this under the test harness, whose
# sub-make passes TEST_LOGS=<every entry> on its command line): the inner
# makes below must not inherit those overrides through MAKEFLAGS, or
# `make check TESTS=...` in the sanitized build runs the whole suite.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
src= build= scan=1 cpp=1
while [ $# -gt 0 ]; do
  case $1 in
    --src) src=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --no-scan) scan=; shift ;;
    --no-cppcheck) cpp=; shift ;;
    *) echo "usage: $0 --src DIR --build DIR [--no-scan] [--no-cppcheck]" >&2; exit 2 ;;
  esac
done
[ -n "$src" ] && [ -n "$build" ] || { echo "usage: $0 --src DIR --build DIR" >&2; exit 2; }
MAKE=${MAKE:-make}
JOBS=${JOBS:--j2}
SCAN_BUILD=${SCAN_BUILD:-scan-build-14}
CLANG=${CLANG:-clang-14}
rc=0

if [ -n "$scan" ]; then
  command -v "$SCAN_BUILD" > /dev/null || { echo "analyze: no $SCAN_BUILD (apt-get install clang-tools-14)" >&2; exit 1; }
  # clang 14's analyzer does not model __attribute__((cleanup)): every
  # cleanup_free / cleanup_close variable would be a "potential leak" and
  # the `fd = -1` that hands a descriptor on a dead store.  Leaks are
  # checked by LeakSanitizer and valgrind instead (check-sanitize,
  # check-valgrind).
  sb=("$SCAN_BUILD" --use-cc="$CLANG" --use-analyzer="$(command -v "$CLANG")"
    -disable-checker unix.Malloc -disable-checker deadcode.DeadStores)
  mkdir -p "$build"
  if [ ! -e "$build/config.status" ] || [ "$src/configure" -nt "$build/config.status" ]; then
    (cd "$build" && "${sb[@]}" "$src/configure" -q --disable-fuzzing > /dev/null)
  fi
  rm -rf "$build/report"
  (cd "$build" && $MAKE clean > /dev/null)
  echo "== scan-build: berth, img, hooks"
  if (cd "$build" && "${sb[@]}" --status-bugs -o "$build/report" $MAKE $JOBS all > "$build/scan-build.log" 2>&1); then
    echo "== scan-build: 0 reports"
  else
    rc=1
    grep -E 'warning:|scan-build:' "$build/scan-build.log" >&2 || tail -20 "$build/scan-build.log" >&2
    echo "== scan-build: reports in $build/report" >&2
  fi
fi

if [ -n "$cpp" ]; then
  command -v cppcheck > /dev/null || { echo "analyze: no cppcheck (apt-get install cppcheck)" >&2; exit 1; }
  # the generated oci-spec code and config.h come from the build tree
  gen=$build
  echo "== cppcheck: src oci-spec hooks"
  if (cd "$src" && cppcheck -q --error-exitcode=1 --enable=warning,portability,performance --std=c11 \
    --inline-suppr --suppress=missingIncludeSystem -D__linux__ -D__x86_64__ \
    -I src/common -I oci-spec -I "$gen/oci-spec" -I "$gen" src oci-spec hooks); then
    echo "== cppcheck: 0 findings"
  else
    rc=1
  fi
fi
exit "$rc"
