#!/usr/bin/env bats
# `--version` / `-v`: the first lines are what tools parse (podman reads
# "NAME version X", "commit:", "spec:"); berth prints exactly those three.

load helpers

@test "--version prints name, commit and spec lines" {
  run -0 "$BERTH" --version
  [[ ${lines[0]} =~ ^$RUNTIME_NAME\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
  [[ ${lines[1]} =~ ^commit:\ [^\ ]+ ]]
  [[ ${lines[2]} =~ ^spec:\ 1\.[0-9]+\.[0-9]+ ]]
}

@test "berth --version is exactly three lines, spec 1.2.0" {
  requires berth
  run -0 "$BERTH" --version
  [ "${#lines[@]}" -eq 3 ]
  [ "${lines[0]}" = "berth version 0.1.0" ]
  [ "${lines[2]}" = "spec: 1.2.0" ]
}

@test "-v is the same as --version" {
  run -0 "$BERTH" --version
  local long=$output
  run -0 "$BERTH" -v
  [ "$output" = "$long" ]
}

@test "--version after a global option" {
  run -0 berth --version
  [[ ${lines[0]} == "$RUNTIME_NAME version "* ]]
}
