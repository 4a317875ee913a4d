#!/bin/bash
# check-deb.sh - `make check`'s run of tests/packaging/deb.bats: the Debian
# packages built from this tree (contrib/debian/build-deb.sh) and the
# packaged binaries run from a scratch root.  TAP through
# tests/integration/run.sh (skips only when not root).
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../integration/run.sh" "$here/deb.bats"
