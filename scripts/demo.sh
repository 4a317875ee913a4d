#!/bin/bash
# The main job, end to end: pull an image from a registry, unpack it into a
# bundle, run a container from it with berth.
#
# With DEMO_IMAGE set (e.g. DEMO_IMAGE=docker.io/library/busybox and a
# network), that image is pulled.  Without it the demo needs no network: it
# builds a busybox image with img (new + commit of a directory + config),
# pushes it to Debian's docker-registry started on 127.0.0.1, and pulls it
# back into a fresh store from there.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BERTH=${BERTH:-$top/berth}
IMG=${IMG:-$top/img}
dir=$(mktemp -d /tmp/berth-demo.XXXXXX)
regpid=
cleanup() {
  [ -z "$regpid" ] || kill "$regpid" 2> /dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

image=${DEMO_IMAGE:-}
tls=()
if [ -z "$image" ]; then
  echo "== building a busybox image and serving it from a local registry"
  mkdir -p "$dir/tree/bin" "$dir/tree/etc" "$dir/tree/tmp"
  cp /bin/busybox "$dir/tree/bin/busybox"
  for a in $("$dir/tree/bin/busybox" --list); do
    [ "$a" = busybox ] || ln -s busybox "$dir/tree/bin/$a"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/tree/etc/passwd"
  echo 'root:x:0:' > "$dir/tree/etc/group"
  "$IMG" --store "$dir/build" new demo
  "$IMG" --store "$dir/build" commit --rootfs "$dir/tree" demo
  "$IMG" --store "$dir/build" config --env PATH=/bin --cmd sh --cmd -c \
    --cmd 'echo "hello from $(hostname), pid $$, an image pulled and unpacked by img"; cat /etc/os-release 2>/dev/null || uname -a' demo
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$dir/registry.yml" << EOF2
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $dir/registry
http:
  addr: 127.0.0.1:$port
EOF2
  docker-registry serve "$dir/registry.yml" > "$dir/registry.log" 2>&1 &
  regpid=$!
  for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break
    sleep 0.1
  done
  image=127.0.0.1:$port/demo/busybox:latest
  tls=(--tls-verify=false)
  "$IMG" --store "$dir/build" push "${tls[@]}" demo "$image"
fi

echo "== img pull $image"
"$IMG" --store "$dir/store" pull "${tls[@]}" "$image"
echo "== img unpack"
"$IMG" --store "$dir/store" unpack "$image" "$dir/bundle"
echo "== berth run"
jq '.hostname = "berth-demo"' "$dir/bundle/config.json" > "$dir/bundle/config.json.new"
mv "$dir/bundle/config.json.new" "$dir/bundle/config.json"
"$BERTH" --root "$dir/state" run -b "$dir/bundle" "demo-$$"
