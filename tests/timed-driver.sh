#!/bin/sh
# timed-driver.sh DRIVER [ARG...] - run an automake test driver (LOG_DRIVER
# in Makefile.am: the TAP driver) and record the entry's wall time in its
# .trs file as ":x-wall-time: SECONDS START END" (epoch seconds; automake
# ignores metadata it does not know).  tests/summary.sh lists the slowest
# TESTS entries from these lines, so that CI shows where its time goes.
trs=
prev=
for a in "$@"; do
  [ "$prev" != --trs-file ] || trs=$a
  prev=$a
done
start=$(date +%s)
"$@"
rc=$?
end=$(date +%s)
if [ -n "$trs" ] && [ -f "$trs" ]; then
  echo ":x-wall-time: $((end - start)) $start $end" >> "$trs"
fi
exit "$rc"
