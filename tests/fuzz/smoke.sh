#!/bin/bash
# make check: every fuzz target replays its seed corpus and regression
# inputs, then fuzzes for FUZZ_SMOKE_TIME seconds (TAP, one line a target).
set -euo pipefail
builddir=${BUILDDIR:-$(pwd)}
exec "$(dirname "$0")/run.sh" --smoke --time "${FUZZ_SMOKE_TIME:-3}" \
  --bindir "$builddir/tests/fuzz" --workdir "$builddir/tests/fuzz/work-smoke"
