#!/bin/bash
# check-vm-selinux.sh - `make check`'s second boot of the test VM: the
# VM_SELINUX_BATS files (tests/Makefile.inc) with SELinux instead of
# AppArmor (security=selinux, permissive; selinux.bats loads Debian's
# policy).  Otherwise exactly tests/vm/check-vm.sh: TAP for the driver, a
# skip only when not root.
here=$(cd "$(dirname "$0")" && pwd)
export VM_CHECK_BATS=${VM_SELINUX_BATS:-selinux.bats}
export VMRUN_CMDLINE="${VMRUN_CMDLINE:+$VMRUN_CMDLINE }security=selinux enforcing=0"
exec "$here/check-vm.sh"
