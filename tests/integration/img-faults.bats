#!/usr/bin/env bats
# img killed (SIGKILL, through src/common/fault.h's BERTH_FAULT_AT) at every
# fault point of pull, unpack, commit, push, gc, tag, rm, import and copy.  For each
# command: one uninterrupted run with BERTH_FAULT_LOG enumerates its points
# (the test asserts the expected ones are reached) and gives the reference
# result; then, for each point, from the same starting state: the command
# is killed there; `img fsck` exits 0, or reports only debris (temp files)
# that `img fsck --repair` clears; the same command run again completes;
# the store then checks clean and its result equals the reference (the
# same tags and digests, the same blobs once gc has run, the same unpacked
# tree by a listing with modes, owners and content hashes, the registry
# holding the pushed digest).
#
# The unpack contract: BUNDLE (absent before) is absent after a kill at any
# point, never half there; the rerun leaves no staging directory.
#
# The short form (make check) kills at the first and last occurrence of
# every point name; IMG_FAULTS_FULL=1 (make stress-img-faults) kills at
# every step of every command (BERTH_FAULT_AT=N for N = 1..steps), adds
# `img pull --unpack`, and kills the rerun at the same step once more
# before the rerun that must complete (recovery interrupted in turn).

load helpers
load img-helpers
load registry-helpers

setup_file() {
  local BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR t i
  requires root registry
  command -v skopeo > /dev/null || fail "skopeo is not installed"
  # a small image of its own: ~30 entries, so that a layer can be stopped
  # half-applied (unpack.mid-layer is after the 10th entry)
  t=$BATS_FILE_TMPDIR/tree
  mkdir -p "$t/etc" "$t/bin" "$t/data/sub"
  for i in $(seq 20); do echo "file $i" > "$t/data/f$i"; done
  echo "root:x:0:0:root:/root:/bin/sh" > "$t/etc/passwd"
  echo "root:x:0:" > "$t/etc/group"
  ln -s ../data/f1 "$t/bin/link"
  chmod 0750 "$t/data/sub" && chown 1:2 "$t/data/f2" && chmod 4755 "$t/data/f3"
  FIX=$BATS_FILE_TMPDIR/layout
  umoci_image "$FIX" a "$t"
  umoci_image "$FIX" b "$BATS_FILE_TMPDIR/tree"
  umoci config --image "$FIX:b" --config.label which=b > /dev/null
  # the pristine store every run starts from: a and b imported
  PRISTINE=$BATS_FILE_TMPDIR/pristine
  "$IMG" --store "$PRISTINE" import "$FIX" > /dev/null || fail "import the fixture"
  # the archives the import sweeps read: OCI (a and b), docker-save (a)
  "$IMG" --store "$PRISTINE" -q export -o "$BATS_FILE_TMPDIR/fix-oci.tar" a b || fail "export oci"
  "$IMG" --store "$PRISTINE" -q export --format docker -o "$BATS_FILE_TMPDIR/fix-docker.tar" a ||
    fail "export docker"
  registry_start open
  skopeo copy -q --dest-tls-verify=false "oci:$FIX:a" "docker://$REGISTRY/src/a:v1" ||
    fail "skopeo could not push the seed image"
  export FIX PRISTINE REGISTRY REGISTRY_DIR
}

teardown_file() {
  registry_stop
}

setup() {
  berth_setup
  img_setup
  requires root registry
  WORK=$BATS_TEST_TMPDIR/work
  mkdir -p "$WORK"
  export SOURCE_DATE_EPOCH=1700000000
}

teardown() {
  berth_teardown
}

# ---- the sweep ----

# state: what a run leaves in the store that matters: every tag with its
# digest, then the blobs (after gc, when $1 is "gc").
state() {
  jq -r '.manifests[] | "\(.annotations["org.opencontainers.image.ref.name"] // "<none>") \(.digest)"' \
    "$IMG_STORE/index.json" | sort
  [ "${1:-}" != gc ] || img -q gc > /dev/null
  (cd "$IMG_STORE/blobs" && find . -type f | sort)
}

# fsck_after_kill: exit 0, or only debris lines that --repair clears
fsck_after_kill() {
  local point=$1 line
  run --separate-stderr img fsck
  if [ "$status" -ne 0 ]; then
    [ "$status" -eq 1 ] || fail "[$point] img fsck failed: $output $stderr"
    while IFS= read -r line; do
      [[ $line == "temp file ("* ]] || fail "[$point] img fsck after the kill: $line"
    done <<< "$output"
    DEBRIS+=("$point: $output")
    run --separate-stderr img fsck --repair
    [ "$status" -eq 0 ] || fail "[$point] img fsck --repair left: $output"
  fi
}

# points CMD...: run CMD with BERTH_FAULT_LOG, set POINTS to "name count"
# lines (first reached first) and STEPS to the number of points reached
points() {
  local log=$BATS_TEST_TMPDIR/points.log
  rm -f "$log"
  BERTH_FAULT_LOG=$log "$@" > /dev/null 2>&1 || fail "the uninterrupted run failed: $*"
  STEPS=$(wc -l < "$log")
  POINTS=$(awk '{ if (!($2 in n)) order[++k] = $2; n[$2]++ } END { for (i = 1; i <= k; i++) print order[i], n[order[i]] }' "$log")
}

# expect_points NAME...: each NAME was reached
expect_points() {
  local p
  for p in "$@"; do
    grep -q "^$p " <<< "$POINTS" || fail "point '$p' not reached; reached: $(tr '\n' ' ' <<< "$POINTS")"
  done
}

# targets: the BERTH_FAULT_AT values of this sweep
targets() {
  local name n
  if [ -n "${IMG_FAULTS_FULL:-}" ]; then
    seq "$STEPS"
    return
  fi
  while read -r name n; do
    echo "$name:1"
    [ "$n" -le 1 ] || echo "$name:$n"
  done <<< "$POINTS"
}

with_fault() {
  (
    export BERTH_FAULT_AT=$1
    shift
    "$@"
  )
}

# sweep PREPARE RUN CHECK: PREPARE makes the starting state, RUN is the
# command, CHECK (after RUN or a kill and a rerun) prints the result to
# compare; CHECK_KILLED (optional) asserts the state right after a kill;
# RERUN (optional) is the rerun when it differs from RUN.
sweep() {
  local prepare=$1 cmd=$2 check=$3 want got at killed=0 twice=0
  DEBRIS=()
  $prepare
  points $cmd
  want=$($check)
  for at in $(targets); do
    $prepare
    run with_fault "$at" $cmd
    if [ "$status" -eq 137 ]; then
      killed=$((killed + 1))
      [ -z "${CHECK_KILLED:-}" ] || $CHECK_KILLED "$at"
      fsck_after_kill "$at"
      if [ -n "${IMG_FAULTS_FULL:-}" ]; then
        # killed again at the same step, on the way back
        run with_fault "$at" ${RERUN:-$cmd}
        [ "$status" -eq 0 ] || [ "$status" -eq 137 ] || fail "[$at] the killed rerun failed ($status): $output"
        if [ "$status" -eq 137 ]; then
          twice=$((twice + 1))
          fsck_after_kill "$at (twice)"
        fi
      fi
      run ${RERUN:-$cmd}
      [ "$status" -eq 0 ] || fail "[$at] the rerun failed: $output"
    else
      # a thread-timed step (pull's parallel blobs) may not come again
      [ "$status" -eq 0 ] || fail "[$at] not killed, and failed ($status): $output"
    fi
    run --separate-stderr img fsck
    [ "$status" -eq 0 ] || fail "[$at] img fsck after the rerun: $output"
    got=$($check)
    [ "$got" = "$want" ] || fail "[$at] result differs from an uninterrupted run:
--- want
$want
--- got
$got"
  done
  [ "$killed" -gt 0 ] || fail "no run was killed"
  echo "# $cmd: $killed kills over $(wc -l <<< "$POINTS") points, $STEPS steps; reruns killed too: $twice;" \
    "fsck found debris after ${#DEBRIS[@]} kills" >&3
}

fresh_store() {
  rm -rf "$IMG_STORE" "$WORK"
  mkdir -p "$WORK"
  cp -a "$PRISTINE" "$IMG_STORE"
}

empty_store() {
  rm -rf "$IMG_STORE" "$WORK"
  mkdir -p "$WORK"
}

# ---- pull ----

pull_cmd() {
  img -q pull --tls-verify=false "$REGISTRY/src/a:v1"
}

pull_unpack_cmd() {
  img -q pull --tls-verify=false --unpack "$WORK/bundle" "$REGISTRY/src/a:v1"
}

pull_unpack_check() {
  state
  unpack_check
}

# the bundle is absent or complete (the unpack may finish before the tag)
pull_unpack_killed() {
  [ ! -e "$WORK/bundle" ] || [ -f "$WORK/bundle/config.json" ] ||
    fail "[$1] a killed pull --unpack left a partial bundle: $(ls -A "$WORK/bundle")"
}

# a complete bundle is not unpacked again: the pull alone is rerun
pull_unpack_rerun() {
  if [ -f "$WORK/bundle/config.json" ]; then pull_cmd; else pull_unpack_cmd; fi
}

@test "faults: pull killed at every point; fsck, rerun, same image" {
  sweep empty_store pull_cmd state
  expect_points pull.manifest-fetched blob.write blob.verified blob.renamed pull.blobs-fetched \
    pull.manifest-stored pull.before-tag index.save index.tmp-written index.saved pull.tagged
  [ -n "${IMG_FAULTS_FULL:-}" ] || return 0
  # the long form: pull --unpack too (layers applied while they download)
  CHECK_KILLED=pull_unpack_killed RERUN=pull_unpack_rerun sweep empty_store pull_unpack_cmd pull_unpack_check
  expect_points pull.manifest-fetched unpack.mid-layer unpack.before-rename pull.tagged
}

# ---- unpack ----

unpack_cmd() {
  img -q unpack a "$WORK/bundle"
}

unpack_check() {
  [ -f "$WORK/bundle/config.json" ] || { echo "no config.json"; return; }
  ls -A "$WORK"
  tree_digest "$WORK/bundle/rootfs"
  jq -S 'del(.linux.cgroupsPath)' "$WORK/bundle/config.json"
  ls "$WORK/bundle"
}

# the contract: BUNDLE did not exist, so after a kill it still does not
unpack_killed() {
  [ ! -e "$WORK/bundle" ] || fail "[$1] a killed unpack left a partial bundle: $(ls -A "$WORK/bundle")"
}

@test "faults: unpack killed at every point: the bundle is absent or complete; the rerun completes" {
  CHECK_KILLED=unpack_killed sweep fresh_store unpack_cmd unpack_check
  expect_points unpack.mid-layer unpack.layer-applied unpack.before-config unpack.before-rename
}

# an existing empty BUNDLE (with an empty rootfs) is replaced as a whole too
unpack_into_empty() {
  fresh_store
  mkdir -p "$WORK/bundle/rootfs"
}

unpack_killed_empty() {
  [ "$(ls -A "$WORK/bundle")" = rootfs ] && [ -z "$(ls -A "$WORK/bundle/rootfs")" ] ||
    fail "[$1] a killed unpack changed the empty bundle: $(find "$WORK/bundle" | head)"
}

@test "faults: unpack into an existing empty bundle killed at every point: left as it was, or complete" {
  CHECK_KILLED=unpack_killed_empty sweep unpack_into_empty unpack_cmd unpack_check
}

# ---- commit ----

commit_prepare() {
  fresh_store
  img -q unpack a "$WORK/bundle" || fail "unpack"
  echo new > "$WORK/bundle/rootfs/data/new"
  rm "$WORK/bundle/rootfs/data/f5"
  touch -d @1600000000 "$WORK/bundle/rootfs/data/new"
}

commit_cmd() {
  img -q commit "$WORK/bundle" c:v1
}

# The commit contract: a commit is complete, in the bundle, once
# BUNDLE/img.json names the new image; one killed before is rolled back by
# the next commit on the bundle, which does it again (the same digests:
# SOURCE_DATE_EPOCH is set).  A complete commit is not run again: a second
# commit is a new one.
commit_rerun() {
  [ "$(jq -r .manifest "$WORK/bundle/img.json")" = "$(tag_digest "$IMG_STORE" c:v1)" ] || commit_cmd
}

commit_check() {
  state gc
  jq -r .manifest "$WORK/bundle/img.json"
  # a second commit finds nothing new: the bundle's record is the new one
  img commit --history-empty "$WORK/bundle" c:check 2>&1 | grep -c "no changes"
}

@test "faults: commit killed at every point; fsck, rerun, same image and bundle" {
  RERUN=commit_rerun sweep commit_prepare commit_cmd commit_check
  expect_points commit.layer-written image.config-written image.manifest-written index.save commit.tagged \
    commit.journal-written commit.record-installed commit.bundle-meta-written
}

# ---- push ----

PUSHN=0
push_prepare() {
  fresh_store
  PUSHN=$((PUSHN + 1))
  PUSH_DST=$REGISTRY/dst/p$PUSHN:v1
}

push_cmd() {
  img -q push --tls-verify=false a "$PUSH_DST"
}

push_check() {
  local repo=${PUSH_DST#*/}
  curl -sf -I -H "Accept: application/vnd.oci.image.manifest.v1+json" \
    "http://$REGISTRY/v2/${repo%:*}/manifests/v1" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }'
  tag_digest "$IMG_STORE" a
}

@test "faults: push killed at every point; the rerun completes and the registry has the pushed digest" {
  sweep push_prepare push_cmd push_check
  [ "$(push_check | sort -u | wc -l)" = 1 ] || fail "the registry's digest is not the image's: $(push_check)"
  expect_points push.blob-uploaded push.before-manifest push.manifest-put
}

# ---- gc, tag, rm ----

gc_prepare() {
  fresh_store
  img -q rm b > /dev/null
}

gc_cmd() {
  img -q gc
}

@test "faults: gc killed between deletions; fsck, rerun, the same blobs remain" {
  sweep gc_prepare gc_cmd state
  expect_points gc.marked gc.blob-removed
}

tag_cmd() {
  img tag a a2
}

@test "faults: tag killed at every point; the index.json temp file is debris fsck --repair clears" {
  sweep fresh_store tag_cmd state
  expect_points index.save index.tmp-written index.saved
  [ "${#DEBRIS[@]}" -gt 0 ] || fail "a kill before the rename should have left .index.json.tmp.PID"
}

rm_cmd() {
  img -q rm b
}

# once the kill came after index.json was saved, b is gone already
rm_rerun() {
  local st=0
  img -q rm b 2> /dev/null || st=$?
  [ "$st" -ne 137 ] || return 137
  [ "$st" -eq 0 ] || ! jq -e '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "b")' \
    "$IMG_STORE/index.json" > /dev/null
}

@test "faults: rm killed at every point; fsck, rerun, the tag is gone" {
  RERUN=rm_rerun sweep fresh_store rm_cmd state
  expect_points index.save index.saved
}

# ---- import ----

import_oci_cmd() {
  img -q import "$BATS_FILE_TMPDIR/fix-oci.tar"
}

@test "faults: import of an OCI archive (two images) killed at every point; fsck, rerun, the same tags and blobs" {
  sweep empty_store import_oci_cmd state
  expect_points blob.write blob.verified blob.renamed import.read import.checked index.save index.tmp-written \
    index.saved import.tagged
  # two tags, one index.json update each: a kill between them leaves one
  grep -q '^import.tagged 2$' <<< "$POINTS" || fail "not two tags: $POINTS"
}

import_docker_cmd() {
  img -q import "$BATS_FILE_TMPDIR/fix-docker.tar"
}

# a docker-save archive is converted: its manifest and config are written
# by the import, and must come out the same after a kill and a rerun
@test "faults: import of a docker-save archive killed at every point; fsck, rerun, the same converted image" {
  sweep empty_store import_docker_cmd state
  expect_points blob.write blob.renamed import.read import.checked index.saved import.tagged
}

# ---- copy ----

copy_cmd() {
  img -q copy "oci:$FIX:a" c:1
}

@test "faults: copy from a layout into the store killed at every point; fsck, rerun, the same image" {
  sweep empty_store copy_cmd state
  expect_points blob.write blob.verified blob.renamed copy.blobs-copied index.save index.tmp-written index.saved \
    copy.tagged
}

# into a store that has the image's blobs already (under other names):
# only the tag is written
@test "faults: copy into a store holding the blobs killed at every point: only the tag changes" {
  sweep fresh_store copy_cmd state
  expect_points copy.blobs-copied index.save index.saved copy.tagged
  ! grep -q '^blob.write ' <<< "$POINTS" || fail "a blob was written again: $POINTS"
}

# registry → registry: through a temporary layout in $TMPDIR, which the
# next copy removes when a kill left it
COPYN=0
copy_reg_prepare() {
  fresh_store
  mkdir -p "$WORK/tmp"
  COPYN=$((COPYN + 1))
  COPY_DST=$REGISTRY/dst/c$COPYN:v1
}

copy_reg_cmd() {
  TMPDIR=$WORK/tmp img -q copy --tls-verify=false "docker://$REGISTRY/src/a:v1" "docker://$COPY_DST"
}

# the registry's digest for the copy, the source's, and what is left in
# $TMPDIR (nothing)
copy_reg_check() {
  local repo=${COPY_DST#*/} r
  for r in "${repo%:*}/manifests/v1" src/a/manifests/v1; do
    curl -sf -I -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$REGISTRY/v2/$r" | tr -d '\r' |
      awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }'
  done
  ls -A "$WORK/tmp"
}

# the killed copy's own layout is left (the rerun must remove it)
copy_reg_killed() {
  [[ "$(ls -A "$WORK/tmp")" == img-copy.?????? ]] || fail "[$1] in TMPDIR after the kill: $(ls -A "$WORK/tmp")"
}

@test "faults: copy registry to registry killed at every point; the rerun completes and removes the killed copy's layout" {
  CHECK_KILLED=copy_reg_killed sweep copy_reg_prepare copy_reg_cmd copy_reg_check
  [ "$(copy_reg_check | sort -u | wc -l)" = 1 ] || fail "the copy's digest is not the source's: $(copy_reg_check)"
  expect_points pull.manifest-fetched blob.renamed pull.tagged copy.pulled push.blob-uploaded push.manifest-put
}
