#!/bin/sh
# The whole test suite on a fresh Debian 12 machine, as root: install the
# dependencies, build, run unit + integration tests.  Prints a final
# "N passed, N failed, N skipped" line.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
CONFIGURE_FLAGS=${CONFIGURE_FLAGS:---enable-werror} ./scripts/build.sh
make format-check
status=0
make -j"$(nproc)" check || status=$?
sh tests/summary.sh || true
exit $status
