#!/usr/bin/env bats
# berth-net-hook (hooks/): a createRuntime + poststop hook that puts a
# container on a host bridge through a veth pair, with an address leased
# from a subnet.  Every test has its own bridge, /24 and lease directory,
# and teardown removes the bridge and any veth left on it.

load helpers

NET_HOOK=${NET_HOOK:-$BUILD_DIR/hooks/berth-net-hook}

setup() {
  berth_setup
  requires root berth
  [ -x "$NET_HOOK" ] || fail "no network hook at '$NET_HOOK' (make builds it)"
  BR=bnh${BATS_TEST_NUMBER}x$RANDOM
  PFX=10.$((RANDOM % 40 + 210)).$((RANDOM % 256))
  SUBNET=$PFX.0/24
  LEASES=$BATS_TEST_TMPDIR/leases
  make_bundle
}

teardown() {
  local rc=0 left
  berth_teardown || rc=$?
  left=$(bridge_ports)
  if [ -n "$left" ]; then
    echo "teardown: veths left on $BR: $left" >&2
    rc=1
  fi
  for l in $left; do ip link del "$l" 2> /dev/null || true; done
  ip link del "$BR" 2> /dev/null || true
  return $rc
}

# The interfaces attached to the test's bridge.
bridge_ports() {
  ip -o link show master "$BR" 2> /dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
}

# net_hooks [HOOK_ARGS...]: the hook at createRuntime and poststop of
# $BUNDLE, with the test's bridge, subnet and lease dir (then HOOK_ARGS).
net_hooks() {
  local a args
  args=$(jq -cn --arg br "$BR" --arg sn "$SUBNET" --arg ld "$LEASES" \
    '["berth-net-hook", "--bridge", $br, "--subnet", $sn, "--lease-dir", $ld]')
  for a in "$@"; do
    args=$(jq -c --arg v "$a" '. + [$v]' <<< "$args")
  done
  update_config ".hooks = {createRuntime: [{path: \"$NET_HOOK\", args: $args}],
                           poststop: [{path: \"$NET_HOOK\", args: $args}]}"
}

# serve TEXT: $BUNDLE runs busybox httpd on port 8080 with TEXT as index.html.
serve() {
  mkdir -p "$BUNDLE/rootfs/www"
  echo "$1" > "$BUNDLE/rootfs/www/index.html"
  set_args httpd -f -p 8080 -h /www
}

# lease_of ID: the address leased to container ID (from the lease files).
lease_of() {
  local f
  for f in "$LEASES/$BR"/*.*.*.*; do
    [ -e "$f" ] || continue
    [ "$(cat "$f")" != "$1" ] || basename "$f"
  done
}

# fetch ADDR: the page the container at ADDR serves, from the host.
fetch() {
  curl -sf --max-time 2 "http://$1:8080/"
}

@test "net-hook: a container gets eth0 with a leased address on the bridge and the host reaches its server" {
  net_hooks
  serve "hello from n1"
  run_detached n1
  assert_status 0
  addr=$(lease_of n1)
  [ "$addr" = "$PFX.2" ]
  # the host side: the bridge with the gateway address and one veth on it
  ip -4 -o addr show dev "$BR" | grep -q "inet $PFX.1/24"
  [ "$(bridge_ports | wc -l)" = 1 ]
  retry 50 0.1 fetch "$addr"
  [ "$(fetch "$addr")" = "hello from n1" ]
  # the container side: lo up, eth0 with the address, default route via the bridge
  rrun berth exec n1 ip -4 -o addr show
  assert_status 0
  assert_contains "$output" "lo    inet 127.0.0.1/8"
  assert_contains "$output" "eth0    inet $addr/24"
  rrun berth exec n1 ip route show default
  assert_contains "$output" "default via $PFX.1 dev eth0"
}

@test "net-hook: two containers get distinct addresses and reach each other" {
  make_bundle "$BATS_TEST_TMPDIR/b1"
  net_hooks
  serve "one"
  run_detached n1
  assert_status 0
  make_bundle "$BATS_TEST_TMPDIR/b2"
  net_hooks
  serve "two"
  run_detached n2
  assert_status 0
  a1=$(lease_of n1) a2=$(lease_of n2)
  [ -n "$a1" ] && [ -n "$a2" ] && [ "$a1" != "$a2" ]
  retry 50 0.1 fetch "$a2"
  rrun berth exec n1 timeout 5 wget -q -O - "http://$a2:8080/"
  assert_status 0
  [ "$output" = two ]
  rrun berth exec n2 timeout 5 wget -q -O - "http://$a1:8080/"
  assert_status 0
  [ "$output" = one ]
}

@test "net-hook: poststop releases the lease (a third container reuses it) and delete leaves no veth" {
  set_args sleep 1000
  net_hooks
  run_detached n1
  assert_status 0
  run_detached n2
  assert_status 0
  a1=$(lease_of n1)
  [ "$a1" = "$PFX.2" ] && [ "$(lease_of n2)" = "$PFX.3" ]
  [ "$(bridge_ports | wc -l)" = 2 ]
  run -0 berth delete -f n1
  [ -z "$(lease_of n1)" ]
  [ ! -e "$LEASES/$BR/$a1" ]
  [ "$(bridge_ports | wc -l)" = 1 ]
  run_detached n3
  assert_status 0
  [ "$(lease_of n3)" = "$a1" ]
  run -0 berth delete -f n2
  run -0 berth delete -f n3
  [ -z "$(bridge_ports)" ]
  [ -z "$(ls "$LEASES/$BR")" ] || [ "$(ls "$LEASES/$BR")" = lock ]
}

@test "net-hook: concurrent creates never get the same address" {
  local i pids=()
  set_args sleep 1000
  net_hooks
  for i in 1 2 3 4; do
    berth create --bundle "$BUNDLE" "c$i" < /dev/null > "$BATS_TEST_TMPDIR/c$i.log" 2>&1 3>&- &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i"; done
  leases=$(for i in 1 2 3 4; do lease_of "c$i"; done | sort -u)
  [ "$(wc -l <<< "$leases")" = 4 ]
  [ "$(bridge_ports | wc -l)" = 4 ]
}

@test "net-hook: bad arguments fail create with the hook's message and leave nothing" {
  set_args sleep 1000
  net_hooks --subnet 10.0.0.0/99
  create_ctr n1
  assert_failure
  assert_contains "$output" "berth-net-hook: bad --subnet '10.0.0.0/99': the prefix length must be 8 to 30"
  assert_contains "$output" "createRuntime hook '$NET_HOOK' exited with status 1"
  run ! berth state n1
  net_hooks --bridge 'no such bridge'
  create_ctr n1
  assert_failure
  assert_contains "$output" "bad --bridge 'no such bridge'"
  net_hooks --subnet 10.0.0.1/24
  create_ctr n1
  assert_failure
  assert_contains "$output" "bad --subnet '10.0.0.1/24': host bits are set"
  net_hooks --frobnicate
  create_ctr n1
  assert_failure
  assert_contains "$output" "unknown option '--frobnicate'"
  [ ! -e "/sys/class/net/$BR" ]
  [ ! -e "$LEASES" ]
}

@test "net-hook: a full subnet fails create naming it, and the first container keeps its address" {
  set_args sleep 1000
  SUBNET=$PFX.0/30 # one address for containers: .2
  net_hooks
  run_detached n1
  assert_status 0
  [ "$(lease_of n1)" = "$PFX.2" ]
  run_detached n2
  assert_failure
  assert_contains "$output" "subnet '$PFX.0/30': no free address"
  [ "$(bridge_ports | wc -l)" = 1 ]
  [ "$(lease_of n1)" = "$PFX.2" ]
}

@test "net-hook: a container that shares the host's network namespace is refused" {
  set_args sleep 1000
  net_hooks
  update_config 'del(.linux.namespaces[] | select(.type == "network"))'
  create_ctr n1
  assert_failure
  assert_contains "$output" "container 'n1' shares the host's network namespace"
  [ -z "$(ls "$LEASES/$BR" 2> /dev/null | grep -v '^lock$')" ]
}

@test "net-hook: the shipped hooks.d file networks a container with the org.berth.network=bridge annotation" {
  local hd=$BATS_TEST_TMPDIR/hooks.d
  mkdir -p "$hd"
  # berth-net.json as installed, pointed at the build tree and the test's bridge
  jq --arg h "$NET_HOOK" --arg br "$BR" --arg sn "$SUBNET" --arg ld "$LEASES" \
    '.hook.path = $h | .hook.args = ["berth-net-hook", "--bridge", $br, "--subnet", $sn, "--lease-dir", $ld]' \
    "$BUILD_DIR/hooks/berth-net.json" > "$hd/berth-net.json"
  serve "annotated"
  # without the annotation: no network
  run_detached n0 --hooks-dir "$hd"
  assert_status 0
  [ -z "$(lease_of n0)" ]
  run -0 berth delete -f n0
  update_config '.annotations["org.berth.network"] = "bridge"'
  run_detached n1 --hooks-dir "$hd"
  assert_status 0
  addr=$(lease_of n1)
  [ "$addr" = "$PFX.2" ]
  retry 50 0.1 fetch "$addr"
  [ "$(fetch "$addr")" = annotated ]
  run -0 berth delete -f n1
  [ -z "$(lease_of n1)" ]
  [ -z "$(bridge_ports)" ]
}
