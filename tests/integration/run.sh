#!/bin/bash
# Run the bats integration suite (or the .bats files given as arguments)
# against the build tree's berth, printing TAP.  `make check` runs it through
# automake's TAP driver so that every bats test is counted on its own.
#
#   tests/integration/run.sh [FILE.bats...]        BERTH=runc tests/integration/run.sh
#
# The suite needs root and bats.  Without them it skips visibly: exit 77, or,
# under the TAP driver (BERTH_TAP_DRIVER set), a "1..0 # SKIP" plan, because
# tap-driver.sh would count exit 77 as an error.
set -u
here=$(cd "$(dirname "$0")" && pwd)
builddir=${BUILDDIR:-$(cd "$here/../.." && pwd)}
export BUILDDIR=$builddir

skip_all() {
  if [ -n "${BERTH_TAP_DRIVER:-}" ]; then
    echo "1..0 # SKIP $1"
    exit 0
  fi
  echo "run.sh: skipping the integration tests: $1" >&2
  exit 77
}

[ "$(id -u)" = 0 ] || skip_all "the integration tests need root"
command -v bats > /dev/null || skip_all "bats is not installed (apt-get install bats)"
command -v jq > /dev/null || skip_all "jq is not installed (apt-get install jq)"

export BERTH=${BERTH:-$builddir/berth}
export IMG=${IMG:-$builddir/img}
export PROBE=${PROBE:-$builddir/tests/probe/probe}
command -v "$BERTH" > /dev/null || skip_all "no runtime at '$BERTH' (build it with make)"
[ -x "$PROBE" ] || skip_all "no probe at '$PROBE' (make check builds it)"

if [ $# -eq 0 ] && [ -n "${CHECK_BATS:-}" ]; then
  # make check CHECK_BATS="a.bats b.bats" (make distcheck's subset)
  read -r -a files <<< "$CHECK_BATS"
  set -- "${files[@]}"
fi
if [ $# -eq 0 ]; then
  set -- "$here"
else
  # accept bare file names: run.sh run.bats
  for ((i = 1; i <= $#; i++)); do
    f=${!i}
    [ -e "$f" ] || [ ! -e "$here/$f" ] || set -- "${@:1:i-1}" "$here/$f" "${@:i+1}"
  done
fi
# TAP, plus comments with every file's wall time and the slow tests
# (bats-format-timed; tests/summary.sh prints them after make check).
tap=(--tap)
[ ! -x "$here/bats-format-timed" ] || tap=(-T -F "$here/bats-format-timed")
if [ -z "${BERTH_TAP_DRIVER:-}" ]; then
  exec bats "${tap[@]}" "$@"
fi
# Under the TAP driver every failed test is already a "not ok" line; bats'
# exit status 1 would add a second, anonymous ERROR.  Other statuses (bats
# itself broken) still reach the driver, and a plan/count mismatch is caught
# by it anyway.
bats "${tap[@]}" "$@"
rc=$?
[ "$rc" -ne 1 ] || rc=0
exit "$rc"
