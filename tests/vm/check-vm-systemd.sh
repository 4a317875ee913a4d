#!/bin/bash
# check-vm-systemd.sh - `make check`'s run of the bats files that need
# systemd as PID 1 (VM_SYSTEMD_BATS in tests/Makefile.inc: the systemd
# cgroup manager) in the test VM booted with systemd (vm-run --systemd).
# The same as check-vm.sh otherwise (TAP, skips only when not root).
#
#   VM_SYSTEMD_BATS=cgroup-systemd.bats tests/vm/check-vm-systemd.sh
here=$(cd "$(dirname "$0")" && pwd)
VM_CHECK_BATS=${VM_SYSTEMD_BATS:-cgroup-systemd.bats} VM_SYSTEMD=1 exec "$here/check-vm.sh"
