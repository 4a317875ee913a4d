#!/usr/bin/env bats
# Man pages (contrib/gen-cli-docs.py, generated at build time into
# BUILD_DIR/contrib/gen/man1): every page renders without a groff warning,
# and what `PROG --help` and `PROG CMD --help` print -- every command, option,
# usage line -- is in the page, so the pages cannot drift from the binaries.

load helpers

MAN_DIR=$BUILD_DIR/contrib/gen/man1

IMG=${IMG:-$BUILD_DIR/img}

# Every page rendered once, as a user reads it (man -l, plain ASCII, one
# paragraph a line, spaces squeezed), and man's warnings for it.
setup_file() {
  local f name
  [ -e "$MAN_DIR/berth.1" ] || return 0
  mkdir -p "$BATS_FILE_TMPDIR/txt"
  for f in "$MAN_DIR"/*.1; do
    name=$(basename "$f" .1)
    LC_ALL=C MANWIDTH=2000 man --warnings -l "$f" 2> "$BATS_FILE_TMPDIR/txt/$name.err" |
      col -bx | tr -s ' ' > "$BATS_FILE_TMPDIR/txt/$name.txt"
  done
}

setup() {
  berth_setup
  requires berth
  [ -e "$MAN_DIR/berth.1" ] || fail "no man pages in $MAN_DIR (make builds them)"
  command -v man > /dev/null || fail "man is not installed (scripts/install-deps.sh: man-db)"
}

render() {
  [ -e "$BATS_FILE_TMPDIR/txt/$1.txt" ] || fail "no page $1.1"
  cat "$BATS_FILE_TMPDIR/txt/$1.txt"
}

# commands PROG: the command names `PROG --help` lists.
commands() {
  "$1" --help | awk '/^COMMANDS:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'
}

# help_options PROG [CMD]: every option spelling (--long, -s) that the
# option lines of `PROG [CMD] --help` show.
help_options() {
  local prog=$1
  shift
  "$prog" "$@" --help | awk '/^(GLOBAL )?OPTIONS:/ { on = 1; next } on && /^   -/ { print }' |
    grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' | tr -d ' ,' | sort -u
}

# check_pages PROG BIN: each command's page has its options, usage and
# summary; the program's page has every command and global option.
check_pages() {
  local prog=$1 bin=$2 cmd opt page top usage n=0
  top=$(render "$prog")
  for opt in $(help_options "$bin"); do
    assert_contains "$top" "$opt" || fail "$prog(1) lacks the global option $opt"
  done
  for cmd in $(commands "$bin"); do
    [ "$cmd" != help ] || continue
    assert_contains "$top" "$prog-$cmd(1)" || fail "$prog(1) does not list $prog-$cmd(1)"
    [ -e "$MAN_DIR/$prog-$cmd.1" ] || fail "no page $prog-$cmd.1 for '$prog $cmd'"
    page=$(render "$prog-$cmd")
    for opt in $(help_options "$bin" "$cmd"); do
      assert_contains "$page" "$opt" || fail "$prog-$cmd(1) lacks $opt of '$prog $cmd --help'"
    done
    usage=$("$bin" "$cmd" --help | awk '/^USAGE:/ { getline; sub(/^ +/, ""); print; exit }' | tr -s ' ')
    usage=${usage#"$prog $cmd"}
    assert_contains "$page" "$usage" || fail "$prog-$cmd(1) lacks the usage '$usage'"
    n=$((n + 1))
  done
  [ "$n" -gt 10 ] || fail "only $n commands found in '$prog --help'"
}

@test "berth(1) and berth-CMD(1): every command and option of berth's --help" {
  check_pages berth "$BERTH"
}

@test "img(1) and img-CMD(1): every command and option of img's --help" {
  check_pages img "$IMG"
}

@test "no page for a command the binaries do not have" {
  local f name berth_cmds img_cmds
  berth_cmds=" $(commands "$BERTH" | tr '\n' ' ')"
  img_cmds=" $(commands "$IMG" | tr '\n' ' ')"
  for f in "$MAN_DIR"/*.1; do
    name=$(basename "$f" .1)
    case $name in
      berth | img) ;;
      berth-*) [[ $berth_cmds == *" ${name#berth-} "* ]] || fail "$name.1: berth has no '${name#berth-}'" ;;
      img-*) [[ $img_cmds == *" ${name#img-} "* ]] || fail "$name.1: img has no '${name#img-}'" ;;
      *) fail "unexpected page $name.1" ;;
    esac
  done
}

@test "every page renders without warnings and has NAME, SYNOPSIS, DESCRIPTION, SEE ALSO" {
  local f out
  for f in "$MAN_DIR"/*.1; do
    out=$(cat "$BATS_FILE_TMPDIR/txt/$(basename "$f" .1).err")
    [ -z "$out" ] || fail "$(basename "$f"): $out"
    out=$(render "$(basename "$f" .1)")
    for sec in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
      [[ $'\n'$out$'\n' == *$'\n'"$sec"$'\n'* ]] || fail "$(basename "$f") has no $sec section"
    done
  done
}

@test "SEE ALSO: a command's page names its program's page, and every name is a page" {
  local f name ref see
  for f in "$MAN_DIR"/*.1; do
    name=$(basename "$f" .1)
    see=$(render "$name" | sed -n '/^SEE ALSO$/,$p')
    case $name in
      berth-*) assert_contains "$see" "berth(1)" ;;
      img-*) assert_contains "$see" "img(1)" ;;
    esac
    for ref in $(grep -oE '[a-z][a-z0-9-]*\(1\)' <<< "$see"); do
      [ -e "$MAN_DIR/${ref%(1)}.1" ] || fail "$name(1) SEE ALSO names $ref, which is no page"
    done
  done
  # the prose's cross references between the programs
  see=$(render berth-run | sed -n '/^SEE ALSO$/,$p')
  assert_contains "$see" "img-unpack(1)"
  see=$(render berth | sed -n '/^SEE ALSO$/,$p')
  assert_contains "$see" "img(1)"
}

@test "a page's prose and the usage paragraph of --help (img inspect) are in it" {
  run -0 render berth-run
  assert_contains "$output" "waits for its program to exit"
  assert_contains "$output" "berth run -b /tmp/bb demo"
  run -0 render img-inspect
  assert_contains "$output" "--format json prints one object"
}
