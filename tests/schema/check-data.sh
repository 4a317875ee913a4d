#!/bin/sh
# The unit-test configs are valid runtime-spec documents (config-schema.json);
# a broken one is refused.  TAP output; skips when the schema or jsonschema is
# missing (check-schema.py exits 77).
here=$(cd "$(dirname "$0")" && pwd)
data="$here/../unit/data"
check="${PYTHON3:-python3} $here/check-schema.py"
n=0 failed=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
$check "$data/runc-spec.json" 2>/dev/null
rc=$?
if [ "$rc" = 77 ]; then echo "1..0 # SKIP runtime-spec schema or python3-jsonschema missing"; exit 0; fi
for f in "$data"/*-spec*.json "$data"/podman-full.json; do
  $check "$f" >/dev/null 2>&1
  tap $? "schema accepts $(basename "$f")"
done
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
printf '{"ociVersion":"1.0.0","process":{"cwd":"/","args":[1]},"linux":{"namespaces":[{"type":"foo"}]}}' > "$tmp"
out=$($check "$tmp" 2>&1)
rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q '\.process\.args\[0\]: 1 is not of type' \
  && echo "$out" | grep -q '\.linux\.namespaces\[0\]'
tap $? "schema refuses a wrong type and an unknown namespace, naming the paths"
echo "1..$n"
exit $failed
