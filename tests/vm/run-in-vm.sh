#!/bin/bash
# run-in-vm.sh [FILE.bats...] - boot the test VM once and run bats files in
# it against the build tree, printing TAP; exits with bats' status.
#
# For the tests that need a pure cgroup v2 host with every controller (the
# hosts here are hybrid).  The guest (tests/vm/vm-run) sees the host's file
# system read-only with a throw-away tmpfs overlay, so the build tree, bats,
# runc and crun run in it unchanged; /tmp is a fresh tmpfs.  Bare file names
# are looked up in tests/integration.  Under TCG emulation every fork costs
# ~50 ms: give it lean files, not the whole suite.
#
# Environment: BERTH, PROBE (default: the build tree's), BUILDDIR,
# VM_TIMEOUT (seconds, default 1800), VM_MEM (default 1G), VM_CPUS (default 2),
# VM_FILTER (a regex: only the tests whose names match, bats -f),
# VM_ENV (NAME=VALUE words passed to the tests, e.g. VM_ENV='LOAD_CONTAINERS=200'),
# VM_SYSTEMD=1 (boot systemd as PID 1: vm-run --systemd).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${BUILDDIR:-$top}
berth=${BERTH:-$builddir/berth}
probe=${PROBE:-$builddir/tests/probe/probe}

[ "$(id -u)" = 0 ] || { echo "run-in-vm: needs root (qemu setup, containers)" >&2; exit 77; }
[ -x "$probe" ] || { echo "run-in-vm: no probe at '$probe' (make check builds it)" >&2; exit 1; }
command -v "$berth" > /dev/null || { echo "run-in-vm: no runtime at '$berth'" >&2; exit 1; }
[[ $berth == /* ]] || berth=$(command -v "$berth")

files=()
[ $# -gt 0 ] || set -- "$top/tests/integration"
for f in "$@"; do
  if [ -e "$f" ]; then
    files+=("$(readlink -f "$f")")
  elif [ -e "$top/tests/integration/$f" ]; then
    files+=("$top/tests/integration/$f")
  else
    echo "run-in-vm: no bats file '$f'" >&2
    exit 1
  fi
done

# The guest gets fresh tmpfs at /tmp and /var/tmp: a tree under them (a CI
# clone in /tmp, say) is shared into the guest explicitly.
shares=()
for d in "$top" "$builddir"; do
  d=$(readlink -f "$d")
  case "$d" in
    /tmp/* | /var/tmp/*) ;;
    *) continue ;;
  esac
  for s in "${shares[@]}"; do
    [[ $d == "$s" || $d == "$s"/* ]] && continue 2
  done
  shares+=(--share "$d")
done

# TAP plus per-file wall times and slow tests (as tests/integration/run.sh)
tap=(--tap)
[ ! -x "$top/tests/integration/bats-format-timed" ] || tap=(-T -F "$top/tests/integration/bats-format-timed")
envs=()
for e in ${VM_ENV:-}; do
  envs+=(--env "$e")
done

start=$(date +%s.%N)
rc=0
"$here/vm-run" ${VM_SYSTEMD:+--systemd} "${shares[@]}" --timeout "${VM_TIMEOUT:-1800}" --mem "${VM_MEM:-1G}" --cpus "${VM_CPUS:-2}" \
  --env "BERTH=$berth" --env "PROBE=$probe" ${BATS_SLOW_TEST:+--env "BATS_SLOW_TEST=$BATS_SLOW_TEST"} "${envs[@]}" \
  -- bats "${tap[@]}" ${VM_FILTER:+-f "$VM_FILTER"} "${files[@]}" || rc=$?
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v rc="$rc" 'BEGIN { printf "# run-in-vm: %.1f s, exit %d\n", e - s, rc }' >&2
exit "$rc"
