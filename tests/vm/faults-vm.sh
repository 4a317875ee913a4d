#!/bin/bash
# faults-vm.sh - tests/integration/faults.bats inside the cgroup v2 test VM
# (where berth makes a cgroup, so the cgroup fault points are reached too),
# with FAULTS_FULL and FAULTS_RANDOM passed into the guest; prints TAP.
# `make stress-faults` runs it after the host's sweep.  Like run-in-vm.sh
# (whose options it takes: VM_TIMEOUT, VM_MEM, VM_CPUS, VM_FILTER), but
# the guest gets the fault sweep's environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${BUILDDIR:-$top}
berth=${BERTH:-$builddir/berth}
probe=${PROBE:-$builddir/tests/probe/probe}

[ "$(id -u)" = 0 ] || { echo "faults-vm: needs root" >&2; exit 77; }
[ -x "$probe" ] && [ -x "$berth" ] || { echo "faults-vm: build berth and tests/probe/probe first" >&2; exit 1; }

shares=()
for d in "$top" "$builddir"; do
  d=$(readlink -f "$d")
  case "$d" in
    /tmp/* | /var/tmp/*) ;;
    *) continue ;;
  esac
  [[ " ${shares[*]} " == *" $d "* ]] || shares+=(--share "$d")
done

envs=(--env "BERTH=$(readlink -f "$berth")" --env "PROBE=$(readlink -f "$probe")")
[ -z "${FAULTS_FULL:-}" ] || envs+=(--env "FAULTS_FULL=$FAULTS_FULL")
[ -z "${FAULTS_RANDOM:-}" ] || envs+=(--env "FAULTS_RANDOM=$FAULTS_RANDOM")
start=$(date +%s)
rc=0
"$here/vm-run" "${shares[@]}" --timeout "${VM_TIMEOUT:-3600}" --mem "${VM_MEM:-1G}" --cpus "${VM_CPUS:-2}" \
  "${envs[@]}" -- bats --tap ${VM_FILTER:+-f "$VM_FILTER"} "$top/tests/integration/faults.bats" || rc=$?
echo "# faults-vm: $(($(date +%s) - start)) s, exit $rc" >&2
exit "$rc"
