#!/bin/sh
# Add up the results of every test log that automake's drivers wrote and
# print them as one plain line (CI reads it: the last line).  Before it,
# where make check's time went: the slowest TESTS entries (wall time and
# start, from the ":x-wall-time:" lines tests/timed-driver.sh adds to the
# .trs files) and the slowest bats files and tests (the "# bats-file-time:"
# and "# slow-test:" comments of tests/integration/bats-format-timed).
cd "$(dirname "$0")/.."
trs_files=$(find tests -name '*.trs' | sort)
if [ -n "$trs_files" ]; then
  # shellcheck disable=SC2086
  awk '/^:x-wall-time:/ { n = FILENAME; sub(/\.trs$/, "", n); print $2, $3, n }' $trs_files |
    sort -k2,2n | awk 'NR == 1 { t0 = $2 } { print $1, $2 - t0, $3 }' | sort -k1,1nr |
    awk 'NR == 1 { print "make check: the slowest entries (wall s, started at +s):" }
      NR <= 12 { printf "  %6d  +%-5d %s\n", $1, $2, $3 }'
  logs=$(for t in $trs_files; do l=${t%.trs}.log; [ -f "$l" ] && echo "$l"; done)
  # shellcheck disable=SC2086
  [ -z "$logs" ] || awk '/^# bats-file-time: / { n = FILENAME; sub(/\.log$/, "", n); print $4, $5, $3, n }' $logs |
    sort -k1,1nr | awk 'NR == 1 { print "bats files: the slowest (wall s, tests, entry):" }
      NR <= 15 { printf "  %8.1f %4d  %-24s %s\n", $1, $2, $3, $4 }'
  # shellcheck disable=SC2086
  [ -z "$logs" ] || awk '/^# slow-test: / { $1 = $2 = ""; sub(/^ +/, ""); print }' $logs |
    sort -k1,1nr | awk 'NR == 1 { print "bats tests: the slowest (wall s, file: name):" }
      NR <= 15 { printf "  %8.1f  %s\n", $1, substr($0, index($0, $2)) }'
fi
p=0 f=0 s=0
for t in $trs_files; do
  p=$((p + $(grep -c '^:test-result: PASS' "$t")))
  f=$((f + $(grep -c -E '^:test-result: (FAIL|ERROR|XPASS)' "$t")))
  s=$((s + $(grep -c '^:test-result: SKIP' "$t")))
done
echo "${p} passed, ${f} failed, ${s} skipped"
