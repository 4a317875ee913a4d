#!/bin/bash
# check-vm-3.sh - the third list of VM bats files (VM_CHECK_BATS_3 in
# tests/Makefile.inc: podman.bats, podman driving berth), in a VM of its
# own, so that make -j2 runs it next to the others.
here=$(cd "$(dirname "$0")" && pwd)
VM_CHECK_BATS=${VM_CHECK_BATS_3:-podman.bats} exec "$here/check-vm.sh"
