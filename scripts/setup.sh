#!/bin/sh
# First command of the README: install dependencies, build, run the demo.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
./scripts/demo.sh
