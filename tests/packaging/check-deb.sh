#!/bin/bash
# check-deb.sh - `make check`'s run of tests/packaging/deb.bats: the Debian
# packages built from this tree (contrib/debian/build-deb.sh) and the
# packaged binaries run from a scratch root.  TAP through
# tests/integration/run.sh (skips only when not root).  A CHECK_BATS list
# (make distcheck's subset) without deb.bats skips it too.
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${CHECK_BATS:-}" ] && [[ " $CHECK_BATS " != *" deb.bats "* ]]; then
  echo "1..0 # SKIP CHECK_BATS does not name deb.bats (make distcheck's subset; make check runs it)"
  exit 0
fi
exec "$here/../integration/run.sh" "$here/deb.bats"
