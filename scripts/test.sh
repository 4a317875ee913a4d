#!/bin/sh
# The whole test suite on a fresh Debian 12 machine, as root: install the
# dependencies, build, run unit + integration tests, then make distcheck.
# Prints a final "N passed, N failed, N skipped" line (make check's).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
CONFIGURE_FLAGS=${CONFIGURE_FLAGS:---enable-werror} ./scripts/build.sh
make format-check
status=0
make -j"$(nproc)" check || status=$?
# The tarball has everything: it builds in a read-only VPATH copy, installs,
# uninstalls and passes a subset of make check (DISTCHECK_BATS, Makefile.am).
make -j"$(nproc)" distcheck > distcheck.log 2>&1 || { status=1; tail -50 distcheck.log; }
grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR)' distcheck.log | sed 's/^/distcheck: /' || true
sh tests/summary.sh || true
exit $status
