#!/bin/bash
# build-deb.sh [-b] OUTDIR - build berth's Debian packages from a configured
# build tree (run it there, or set BUILDDIR): the `make dist` file set
# becomes berth_VERSION.orig.tar.gz, is unpacked, contrib/debian is copied
# to debian/, and dpkg-buildpackage builds the source package (.dsc,
# .debian.tar.xz) and the binary ones (.deb), which land in OUTDIR.
#   -b   binary packages only (dpkg-buildpackage -b)
# DEB_BUILD_OPTIONS passes through ("nocheck parallel=2": no unit tests, two
# jobs).  Nothing is written to the build tree: the dist tree and the
# package build live in a temporary directory that is removed at the end.
set -euo pipefail

usage() { echo "usage: build-deb.sh [-b] OUTDIR" >&2; exit 2; }
bflag=
while getopts b o; do
  case $o in
    b) bflag=-b ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
mkdir -p "$1"
out=$(cd "$1" && pwd)
builddir=$(cd "${BUILDDIR:-.}" && pwd)
[ -f "$builddir/Makefile" ] || { echo "build-deb.sh: '$builddir' is not a configured build tree (./configure first)" >&2; exit 1; }
for t in dpkg-buildpackage dh; do
  command -v "$t" > /dev/null || { echo "build-deb.sh: $t is missing (scripts/install-deps.sh: dpkg-dev, debhelper)" >&2; exit 1; }
done

# This may run from `make check`: a make of ours must not join the outer
# make's jobserver or inherit its command-line variables (TESTS=...).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES DESTDIR

ver=$(sed -n 's/^PACKAGE_VERSION = //p' "$builddir/Makefile")
[ -n "$ver" ] || { echo "build-deb.sh: no PACKAGE_VERSION in '$builddir/Makefile'" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/berth-$ver

# The distdir rule (not `dist`) so that the tree goes to our directory and
# a `make dist` of someone else in the build tree is not disturbed.
make -s -C "$builddir" distdir distdir="$src" > "$tmp/distdir.log" 2>&1 ||
  { cat "$tmp/distdir.log" >&2; echo "build-deb.sh: make distdir failed" >&2; exit 1; }
tar -C "$tmp" --format=posix --sort=name --owner=0 --group=0 --numeric-owner \
  -czf "$tmp/berth_$ver.orig.tar.gz" "berth-$ver"
cp -a "$src/contrib/debian" "$src/debian"
rm -f "$src/debian/build-deb.sh"

# A tree whose upstream version is not the changelog's (a snapshot after a
# version bump) gets an entry of its own, so that the package's version
# follows the source.
top=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
if [ "${top%-*}" != "$ver" ]; then
  { printf 'berth (%s-0) UNRELEASED; urgency=medium\n\n  * Snapshot of upstream %s.\n\n' "$ver" "$ver"
    printf ' -- berth developers <berth@localhost>  %s\n\n' "$(date -R)"
    cat "$src/debian/changelog"; } > "$tmp/changelog"
  mv "$tmp/changelog" "$src/debian/changelog"
fi

(cd "$src" && dpkg-buildpackage -us -uc $bflag) > "$tmp/build.log" 2>&1 ||
  { tail -n 60 "$tmp/build.log" >&2; echo "build-deb.sh: dpkg-buildpackage failed (the log's end above)" >&2; exit 1; }
cp "$tmp/build.log" "$out/build.log"
find "$tmp" -maxdepth 1 -type f \( -name '*.deb' -o -name '*.dsc' -o -name '*.tar.*' -o -name '*.changes' -o -name '*.buildinfo' \) \
  -exec cp {} "$out/" \;
ls "$out"/*.deb
