#!/usr/bin/env bats
# run/create --hooks-dir: podman's oci-hooks(5) files (schema 1.0.0) add
# hooks to the container when their `when` conditions hold.  Each test
# hook appends its name to $LOG, so a test sees which hooks ran and in
# which order.

load helpers

setup() {
  berth_setup
  requires root berth
  make_bundle
  HD=$BATS_TEST_TMPDIR/hooks.d
  LOG=$BATS_TEST_TMPDIR/hooks.log
  mkdir -p "$HD"
  : > "$LOG"
}

# hook_json NAME: a hook entry that appends NAME to $LOG.
hook_json() {
  jq -cn --arg n "$1" --arg log "$LOG" '{path: "/bin/sh", args: ["sh", "-c", "echo \($n) >> \($log)"]}'
}

# hook_file FILE WHEN [STAGES] [DIR] [NAME]: DIR/FILE (default $HD) for a
# hook that logs NAME (default FILE's base name); STAGES defaults to
# ["createRuntime"].
hook_file() {
  local dir=${4:-$HD} name=${5:-${1%.json}}
  mkdir -p "$dir"
  jq -n --argjson h "$(hook_json "$name")" --argjson w "$2" --argjson s "${3:-[\"createRuntime\"]}" \
    '{version: "1.0.0", hook: $h, when: $w, stages: $s}' > "$dir/$1"
}

# ran: create a container with --hooks-dir $HD and delete it; RAN is what
# the hooks logged (the log starts empty again).
ran() {
  create_ctr c1 --hooks-dir "$HD"
  assert_status 0
  run -0 berth delete -f c1
  RAN=$(cat "$LOG")
  : > "$LOG"
}

@test "hooks-dir: --hooks-dir is in the help of run and create" {
  run -0 berth run --help
  assert_contains "$output" "--hooks-dir DIR"
  run -0 berth create --help
  assert_contains "$output" "--hooks-dir DIR"
}

@test "hooks-dir: always: true adds the hook, always: false does not" {
  hook_file yes.json '{"always": true}'
  hook_file no.json '{"always": false}'
  ran
  [ "$RAN" = yes ]
}

@test "hooks-dir: annotations: every key/value regex pair must match one annotation" {
  update_config '.annotations = {"org.example.net": "bridge", "org.example.team": "fluid-dynamics"}'
  hook_file key-and-value.json '{"annotations": {"^org\\.example\\.net$": "^bridge$"}}'
  hook_file two-pairs.json '{"annotations": {"net$": "bri", "team$": "fluid"}}'
  hook_file value-differs.json '{"annotations": {"^org\\.example\\.net$": "^host$"}}'
  hook_file key-differs.json '{"annotations": {"^org\\.other$": ".*"}}'
  hook_file one-pair-fails.json '{"annotations": {"net$": "bridge", "team$": "^other$"}}'
  ran
  [ "$RAN" = "$(printf 'key-and-value\ntwo-pairs')" ]
}

@test "hooks-dir: commands: a regex matches process.args[0] as written (the full path)" {
  set_args /probe pid
  hook_file full-path.json '{"commands": ["^/probe$"]}'
  hook_file any-entry.json '{"commands": ["^/bin/sh$", "probe$"]}'
  hook_file base-name.json '{"commands": ["^probe$"]}'
  hook_file other.json '{"commands": ["^/bin/sh$"]}'
  ran
  [ "$RAN" = "$(printf 'any-entry\nfull-path')" ]
}

@test "hooks-dir: hasBindMounts matches a config with a bind mount only" {
  hook_file bind.json '{"hasBindMounts": true}'
  hook_file nobind-false.json '{"hasBindMounts": false}'
  ran
  [ -z "$RAN" ]
  mkdir -p "$BATS_TEST_TMPDIR/src"
  update_config ".mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/src\", options: [\"rbind\"]}]"
  ran
  [ "$RAN" = bind ]
}

@test "hooks-dir: every condition given must hold" {
  update_config '.annotations = {"a": "1"}'
  set_args /probe pid
  hook_file all-hold.json '{"always": true, "annotations": {"^a$": "^1$"}, "commands": ["probe"]}'
  hook_file command-fails.json '{"always": true, "annotations": {"^a$": "^1$"}, "commands": ["^/bin/sh$"]}'
  hook_file annotation-fails.json '{"always": true, "annotations": {"^a$": "^2$"}, "commands": ["probe"]}'
  hook_file bind-fails.json '{"always": true, "hasBindMounts": true}'
  ran
  [ "$RAN" = all-hold ]
}

@test "hooks-dir: hooks go after the config's own, in lower-cased file name order, to each stage named" {
  update_config ".hooks = {createRuntime: [$(hook_json config-createRuntime)], poststop: [$(hook_json config-poststop)]}"
  hook_file B.json '{"always": true}'
  hook_file a.json '{"always": true}'
  hook_file C.json '{"always": true}'
  hook_file d-prestart.json '{"always": true}' '["prestart"]'
  hook_file e-stages.json '{"always": true}' '["poststart", "poststop"]'
  set_args probe signal-wait
  create_ctr c1 --hooks-dir "$HD"
  assert_status 0
  # prestart is added as createRuntime (as podman does): after C, before nothing else
  [ "$(cat "$LOG")" = "$(printf '%s\n' config-createRuntime a B C d-prestart)" ]
  : > "$LOG"
  run -0 berth start c1
  retry 50 0.1 grep -qx e-stages "$LOG"
  : > "$LOG"
  # the hooks are kept with the container: a changed hooks dir does not matter at delete
  rm -r "$HD"
  run -0 berth delete -f c1
  [ "$(cat "$LOG")" = "$(printf '%s\n' config-poststop e-stages)" ]
}

@test "hooks-dir: a file in a later --hooks-dir masks the same-named file of an earlier one" {
  hook_file x.json '{"always": true}' '["createRuntime"]' "$BATS_TEST_TMPDIR/d1"
  hook_file y.json '{"always": true}' '["createRuntime"]' "$BATS_TEST_TMPDIR/d1"
  hook_file x.json '{"always": true}' '["createRuntime"]' "$BATS_TEST_TMPDIR/d2" x-from-d2
  create_ctr c1 --hooks-dir "$BATS_TEST_TMPDIR/d1" --hooks-dir "$BATS_TEST_TMPDIR/d2"
  assert_status 0
  [ "$(cat "$LOG")" = "$(printf '%s\n' x-from-d2 y)" ]
  : > "$LOG"
  create_ctr c2 --hooks-dir "$BATS_TEST_TMPDIR/d2" --hooks-dir "$BATS_TEST_TMPDIR/d1"
  assert_status 0
  [ "$(cat "$LOG")" = "$(printf '%s\n' x y)" ]
  # a broken file that is masked is never read
  echo '{broken' > "$BATS_TEST_TMPDIR/d1/x.json"
  : > "$LOG"
  create_ctr c3 --hooks-dir "$BATS_TEST_TMPDIR/d1" --hooks-dir "$BATS_TEST_TMPDIR/d2"
  assert_status 0
  [ "$(cat "$LOG")" = "$(printf '%s\n' x-from-d2 y)" ]
}

@test "hooks-dir: files not ending in .json are ignored" {
  hook_file run.json '{"always": true}'
  hook_file skipped.json.bak '{"always": true}'
  echo 'not json' > "$HD/README"
  ran
  [ "$RAN" = run ]
}

# bad_file CONTENT MESSAGE: create fails naming $HD/bad.json and MESSAGE,
# and nothing is left (teardown checks).
bad_file() {
  printf '%s\n' "$1" > "$HD/bad.json"
  create_ctr c1 --hooks-dir "$HD"
  assert_failure
  assert_contains "$output" "$HD/bad.json"
  assert_contains "$output" "$2"
  run ! berth state c1
}

@test "hooks-dir: a bad file fails create with an error naming it" {
  local h
  h=$(hook_json bad)
  bad_file '{"version": "1.0.0", "hook": ' "hooks file '$HD/bad.json': invalid JSON"
  bad_file "{\"version\": \"2.0.0\", \"hook\": $h, \"when\": {\"always\": true}, \"stages\": [\"poststop\"]}" \
    "unknown version '2.0.0' (berth reads 1.0.0)"
  bad_file "{\"hook\": $h, \"when\": {\"always\": true}, \"stages\": [\"poststop\"]}" "missing 'version'"
  bad_file '{"version": "1.0.0", "hook": {"args": ["x"]}, "when": {"always": true}, "stages": ["poststop"]}' \
    "missing 'hook.path'"
  bad_file '{"version": "1.0.0", "hook": {"path": "/no/such/hook"}, "when": {"always": true}, "stages": ["poststop"]}' \
    "hook.path '/no/such/hook': No such file or directory"
  bad_file "{\"version\": \"1.0.0\", \"hook\": $h, \"when\": {\"commands\": [\"(unclosed\"]}, \"stages\": [\"poststop\"]}" \
    "when.commands: bad regex '(unclosed'"
  bad_file "{\"version\": \"1.0.0\", \"hook\": $h, \"when\": {\"annotations\": {\"a\": \"[z-a]\"}}, \"stages\": [\"poststop\"]}" \
    "when.annotations value: bad regex '[z-a]'"
  bad_file "{\"version\": \"1.0.0\", \"hook\": $h, \"when\": {\"always\": true}, \"stages\": [\"prestop\"]}" \
    "unknown stage 'prestop'"
  bad_file "{\"version\": \"1.0.0\", \"hook\": $h, \"when\": {\"always\": true}}" "missing 'stages'"
  bad_file "{\"version\": \"1.0.0\", \"hook\": $h, \"when\": {}, \"stages\": [\"poststop\"]}" "'when' sets no condition"
  bad_file "{\"version\": \"1.0.0\", \"hook\": $h, \"when\": {\"always\": \"yes\"}, \"stages\": [\"poststop\"]}" \
    "hooks file '$HD/bad.json': .when.always: expected boolean"
  [ ! -s "$LOG" ]
}

@test "hooks-dir: a missing hooks dir fails create naming it" {
  create_ctr c1 --hooks-dir "$BATS_TEST_TMPDIR/nowhere"
  assert_failure
  assert_contains "$output" "hooks dir '$BATS_TEST_TMPDIR/nowhere'"
  assert_contains "$output" "No such file or directory"
}
