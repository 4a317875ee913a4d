#!/bin/sh
# Install everything berth needs to build and test on Debian 12 (as root).
# Idempotent: packages already present are skipped by apt-get.
set -eu
[ "$(id -u)" = 0 ] || { echo "install-deps: run as root (apt-get)" >&2; exit 1; }
PKGS="build-essential autoconf automake libtool pkg-config git python3
  libyajl-dev libseccomp-dev libcap-dev libselinux1-dev libsystemd-dev
  bats jq busybox-static iproute2 util-linux procps curl
  crun runc containerd python3-grpcio golang-github-opencontainers-specs-dev python3-jsonschema
  qemu-system-x86 cpio xz-utils kmod clang-format uidmap bpftool
  apparmor selinux-policy-default policycoreutils selinux-utils
  libarchive-dev libssl-dev zlib1g-dev libzstd-dev libisal-dev libcurl4-openssl-dev
  umoci skopeo docker-registry apache2-utils python3-zstandard attr zstd strace
  man-db groff-base zsh bash-completion
  podman conmon catatonit bsdutils
  clang-14 libclang-rt-14-dev
  valgrind cppcheck clang-tools-14 libasan8 libubsan1
  dpkg-dev debhelper dh-autoreconf"
missing=
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $missing
fi
