#!/usr/bin/env bats
# berth next to runc and crun: the same bundle, the same commands; what the
# user sees must match (after normalising what legitimately differs: pids,
# times, a runtime's private state keys, the cgroup v1 mounts of this host).
# With BERTH=runc or BERTH=crun these tests compare the references with each
# other, which is how the comparisons themselves were validated.

load helpers

setup() {
  berth_setup
  make_bundle
  # crun 1.8 refuses "unknown version" 1.2.0 (berth spec's); all three take 1.0.2
  update_config '.ociVersion = "1.0.2"'
}

# ref_bin NAME: the reference runtime's path (skips when it is missing)
ref_bin() {
  requires "$1"
  command -v "$1"
}

# probe_report BIN ID: one foreground run of the probe reporting the basics
probe_report() {
  set_args sh -c 'echo "hostname $(/probe hostname)"; echo "pid $$"; /probe ns | cut -d" " -f1;
                  /probe uid; /probe cwd; /probe umask; /probe nnp'
  rt "$1" run --bundle "$BUNDLE" "$2" < /dev/null 2>&1 3>&-
}

# norm_mounts: `probe mounts` on stdin, as "MOUNTPOINT FSTYPE ro|rw", sorted.
# Masked paths show as "masked" (runc binds its own /dev/null, crun the
# host's: the fs type differs); the v1 hierarchies below /sys/fs/cgroup are
# this host's.
norm_mounts() {
  local masked
  masked=$(jq -r '.linux.maskedPaths // [] | join(" ")' "$BUNDLE/config.json")
  awk -v masked="$masked" '
    BEGIN { n = split(masked, m, " "); for (i = 1; i <= n; i++) ism[m[i]] = 1 }
    $1 ~ "^/sys/fs/cgroup/" { next }
    { split($3, o, ","); if ($1 in ism) print $1, "masked"; else print $1, $2, o[1] }' | sort -u
}

mounts_of() {
  set_args probe mounts
  rt "$1" run --bundle "$BUNDLE" "$2" < /dev/null 2> /dev/null 3>&- | norm_mounts
}

# transitions BIN ID: the status after create, start, kill; the state keys
transitions() {
  local bin=$1 id=$2
  set_args probe signal-wait
  rt "$bin" create --bundle "$BUNDLE" "$id" < /dev/null > "$BATS_TEST_TMPDIR/$id.log" 2>&1 3>&-
  echo "create: $(ctr_status "$bin" "$id")"
  # keys a runtime adds for itself are not part of the comparison
  rt "$bin" state "$id" | jq -r 'del(."systemd-scope") | if .annotations == {} then del(.annotations) else . end
                                 | keys | join(" ")'
  rt "$bin" start "$id"
  retry 100 0.1 grep -q ready "$BATS_TEST_TMPDIR/$id.log"
  echo "start: $(ctr_status "$bin" "$id")"
  rt "$bin" kill "$id" TERM
  wait_status "$bin" "$id" stopped && echo "kill: stopped"
  grep -x SIGTERM "$BATS_TEST_TMPDIR/$id.log"
  rt "$bin" delete "$id"
  rt "$bin" state "$id" > /dev/null 2>&1 || echo "delete: gone"
}

# exit codes of commands refused in the container's current state
bad_state_codes() {
  local bin=$1 id=$2
  code() {
    local rc=0
    rt "$bin" "$@" < /dev/null > /dev/null 2>&1 3>&- || rc=$?
    echo "$* -> $rc" | sed "s/$id/ID/g"
  }
  set_args probe signal-wait
  code state "$id"
  code kill "$id" TERM
  code delete "$id"
  code start "$id"
  code create --bundle "$BUNDLE" "$id"
  code create --bundle "$BUNDLE" "$id"
  code start "$id"
  code start "$id"
  code delete "$id"
  code kill "$id" KILL
  wait_status "$bin" "$id" stopped
  code kill "$id" TERM
  code start "$id"
  code delete "$id"
}

compare() {
  local what=$1 ref=$2 bin
  bin=$(ref_bin "$ref")
  "$what" "$BERTH" "mine-$what" > "$BATS_TEST_TMPDIR/mine" || true
  "$what" "$bin" "ref-$what" > "$BATS_TEST_TMPDIR/ref" || true
  echo "--- $ref / +++ $RUNTIME_NAME"
  diff -u "$BATS_TEST_TMPDIR/ref" "$BATS_TEST_TMPDIR/mine"
  [ -s "$BATS_TEST_TMPDIR/ref" ]
}

@test "side by side with runc: what the probe reports" {
  compare probe_report runc
}

@test "side by side with crun: what the probe reports" {
  compare probe_report crun
}

@test "side by side with runc: the mount table" {
  compare mounts_of runc
}

@test "side by side with crun: the mount table" {
  compare mounts_of crun
}

@test "side by side with runc: status transitions and state keys" {
  compare transitions runc
}

@test "side by side with crun: status transitions and state keys" {
  compare transitions crun
}

@test "side by side with runc: exit codes in the wrong state" {
  compare bad_state_codes runc
}

@test "side by side with crun: exit codes in the wrong state" {
  compare bad_state_codes crun
}
