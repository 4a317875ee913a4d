#!/bin/bash
# tests/bench/bench.sh [GROUP...] [bench.py options] - berth/img benchmarks
# (issue 7): runtime (berth vs crun vs runc, and the unshare floor), img
# (img vs skopeo/umoci against docker-registry on 127.0.0.1), scale.
# Run by `make bench` (BENCH_ARGS='runtime -n 50' passes options), never by
# `make check`.  Needs root on the host (never in the emulated test VM: its
# timings mean nothing).  Installs crun, runc, skopeo, umoci and
# docker-registry from Debian when missing.  Tables go to stdout and to
# tests/bench/results/latest.md, raw samples to latest.json next to it.
#
# Environment: BUILDDIR (the build tree with berth and img), BENCH_WORK
# (scratch dir, default /var/tmp/berth-bench; ~3 GB for the img groups),
# BENCH_RESULTS (default tests/bench/results in the source tree).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${BUILDDIR:-$top}
work=${BENCH_WORK:-/var/tmp/berth-bench}
results=${BENCH_RESULTS:-$here/results}

[ "$(id -u)" = 0 ] || { echo "bench: needs root (containers, mount namespaces)" >&2; exit 1; }
if [ ! -x "$builddir/berth" ] || [ ! -x "$builddir/img" ]; then
  echo "bench: build berth and img first (make)" >&2
  exit 1
fi

need=()
for p in crun:crun runc:runc skopeo:skopeo umoci:umoci docker-registry:docker-registry \
  openssl:openssl taskset:util-linux unshare:util-linux; do
  command -v "${p%%:*}" > /dev/null || need+=("${p#*:}")
done
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}" >&2
  apt-get install -y -q "${need[@]}" > /dev/null
fi

mkdir -p "$work" "$results"

# Measure stripped copies, as packages install them (the build tree's are
# built with -g): berth copies itself into a sealed memfd for create, run
# and exec, so debug info would cost it time and memory that no user pays.
# BENCH_NOSTRIP=1 measures the build tree's binaries as they are.  The
# copies live in the build tree: the test VM (memmax) sees it, not /var/tmp.
berth=$builddir/berth
img=$builddir/img
if [ -z "${BENCH_NOSTRIP:-}" ]; then
  mkdir -p "$builddir/tests/bench/bin"
  strip -o "$builddir/tests/bench/bin/berth" "$berth"
  strip -o "$builddir/tests/bench/bin/img" "$img"
  berth=$builddir/tests/bench/bin/berth
  img=$builddir/tests/bench/bin/img
fi
# The inflater img decodes gzip layers with: ISA-L when configure found it.
inflate=$work/inflate-rate
inflate_flags="-lz"
if grep -q '^#define HAVE_ISAL 1' "$builddir/config.h"; then
  inflate=$work/inflate-rate-isal
  inflate_flags="-DHAVE_ISAL -lz -lisal"
fi
if [ ! -x "$inflate" ] || [ "$here/inflate-rate.c" -nt "$inflate" ]; then
  # shellcheck disable=SC2086 # flags are words
  ${CC:-cc} -O2 -o "$inflate" "$here/inflate-rate.c" $inflate_flags
fi

peakrss=$work/peakrss
if [ ! -x "$peakrss" ] || [ "$here/peakrss.c" -nt "$peakrss" ]; then
  ${CC:-cc} -O2 -static -o "$peakrss" "$here/peakrss.c"
fi

# memmax: a pass/fail threshold search that needs cgroup v2, so it runs in
# the test VM (never a timing); its result file feeds the runtime table.
memmax=$results/memmax.txt
if [[ " $* " == *" memmax "* ]]; then
  echo "bench: memmax: searching the smallest memory.max in the test VM (~5 min)" >&2
  out=$(mktemp)
  "$top/tests/vm/vm-run" --timeout 1800 -- "$here/memmax.sh" "$berth" berth crun > "$out"
  { echo "# measured $(date -u '+%Y-%m-%d %H:%M UTC') in the test VM by tests/bench/memmax.sh"; cat "$out"; } > "$memmax"
  rm -f "$out"
  cat "$memmax"
fi

uptime >&2
# shellcheck disable=SC2016 # the single quotes are literal text in the command shown
exec python3 "$here/bench.py" --berth "$berth" --img "$img" --inflate "$inflate" --peakrss "$peakrss" \
  --work "$work" --results "$results" --memmax "$memmax" --command "make bench${BENCH_ARGS:+ BENCH_ARGS='$BENCH_ARGS'}" "$@"
