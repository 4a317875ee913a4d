#!/usr/bin/env bats
# Namespaces from linux.namespaces: new ones differ from the host's, a
# namespace given by path is joined.

load helpers

setup() {
  berth_setup
  make_bundle
}

teardown() {
  berth_teardown
  if [ -n "${NETNS:-}" ]; then ip netns delete "$NETNS"; fi
  if [ -n "${HOLDER_PID:-}" ]; then kill "$HOLDER_PID" 2> /dev/null || true; fi
}

# ns_of TYPE: the container's namespace link of TYPE from the last run_probe
ns_of() {
  awk -v t="$1" '$1 == t {print $2}' <<< "$output"
}

@test "namespaces: uts, ipc, net, pid and mount namespaces are new" {
  run_probe -- ns
  assert_status 0
  local t
  for t in uts ipc net pid mnt; do
    [ -n "$(ns_of $t)" ]
    [ "$(ns_of $t)" != "$(host_ns $t)" ]
  done
}

@test "namespaces: a namespace not listed is shared with the host" {
  # (a hostname needs a uts namespace of its own)
  update_config '.linux.namespaces |= map(select(.type != "ipc" and .type != "uts")) | del(.hostname)'
  run_probe -- ns
  assert_status 0
  [ "$(ns_of ipc)" = "$(host_ns ipc)" ]
  [ "$(ns_of uts)" = "$(host_ns uts)" ]
  [ "$(ns_of net)" != "$(host_ns net)" ]
}

# no_mount_ns: a config without a mount namespace, minus what needs one
no_mount_ns() {
  update_config 'del(.linux.maskedPaths, .linux.readonlyPaths)
                 | .linux.namespaces |= map(select(.type != "mount"))'
}

@test "namespaces: without a mount namespace the container shares berth's, chrooted into the rootfs" {
  # runc makes the host's "/" rslave and leaves the container's mounts on
  # the host (checked in a throwaway mount namespace): not run against it
  is_berth || skip "$RUNTIME_NAME would change the host's mount propagation"
  no_mount_ns
  touch "$BUNDLE/rootfs/only-in-rootfs"
  local shared_before
  shared_before=$(awk '$5 == "/" {print $7}' /proc/self/mountinfo)
  set_args sh -c '/probe ns; ls /; /probe mounts; /probe signal-wait'
  run_detached nomnt
  assert_status 0
  wait_log nomnt ready
  local log=$BATS_TEST_TMPDIR/nomnt.log
  # the runtime's mount namespace (the host's here), the rootfs as "/"
  [ "$(awk '$1 == "mnt" {print $2}' "$log")" = "$(host_ns mnt)" ]
  grep -qx only-in-rootfs "$log"
  ! grep -qx boot "$log"
  # the config's mounts, made in that namespace below the rootfs
  grep -qE '^/proc proc ' "$log"
  grep -qE '^/dev tmpfs ' "$log"
  grep -qF " $BUNDLE/rootfs/proc " /proc/self/mountinfo
  [ -c "$BUNDLE/rootfs/dev/null" ]
  # exec lands in the same root
  rrun berth exec nomnt sh -c 'ls /; readlink /proc/self/ns/mnt'
  assert_status 0
  grep -qx only-in-rootfs <<< "$output"
  grep -qxF "$(host_ns mnt)" <<< "$output"
  # the host's "/" keeps its propagation
  [ "$(awk '$5 == "/" {print $7}' /proc/self/mountinfo)" = "$shared_before" ]
  # delete takes the container's mounts away again
  run -0 berth delete -f nomnt
  ! grep -qF " $BUNDLE/rootfs" /proc/self/mountinfo
}

@test "namespaces: without a mount namespace, paths to mask or make read-only are refused" {
  is_berth || skip "$RUNTIME_NAME would change the host's mount propagation"
  update_config '.linux.namespaces |= map(select(.type != "mount")) | del(.linux.readonlyPaths)'
  run_probe -- pid
  assert_failure
  assert_contains "$output" "maskedPaths"
  assert_contains "$output" "mount namespace"
  no_mount_ns
  update_config '.linux.readonlyPaths = ["/proc/sys"]'
  run_probe -- pid
  assert_failure
  assert_contains "$output" "readonlyPaths"
  no_mount_ns
  update_config '.root.readonly = true'
  run_probe -- pid
  assert_failure
  assert_contains "$output" "root.readonly"
  update_config '.root.readonly = false | .linux.rootfsPropagation = "shared"'
  run_probe -- pid
  assert_failure
  assert_contains "$output" "rootfsPropagation"
  # nothing was mounted on the way
  ! grep -qF " $BUNDLE/rootfs" /proc/self/mountinfo
  # a create that fails after the mounts (no such executable) takes them back
  update_config 'del(.linux.rootfsPropagation)'
  set_args /no/such/binary
  rrun berth run --bundle "$BUNDLE" late-failure
  assert_failure
  assert_contains "$output" "/no/such/binary"
  ! grep -qF " $BUNDLE/rootfs" /proc/self/mountinfo
}

@test "namespaces: a new network namespace has only lo, and lo is up (as runc and crun leave it)" {
  set_args sh -c 'cat /proc/net/dev; echo "flags $(cat /sys/class/net/lo/flags)"'
  rrun berth run --bundle "$BUNDLE" netns
  assert_status 0
  [ "$(grep -c ':' <<< "$output")" -eq 1 ]
  grep -q '^ *lo:' <<< "$output"
  # IFF_UP | IFF_LOOPBACK (a pod's containers talk over 127.0.0.1: podman.bats)
  assert_contains "$output" "flags 0x9"
}

@test "namespaces: a network namespace given by path is joined" {
  NETNS=berth-test-$$-$RANDOM
  ip netns add "$NETNS"
  update_config '(.linux.namespaces[] | select(.type == "network")) .path = "/run/netns/'"$NETNS"'"'
  run_probe -- ns
  assert_status 0
  [ "$(ns_of net)" = "$(readlink "/run/netns/$NETNS")" ] ||
    [ "$(ns_of net)" = "net:[$(stat -L -c %i "/run/netns/$NETNS")]" ]
}

@test "namespaces: a uts namespace given by path is joined, with its hostname" {
  local holder=$BATS_TEST_TMPDIR/holder
  unshare --uts sh -c 'hostname from-the-path; echo $$ > "$0"; exec sleep 60' "$holder" 3>&- &
  HOLDER_PID=$!
  retry 100 0.1 test -s "$holder"
  local target=/proc/$(cat "$holder")/ns/uts
  update_config '(.linux.namespaces[] | select(.type == "uts")) .path = "'"$target"'" | del(.hostname)'
  run_probe -- hostname
  assert_status 0
  [ "${lines[-1]}" = from-the-path ]
}

@test "namespaces: a bad namespace path fails and names it" {
  update_config '(.linux.namespaces[] | select(.type == "network")) .path = "/no/such/netns"'
  create_ctr bad
  assert_failure
  assert_contains "$output" "/no/such/netns"
}

# clock_of NAME: whole seconds of the clock NAME from the last `probe clock`
clock_of() {
  awk -v c="$1" '$1 == c {print $2}' <<< "$output"
}

@test "namespaces: a new time namespace applies linux.timeOffsets to monotonic and boottime" {
  update_config '.linux.namespaces += [{"type": "time"}] |
    .linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0}, "boottime": {"secs": 172800}}'
  run_probe -- clock
  assert_status 0
  local up
  up=$(cut -d. -f1 /proc/uptime)
  [ "$(clock_of monotonic)" -ge $((up + 86400 - 5)) ]
  [ "$(clock_of monotonic)" -le $((up + 86400 + 5)) ]
  [ "$(clock_of boottime)" -ge $((up + 172800 - 5)) ]
  [ "$(clock_of boottime)" -le $((up + 172800 + 5)) ]
  run_probe -- ns
  [ "$(ns_of time)" != "$(host_ns time)" ]
}

@test "namespaces: exec joins the container's time namespace" {
  update_config '.linux.namespaces += [{"type": "time"}] |
    .linux.timeOffsets = {"monotonic": {"secs": 100000}}'
  set_args sleep 60
  run_detached timens
  assert_status 0
  rrun berth exec timens /probe clock
  assert_status 0
  [ "$(clock_of monotonic)" -ge $(($(cut -d. -f1 /proc/uptime) + 100000 - 5)) ]
}

@test "namespaces: a cgroup namespace is new when listed" {
  update_config '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
  run_probe -- ns
  assert_status 0
  [ "$(ns_of cgroup)" != "$(host_ns cgroup)" ]
}

@test "namespaces: a time namespace given by path is joined" {
  local holder=$BATS_TEST_TMPDIR/holder
  unshare --time --monotonic 5000000 sh -c 'echo $$ > "$0"; exec sleep 60' "$holder" 3>&- &
  HOLDER_PID=$!
  retry 100 0.1 test -s "$holder"
  update_config '.linux.namespaces += [{"type": "time", "path": "/proc/'"$(cat "$holder")"'/ns/time"}]'
  run_probe -- clock
  assert_status 0
  [ "$(clock_of monotonic)" -ge 5000000 ]
}

# start_userns_holder: a process in a new user namespace mapping 0 → 100000
# (65536 ids); HOLDER_PID is its pid
start_userns_holder() {
  local holder=$BATS_TEST_TMPDIR/holder
  unshare --user sh -c 'echo $$ > "$0"; exec sleep 60' "$holder" 3>&- &
  HOLDER_PID=$!
  retry 100 0.1 test -s "$holder"
  HOLDER_PID=$(cat "$holder")
  echo '0 100000 65536' > "/proc/$HOLDER_PID/uid_map"
  echo '0 100000 65536' > "/proc/$HOLDER_PID/gid_map"
  # the mapped ids must be able to reach the bundle (bats' dirs are 0700)
  chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
}

@test "namespaces: a user namespace given by path is joined, the new ones belong to it" {
  requires root
  start_userns_holder
  update_config '.linux.namespaces += [{"type": "user", "path": "/proc/'"$HOLDER_PID"'/ns/user"}]'
  set_args sh -c '/probe ns; /probe uid; cat /proc/self/uid_map'
  rrun berth run --bundle "$BUNDLE" joinuser
  assert_status 0
  [ "$(ns_of user)" = "$(readlink /proc/$HOLDER_PID/ns/user)" ]
  [ "$(ns_of mnt)" != "$(host_ns mnt)" ]
  grep -q '^uid=0 gid=0 ' <<< "$output"
  grep -q '^ *0 *100000 *65536$' <<< "$output"
}

@test "namespaces: a network namespace given by path is joined from a new user namespace" {
  requires root
  NETNS=berth-test-$$-$RANDOM
  ip netns add "$NETNS"
  chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  update_config '.linux.namespaces += [{"type": "user"}]
    | (.linux.namespaces[] | select(.type == "network")) .path = "/run/netns/'"$NETNS"'"
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  set_args sh -c '/probe ns; cat /proc/self/uid_map'
  rrun berth run --bundle "$BUNDLE" netuser
  assert_status 0
  [ "$(ns_of net)" = "net:[$(stat -L -c %i "/run/netns/$NETNS")]" ]
  [ "$(ns_of user)" != "$(host_ns user)" ]
  grep -q '^ *0 *100000 *65536$' <<< "$output"
}

@test "namespaces: exec joins a container whose user namespace was given by path" {
  requires root
  start_userns_holder
  update_config '.linux.namespaces += [{"type": "user", "path": "/proc/'"$HOLDER_PID"'/ns/user"}]'
  set_args probe signal-wait
  run_detached joinexec
  wait_log joinexec ready
  rrun berth exec joinexec /probe ns
  assert_status 0
  [ "$(ns_of user)" = "$(readlink /proc/$HOLDER_PID/ns/user)" ]
}

@test "namespaces: hostname and domainname are set in the new uts namespace only" {
  update_config '.hostname = "ns-host" | .domainname = "ns.example"'
  set_args sh -c '/probe hostname; /probe cat /proc/sys/kernel/domainname'
  rrun berth run --bundle "$BUNDLE" names
  assert_status 0
  grep -qx ns-host <<< "$output"
  grep -qx ns.example <<< "$output"
  [ "$(hostname)" != ns-host ]
  [ "$(cat /proc/sys/kernel/domainname)" != ns.example ]
}

@test "namespaces: a hostname without a uts namespace is refused before anything runs" {
  update_config '.hostname = "no-uts" | .linux.namespaces |= map(select(.type != "uts"))'
  run_probe -- hostname
  assert_failure
  grep -qi "uts namespace" <<< "$output"
  [ "$(hostname)" != no-uts ]
}

@test "namespaces: a second container joins the first one's ipc, net and pid namespaces" {
  set_args probe signal-wait
  run_detached first
  assert_status 0
  wait_log first ready
  local pid
  pid=$(ctr_pid first)
  make_bundle "$BATS_TEST_TMPDIR/second"
  update_config '.linux.namespaces |= map(if .type == "ipc" or .type == "network" or .type == "pid"
                   then .path = "/proc/'"$pid"'/ns/" + ({"ipc": "ipc", "network": "net", "pid": "pid"}[.type])
                   else . end)'
  run_probe -- ns
  assert_status 0
  local t
  for t in ipc net pid; do
    [ "$(ns_of $t)" = "$(readlink /proc/$pid/ns/$t)" ]
  done
  [ "$(ns_of mnt)" != "$(readlink /proc/$pid/ns/mnt)" ]
  [ "$(ns_of uts)" != "$(readlink /proc/$pid/ns/uts)" ]
}

@test "namespaces: joining another container's pid namespace, berth and its hooks stay in the runtime's" {
  # berth enters the joined pid namespace for the init's clone only: a
  # createRuntime or poststart hook (and any child berth forks later) forked
  # while berth was still in it ran inside the first container's pid
  # namespace, and a sanitized berth's leak check hung at exit there
  set_args probe signal-wait
  run_detached first
  assert_status 0
  wait_log first ready
  local pid log=$BATS_TEST_TMPDIR/hooks
  pid=$(ctr_pid first)
  mkdir -p "$log"
  make_bundle "$BATS_TEST_TMPDIR/second"
  update_config '.linux.namespaces |= map(if .type == "pid" then .path = "/proc/'"$pid"'/ns/pid" else . end)
    | .hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "readlink /proc/self/ns/pid > '"$log"'/createRuntime"]}],
                "poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "readlink /proc/self/ns/pid > '"$log"'/poststart"]}]}'
  run_probe -- ns
  assert_status 0
  [ "$(ns_of pid)" = "$(readlink /proc/$pid/ns/pid)" ]
  [ "$(cat "$log/createRuntime")" = "$(readlink /proc/self/ns/pid)" ]
  [ "$(cat "$log/poststart")" = "$(readlink /proc/self/ns/pid)" ]
}
