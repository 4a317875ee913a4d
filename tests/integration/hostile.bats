#!/usr/bin/env bats
# Hostile inputs (issue 9): each refused with an error naming the object
# and the reason, within bounded memory (peak RSS measured with
# /usr/bin/time and asserted), leaving nothing behind.  The limits are in
# src/common/berth-limits.h; docs/RELIABILITY.md ("Hostile inputs and
# limits") lists them with the figures these tests print.  Big inputs are
# made in the test's temp dir with python, head or truncate (sparse), so the
# whole file runs in seconds.
#
# Covered elsewhere, not repeated here: tar '../', absolute names, hard
# links out, symlink-then-write, huge pax header, name > 4096 bytes
# (img-unpack.bats "hostile:"); /proc, /sys, /dev/null, /dev/console
# symlinks and /proc/self/fd cwd (cve.bats); wrong JSON types (errors.bats).

load helpers
load img-helpers

# Peak RSS allowed for refusing any hostile input (KiB).
PEAK_MAX_KB=$((64 * 1024))

setup() {
  berth_setup
  img_setup
  command -v /usr/bin/time > /dev/null || fail "/usr/bin/time is not installed (apt-get install time)"
}

# cfg PYTHON: edit $BUNDLE/config.json as the dict c (json.dump writes it).
cfg() {
  python3 -c '
import json, sys
p = sys.argv[1]
c = json.load(open(p))
exec(sys.argv[2])
json.dump(c, open(p, "w"))
' "$BUNDLE/config.json" "$1" || fail "cfg $1"
}

# cfg_raw PYTHON: edit the bytes of config.json as b (bytes).
cfg_raw() {
  python3 -c '
import sys
p = sys.argv[1]
b = open(p, "rb").read()
exec(sys.argv[2])
open(p, "wb").write(b)
' "$BUNDLE/config.json" "$1" || fail "cfg_raw $1"
}

# peak ID CMD...: run CMD (stdin /dev/null) under /usr/bin/time; sets
# status, output and PEAK_KB, and prints them.
peak() {
  local id=$1
  shift
  status=0
  /usr/bin/time -f %M -o "$BATS_TEST_TMPDIR/$id.rss" "$@" < /dev/null > "$BATS_TEST_TMPDIR/$id.log" 2>&1 3>&- ||
    status=$?
  output=$(cut -c1-400 "$BATS_TEST_TMPDIR/$id.log")
  PEAK_KB=$(tail -1 "$BATS_TEST_TMPDIR/$id.rss")
  echo "# $id: exit $status, peak ${PEAK_KB} KiB: $output"
}

# fresh: a new bundle (make_bundle makes one per directory).
fresh() {
  FRESH=$((${FRESH:-0} + 1))
  make_bundle "$BATS_TEST_TMPDIR/bundle$FRESH"
}

# refused ID WANT...: `berth create` of $BUNDLE fails (exit 1) with every
# WANT in its message, under PEAK_MAX_KB, and leaves no container.
refused() {
  local id=$1 w
  shift
  peak "$id" "$BERTH" --root "$STATE_DIR/berth" create --bundle "$BUNDLE" "$id"
  [ "$status" -eq 1 ] || fail "$id: exit $status, not 1"
  for w in "$@"; do
    [[ $output == *"$w"* ]] || fail "$id: message lacks '$w'"
  done
  [ "$PEAK_KB" -lt "$PEAK_MAX_KB" ] || fail "$id: peak RSS $PEAK_KB KiB"
  [ ! -d "$STATE_DIR/berth/$id" ] || fail "$id: state left behind"
}

# ---------------------------------------------------------------- runtime ----

@test "hostile config: 1,000,001 env entries and 100,001 mounts are refused with the count and the limit" {
  requires berth
  fresh
  cfg 'c["process"]["env"] = ["A=1"] * 1000001'
  refused env "config.json: .process.env: too many entries (1000001, limit 100000)"
  fresh
  cfg 'c["mounts"] = [{"destination": "/m"}] * 100001'
  refused mounts "config.json: .mounts: too many entries (100001, limit 100000)"
}

@test "hostile config: 100,000 '[' and 250,001 values are refused" {
  requires berth
  fresh
  head -c 100000 /dev/zero | tr '\0' '[' > "$BUNDLE/config.json"
  refused deep "config.json: byte 100: nested deeper than 100 levels"
  fresh
  cfg 'c["x"] = [[0] * 999 for i in range(251)]'
  refused values "config.json: .x[249][" "]: more than 250000 values in the document"
}

@test "hostile config: invalid UTF-8 and \\u0000 in args, env, cwd, mount destinations and keys" {
  requires berth
  fresh
  cfg_raw 'b = b.replace(b"\"/probe\"", b"\"/pro\xffbe\"", 1)'
  grep -q $'\xff' "$BUNDLE/config.json" || fail "no 0xff in config.json"
  refused utf8 "config.json: invalid JSON at byte" "invalid bytes in UTF8 string"
  local v
  for v in 'c["process"]["args"] = ["/probe", "x\u0000y"]#config.json: .process.args[1]: string' \
    'c["process"]["env"] += ["A=\u0000"]#config.json: .process.env[' \
    'c["process"]["cwd"] = "/tmp\u0000/../.."#config.json: .process.cwd: string' \
    'c["mounts"] += [{"destination": "/a\u0000/etc", "type": "tmpfs", "source": "t"}]#].destination: string' \
    'c["annotations"] = {"k\u0000": "v"}#config.json: .annotations: key 0'; do
    fresh
    cfg "${v%%#*}"
    grep -qF '\u0000' "$BUNDLE/config.json" || fail "no \\u0000 in config.json"
    refused nul "${v#*#}" "NUL byte (\\u0000)"
  done
}

@test "hostile config: ids of 2^40, -1 and 1e400 and an rlimit past 64 bits are refused naming the field" {
  requires berth
  fresh
  cfg 'c["process"]["user"]["uid"] = 2**40'
  refused uid ".process.user.uid: integer 1099511627776 out of range for uint32"
  fresh
  cfg 'c["process"]["user"]["gid"] = -1'
  refused gid ".process.user.gid: integer -1 out of range for uint32"
  fresh
  cfg_raw 'b = b.replace(b"\"uid\": 0", b"\"uid\": 1e400", 1)'
  refused e400 ".process.user.uid: expected integer, got number 1e400"
  fresh
  cfg 'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 2**64, "soft": 1}]'
  refused rlimit ".process.rlimits[0].hard: integer 18446744073709551616 out of range for uint64"
  fresh
  cfg 'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": -5, "size": 1}]'
  refused idmap ".linux.uidMappings[0].hostID: integer -5 out of range for uint32"
}

@test "hostile config: a 1 GiB config.json, a 100 MiB string and an endless FIFO are refused unread" {
  requires berth
  fresh
  truncate -s 1G "$BUNDLE/config.json"
  refused gib "config.json': too large (1073741824 bytes, limit 16777216)"
  fresh
  { printf '{"hostname":"'; head -c 100M /dev/zero | tr '\0' a; printf '"}'; } > "$BUNDLE/config.json"
  refused string "config.json': too large (104857615 bytes, limit 16777216)"
  fresh
  rm "$BUNDLE/config.json"
  mkfifo "$BUNDLE/config.json"
  (yes '{"a":1}' > "$BUNDLE/config.json" 2> /dev/null || true) &
  local writer=$!
  refused fifo "config.json': too large (more than 16777216 bytes)"
  wait "$writer"
}

@test "hostile config: 100,000 annotations and 100,000 duplicate keys parse in linear time; the last value wins" {
  requires berth
  fresh
  set_args probe sleep 100
  cfg 'c["annotations"] = {"k%d" % i: "v" for i in range(100000)}'
  cfg_raw 'b = b[:-1] + b", \"annotations\": {\"dup\": \"first\"" + b", \"dup\": \"x\"" * 99998 + b", \"dup\": \"last\"}}"'
  local t0=$SECONDS
  peak dup "$BERTH" --root "$STATE_DIR/berth" create --bundle "$BUNDLE" dup
  [ "$status" -eq 0 ] || fail "create: $output"
  [ $((SECONDS - t0)) -lt 20 ] || fail "create took $((SECONDS - t0)) s"
  run -0 berth state dup
  [ "$(jq -r '.annotations.dup' <<< "$output")" = last ] || fail "dup: $(jq -c .annotations <<< "$output")"
  [ "$(jq -r '.annotations | length' <<< "$output")" = 1 ] || fail "the later annotations object replaces the first"
  berth delete -f dup
}

@test "hostile config: '..' in mount destinations and cwd stays inside the rootfs" {
  requires berth root
  fresh
  local out=$BATS_TEST_TMPDIR/outside-$$
  mkdir "$out"
  cfg 'c["mounts"] += [{"destination": "/../../../..'"$out"'", "type": "tmpfs", "source": "tmpfs"}]'
  cfg 'c["process"]["cwd"] = "/../../../.."'
  run_probe -- cwd
  [ "$status" -eq 0 ] || fail "run: $output"
  [[ $output == "/" ]] || fail "cwd '$output', not '/'"
  ! grep -qF " $out " /proc/self/mountinfo || fail "$out was mounted on the host"
  [ -d "$BUNDLE/rootfs$out" ] || fail "the mount point was not made inside the rootfs"
}

@test "hostile config: a mount target that is a symlink to a host path lands inside the rootfs" {
  requires berth root
  fresh
  local out=$BATS_TEST_TMPDIR/host-target
  mkdir "$out"
  ln -s "$out" "$BUNDLE/rootfs/data"
  ln -s ../../../../../../.. "$BUNDLE/rootfs/up"
  cfg 'c["mounts"] += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs"},
                       {"destination": "/up/escaped", "type": "tmpfs", "source": "tmpfs"}]'
  run_probe -- write /data/f x
  [ "$status" -eq 0 ] || fail "run: $output"
  [ -z "$(ls -A "$out")" ] || fail "written to the host's $out"
  ! grep -qF " $out " /proc/self/mountinfo || fail "$out was mounted on the host"
  [ ! -e /escaped ] || fail "/escaped made on the host"
  [ -d "$BUNDLE/rootfs$out" ] && [ -d "$BUNDLE/rootfs/escaped" ] || fail "mount points not made inside the rootfs"
}
