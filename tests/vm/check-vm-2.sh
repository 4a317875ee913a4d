#!/bin/bash
# check-vm-2.sh - the second list of VM bats files (VM_CHECK_BATS_2 in
# tests/Makefile.inc), in a VM of its own, so that make -j2 runs the two
# emulated VMs side by side.
here=$(cd "$(dirname "$0")" && pwd)
VM_CHECK_BATS=${VM_CHECK_BATS_2:-cgroup-core.bats cgroup-ops.bats apparmor.bats} exec "$here/check-vm.sh"
