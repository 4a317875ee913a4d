#!/usr/bin/env bats
# Shell completions (contrib/gen-cli-docs.py, generated at build time into
# BUILD_DIR/contrib/gen/{bash,zsh}): what a user gets on TAB.  bash: the
# completion function driven with COMP_WORDS/COMP_CWORD in a fresh bash;
# zsh: an interactive zsh in a pseudo-terminal (zsh-complete.zsh).

load helpers

GEN_DIR=$BUILD_DIR/contrib/gen
IMG=${IMG:-$BUILD_DIR/img}

setup() {
  berth_setup
  requires berth
  [ -e "$GEN_DIR/bash/berth" ] || fail "no completions in $GEN_DIR (make builds them)"
}

# bcomp PROG WORD...: the completions bash offers for the words (the last
# one is being completed), one per line, sorted.
bcomp() {
  local prog=$1
  shift
  bash --norc --noprofile -c '
    f=$1 fn=$2
    shift 2
    source "$f" || exit 1
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    "$fn" || exit 1
    printf "%s\n" "${COMPREPLY[@]}"' \
    bcomp "$GEN_DIR/bash/$prog" "_$prog" "$@" | sed '/^$/d' | sort
}

@test "bash: berth ru<TAB> is run, berth run --bu<TAB> is --bundle" {
  run -0 bcomp berth berth ru
  [ "$output" = run ]
  run -0 bcomp berth berth run --bu
  [ "$output" = --bundle ]
  run -0 bcomp berth berth --debug --root /x ru
  [ "$output" = run ]
  run -0 bcomp img img pu
  [ "$output" = "$(printf 'pull\npush')" ]
  # exec's options end at the container id: what follows is the process's
  run -0 bcomp berth berth exec --t
  [ "$output" = --tty ]
  run -0 bcomp berth berth exec ctr sh --t
  [ -z "$output" ]
}

# every command of `PROG --help` on PROG <TAB>; on PROG CMD --<TAB>, exactly
# the long options of `PROG CMD --help`; on PROG --<TAB> the global ones.
check_all() {
  local bin=$1 prog=$2 cmd want
  want=$("$bin" --help | awk '/^COMMANDS:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }' | sort)
  [ "$(echo "$want" | wc -l)" -gt 10 ] || fail "no commands in '$prog --help'"
  run -0 bcomp "$prog" "$prog" ""
  [ "$output" = "$want" ] || fail "$prog <TAB>: got '$output', want '$want'"
  for cmd in "" $want; do
    [ "$cmd" != help ] || continue
    opts=$("$bin" $cmd --help | awk '/^(GLOBAL )?OPTIONS:/ { on = 1; next } on && /^   --/ { sub(/,$/, "", $1); print $1 }' | sort -u)
    run -0 bcomp "$prog" "$prog" $cmd --
    [ "$output" = "$opts" ] || fail "$prog $cmd --<TAB>: got '$output', want '$opts'"
  done
}

@test "bash: every command and every option of --help, for berth and img" {
  check_all "$BERTH" berth
  check_all "$IMG" img
}

@test "bash: berth kill <TAB> offers the containers of the --root given" {
  make_bundle
  create_ctr ctr-one
  create_ctr ctr-two
  run -0 bcomp berth "$BERTH" --root "$STATE_DIR/berth" kill ""
  [ "$output" = "$(printf 'ctr-one\nctr-two')" ]
  run -0 bcomp berth "$BERTH" --root = "$STATE_DIR/berth" delete -f ctr-t
  [ "$output" = ctr-two ]
  # the second argument of kill is a signal
  run -0 bcomp berth "$BERTH" --root "$STATE_DIR/berth" kill ctr-one KI
  [ "$output" = KILL ]
  # another root has none of them
  run -0 bcomp berth "$BERTH" --root "$BATS_TEST_TMPDIR/empty-root" kill ""
  [ -z "$output" ]
}

@test "bash: option values: directories, files, fixed words" {
  mkdir -p "$BATS_TEST_TMPDIR/d/bundle-dir"
  : > "$BATS_TEST_TMPDIR/d/bundle-file"
  run -0 bcomp berth berth run --bundle "$BATS_TEST_TMPDIR/d/bun"
  [ "$output" = "$BATS_TEST_TMPDIR/d/bundle-dir" ]
  run -0 bcomp berth berth run --bundle = "$BATS_TEST_TMPDIR/d/bun"
  [ "$output" = "$BATS_TEST_TMPDIR/d/bundle-dir" ]
  run -0 bcomp berth berth create --pid-file "$BATS_TEST_TMPDIR/d/bundle-f"
  [ "$output" = "$BATS_TEST_TMPDIR/d/bundle-file" ]
  run -0 bcomp berth berth --rootless ""
  [ "$output" = "$(printf 'false\ntrue')" ]
  run -0 bcomp img img export --format ""
  [ "$output" = "$(printf 'docker\noci')" ]
  run -0 bcomp img img unpack busybox "$BATS_TEST_TMPDIR/d/bun"
  [ "$output" = "$BATS_TEST_TMPDIR/d/bundle-dir" ]
}

@test "bash: img rm <TAB> offers the images of the --store given" {
  local store=$BATS_TEST_TMPDIR/store
  "$IMG" --store "$store" new alpha:1
  "$IMG" --store "$store" new beta:2
  run -0 bcomp img "$IMG" --store "$store" rm ""
  [ "$output" = "$(printf 'alpha:1\nbeta:2')" ]
  run -0 bcomp img "$IMG" --store "$store" rm alpha:1 b
  [ "$output" = beta:2 ]
}

@test "zsh: both files parse" {
  command -v zsh > /dev/null || fail "zsh is not installed (scripts/install-deps.sh)"
  zsh -n "$GEN_DIR/zsh/_berth"
  zsh -n "$GEN_DIR/zsh/_img"
}

@test "zsh: commands, options, containers, images and directories on TAB" {
  command -v zsh > /dev/null || fail "zsh is not installed (scripts/install-deps.sh)"
  local store=$BATS_TEST_TMPDIR/store out=$BATS_TEST_TMPDIR/zc
  make_bundle
  create_ctr zctr
  "$IMG" --store "$store" new zimage:1
  mkdir -p "$BATS_TEST_TMPDIR/d/bundle-dir"
  : > "$BATS_TEST_TMPDIR/d/bundle-file"
  zsh "$INTEGRATION_DIR/zsh-complete.zsh" "$GEN_DIR/zsh" "$out" \
    'berth ru' 'berth run --bu' "$BERTH --root $STATE_DIR/berth kill " "$IMG --store $store rm " \
    "berth run --bundle $BATS_TEST_TMPDIR/d/bun" 'img ' 'berth kill x KI' 'berth exec x sh --t'
  [ "$(sort -u "$out.1")" = run ]
  [ "$(sort -u "$out.2")" = --bundle ]
  [ "$(sort -u "$out.3")" = zctr ]
  [ "$(sort -u "$out.4")" = zimage:1 ]
  [ "$(sort -u "$out.5")" = bundle-dir ]
  grep -qx unpack "$out.6"
  grep -qx KILL "$out.7"
  [ ! -s "$out.8" ]
}
