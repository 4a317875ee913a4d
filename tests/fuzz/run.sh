#!/bin/bash
# Run the libFuzzer harnesses one after the other (one process at a time)
# and print a TAP line per target.  Each target fuzzes from its seed corpus
# (corpus/T) and its regression inputs (regress/T: inputs that once crashed,
# replayed first: a crash there fails the run), with dict/T.dict if present.
#   run.sh [--smoke] --time S --bindir DIR --workdir DIR [--results FILE] [TARGET...]
# --smoke starts from an empty work corpus each time; otherwise the work
# corpus (WORKDIR/T/corpus) grows across runs.  --results writes the
# per-target figures as markdown.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
smoke=0 time=10 bindir= workdir= results=
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --time) time=$2; shift ;;
    --bindir) bindir=$2; shift ;;
    --workdir) workdir=$2; shift ;;
    --results) results=$2; shift ;;
    --*) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
[ -n "$bindir" ] && [ -n "$workdir" ] || { echo "run.sh: --bindir and --workdir are required" >&2; exit 2; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(runtime-spec image-spec hooks-dir seccomp mount-opts reference www-auth layer-apply image-user)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

rows=()
status=0
n=0
echo "1..${#targets[@]}"
for t in "${targets[@]}"; do
  n=$((n + 1))
  bin=$bindir/fuzz-$t
  w=$workdir/$t
  [ "$smoke" = 0 ] || rm -rf "$w"
  rm -rf "$w/artifacts"
  mkdir -p "$w/corpus" "$w/artifacts"
  args=(-max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$w/artifacts/")
  [ -f "$here/dict/$t.dict" ] && args+=(-dict="$here/dict/$t.dict")
  dirs=("$w/corpus")
  for d in "$here/corpus/$t" "$here/regress/$t"; do
    [ -d "$d" ] && dirs+=("$d")
  done
  start=$(date +%s)
  rc=0
  "$bin" "${args[@]}" "${dirs[@]}" >"$w/log" 2>&1 || rc=$?
  secs=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/log" | tail -n1)
  covline=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$w/log" | tail -n1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$covline")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$covline")
  corp=$(find "$w/corpus" -type f | wc -l)
  crashes=$(find "$w/artifacts" -type f | wc -l)
  regress=0
  [ -d "$here/regress/$t" ] && regress=$(find "$here/regress/$t" -type f | wc -l)
  summary="$t: ${execs:-?} execs in ${secs} s, cov ${cov:-?} ft ${ft:-?}, corpus $corp, regressions $regress"
  if [ "$rc" = 0 ] && [ "$crashes" = 0 ]; then
    echo "ok $n - $summary"
  else
    status=1
    echo "not ok $n - $summary: exit $rc, $crashes artifact(s) in $w/artifacts"
    { grep -E 'ERROR|SUMMARY|runtime error|invariant|#[0-9]+ in |ParseDictionary' "$w/log" || tail -n 5 "$w/log"; } | head -n 30 | sed 's/^/# /'
  fi
  # the long runs' history in this build tree: date, seconds, executions
  [ "$smoke" = 1 ] || echo "$(date -u +%FT%TZ) $secs ${execs:-0} $crashes" >>"$w/history"
  tot_secs=$secs tot_execs=${execs:-0} tot_crashes=$crashes
  if [ "$smoke" = 0 ]; then
    read -r tot_secs tot_execs tot_crashes < <(awk '{ s += $2; e += $3; c += $4 } END { print s + 0, e + 0, c + 0 }' "$w/history")
  fi
  rows+=("| $t | ${execs:-?} | $secs | $tot_execs | $(awk -v s="$tot_secs" 'BEGIN { printf "%.2f", s / 3600 }') | ${cov:-?} | ${ft:-?} | $corp | $crashes | $tot_crashes | $regress |")
done

if [ -n "$results" ]; then
  {
    echo "# Fuzzing results"
    echo
    echo "Written by \`make fuzz\` (tests/fuzz/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPU(s),"
    echo "clang $(${FUZZ_CC:-clang} --version 2>/dev/null | sed -n 's/.*clang version \([0-9.]*\).*/\1/p' | head -n1),"
    echo "ASan + UBSan, ${time} s per target, one process at a time.  The work corpus"
    echo "(tests/fuzz/work/T/corpus in the build tree) grows across runs, so cov/ft"
    echo "are those reached so far; total executions / hours / crashes add up"
    echo "every \`make fuzz\` run in that build tree (WORKDIR/T/history)."
    echo "crashes: artifacts left by this run (a crash stops the target);"
    echo "regressions: inputs in tests/fuzz/regress/T (each one a bug found and"
    echo "fixed, see tests/fuzz/README.md)."
    echo
    echo "| target | executions | seconds | total executions | total hours | cov | ft | corpus | crashes | total crashes | regressions |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
  } >"$results"
fi
exit $status
