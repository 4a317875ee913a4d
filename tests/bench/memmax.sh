#!/bin/bash
# tests/bench/memmax.sh BERTH [RUNTIME...] - the smallest memory.max (KiB)
# under which `RUNTIME run` of /bin/true succeeds, the runtime process and
# its container in one cgroup v2 group with swap off
# (--cgroup-manager=disabled, so the container stays in the runtime's
# group).  A pass/fail threshold search, not a timing: it needs a pure
# cgroup v2 host, so bench.sh runs it in the test VM (tests/vm/vm-run).
# A limit passes when three runs in a row exit 0.  Prints "RUNTIME KIB".
set -u
berth=$1
shift
[ $# -gt 0 ] || set -- berth crun
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || { echo "memmax: needs a pure cgroup v2 host (the test VM)" >&2; exit 1; }
work=$(mktemp -d /tmp/memmax.XXXXXX)
top=/sys/fs/cgroup/bench-memmax
mkdir -p "$top"
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
echo +memory > "$top/cgroup.subtree_control"

mkdir -p "$work/rootfs"/{bin,dev,proc,sys,tmp,etc}
cp /bin/busybox "$work/rootfs/bin/"
ln -s busybox "$work/rootfs/bin/true"
"$berth" spec --bundle "$work"
jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/true"] | .root.readonly = true
    | del(.linux.cgroupsPath)' "$work/config.json" > "$work/c" && mv "$work/c" "$work/config.json"

n=0
try() { # RUNTIME KIB -> exit 0 when `run` succeeds three times in a row
  local rt=$1 kib=$2 bin=$1 cg rc
  [ "$rt" = berth ] && bin=$berth
  for _ in 1 2 3; do
    n=$((n + 1))
    cg=$top/t$n
    mkdir "$cg"
    echo $((kib * 1024)) > "$cg/memory.max"
    echo 0 > "$cg/memory.swap.max" 2> /dev/null
    rc=0
    { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" \
      "$bin" --root "$work/state-$rt" --cgroup-manager=disabled run --bundle "$work" "m$n" > "$work/out" 2>&1; } 2> /dev/null || rc=$?
    echo 1 > "$cg/cgroup.kill" 2> /dev/null
    "$bin" --root "$work/state-$rt" --cgroup-manager=disabled delete -f "m$n" > /dev/null 2>&1
    for _ in $(seq 50); do rmdir "$cg" 2> /dev/null && break; sleep 0.1; done
    [ $rc = 0 ] || return 1
  done
}

for rt in "$@"; do
  # warm the page cache outside the limit: file pages are charged to the
  # group that first reads them
  try "$rt" 1048576 || { echo "memmax: $rt run fails even with 1 GiB: $(cat "$work/out")" >&2; continue; }
  lo=0 hi=65536
  try "$rt" $hi || { echo "memmax: $rt needs more than $hi KiB" >&2; continue; }
  while [ $((hi - lo)) -gt 64 ]; do
    mid=$(((lo + hi) / 2))
    if try "$rt" $mid; then hi=$mid; else lo=$mid; fi
  done
  echo "$rt $hi"
done
rmdir "$top" 2> /dev/null
rm -rf "$work"
