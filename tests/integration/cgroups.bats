#!/usr/bin/env bats
# linux.resources on a pure cgroup v2 host: the limits land in the
# container's cgroup, the container sees them (its /sys/fs/cgroup, in its
# own cgroup namespace) and the kernel enforces them; `update` changes them
# live.  This host is hybrid, so these run in the test VM:
#   BUILDDIR=$PWD tests/vm/run-in-vm.sh cgroups.bats   (make check-vm)
# Each test starts as few containers as it can: under TCG a container costs
# seconds.

load helpers

# Under TCG every exec costs a second or more (jq several): the bundles
# here come from one template per file (hard-linked rootfs, config.json
# edited by bash string replacement), not from make_bundle + update_config.
setup_file() {
  local t=$BATS_FILE_TMPDIR/template
  mkdir -p "$t"
  cp -a "$(template_rootfs)" "$t/rootfs"
  (cd "$t" && "$SPEC_RUNTIME" spec) || return 1
  jq -c '.process.terminal = false | .root.readonly = false | .linux.cgroupsPath = "@CG@"
    | .process.args = ["@ARGS@"] | .linux.resources["@RES@"] = 1 | .linux["@LINUX@"] = 1' "$t/config.json" \
    > "$t/config.tmpl"
  rm "$t/config.json"
}

# Tests named "(any host)" check what needs no cgroup (option parsing,
# the error without a cgroup) and run in the normal suite too.
setup() {
  requires root
  [[ $BATS_TEST_DESCRIPTION == *"(any host)"* ]] || requires cgroup2
  berth_setup
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  cp -al "$BATS_FILE_TMPDIR/template" "$BUNDLE"
}

# json_str S: S as a JSON string literal, in REPLY
json_str() {
  local s=$1 bs='\' q='"'
  s=${s//"$bs"/"$bs$bs"}
  s=${s//"$q"/"$bs$q"}
  s=${s//$'\n'/"${bs}n"}
  s=${s//$'\t'/"${bs}t"}
  REPLY="$q$s$q"
}

# configure RESOURCES ARG...: $BUNDLE/config.json with linux.resources
# RESOURCES (a JSON object, its keys added to the spec's: a "devices" key
# replaces the spec's rules), process.args ARG... (probe = /probe) and a
# cgroupsPath of the test's own (removed and checked by the teardown);
# $LINUX_EXTRA: more keys for .linux ('"devices": [...]').
configure() {
  local res=$1 cfg args= a linux cg="berth-test-$$-$RANDOM"
  shift
  [ "$1" != probe ] || set -- /probe "${@:2}"
  for a in "$@"; do
    json_str "$a"
    args+=${args:+,}$REPLY
  done
  echo "$cg" >> "$BATS_TEST_TMPDIR/cgroups"
  cfg=$(< "$BATS_FILE_TMPDIR/template/config.tmpl")
  res=${res#*\{}
  res=${res%\}*}
  [[ $res == *[![:space:]]* ]] || res='"x-berth-test": 1'
  linux=${LINUX_EXTRA:-'"x-berth-test": 1'}
  # quoted replacements: bash 5.2 would expand & and \ in bare ones
  cfg=${cfg/'"@RES@":1'/"$res"}
  cfg=${cfg/'"@LINUX@":1'/"$linux"}
  cfg=${cfg/'"@ARGS@"'/"$args"}
  cfg=${cfg/@CG@/"$cg"}
  printf '%s\n' "$cfg" > "$BUNDLE/config.json"
}

# ctr_cgroup ID: the container's cgroup v2 directory, from its init's
# /proc/PID/cgroup as the host sees it (bash only: no jq, no awk)
ctr_cgroup() {
  local st h c p
  st=$(berth state "$1")
  [[ $st =~ \"pid\":\ *([0-9]+) ]] || fail "no pid in: $st"
  while IFS=: read -r h c p; do
    [ "$h" != 0 ] || echo "/sys/fs/cgroup$p"
  done < "/proc/${BASH_REMATCH[1]}/cgroup"
}

# start_limited ID RESOURCES: a running container (probe signal-wait)
start_limited() {
  configure "$2" probe signal-wait
  run_detached "$1"
  [ "$status" -eq 0 ]
  wait_log "$1" ready
}

# run_sh ID RESOURCES SCRIPT: run SCRIPT with busybox sh in a container with
# RESOURCES, in the foreground (status, output, lines).
run_sh() {
  configure "$2" sh -c "$3"
  rrun berth run --bundle "$BUNDLE" "$1"
}

# value PREFIX: the rest of the first line of $output that starts with it
value() {
  local l
  for l in "${lines[@]}"; do
    if [[ $l == "$1"* ]]; then
      echo "${l#"$1"}"
      return 0
    fi
  done
  echo "no line '$1' in: $output" >&2
  return 1
}

@test "cgroups: the container gets a cgroup of its own, removed by delete" {
  start_limited c1 '{}'
  local cg
  cg=$(ctr_cgroup c1)
  [ "$cg" != /sys/fs/cgroup/ ]
  [ -d "$cg" ]
  grep -qx "$(ctr_pid c1)" "$cg/cgroup.procs"
  run -0 berth delete -f c1
  retry 50 0.1 test ! -d "$cg"
}

@test "cgroups: memory limit, reservation and swap as the container sees them" {
  run_sh mem '{"memory": {"limit": 33554432, "reservation": 16777216, "swap": 50331648}}' \
    'for f in memory.max memory.low memory.swap.max; do read v < /sys/fs/cgroup/$f; echo "$f=$v"; done'
  assert_status 0
  [ "$(value memory.max=)" = 33554432 ]
  [ "$(value memory.low=)" = 16777216 ]
  # OCI swap is memory+swap; cgroup v2's memory.swap.max is the swap alone
  [ "$(value memory.swap.max=)" = 16777216 ]
}

@test "cgroups: limit -1 is max, swap == limit is no swap" {
  start_limited c1 '{"memory": {"limit": 33554432, "swap": 33554432}}'
  local cg
  cg=$(ctr_cgroup c1)
  [ "$(< "$cg/memory.max")" = 33554432 ]
  [ "$(< "$cg/memory.swap.max")" = 0 ]
  run -0 berth update --memory -1 c1
  [ "$(< "$cg/memory.max")" = max ]
  # runc: an unlimited memory without a swap setting lifts the swap limit too
  [ "$(< "$cg/memory.swap.max")" = max ]
}

@test "cgroups: exceeding memory.max gets the process OOM-killed" {
  # 64 MiB of zeros without a newline: tail keeps it all in memory
  run_sh oom '{"memory": {"limit": 16777216, "swap": 16777216}}' \
    'head -c 64m /dev/zero | tail > /dev/null; echo "status $?"; grep oom_kill /sys/fs/cgroup/memory.events'
  assert_status 0
  [ "$(value "status ")" = 137 ]
  [ "$(value "oom_kill ")" -ge 1 ]
}

@test "cgroups: pids.max stops a fork bomb at the limit" {
  # The inner shell forks sleeps until the kernel refuses (EAGAIN) and then
  # gives up; the outer one (the container's init) only uses builtins, so
  # what is left is init + the sleeps that could be created: limit - 1.
  run_sh forks '{"pids": {"limit": 5}}' \
    'sh -c "i=0; while [ \$i -lt 10 ]; do sleep 30 & i=\$((i+1)); done" 2> /dev/null
     read cur < /sys/fs/cgroup/pids.current; echo "current $cur"
     read max < /sys/fs/cgroup/pids.max; echo "max $max"
     while read k v; do echo "event $k $v"; done < /sys/fs/cgroup/pids.events
     kill -9 -1'
  [ "$(value "max ")" = 5 ]
  [ "$(value "current ")" = 4 ]
  # the refused forks are counted by the kernel
  [ "$(value "event max ")" -ge 1 ]
}

@test "cgroups: cpu.max from quota and period throttles a busy loop" {
  run_sh busy '{"cpu": {"quota": 10000, "period": 100000}}' \
    'read m < /sys/fs/cgroup/cpu.max; echo "cpu.max $m"
     (while :; do :; done) & p=$!
     sleep 2; kill $p
     while read k v; do echo "stat $k $v"; done < /sys/fs/cgroup/cpu.stat'
  assert_status 0
  [ "$(value "cpu.max ")" = "10000 100000" ]
  [ "$(value "stat nr_throttled ")" -gt 0 ]
  # 10% of one CPU over ~2 s: far below the 2 s an unthrottled loop gets
  [ "$(value "stat usage_usec ")" -lt 1500000 ]
}

@test "cgroups: cpu.weight from shares, cpu.max.burst and cpuset" {
  run_sh cpu '{"cpu": {"shares": 2048, "quota": 50000, "period": 100000, "burst": 20000, "cpus": "1", "mems": "0"}}' \
    'for f in cpu.weight cpu.max.burst cpuset.cpus cpuset.mems cpuset.cpus.effective; do read v < /sys/fs/cgroup/$f; echo "$f=$v"; done; /probe affinity'
  assert_status 0
  # runc >= 1.3 / crun: 2048 shares -> 174
  [ "$(value cpu.weight=)" = 174 ]
  [ "$(value cpu.max.burst=)" = 20000 ]
  [ "$(value cpuset.cpus=)" = 1 ]
  [ "$(value cpuset.mems=)" = 0 ]
  [ "$(value cpuset.cpus.effective=)" = 1 ]
  # the container's processes may only run on cpu 1
  [ "${lines[-1]}" = 1 ]
}

@test "cgroups: io.weight from blockIO.weight, io.max from the throttles of a real device" {
  modprobe brd rd_nr=1 rd_size=8192 2> /dev/null || skip "no brd ramdisk module in this kernel"
  [ -b /dev/ram0 ] || skip "no /dev/ram0"
  local maj min
  maj=$((0x$(stat -c %t /dev/ram0)))
  min=$((0x$(stat -c %T /dev/ram0)))
  local LINUX_EXTRA="\"devices\": [{\"path\": \"/dev/ram0\", \"type\": \"b\", \"major\": $maj, \"minor\": $min}]"
  # 2 MiB read at 1 MiB/s: at least a second (blk-throttle may let the
  # first slice through early, never the whole).  O_DIRECT: buffered reads
  # of a fresh ramdisk come from its page cache, without I/O to throttle.
  run_sh io "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}, {\"allow\": true, \"type\": \"b\", \"major\": $maj, \"minor\": $min, \"access\": \"rw\"}], \"blockIO\": {\"weight\": 500, \"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 1048576}], \"throttleWriteIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 100}]}}" \
    'read w < /sys/fs/cgroup/io.weight; echo "weight $w"
     while read l; do echo "max $l"; done < /sys/fs/cgroup/io.max
     s=$(date +%s); dd if=/dev/ram0 of=/dev/null bs=64k count=32 iflag=direct; echo "dd $?"; e=$(date +%s); echo "secs $((e - s))"'
  rmmod brd 2> /dev/null || true
  assert_status 0
  # blkio 10-1000 onto io.weight 1-10000 (runc): 500 -> 4950
  [ "$(value "weight ")" = "default 4950" ]
  [ "$(value "max $maj:$min ")" = "rbps=1048576 wbps=max riops=max wiops=100" ]
  [ "$(value "dd ")" = 0 ]
  [ "$(value "secs ")" -ge 1 ]
}

@test "cgroups: hugetlb limits for the page sizes the kernel has" {
  [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages in this kernel"
  run_sh huge '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}' \
    'for f in hugetlb.2MB.max hugetlb.2MB.rsvd.max; do read v < /sys/fs/cgroup/$f; echo "$f=$v"; done'
  assert_status 0
  [ "$(value hugetlb.2MB.max=)" = 4194304 ]
  [ "$(value hugetlb.2MB.rsvd.max=)" = 4194304 ]
}

@test "cgroups: resources.unified writes cgroup v2 files directly" {
  start_limited c1 '{"pids": {"limit": 10}, "unified": {"memory.high": "50000000", "pids.max": "42", "cgroup.max.depth": "2"}}'
  local cg
  cg=$(ctr_cgroup c1)
  # the kernel rounds to pages
  [ "$(< "$cg/memory.high")" = 49999872 ] || [ "$(< "$cg/memory.high")" = 50000000 ]
  # unified is written last: it wins over pids.limit
  [ "$(< "$cg/pids.max")" = 42 ]
  [ "$(< "$cg/cgroup.max.depth")" = 2 ]
}

@test "cgroups: limits cgroup v2 cannot express are refused by name, nothing left behind" {
  local bad
  for bad in '{"cpu": {"realtimeRuntime": 950000}}|linux.resources.cpu.realtimeRuntime: not supported on cgroup v2' \
    '{"network": {"classID": 1048577}}|linux.resources.network: classID and priorities need the cgroup v1' \
    '{"memory": {"swappiness": 10}}|linux.resources.memory.swappiness: not supported on cgroup v2' \
    '{"unified": {"cgroup.procs": "1"}}|linux.resources.unified: key '"'"'cgroup.procs'"'"' is managed by berth' \
    '{"unified": {"../x.max": "1"}}|.linux.resources.unified: invalid cgroup file name "../x.max"' \
    '{"memory": {"swap": 1048576}}|linux.resources.memory.swap: cannot set a swap limit without a memory limit' \
    '{"cpu": {"idle": 7}}|linux.resources.cpu.idle: write cpu.idle=7: Invalid argument'; do
    configure "${bad%%|*}" probe pid
    rrun berth run --bundle "$BUNDLE" bad
    assert_failure
    assert_contains "$output" "${bad#*|}"
    rrun berth state bad
    assert_failure
  done
}

@test "cgroups: update changes memory, pids and cpu live" {
  start_limited c1 '{"memory": {"limit": 33554432}, "pids": {"limit": 100}, "cpu": {"quota": 50000, "period": 100000}}'
  local cg
  cg=$(ctr_cgroup c1)
  run -0 berth update --memory 64m --memory-swap 96m --pids-limit 20 --cpu-quota 20000 --cpu-share 512 c1
  [ "$(< "$cg/memory.max")" = 67108864 ]
  [ "$(< "$cg/memory.swap.max")" = 33554432 ]
  [ "$(< "$cg/pids.max")" = 20 ]
  [ "$(< "$cg/cpu.max")" = "20000 100000" ]
  [ "$(< "$cg/cpu.weight")" = 59 ]
  # a period alone keeps the quota in force
  run -0 berth update --cpu-period 50000 c1
  [ "$(< "$cg/cpu.max")" = "20000 50000" ]
  # the container sees it too
  run -0 berth exec c1 cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
  [ "${lines[0]}" = 67108864 ]
  [ "${lines[1]}" = 20 ]
  # the next update starts from the stored values: a new limit below the
  # stored memory+swap keeps the swap total (96m - 48m = 48m of swap)
  run -0 berth update --memory 48m c1
  [ "$(< "$cg/memory.swap.max")" = 50331648 ]
  run -0 berth update --pids-limit -1 c1
  [ "$(< "$cg/pids.max")" = max ]
}

@test "cgroups: update --resources - reads linux.resources JSON from stdin" {
  start_limited c1 '{"memory": {"limit": 33554432}}'
  local cg
  cg=$(ctr_cgroup c1)
  run -0 berth update -r - c1 <<< '{"memory": {"limit": 41943040}, "cpu": {"shares": 4096}, "pids": {"limit": 7}, "unified": {"memory.high": "40000000"}}'
  [ "$(< "$cg/memory.max")" = 41943040 ]
  [ "$(< "$cg/cpu.weight")" = 303 ]
  [ "$(< "$cg/pids.max")" = 7 ]
  [ "$(< "$cg/memory.high")" = 39997440 ] || [ "$(< "$cg/memory.high")" = 40000000 ]
  # cpu.idle: an idle group has no weight (runc drops the shares with it)
  run -0 berth update --cpu-idle 1 c1
  [ "$(< "$cg/cpu.idle")" = 1 ]
  # other options are ignored with --resources, as in runc
  echo '{"pids": {"limit": 9}}' > "$BATS_TEST_TMPDIR/r.json"
  run -0 berth update -r "$BATS_TEST_TMPDIR/r.json" --pids-limit 3 c1
  [ "$(< "$cg/pids.max")" = 9 ]
}

@test "cgroups: update refuses bad values and stopped containers with a clear error" {
  start_limited c1 '{"memory": {"limit": 67108864}}'
  local cg
  cg=$(ctr_cgroup c1)
  run -1 berth update --memory 12x c1
  assert_contains "$output" "invalid value for memory: '12x'"
  run -1 berth update --cpu-share -5 c1
  assert_contains "$output" "invalid value for cpu-share"
  run -1 berth update --cpu-rt-runtime 1000 c1
  assert_contains "$output" "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2"
  run -1 berth update --memory-swap 32m c1
  assert_contains "$output" "linux.resources.memory.swap: 33554432 is below memory.limit 67108864"
  # checkBeforeUpdate: a limit below what the container uses now
  run -1 berth update -r - c1 <<< '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}'
  assert_contains "$output" "linux.resources.memory.limit: rejecting memory limit 4096 <= usage"
  # nothing changed
  [ "$(< "$cg/memory.max")" = 67108864 ]
  run -1 berth update --pids-limit 5 nosuch
  assert_contains "$output" "container 'nosuch' does not exist"
  kill -9 "$(ctr_pid c1)"
  wait_status c1 stopped
  run -1 berth update --pids-limit 5 c1
  assert_contains "$output" "container 'c1' is not running"
}

@test "cgroups: update parses runc's options and sizes, refusing bad ones by name (any host)" {
  requires berth
  local bad
  for bad in "--memory 12x|invalid value for memory: '12x': invalid suffix" \
    "--memory 1.5xb|invalid value for memory: '1.5xb': invalid suffix" \
    "--memory-swap m|invalid value for memory-swap: 'm': invalid size" \
    "--memory-reservation -2|invalid value for memory-reservation: '-2': invalid size" \
    "--cpu-share -5|invalid value for cpu-share: '-5': not a non-negative integer" \
    "--cpu-quota 1.5|invalid value for cpu-quota: '1.5': not an integer" \
    "--cpu-period 99999999999999999999|invalid value for cpu-period: '99999999999999999999': out of range" \
    "--pids-limit lots|invalid value for pids-limit: 'lots': not an integer" \
    "--blkio-weight 70000|invalid value for blkio-weight: '70000': out of range (10-1000)" \
    "--l3-cache-schema L3:0=ff|--l3-cache-schema: Intel RDT is not supported by berth" \
    "--cpu-burst|'update' requires exactly 1 argument"; do
    # shellcheck disable=SC2086 # the options are split on purpose
    rrun berth update ${bad%%|*} c1
    assert_status 1
    assert_contains "$output" "${bad#*|}"
  done
  # good sizes get as far as looking the container up
  for good in 100 100b 64k 64K 1.5g "10 MB" 1GiB 2t -1; do
    rrun berth update --memory "$good" nosuch
    assert_status 1
    assert_contains "$output" "container 'nosuch' does not exist"
  done
  rrun berth update -r "$BATS_TEST_TMPDIR/none.json" nosuch
  assert_status 1
  assert_contains "$output" "none.json"
  echo '{"memory": {"limit": "lots"}}' > "$BATS_TEST_TMPDIR/bad.json"
  rrun berth update -r "$BATS_TEST_TMPDIR/bad.json" nosuch
  assert_status 1
  assert_contains "$output" ".memory.limit"
}

@test "cgroups: update of a container without a cgroup says why (any host)" {
  requires berth
  [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || skip "a cgroup v2 host gives every container a cgroup"
  start_limited c1 '{}'
  rrun berth update --pids-limit 10 c1
  assert_status 1
  assert_contains "$output" "container 'c1' has no cgroup (cgroup manager disabled or not a cgroup v2 host)"
}
