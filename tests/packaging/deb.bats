#!/usr/bin/env bats
# The Debian packages (contrib/debian): built once from the current tree
# with contrib/debian/build-deb.sh (no unit tests, two jobs), then checked
# as a user meets them: the files and dependencies dpkg shows, and the
# packaged binaries unpacked (dpkg -x, the host is never altered) into a
# scratch root and run: --version, spec, run of a container.
# `make check` runs this file through tests/packaging/check-deb.sh.

load ../integration/helpers

setup_file() {
  requires root
  local b
  for b in dpkg-buildpackage dh readelf; do
    command -v "$b" > /dev/null || fail "$b is missing (scripts/install-deps.sh installs dpkg-dev, debhelper, binutils)"
  done
  export DEB_OUT=$BATS_FILE_TMPDIR/out PKG_ROOT=$BATS_FILE_TMPDIR/root
  DEB_BUILD_OPTIONS="nocheck parallel=2 noautodbgsym" BUILDDIR=$BUILD_DIR \
    "$TOP_DIR/contrib/debian/build-deb.sh" "$DEB_OUT" > "$BATS_FILE_TMPDIR/build-deb.log" 2>&1 ||
    fail "build-deb.sh failed: $(tail -n 40 "$BATS_FILE_TMPDIR/build-deb.log")"
  export DEB_VERSION
  DEB_VERSION=$(sed -n 's/^PACKAGE_VERSION = //p' "$BUILD_DIR/Makefile")
  mkdir -p "$PKG_ROOT"
  for b in "$DEB_OUT"/berth_*.deb "$DEB_OUT"/berth-img_*.deb; do
    dpkg -x "$b" "$PKG_ROOT"
  done
}

# deb PACKAGE: the package's .deb file
deb() {
  local f=("$DEB_OUT/$1_"*"_$(dpkg --print-architecture).deb")
  [ -f "${f[0]}" ] || fail "no $1 .deb in $DEB_OUT: $(ls "$DEB_OUT")"
  echo "${f[0]}"
}

# contents PACKAGE: its regular files and links, one path a line (./usr/...)
contents() {
  dpkg-deb --fsys-tarfile "$(deb "$1")" | tar -t | grep -v '/$'
}

@test "deb: a source package (.dsc, orig and debian tarballs) and the binary packages berth and berth-img" {
  run -0 ls "$DEB_OUT"
  assert_contains "$output" "berth_$DEB_VERSION.orig.tar.gz"
  assert_contains "$output" "berth_$DEB_VERSION-"
  [ -f "$(echo "$DEB_OUT"/berth_*.dsc)" ]
  [ -f "$(echo "$DEB_OUT"/berth_*.debian.tar.*)" ]
  run -0 dpkg-deb -f "$(deb berth)" Package Version Architecture
  assert_contains "$output" "Package: berth"
  assert_contains "$output" "Version: $DEB_VERSION-"
  assert_contains "$output" "Architecture: $(dpkg --print-architecture)"
  run -0 dpkg-deb -f "$(deb berth-img)" Package
  [ "$output" = berth-img ]
  # the .dsc unpacks: the source package is complete
  run -0 dpkg-source --no-check -x "$(echo "$DEB_OUT"/berth_*.dsc)" "$BATS_TEST_TMPDIR/src"
  [ -x "$BATS_TEST_TMPDIR/src/debian/rules" ]
  [ -f "$BATS_TEST_TMPDIR/src/configure.ac" ]
}

@test "deb: berth ships berth, its man pages, completions, hooks and the unit example; berth-img img's; neither the other's" {
  run -0 contents berth
  assert_contains "$output" "./usr/bin/berth"
  assert_contains "$output" "./usr/share/doc/berth/examples/berth@.service"
  assert_contains "$output" "./usr/share/doc/berth/copyright"
  # the man pages, completions and hooks of `make install`
  assert_contains "$output" "./usr/share/man/man1/berth.1.gz"
  assert_contains "$output" "./usr/share/man/man1/berth-run.1.gz"
  assert_contains "$output" "./usr/share/bash-completion/completions/berth"
  assert_contains "$output" "./usr/libexec/berth/berth-net-hook"
  if grep -E '/_?img[^/]*$' <<< "$output"; then fail "berth ships img's files"; fi
  run -0 contents berth-img
  assert_contains "$output" "./usr/bin/img"
  assert_contains "$output" "./usr/share/man/man1/img-pull.1.gz"
  assert_contains "$output" "./usr/share/bash-completion/completions/img"
  if grep -E '/_?berth[^/]*$' <<< "$output"; then fail "berth-img ships berth's files"; fi
  # executables, not stripped to nothing: mode 0755, ELF
  run -0 stat -c %a "$PKG_ROOT/usr/bin/berth" "$PKG_ROOT/usr/bin/img"
  [ "$output" = $'755\n755' ]
  run -0 readelf -h "$PKG_ROOT/usr/bin/berth"
  assert_contains "$output" "DYN"
}

@test "deb: every file make install installs is in one of the packages" {
  local want have
  # the build tree's own install, with the packages' prefix
  unset MAKEFLAGS MFLAGS MAKELEVEL
  make -s -C "$BUILD_DIR" install DESTDIR="$BATS_TEST_TMPDIR/inst" prefix=/usr > "$BATS_TEST_TMPDIR/install.log" 2>&1 ||
    fail "make install: $(cat "$BATS_TEST_TMPDIR/install.log")"
  want=$(cd "$BATS_TEST_TMPDIR/inst" && find . ! -type d | LC_ALL=C sort)
  [ -n "$want" ]
  # dh_compress gzips man pages
  have=$( (contents berth; contents berth-img) | sed 's,^\(\./usr/share/man/.*\)\.gz$,\1,' | LC_ALL=C sort)
  run comm -23 <(echo "$want") <(echo "$have")
  [ -z "$output" ] || fail "installed by make install but in no package: $output"
}

@test "deb: Depends names the package of every library the binaries link (shlibs)" {
  local bin pkg lib path owner deps
  for pkg in berth berth-img; do
    bin=$PKG_ROOT/usr/bin/${pkg#berth-}
    deps=$(dpkg-deb -f "$(deb "$pkg")" Depends)
    [ -n "$deps" ] || fail "$pkg: no Depends"
    for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|64bit|libc6,/ {print $NF; exit}')
      [ -n "$path" ] || path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
      owner=$(dpkg -S "$(readlink -f "$path")" 2> /dev/null || dpkg -S "$path") || fail "$pkg: no package owns $lib ($path)"
      owner=${owner%%:*}
      [[ ", $deps," == *", $owner "* || ", $deps," == *", $owner,"* ]] || fail "$pkg links $lib ($owner) but Depends is '$deps'"
    done
  done
  # the runtime's libraries, shared (--disable-static-libs), not the image tool's
  deps=$(dpkg-deb -f "$(deb berth)" Depends)
  assert_contains "$deps" "libseccomp2"
  assert_contains "$deps" "libcap2"
  assert_contains "$deps" "libyajl2"
  [[ $deps != *libcurl* && $deps != *libarchive* ]]
  run -0 dpkg-deb -f "$(deb berth)" Recommends
  assert_contains "$output" "libsystemd0"
  assert_contains "$output" "iproute2"
  deps=$(dpkg-deb -f "$(deb berth-img)" Depends)
  assert_contains "$deps" "libarchive13"
  assert_contains "$deps" "libcurl"
  assert_contains "$deps" "libzstd1"
}

@test "deb: the packaged berth and img print their version" {
  run -0 "$PKG_ROOT/usr/bin/berth" --version
  assert_contains "$output" "$DEB_VERSION"
  run -0 "$PKG_ROOT/usr/bin/img" --version
  assert_contains "$output" "$DEB_VERSION"
  # the commit the tarball was made from (its .git-commit), not "unknown"
  commit=$(tar -xzOf "$DEB_OUT/berth_$DEB_VERSION.orig.tar.gz" "berth-$DEB_VERSION/.git-commit")
  [[ $commit =~ ^[0-9a-f]{40}$ ]] || fail "orig tarball's .git-commit: '$commit'"
  assert_contains "$output" "commit: $commit"
}

@test "deb: the packaged berth writes a spec and runs a container from it" {
  # helpers' berth, make_bundle and run_probe use these
  # shellcheck disable=SC2034
  BERTH=$PKG_ROOT/usr/bin/berth SPEC_RUNTIME=$PKG_ROOT/usr/bin/berth
  make_bundle
  run -0 jq -r '.ociVersion' "$BUNDLE/config.json"
  [ -n "$output" ]
  update_config '.hostname = "from-deb"'
  run_probe -- hostname
  assert_status 0
  [ "$output" = from-deb ]
  # the run left nothing: the container is gone from the packaged berth's list
  run -0 berth list -q
  [ -z "$output" ]
}
