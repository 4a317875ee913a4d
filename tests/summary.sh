#!/bin/sh
# Add up the results of every test log that automake's drivers wrote and
# print them as one plain line (CI reads it).
cd "$(dirname "$0")/.."
p=0 f=0 s=0
for t in $(find tests -name '*.trs'); do
  p=$((p + $(grep -c '^:test-result: PASS' "$t")))
  f=$((f + $(grep -c -E '^:test-result: (FAIL|ERROR|XPASS)' "$t")))
  s=$((s + $(grep -c '^:test-result: SKIP' "$t")))
done
echo "${p} passed, ${f} failed, ${s} skipped"
