# helpers.bash - shared by every integration test (`load helpers`).
#
# Binaries under test come from the environment:
#   BERTH  the runtime under test (default: the build tree's ./berth; a bare
#          name such as BERTH=runc is looked up in PATH)
#   PROBE  the static probe copied into every rootfs (tests/probe/probe)
#   SPEC_RUNTIME  the runtime whose `spec` makes config.json (default: BERTH)
# Every test gets its own state root under BATS_TEST_TMPDIR (one per runtime:
# $STATE_DIR/berth, $STATE_DIR/runc, ...), so no test ever touches /run/berth,
# and teardown removes every container it made and fails the test when
# anything (state dirs, processes, mounts, cgroups) is left behind.

bats_require_minimum_version 1.5.0

# (every test sources this file: no fork it can avoid, each costs ~50 ms in
# the TCG test VM)
INTEGRATION_DIR=${BASH_SOURCE[0]%/*}
[ "$INTEGRATION_DIR" != "${BASH_SOURCE[0]}" ] || INTEGRATION_DIR=.
INTEGRATION_DIR=$(cd "$INTEGRATION_DIR" && pwd)
TOP_DIR=$(cd "$INTEGRATION_DIR/../.." && pwd)
# the build tree (differs from TOP_DIR in a VPATH build such as make distcheck)
BUILD_DIR=${BUILDDIR:-$TOP_DIR}

BERTH=${BERTH:-$TOP_DIR/berth}
if [[ $BERTH != /* ]]; then
  BERTH=$(command -v "$BERTH" 2> /dev/null || readlink -f "$BERTH")
fi
PROBE=${PROBE:-$TOP_DIR/tests/probe/probe}
SPEC_RUNTIME=${SPEC_RUNTIME:-$BERTH}
# berth, runc or crun: some checks are about berth's own formats
RUNTIME_NAME=${BERTH##*/}

# ---------------------------------------------------------------- guards ----

# requires root|cgroup2|registry|runc|crun|berth|apparmor|selinux ...: skip the test with the
# reason when the machine (or the runtime under test) lacks something.
requires() {
  local r
  for r in "$@"; do
    case $r in
      root) [ "$(id -u)" = 0 ] || skip "needs root" ;;
      cgroup2)
        [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
          skip "needs a pure cgroup v2 host (this one is hybrid/v1; use tests/vm/run-in-vm.sh)"
        ;;
      registry) command -v docker-registry > /dev/null || skip "needs docker-registry (apt-get install docker-registry)" ;;
      runc) command -v runc > /dev/null || skip "needs runc" ;;
      crun) command -v crun > /dev/null || skip "needs crun" ;;
      berth) [ "$RUNTIME_NAME" = berth ] || skip "checks berth's own behaviour (BERTH is $RUNTIME_NAME)" ;;
      apparmor | selinux) _requires_lsm "$r" ;;
      *) fail "requires: unknown requirement '$r'" ;;
    esac
  done
}

# _requires_lsm apparmor|selinux: the LSM is enabled (SELinux with a policy
# loaded) and its tools are installed.  Outside the test VM a host without
# it skips; inside it (container=vmrun, tests/vm) the test fails instead: the
# VM boots with the LSM on purpose, so a skip there would hide a regression.
_requires_lsm() {
  local why=
  case $1 in
    apparmor)
      [ "$(cat /sys/module/apparmor/parameters/enabled 2> /dev/null)" = Y ] &&
        [ -e /sys/kernel/security/apparmor/profiles ] || why="AppArmor is not enabled (or securityfs not mounted)"
      [ -n "$why" ] || command -v apparmor_parser > /dev/null || why="no apparmor_parser (scripts/install-deps.sh)"
      ;;
    selinux)
      [ -e /sys/fs/selinux/policyvers ] || why="SELinux is not enabled (or selinuxfs not mounted)"
      [ -n "$why" ] || [ "$(tr -d '\0' < /proc/self/attr/current)" != kernel ] || why="no SELinux policy is loaded"
      ;;
  esac
  [ -n "$why" ] || return 0
  [ "${container:-}" != vmrun ] || fail "the test VM should have $1 on, but: $why"
  skip "needs $1: $why (run it in the test VM, see tests/vm/run-in-vm.sh)"
}

# ------------------------------------------------------- running runtimes ----

setup() {
  berth_setup
}

teardown() {
  berth_teardown
}

berth_setup() {
  STATE_DIR=$BATS_TEST_TMPDIR/state
  mkdir -p "$STATE_DIR"
  : > "$BATS_TEST_TMPDIR/runtimes"
  : > "$BATS_TEST_TMPDIR/cgroups"
}

# rt BIN ARGS...: run a runtime with this test's state root.  With RT_EXEC
# set the shell execs the runtime, so that `RT_EXEC=1 rt ... &` makes $! the
# runtime's own pid (to send it signals).  crun refuses a
# hybrid cgroup host ("cgroups in hybrid mode not supported") unless the
# unified hierarchy looks empty: hide its cgroup.controllers under an empty
# file in a private mount namespace, and keep crun out of cgroups altogether.
rt() {
  local bin=$1 name line
  shift
  name=${bin##*/}
  # (builtins: every runtime call passes here, and a fork costs ~50 ms in
  # the TCG test VM)
  while IFS= read -r line && [ "$line" != "$name $bin" ]; do :; done < "$BATS_TEST_TMPDIR/runtimes"
  [ "$line" = "$name $bin" ] || echo "$name $bin" >> "$BATS_TEST_TMPDIR/runtimes"
  case $name in
    crun*)
      if [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
        : > "$BATS_TEST_TMPDIR/empty"
        ${RT_EXEC:+exec} unshare -m sh -c 'mount --bind "$0" /sys/fs/cgroup/unified/cgroup.controllers && exec "$@"' \
          "$BATS_TEST_TMPDIR/empty" "$bin" --root "$STATE_DIR/$name" --cgroup-manager=disabled "$@"
      else
        ${RT_EXEC:+exec} "$bin" --root "$STATE_DIR/$name" --cgroup-manager=disabled "$@"
      fi
      ;;
    *) ${RT_EXEC:+exec} "$bin" --root "$STATE_DIR/$name" "$@" ;;
  esac
}

# berth ARGS...: the runtime under test, with this test's state root.
berth() {
  rt "$BERTH" "$@"
}

# rrun CMD...: like bats' `run` (sets status, output, lines) but through a
# file, so that a container that inherits stdout (create, run -d) cannot
# keep the test waiting for EOF; fd 3 (bats' TAP stream) is closed for the
# same reason.  The output is echoed, so it shows when a test fails.
rrun() {
  local f
  f=$(mktemp "$BATS_TEST_TMPDIR/rrun.XXXXXX")
  status=0
  "$@" < /dev/null > "$f" 2>&1 3>&- || status=$?
  output=$(cat "$f")
  mapfile -t lines < "$f"
  echo "# $* -> exit $status"
  [ -z "$output" ] || printf '%s\n' "$output"
}

# create_ctr ID [OPTS...]: `berth create` of $BUNDLE; the container's stdout and
# stderr (and berth's) go to $BATS_TEST_TMPDIR/ID.log (see ctr_log).
create_ctr() {
  local id=$1
  shift
  rrun_log "$id" berth create --bundle "$BUNDLE" "$@" "$id"
}

# run_detached ID [OPTS...]: `berth run -d`, output as for create_ctr.
run_detached() {
  local id=$1
  shift
  rrun_log "$id" berth run -d --bundle "$BUNDLE" "$@" "$id"
}

rrun_log() {
  local id=$1
  shift
  status=0
  "$@" < /dev/null > "$BATS_TEST_TMPDIR/$id.log" 2>&1 3>&- || status=$?
  output=$(cat "$BATS_TEST_TMPDIR/$id.log")
  echo "# $* -> exit $status"
  [ -z "$output" ] || printf '%s\n' "$output"
}

ctr_log() {
  cat "$BATS_TEST_TMPDIR/$1.log"
}

# ctr_status [RUNTIME_BIN] ID: the status field of `state`
ctr_status() {
  _state_field status "$@"
}

# ctr_pid [RUNTIME_BIN] ID: the pid field of `state`
ctr_pid() {
  _state_field pid "$@"
}

# _state_field FIELD [RUNTIME_BIN] ID: a top-level string or number of
# `state` (nothing when it fails), by a regex where that is unambiguous (no
# annotations): jq costs ~0.5 s a run in the TCG test VM.
_state_field() {
  local f=$1 bin=$BERTH out re
  shift
  [ $# -lt 2 ] || { bin=$1; shift; }
  out=$(rt "$bin" state "$1")
  [ -n "$out" ] || return 0
  re="\"$f\"[[:space:]]*:[[:space:]]*(\"([^\"\\]*)\"|[0-9]+)"
  if [[ $out != *'"annotations"'* && $out =~ $re ]]; then
    if [[ ${BASH_REMATCH[1]} == \"* ]]; then
      echo "${BASH_REMATCH[2]}"
    else
      echo "${BASH_REMATCH[1]}"
    fi
  else
    jq -r ".$f" <<< "$out"
  fi
}

# retry N DELAY CMD...: run CMD until it succeeds, at most N times.
retry() {
  local n=$1 delay=$2 i
  shift 2
  for ((i = 0; i < n; i++)); do
    "$@" && return 0
    sleep "$delay"
  done
  echo "retry: '$*' did not succeed after $n attempts" >&2
  return 1
}

# wait_status [RUNTIME_BIN] ID STATUS: wait (up to 10 s: make -j check may
# load the machine) until `state` says STATUS.
wait_status() {
  local want=${!#}
  local args=("${@:1:$#-1}")
  local i got
  for ((i = 0; i < 100; i++)); do
    got=$(ctr_status "${args[@]}" 2> /dev/null) || true
    [ "$got" = "$want" ] && return 0
    sleep 0.1
  done
  echo "container ${args[*]}: status '$got', expected '$want'" >&2
  return 1
}

# wait_log ID TEXT: wait (up to 10 s) until the container's output has TEXT.
wait_log() {
  retry 100 0.1 grep -q -- "$2" "$BATS_TEST_TMPDIR/$1.log"
}

# use_cgroup2_view: berth sees a pure cgroup v2 host, and CGROUP2_ROOT is
# where the test sees that hierarchy.  On a pure v2 host nothing changes.
# On a hybrid host (cgroup2 at /sys/fs/cgroup/unified: on this one it holds
# no controller but hugetlb) BERTH becomes a wrapper, also called berth,
# that runs berth in a private mount namespace with that hierarchy bound
# over /sys/fs/cgroup: berth then makes, joins, kills and removes its
# cgroups there (no limits but hugetlb's), so placement and removal are
# tested without the VM.  Elsewhere the test is skipped.
use_cgroup2_view() {
  local d=$BATS_TEST_TMPDIR/cgroup2-view
  CGROUP2_ROOT=/sys/fs/cgroup
  [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || return 0
  [ "$(stat -f -c %T /sys/fs/cgroup/unified 2> /dev/null)" = cgroup2fs ] ||
    skip "needs cgroup v2 at /sys/fs/cgroup or /sys/fs/cgroup/unified"
  CGROUP2_ROOT=/sys/fs/cgroup/unified
  [ "$BERTH" != "$d/berth" ] || return 0
  mkdir -p "$d"
  # (unshare's default propagation is private: the bind stays in there)
  printf '#!/bin/sh\nexec unshare -m sh -c %s sh %q "$@"\n' \
    "'mount --bind /sys/fs/cgroup/unified /sys/fs/cgroup && exec \"\$@\"'" "$BERTH" > "$d/berth"
  chmod 755 "$d/berth"
  BERTH=$d/berth
}

# asan_unquarantined: ASAN_OPTIONS for a process whose peak RSS a test
# measures.  In a sanitized build (make check-sanitize) ASan's quarantine
# keeps up to 256 MB of freed blocks, which are not the program's memory;
# it is turned off, the other checks stay on.  Harmless in a plain build.
asan_unquarantined() {
  echo "${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
}

# ---------------------------------------------------------------- bundles ----

# The rootfs all bundles start from: static busybox with its applets in /bin
# and the probe at /probe.  Built once per bats run.
template_rootfs() {
  local t=$BATS_RUN_TMPDIR/rootfs-template tmp
  if [ ! -d "$t" ]; then
    tmp=$(mktemp -d "$BATS_RUN_TMPDIR/rootfs.XXXXXX")
    chmod 755 "$tmp"
    mkdir -p "$tmp"/{bin,dev,etc,proc,sys,tmp,root,run,var}
    chmod 1777 "$tmp/tmp"
    cp /bin/busybox "$tmp/bin/busybox"
    # one process for ~400 links: in the TCG test VM every fork costs ~50 ms
    /bin/busybox --list | python3 -c '
import os, sys
for applet in sys.stdin.read().split():
    if applet != "busybox":
        os.symlink("busybox", os.path.join(sys.argv[1], applet))' "$tmp/bin"
    cp "$PROBE" "$tmp/probe"
    echo "root:x:0:0:root:/root:/bin/sh" > "$tmp/etc/passwd"
    echo "root:x:0:" > "$tmp/etc/group"
    mv "$tmp" "$t"
  fi
  echo "$t"
}

# make_bundle [DIR]: a fresh bundle (default $BATS_TEST_TMPDIR/bundle) with
# the template rootfs and a config.json from `$SPEC_RUNTIME spec`, made
# non-interactive, writable, running `probe pid`, and in a cgroup of its own
# below the test's (a relative cgroupsPath: runc then nests it under its own
# cgroup, never elsewhere on the host).  Sets BUNDLE.
make_bundle() {
  BUNDLE=${1:-$BATS_TEST_TMPDIR/bundle}
  mkdir -p "$BUNDLE"
  cp -a "$(template_rootfs)" "$BUNDLE/rootfs"
  (cd "$BUNDLE" && "$SPEC_RUNTIME" spec) || fail "'$SPEC_RUNTIME spec' failed in $BUNDLE"
  local cg="berth-test-$$-$RANDOM"
  echo "$cg" >> "$BATS_TEST_TMPDIR/cgroups"
  # (set_args probe pid, in the same jq)
  update_config ".process.terminal = false | .root.readonly = false | .linux.cgroupsPath = \"$cg\" |
    .process.args = [\"/probe\", \"pid\"]"
}

# update_config JQ_EXPR [BUNDLE]: edit config.json in place.
update_config() {
  local b=${2:-$BUNDLE} json
  json=$(jq "$1" "$b/config.json") && printf '%s\n' "$json" > "$b/config.json"
}

# json_str S: S as a JSON string in $REPLY, without forking jq (~0.3 s a
# run in the TCG test VM) unless S holds control characters other than
# newline, tab and carriage return.
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  if [[ $s == *[$'\001'-$'\037']* ]]; then
    REPLY=$(jq -n --arg v "$1" '$v')
  else
    REPLY="\"$s\""
  fi
}

# set_args ARG...: process.args; a leading `probe` means the probe at /probe.
set_args() {
  [ "$1" != probe ] || set -- /probe "${@:2}"
  local a json=
  # each element made a JSON string by json_str (jq --args would parse a
  # "-c" as its own option)
  for a in "$@"; do
    json_str "$a"
    json+=${json:+,}$REPLY
  done
  update_config ".process.args = [$json]"
}

# run_probe [RUN_OPTS...] -- PROBE_ARGS...: `berth run` the probe in $BUNDLE
# in the foreground (unique id); sets status/output like `run`.
run_probe() {
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    opts+=("$1")
    shift
  done
  [ "${1:-}" != -- ] || shift
  set_args probe "$@"
  rrun berth run --bundle "$BUNDLE" "${opts[@]}" "probe-$RANDOM"
}

# ---------------------------------------------------------------- teardown ----

# Delete (forced, by id, with the test's own root) every container any
# runtime left in this test's state root, then check that nothing is left:
# no state dirs, no mounts below the test's directory, no cgroups.
berth_teardown() {
  local name bin dir id leftovers=()
  [ -n "${STATE_DIR:-}" ] || return 0
  while read -r name bin; do
    [ -d "$STATE_DIR/$name" ] || continue
    for dir in "$STATE_DIR/$name"/*/; do
      [ -d "$dir" ] || continue
      id=$(basename "$dir")
      rt "$bin" delete -f "$id" < /dev/null > /dev/null 2>&1 3>&- || true
    done
    for dir in "$STATE_DIR/$name"/*/; do
      [ -d "$dir" ] && leftovers+=("state dir $dir")
    done
  done < "$BATS_TEST_TMPDIR/runtimes"
  leftovers+=($(teardown_processes) $(teardown_mounts) $(teardown_cgroups))
  if [ ${#leftovers[@]} -gt 0 ]; then
    printf 'teardown: left behind: %s\n' "${leftovers[@]}" >&2
    return 1
  fi
}

# Processes of this test's containers left behind: killed by pid, then
# reported.  A process is killed only when both guards hold; each alone has
# killed what it must not:
#  - it is in another mount namespace than the test shell (a container's).
#    A bind mount the test makes from its directory, in the host's
#    namespace, shows in every host process's table: without this guard
#    every process on the machine was killed.  A namespace that cannot be
#    read does not count as another one.
#  - its root is under the test's directory (a rootfs), or one of its mounts
#    has its source (mountinfo's 4th field, the root of the mount) under it:
#    the bind mount of a rootfs, before or after pivot_root.  Not a mount
#    point under it: a tmpfs the test mounted there is copied into every
#    mount namespace made meanwhile (another test's container being created).
# grep and find only list candidates; both guards are checked per process.
teardown_processes() {
  local d="$BATS_TEST_TMPDIR/" self_ns ns pid
  self_ns=$(readlink "/proc/$$/ns/mnt") && [ -n "$self_ns" ] || return 0
  for pid in $({
    grep -l -F "$d" /proc/[0-9]*/mountinfo
    find /proc/[0-9]*/root -maxdepth 0 -lname "$d*"
  } 2> /dev/null | cut -d/ -f3 | sort -un); do
    [ "$pid" != "$$" ] && [ "$pid" != "$BASHPID" ] || continue
    ns=$(readlink "/proc/$pid/ns/mnt" 2> /dev/null) && [ -n "$ns" ] && [ "$ns" != "$self_ns" ] || continue
    [[ $(readlink "/proc/$pid/root" 2> /dev/null) == "$d"* ]] ||
      awk -v d="$d" 'index($4, d) == 1 { found = 1 } END { exit !found }' "/proc/$pid/mountinfo" 2> /dev/null ||
      continue
    echo "process:$pid:$(cat "/proc/$pid/comm" 2> /dev/null)"
    kill -KILL "$pid" 2> /dev/null || true
  done
}

# Mounts on the host below this test's directory (unmounted, then reported).
teardown_mounts() {
  local mp found=()
  while read -r mp; do
    found+=("$mp")
  done < <(awk -v d="$BATS_TEST_TMPDIR" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  for mp in "${found[@]}"; do
    umount -l "$mp" 2> /dev/null || true
    echo "mount:$mp"
  done
}

# The test's cgroups (names from make_bundle) anywhere below /sys/fs/cgroup
# (removed, with the empty cgroups below them, then reported).
teardown_cgroups() {
  local cg d
  while read -r cg; do
    [ -n "$cg" ] || continue
    while read -r d; do
      find "$d" -depth -type d -exec rmdir {} + 2> /dev/null || true
      echo "cgroup:$d"
    done < <(find /sys/fs/cgroup -maxdepth 5 -type d -name "$cg" 2> /dev/null)
  done < "$BATS_TEST_TMPDIR/cgroups"
}

# ------------------------------------------------------------- assertions ----

fail() {
  echo "$*" >&2
  return 1
}

# assert_contains TEXT NEEDLE: TEXT contains NEEDLE (prints both otherwise).
assert_contains() {
  if [[ $1 != *"$2"* ]]; then
    printf 'expected to find: %s\nin: %s\n' "$2" "$1" >&2
    return 1
  fi
}

assert_status() {
  if [ "$status" -ne "$1" ]; then
    echo "exit status $status, expected $1" >&2
    return 1
  fi
}

assert_failure() {
  if [ "$status" -eq 0 ]; then
    echo "the command succeeded, expected it to fail" >&2
    return 1
  fi
}

# the host's own namespace link for TYPE, e.g. "net:[4026531840]"
host_ns() {
  readlink "/proc/self/ns/$1"
}

# is_berth: true when the runtime under test is berth, for the checks of
# berth's own messages that runc and crun word differently.
is_berth() {
  [ "$RUNTIME_NAME" = berth ]
}

# ------------------------------------------------------------- rootless ----

# Rootless tests run the runtime as ROOTLESS_USER (default berthtest), an
# unprivileged user that rootless_user_setup creates when missing, with
# /etc/subuid and /etc/subgid ranges for newuidmap/newgidmap.  The user is
# never removed: it may predate the tests, and a later run reuses it.
ROOTLESS_USER=${ROOTLESS_USER:-berthtest}

# The first id after every range in a subuid/subgid file (at least 100000).
_rootless_free_subid() {
  awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }' "$1" 2> /dev/null || echo 100000
}

# rootless_user_setup: make sure ROOTLESS_USER exists with 65536
# subordinate uids and gids (idempotent; for setup_file).
rootless_user_setup() {
  local first
  [ "$(id -u)" = 0 ] || return 0
  id -u "$ROOTLESS_USER" > /dev/null 2>&1 || useradd -m -s /bin/sh "$ROOTLESS_USER" ||
    fail "cannot create user $ROOTLESS_USER"
  touch /etc/subuid /etc/subgid
  if ! grep -q "^$ROOTLESS_USER:" /etc/subuid; then
    first=$(_rootless_free_subid /etc/subuid)
    usermod --add-subuids "$first-$((first + 65535))" "$ROOTLESS_USER"
  fi
  if ! grep -q "^$ROOTLESS_USER:" /etc/subgid; then
    first=$(_rootless_free_subid /etc/subgid)
    usermod --add-subgids "$first-$((first + 65535))" "$ROOTLESS_USER"
  fi
}

# requires_rootless: skip unless root can run things as ROOTLESS_USER and
# the kernel lets that user create a user namespace (with the reason).
requires_rootless() {
  requires root
  id -u "$ROOTLESS_USER" > /dev/null 2>&1 || skip "no user $ROOTLESS_USER (rootless_user_setup)"
  if ! runuser -u "$ROOTLESS_USER" -- unshare --user true 2> /dev/null; then
    skip "unprivileged user namespaces are not allowed here" \
      "(kernel.unprivileged_userns_clone=$(cat /proc/sys/kernel/unprivileged_userns_clone 2> /dev/null || echo n/a)," \
      "user.max_user_namespaces=$(cat /proc/sys/user/max_user_namespaces 2> /dev/null || echo n/a))"
  fi
}

# The user's first subordinate uid/gid (from /etc/subuid, /etc/subgid).
rootless_subid() {
  awk -F: -v u="$ROOTLESS_USER" '$1 == u { print $2; exit }' "/etc/sub$1"
}

# rootless_setup: per test; ROOTLESS_UID/GID, an XDG_RUNTIME_DIR of the
# user's own (ROOTLESS_XDG), and a path to the test's directory it can walk.
rootless_setup() {
  ROOTLESS_UID=$(id -u "$ROOTLESS_USER")
  ROOTLESS_GID=$(id -g "$ROOTLESS_USER")
  ROOTLESS_XDG=$BATS_TEST_TMPDIR/xdg
  # bats' directories are 0700: the user must reach its bundle and runtime dir
  chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  mkdir -p "$ROOTLESS_XDG"
  chown "$ROOTLESS_UID:$ROOTLESS_GID" "$ROOTLESS_XDG"
  chmod 700 "$ROOTLESS_XDG"
}

# as_user CMD...: run CMD as ROOTLESS_USER with its XDG_RUNTIME_DIR, from /.
as_user() {
  (cd / && runuser -u "$ROOTLESS_USER" -- env XDG_RUNTIME_DIR="$ROOTLESS_XDG" "$@")
}

# berth_user ARGS...: the runtime under test as ROOTLESS_USER with its
# default state root ($XDG_RUNTIME_DIR/<runtime>: no --root given).
berth_user() {
  as_user "$BERTH" "$@"
}

# make_user_bundle [DIR]: like make_bundle, but the config comes from
# `spec --rootless` run as the user (its own uid mapped to 0) and the whole
# bundle belongs to the user.  Sets BUNDLE.
make_user_bundle() {
  BUNDLE=${1:-$BATS_TEST_TMPDIR/bundle}
  mkdir -p "$BUNDLE"
  cp -a "$(template_rootfs)" "$BUNDLE/rootfs"
  chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$BUNDLE"
  as_user sh -c 'cd "$1" && "$2" spec --rootless' sh "$BUNDLE" "$SPEC_RUNTIME" ||
    fail "'$SPEC_RUNTIME spec --rootless' failed as $ROOTLESS_USER"
  update_config '.process.terminal = false | .root.readonly = false'
  chown "$ROOTLESS_UID:$ROOTLESS_GID" "$BUNDLE/config.json"
  set_args probe pid
}

# rootless_teardown: delete (forced, as the user) every container left in
# the user's state root, fail when one cannot be, then berth_teardown.
rootless_teardown() {
  local dir left=()
  for dir in "${ROOTLESS_XDG:-/nonexistent}/$RUNTIME_NAME"/*/; do
    [ -d "$dir" ] || continue
    berth_user delete -f "$(basename "$dir")" < /dev/null > /dev/null 2>&1 3>&- || true
    [ -d "$dir" ] && left+=("$dir")
  done
  berth_teardown || return 1
  if [ ${#left[@]} -gt 0 ]; then
    printf 'teardown: left behind: rootless state dir %s\n' "${left[@]}" >&2
    return 1
  fi
}
