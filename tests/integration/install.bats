#!/usr/bin/env bats
# make install / make uninstall from the build tree into a DESTDIR: the
# binaries, the man pages and the bash and zsh completions land where the
# system looks for them, run from there, and uninstall removes them all.

load helpers

setup() {
  berth_setup
  requires berth
  [ -f "$BUILD_DIR/Makefile" ] || skip "no configured build tree at $BUILD_DIR"
  command -v make > /dev/null || fail "make is not installed"
  DEST=$BATS_TEST_TMPDIR/dest
}

# bmake ARGS: make in the build tree, outside the make that runs the tests
# (its jobserver and flags are not ours); prefix /usr as a package has it.
bmake() {
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
    make -s -C "$BUILD_DIR" prefix=/usr DESTDIR="$DEST" "$@"
}

@test "make install puts binaries, man pages and completions in place; they work" {
  bmake install > "$BATS_TEST_TMPDIR/install.log" 2>&1 || fail "make install: $(cat "$BATS_TEST_TMPDIR/install.log")"
  [ -x "$DEST/usr/bin/berth" ]
  [ -x "$DEST/usr/bin/img" ]
  run -0 "$DEST/usr/bin/berth" --version
  assert_contains "$output" "berth version"
  run -0 "$DEST/usr/bin/img" --version
  assert_contains "$output" "img version"

  # a page for every command, rendered by man from the installed tree
  local cmd n=0
  for cmd in $("$DEST/usr/bin/berth" --help | awk '/^COMMANDS:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'); do
    [ "$cmd" = help ] || { [ -f "$DEST/usr/share/man/man1/berth-$cmd.1" ] || fail "no berth-$cmd.1"; n=$((n + 1)); }
  done
  [ "$n" -gt 10 ]
  [ -f "$DEST/usr/share/man/man1/berth.1" ]
  [ -f "$DEST/usr/share/man/man1/img.1" ]
  [ -f "$DEST/usr/share/man/man1/img-pull.1" ]
  run -0 env LC_ALL=C MANWIDTH=100 man -M "$DEST/usr/share/man" berth-run
  assert_contains "$output" "berth-run - create and run a container"
  assert_contains "$output" "--bundle"
  run -0 env LC_ALL=C MANPATH="$DEST/usr/share/man" MANWIDTH=100 man img-pull
  assert_contains "$output" "img-pull"

  # completions where bash-completion (its pkg-config completionsdir) and
  # zsh (Debian's vendor-completions, configure's default) look
  local bash_dir zsh_dir=/usr/share/zsh/vendor-completions
  bash_dir=$(pkg-config --variable=completionsdir bash-completion) ||
    fail "no bash-completion.pc (scripts/install-deps.sh: bash-completion)"
  [ -f "$DEST$bash_dir/berth" ]
  [ -f "$DEST$bash_dir/img" ]
  [ -f "$DEST$zsh_dir/_berth" ]
  [ -f "$DEST$zsh_dir/_img" ]
  [ -r /usr/share/bash-completion/bash_completion ] || fail "bash-completion is not installed (scripts/install-deps.sh)"
  # bash-completion's own loader finds berth's file by the command name
  # (XDG_DATA_DIRS is where it looks) and the function completes
  run -0 bash --norc --noprofile -c '
    export XDG_DATA_DIRS=$1/usr/share
    source /usr/share/bash-completion/bash_completion
    __load_completion berth || exit 1
    COMP_WORDS=(berth ru) COMP_CWORD=1
    _berth && echo "${COMPREPLY[*]}"' _ "$DEST"
  [ "$output" = run ]
  # zsh's vendor-completions directory is in Debian's default fpath
  run -0 zsh -f -c 'print -l $fpath'
  assert_contains "$output" /usr/share/zsh/vendor-completions
}

@test "make uninstall removes every file make install put there" {
  bmake install > "$BATS_TEST_TMPDIR/install.log" 2>&1 || fail "make install: $(cat "$BATS_TEST_TMPDIR/install.log")"
  [ "$(find "$DEST" -type f | wc -l)" -gt 30 ]
  bmake uninstall > "$BATS_TEST_TMPDIR/uninstall.log" 2>&1 || fail "make uninstall: $(cat "$BATS_TEST_TMPDIR/uninstall.log")"
  run -0 find "$DEST" -type f
  [ -z "$output" ] || fail "left after make uninstall: $output"
}
