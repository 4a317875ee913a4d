#!/bin/bash
# check-vm.sh - `make check`'s run of the bats files that need a pure
# cgroup v2 host (VM_CHECK_BATS in tests/Makefile.inc), inside the test VM
# (tests/vm/run-in-vm.sh), printing their TAP so that automake's TAP driver
# counts every test.  Skips only when not root; a missing qemu, bats or jq
# is a failure (scripts/install-deps.sh installs them).
#
#   VM_CHECK_BATS="cgroups.bats cgroup-core.bats" tests/vm/check-vm.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${BUILDDIR:-$top}
export BUILDDIR=$builddir

skip_all() {
  if [ -n "${BERTH_TAP_DRIVER:-}" ]; then
    echo "1..0 # SKIP $1"
    exit 0
  fi
  echo "check-vm: skipping: $1" >&2
  exit 77
}

fail_all() {
  echo "1..1"
  echo "not ok 1 - check-vm: $1"
  exit 1
}

[ "$(id -u)" = 0 ] || skip_all "the VM tests need root"
[ "${CHECK_VM:-}" != no ] || skip_all "CHECK_VM=no (make distcheck's subset; make check runs them)"
read -r -a files <<< "${VM_CHECK_BATS:-}"
[ ${#files[@]} -gt 0 ] || fail_all "VM_CHECK_BATS names no bats file"
for tool in qemu-system-x86_64 bats jq; do
  command -v "$tool" > /dev/null || fail_all "$tool is not installed (scripts/install-deps.sh)"
done

# The kernel and initramfs are cached next to vm-run; a read-only source
# tree (make distcheck) keeps them in the build tree instead.
if [ -z "${VMRUN_ASSETS:-}" ] && [ ! -e "$here/assets/vmlinux" ] && [ ! -w "$here" ]; then
  export VMRUN_ASSETS=$builddir/tests/vm/assets
fi

# One boot for every file: under TCG emulation each container test takes
# 10-20 s, several times that on a loaded machine.
export VM_TIMEOUT=${VM_TIMEOUT:-3600}

# Under the TAP driver a failed test is already a "not ok" line; bats'
# exit status 1 would add an anonymous ERROR (as in tests/integration/run.sh).
# Anything else (the VM failed to boot: 125, timeout: 124) stays an error.
"$here/run-in-vm.sh" "${files[@]}"
rc=$?
[ -z "${BERTH_TAP_DRIVER:-}" ] || [ "$rc" -ne 1 ] || rc=0
exit "$rc"
