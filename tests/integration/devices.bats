#!/usr/bin/env bats
# /dev inside the container: the default nodes, ptmx, the fd links and the
# nodes of linux.devices.

load helpers

setup() {
  berth_setup
  make_bundle
}

# probe_in SCRIPT: run a shell script in the container (probe at /probe)
probe_in() {
  set_args sh -c "$1"
  rrun berth run --bundle "$BUNDLE" "dev-$RANDOM"
}

@test "devices: the default nodes exist with the right type, mode and numbers" {
  probe_in 'for d in null zero full random urandom tty; do echo "$d $(/probe stat /dev/$d)"; done'
  assert_status 0
  grep -qx 'null char 0666 1:3' <<< "$output"
  grep -qx 'zero char 0666 1:5' <<< "$output"
  grep -qx 'full char 0666 1:7' <<< "$output"
  grep -qx 'random char 0666 1:8' <<< "$output"
  grep -qx 'urandom char 0666 1:9' <<< "$output"
  grep -qx 'tty char 0666 5:0' <<< "$output"
}

@test "devices: the default nodes work" {
  probe_in '/probe write /dev/null x && head -c 4 /dev/zero | od -An -tx1 && head -c 16 /dev/urandom | wc -c'
  assert_status 0
  grep -q '00 00 00 00' <<< "$output"
  [ "${lines[-1]}" -eq 16 ]
}

@test "devices: /dev/ptmx points into the container's own devpts" {
  probe_in 'readlink /dev/ptmx; /probe stat /dev/pts/ptmx'
  assert_status 0
  grep -qx 'pts/ptmx' <<< "$output"
  grep -qx 'char 0666 5:2' <<< "$output"
}

@test "devices: /dev/fd, stdin, stdout and stderr are links into /proc/self/fd" {
  probe_in 'for l in fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done'
  assert_status 0
  grep -qx 'fd -> /proc/self/fd' <<< "$output"
  grep -qx 'stdin -> /proc/self/fd/0' <<< "$output"
  grep -qx 'stdout -> /proc/self/fd/1' <<< "$output"
  grep -qx 'stderr -> /proc/self/fd/2' <<< "$output"
}

@test "devices: /dev holds nothing from the host" {
  probe_in 'ls /dev'
  assert_status 0
  ! grep -qx -e 'sda' -e 'vda' -e 'kvm' -e 'loop0' -e 'mem' <<< "$output"
}

@test "devices: linux.devices nodes are created with their mode and owner" {
  update_config '.linux.devices = [{"path": "/dev/berth-null", "type": "c", "major": 1, "minor": 3,
                                   "fileMode": 384, "uid": 1000, "gid": 1000},
                                  {"path": "/dev/sub/berth-fifo", "type": "p", "fileMode": 420}]'
  probe_in '/probe stat /dev/berth-null; stat -c "%u:%g" /dev/berth-null; /probe stat /dev/sub/berth-fifo'
  assert_status 0
  grep -qx 'char 0600 1:3' <<< "$output"
  grep -qx '1000:1000' <<< "$output"
  grep -qx 'fifo 0644 0:0' <<< "$output"
}
