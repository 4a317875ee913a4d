#!/bin/sh
# Run a demo container: a busybox bundle (until `img pull` lands, the rootfs
# is Debian's static busybox), started with the freshly built berth.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BERTH=${BERTH:-$top/berth}
dir=$(mktemp -d /tmp/berth-demo.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/rootfs/bin" "$dir/rootfs/etc"
cp /bin/busybox "$dir/rootfs/bin/busybox"
for a in $("$dir/rootfs/bin/busybox" --list); do
  [ "$a" = busybox ] || ln -s busybox "$dir/rootfs/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/rootfs/etc/passwd"
"$BERTH" spec -b "$dir"
jq '.process.terminal = false | .hostname = "berth-demo"
    | .process.args = ["sh", "-c", "echo \"hello from $(hostname), I am pid $$\"; echo mounts:; cat /proc/self/mounts"]' \
  "$dir/config.json" > "$dir/config.json.new"
mv "$dir/config.json.new" "$dir/config.json"
"$BERTH" --root "$dir/state" run -b "$dir" "demo-$$"
