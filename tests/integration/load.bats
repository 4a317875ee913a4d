#!/usr/bin/env bats
# Load (issue 9): many containers at once, many run/delete cycles in a row,
# concurrent img pulls, unpacks and gc on one store; nothing may fail and
# nothing may leak (fds, mounts, cgroups, processes, state dirs).
#
# One file serves `make check` (the short sizes below) and `make
# stress-load` (the long ones), through the environment:
#   LOAD_CONTAINERS  containers created/started/exec'd/killed/deleted at once (30)
#   LOAD_CYCLES      sequential `run -d` + `delete -f` cycles (100)
#   LOAD_PULLS       concurrent pulls, and concurrent unpacks (4)
#   LOAD_REPORT      a file the figures are appended to (they also go to the TAP output)

load helpers
load img-helpers
load registry-helpers

LOAD_CONTAINERS=${LOAD_CONTAINERS:-30}
LOAD_CYCLES=${LOAD_CYCLES:-100}
LOAD_PULLS=${LOAD_PULLS:-4}

setup_file() {
  # peak RSS of one command (ru_maxrss of a vforked child), as bench.sh builds it
  ${CC:-cc} -O2 -o "$BATS_FILE_TMPDIR/peakrss" "$BATS_TEST_DIRNAME/../bench/peakrss.c"
}

setup() {
  berth_setup
  img_setup
  requires root
}

teardown() {
  [ -z "${LISTER_PID:-}" ] || { kill "$LISTER_PID" 2> /dev/null || true; wait "$LISTER_PID" 2> /dev/null || true; }
  [ -z "${PROXY_PID:-}" ] || { kill "$PROXY_PID" 2> /dev/null || true; wait "$PROXY_PID" 2> /dev/null || true; }
  registry_stop
  berth_teardown
}

# figure TEXT: one line of figures, to the TAP stream and LOAD_REPORT.
figure() {
  echo "# load: $*" >&3
  [ -z "${LOAD_REPORT:-}" ] || echo "$*" >> "$LOAD_REPORT"
}

file_nr() {
  cut -f1 /proc/sys/fs/file-nr
}

fd_count() {
  ls "/proc/$1/fd" | wc -l
}

# mounts_new BASELINE: the mountinfo lines (mount point, source) that were not
# in BASELINE (a saved copy of /proc/self/mountinfo).  Left out, because on
# a shared machine other test runs make them while this one runs: mounts
# below another bats run's directory, and /run/netns (the bind mount `ip
# netns add` makes on first use, and keeps).
mounts_new() {
  awk -v mine="$BATS_RUN_TMPDIR" 'NR == FNR { seen[$1] = 1; next }
    !($1 in seen) && !(index($5, "/tmp/bats-run-") == 1 && index($5, mine) != 1) && $5 !~ "^/run/netns(/|$)" {
      print $5, $(NF - 1) }' "$1" /proc/self/mountinfo
}

# tagged_pids TAG: the processes whose environment holds LOAD_TAG=TAG.
tagged_pids() {
  grep -l -a -F -x -z -- "LOAD_TAG=$1" /proc/[0-9]*/environ 2> /dev/null | cut -d/ -f3 || true
}

# load_bundle DIR ID-SUFFIX ARGS-JSON TAG: config.json in DIR for a
# container of the shared rootfs $LOAD_ROOTFS (read-only), tagged by env,
# in cgroup "$TAG-SUFFIX".
load_config() {
  local tag=$1
  LOAD_ROOTFS=$BATS_TEST_TMPDIR/rootfs
  cp -a "$(template_rootfs)" "$LOAD_ROOTFS"
  mkdir -p "$BATS_TEST_TMPDIR/spec"
  (cd "$BATS_TEST_TMPDIR/spec" && "$SPEC_RUNTIME" spec) || fail "spec"
  # the cgroups of this test: teardown's find takes the name as a pattern
  echo "$tag-*" >> "$BATS_TEST_TMPDIR/cgroups"
  jq --arg r "$LOAD_ROOTFS" --arg t "LOAD_TAG=$tag" --arg cg "$tag-@ID@" \
    '.process.terminal = false | .root.path = $r | .root.readonly = true | .process.env += [$t]
     | .linux.cgroupsPath = $cg | .process.args = ["/bin/sleep", "1000"]' \
    "$BATS_TEST_TMPDIR/spec/config.json" > "$BATS_TEST_TMPDIR/config.tmpl"
  LOAD_TMPL=$(< "$BATS_TEST_TMPDIR/config.tmpl")
}

# bundle_for ID: a bundle directory whose config.json is the template for ID.
bundle_for() {
  mkdir -p "$BATS_TEST_TMPDIR/b/$1"
  printf '%s\n' "${LOAD_TMPL//@ID@/$1}" > "$BATS_TEST_TMPDIR/b/$1/config.json"
}

# all_at_once VERB CMD...: run `CMD... c$i` for every container at once;
# outputs in $L/VERB.$i; prints how many failed.
all_at_once() {
  local verb=$1 i pids=() fails=0
  shift
  for ((i = 1; i <= LOAD_CONTAINERS; i++)); do
    "$@" "c$i" < /dev/null > "$L/$verb.$i" 2>&1 3>&- &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      fails=$((fails + 1))
      echo "$verb c$((i + 1)) failed: $(cat "$L/$verb.$((i + 1))")" >&2
    fi
  done
  echo "$fails"
}

# lister STOPFILE BAD: `berth list` (both formats) and `berth state` of a
# random container, in a loop until STOPFILE exists (python: a jq per round
# would make the rounds few); anything but well-formed output or "does not
# exist" is appended to BAD, the number of rounds written to BAD.n.
lister() {
  python3 - "$1" "$2" "$BERTH" "$STATE_DIR/berth" "$LOAD_CONTAINERS" <<'PY'
import json, os, random, subprocess, sys
stop, bad, berth, root, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
rounds = 0
def run(*args):
    p = subprocess.run([berth, "--root", root, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr
def report(what, rc, out, err):
    with open(bad, "a") as f:
        f.write("%s: exit %d\nstdout: %s\nstderr: %s\n" % (what, rc, out, err))
while not os.path.exists(stop):
    rc, out, err = run("list", "--format", "json")
    try:
        ok = rc == 0 and not err and all(isinstance(c["id"], str) and isinstance(c["status"], str) and isinstance(c["pid"], int) for c in json.loads(out))
    except Exception:
        ok = False
    if not ok:
        report("list --format json", rc, out, err)
    rc, out, err = run("list")
    if rc != 0 or err or not out.startswith("ID"):
        report("list", rc, out, err)
    cid = "c%d" % random.randint(1, n)
    rc, out, err = run("state", cid)
    if rc == 0:
        try:
            st = json.loads(out)
            ok = st["id"] == cid and isinstance(st["status"], str) and isinstance(st["pid"], int)
        except Exception:
            ok = False
        if not ok:
            report("state " + cid, rc, out, err)
    elif "container '%s' does not exist" % cid not in err:
        report("state " + cid, rc, out, err)
    rounds += 1
with open(bad + ".n", "w") as f:
    f.write("%d\n" % rounds)
PY
}

create_one() {
  berth create --bundle "$BATS_TEST_TMPDIR/b/$1" "$1"
}

exec_echo() {
  berth exec "$1" /bin/echo "exec in $1"
}

kill_one() {
  berth kill "$1" KILL
}

all_stopped() {
  [ "$(count_status stopped)" = "$LOAD_CONTAINERS" ]
}

# count_status STATUS: containers `berth list` shows with STATUS.
count_status() {
  berth list --format json | jq --arg s "$1" '[.[] | select(.status == $s)] | length'
}

@test "load: $LOAD_CONTAINERS containers at once: create, start, exec, kill, delete; list/state alongside; nothing leaks" {
  local tag=berth-load-$$-$RANDOM i n=$LOAD_CONTAINERS f t0 t1 got pid
  L=$BATS_TEST_TMPDIR/logs
  mkdir -p "$L"
  load_config "$tag"
  for ((i = 1; i <= n; i++)); do bundle_for "c$i"; done
  berth list > /dev/null # the state root exists before the lister starts

  cp /proc/self/mountinfo "$BATS_TEST_TMPDIR/mountinfo.before"
  local nr0 mi0 fd0
  nr0=$(file_nr)
  mi0=$(wc -l < /proc/self/mountinfo)
  fd0=$(fd_count $$)

  : > "$L/bad"
  lister "$L/stop" "$L/bad" 3>&- &
  LISTER_PID=$!

  t0=$EPOCHREALTIME
  f=$(all_at_once create create_one)
  t1=$EPOCHREALTIME
  [ "$f" = 0 ] || fail "$f of $n creates failed"
  figure "containers=$n create-all-s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
  got=$(count_status created)
  [ "$got" = "$n" ] || fail "$got of $n containers are 'created'"

  t0=$EPOCHREALTIME
  f=$(all_at_once start berth start)
  [ "$f" = 0 ] || fail "$f of $n starts failed"
  got=$(count_status running)
  [ "$got" = "$n" ] || fail "$got of $n containers are 'running'"

  # every container's process is ours (the tag), and holds only fds 0-2
  got=$(tagged_pids "$tag" | wc -l)
  [ "$got" = "$n" ] || fail "$got processes carry the tag, expected $n"
  for pid in $(tagged_pids "$tag"); do
    [ "$(fd_count "$pid")" = 3 ] || fail "container process $pid has fds: $(ls -l "/proc/$pid/fd")"
  done

  f=$(all_at_once exec exec_echo)
  [ "$f" = 0 ] || fail "$f of $n execs failed"
  for ((i = 1; i <= n; i++)); do
    [ "$(cat "$L/exec.$i")" = "exec in c$i" ] || fail "exec in c$i printed: $(cat "$L/exec.$i")"
  done

  f=$(all_at_once kill kill_one)
  [ "$f" = 0 ] || fail "$f of $n kills failed"
  retry 100 0.2 all_stopped || fail "not all containers stopped"

  f=$(all_at_once delete berth delete)
  t1=$EPOCHREALTIME
  [ "$f" = 0 ] || fail "$f of $n deletes failed"
  figure "containers=$n create-to-deleted-s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"

  touch "$L/stop"
  wait "$LISTER_PID"
  LISTER_PID=
  figure "list/state rounds alongside: $(cat "$L/bad.n"), bad: $(grep -c . "$L/bad" || true)"
  [ ! -s "$L/bad" ] || fail "list/state failed while containers came and went: $(head -c 4000 "$L/bad")"

  # nothing left: state dirs (a last list drops its cache once the root is
  # empty), processes, mounts, cgroups, fds
  berth list > /dev/null
  [ -z "$(ls -A "$STATE_DIR/berth")" ] || fail "left in the state root: $(ls -A "$STATE_DIR/berth")"
  [ -z "$(tagged_pids "$tag")" ] || fail "tagged processes left: $(tagged_pids "$tag")"
  got=$(mounts_new "$BATS_TEST_TMPDIR/mountinfo.before")
  [ -z "$got" ] || fail "new mounts: $got"
  got=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$tag-*" 2> /dev/null)
  [ -z "$got" ] || fail "cgroups left: $got"
  retry 20 0.1 fds_at_most $$ "$fd0" || fail "the test shell's fds: $fd0 before, $(fd_count $$) after"
  local nr1
  nr1=$(file_nr)
  figure "containers=$n file-nr before=$nr0 after=$nr1 mountinfo before=$mi0 after=$(wc -l < /proc/self/mountinfo)"
  # file-nr is the whole host's: other work moves it by a few hundred
  [ "$nr1" -le $((nr0 + 1000)) ] || fail "file-nr grew from $nr0 to $nr1"
}


# window_stat FILE COLUMN FIRST|LAST W: mean and max of COLUMN over the first
# or last W lines of FILE ("mean max").
window_stat() {
  local rows
  if [ "$3" = first ]; then rows=$(head -n "$4" "$1"); else rows=$(tail -n "$4" "$1"); fi
  awk -v c="$2" '{ s += $c; if ($c > m) m = $c } END { printf "%.0f %d\n", s / NR, m }' <<< "$rows"
}

@test "load: $LOAD_CYCLES run -d / delete -f cycles in a row: time, peak RSS, host fds and mounts flat" {
  local tag=berth-load-$$-$RANDOM i n=$LOAD_CYCLES t0 t1 w peakrss=$BATS_FILE_TMPDIR/peakrss
  local cyc=$BATS_TEST_TMPDIR/cycles samples=$BATS_TEST_TMPDIR/samples
  load_config "$tag"
  bundle_for cyc
  berth list > /dev/null
  cp /proc/self/mountinfo "$BATS_TEST_TMPDIR/mountinfo.before"
  : > "$cyc"
  : > "$samples"
  local mi0 fd0
  mi0=$(wc -l < /proc/self/mountinfo)
  fd0=$(fd_count $$)
  for ((i = 1; i <= n; i++)); do
    if (((i - 1) % 100 == 0)); then
      echo "$i $(file_nr) $(wc -l < /proc/self/mountinfo)" >> "$samples"
    fi
    t0=$EPOCHREALTIME
    "$peakrss" "$BATS_TEST_TMPDIR/rss.run" "$BERTH" --root "$STATE_DIR/berth" run -d \
      --bundle "$BATS_TEST_TMPDIR/b/cyc" "cyc$i" < /dev/null > "$BATS_TEST_TMPDIR/run.log" 2>&1 3>&- ||
      fail "cycle $i: run -d failed: $(cat "$BATS_TEST_TMPDIR/run.log")"
    "$peakrss" "$BATS_TEST_TMPDIR/rss.del" "$BERTH" --root "$STATE_DIR/berth" delete -f "cyc$i" \
      < /dev/null > "$BATS_TEST_TMPDIR/del.log" 2>&1 3>&- ||
      fail "cycle $i: delete -f failed: $(cat "$BATS_TEST_TMPDIR/del.log")"
    t1=$EPOCHREALTIME
    echo "$i $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }') $(< "$BATS_TEST_TMPDIR/rss.run") $(< "$BATS_TEST_TMPDIR/rss.del")" >> "$cyc"
  done
  echo "$n $(file_nr) $(wc -l < /proc/self/mountinfo)" >> "$samples"

  # the windows compared: the first and last 100 cycles (a quarter when fewer)
  w=100
  ((n >= 4 * w)) || w=$(((n + 3) / 4))
  local ms rf rl df dl
  ms=$(sort -n -k2 "$cyc" | awk '{ v[NR] = $2; s += $2 } END { printf "mean=%.1f median=%.1f p95=%.1f max=%.1f", s / NR, v[int((NR + 1) / 2)], v[int(NR * 0.95)], v[NR] }')
  rf=$(window_stat "$cyc" 3 first "$w")
  rl=$(window_stat "$cyc" 3 last "$w")
  df=$(window_stat "$cyc" 4 first "$w")
  dl=$(window_stat "$cyc" 4 last "$w")
  figure "cycles=$n per-cycle-ms $ms"
  figure "cycles=$n peak-rss-KiB (mean max) run -d: first $w: $rf, last $w: $rl; delete -f: first $w: $df, last $w: $dl"
  figure "cycles=$n samples (cycle file-nr mountinfo): $(tr '\n' ';' < "$samples")"
  [ -n "${LOAD_REPORT:-}" ] && cp "$cyc" "${LOAD_REPORT%.*}.cycles" || true

  # flat: the last window's peak RSS within 5% (and 512 KiB) of the first's
  local a b
  for a in "$rf:$rl:run" "$df:$dl:delete"; do
    b=${a#*:}
    local first=${a%%:*} last=${b%%:*}
    [ "${last#* }" -le $((${first#* } + ${first#* } / 20 + 512)) ] ||
      fail "peak RSS of ${b#*:} grew: first $w cycles (mean max) $first KiB, last $last KiB"
  done
  # host fds: file-nr is the whole host's (other work moves it by a few
  # hundred); a leak of one file per cycle would show at these sizes only in
  # the long form, the per-process checks below catch the rest
  awk -v lim=1000 'NR == 1 { f = $2 } { if ($2 - f > lim) { print "file-nr grew from " f " to " $2 " by cycle " $1; bad = 1 } }
    END { exit bad }' "$samples" >&2 || fail "host open files not flat"
  awk -v m="$mi0" '$3 != m { print "cycle " $1 ": " $3 " mounts, " m " at the start"; bad = 1 } END { exit bad }' \
    "$samples" >&2 || [ -z "$(mounts_new "$BATS_TEST_TMPDIR/mountinfo.before")" ] || fail "mounts not flat"
  [ -z "$(mounts_new "$BATS_TEST_TMPDIR/mountinfo.before")" ] || fail "new mounts: $(mounts_new "$BATS_TEST_TMPDIR/mountinfo.before")"
  retry 20 0.1 fds_at_most $$ "$fd0" || fail "the test shell's fds: $fd0 before, $(fd_count $$) after"
  berth list > /dev/null
  [ -z "$(ls -A "$STATE_DIR/berth")" ] || fail "left in the state root: $(ls -A "$STATE_DIR/berth")"
  [ -z "$(tagged_pids "$tag")" ] || fail "tagged processes left: $(tagged_pids "$tag")"
  [ -z "$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$tag-*" 2> /dev/null)" ] || fail "cgroups left"
}

# load_images: a layout of umoci-built images that share layers (built once
# per file, in BATS_FILE_TMPDIR), pushed by img to this test's registry as
# load/<tag>:1.  base: the busybox+probe rootfs; mid = base + one layer;
# a1, a2 = base + one, b1, b2 = mid + one (the file load/<tag>, a copy of
# which is $LOAD_FIX/<tag>.copy).  Sets LOAD_IMAGES (the tags).
load_images() {
  local lay t from b
  LOAD_FIX=$BATS_FILE_TMPDIR/fixture
  lay=$LOAD_FIX/layout
  LOAD_IMAGES=(base mid a1 a2 b1 b2)
  if [ ! -e "$LOAD_FIX/done" ]; then
    rm -rf "$LOAD_FIX"
    mkdir -p "$LOAD_FIX"
    umoci_image "$lay" base
    for t in "${LOAD_IMAGES[@]:1}"; do
      case $t in mid | a*) from=base ;; *) from=mid ;; esac
      b=$LOAD_FIX/ub-$t
      mkdir -p "$b/load"
      head -c $((100000 + RANDOM)) /dev/urandom > "$b/load/$t"
      cp "$b/load/$t" "$LOAD_FIX/$t.copy"
      tar -C "$b" -cf "$b.tar" load
      umoci raw add-layer --image "$lay:$from" --tag "$t" "$b.tar" || fail "umoci raw add-layer $t"
      rm -rf "$b" "$b.tar"
    done
    touch "$LOAD_FIX/done"
  fi
  for t in "${LOAD_IMAGES[@]}"; do
    IMG_STORE=$lay img push -q --tls-verify=false "$t" "$REGISTRY/load/$t:1" || fail "push $t"
  done
}

# store_writing: a temp file (a blob being written) is in the store
store_writing() {
  [ -n "$(ls -A "$IMG_STORE/.berth/tmp" 2> /dev/null)" ]
}

fds_at_most() {
  [ "$(fd_count "$1")" -le "$2" ]
}

# store_referenced: every digest the store's tags reach (manifests, configs,
# layers), one a line, sorted.
store_referenced() {
  local m
  for m in $(jq -r '.manifests[].digest' "$IMG_STORE/index.json"); do
    echo "$m"
    jq -r '.config.digest, .layers[].digest' "$IMG_STORE/blobs/sha256/${m#sha256:}"
  done | sort -u
}

# store_verify: `img fsck` when img has it, else every blob hashes to its name.
store_verify() {
  local f bad=0
  if "$IMG" fsck --help > /dev/null 2>&1; then
    img fsck || return 1
  fi
  for f in "$IMG_STORE"/blobs/sha256/*; do
    [ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || { echo "corrupt blob: $f" >&2; bad=1; }
  done
  return "$bad"
}

@test "load: $LOAD_PULLS img pulls of overlapping images at once into one store, gc alongside; $LOAD_PULLS unpacks of one image at once" {
  requires registry
  command -v umoci > /dev/null || fail "umoci is not installed"
  local ts=$EPOCHREALTIME
  registry_start open
  load_images
  figure "img fixture (registry, ${#LOAD_IMAGES[@]} images built and pushed) s=$(awk -v a="$ts" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
  local i n=$LOAD_PULLS pids=() fails=0 t t0 t1 regpid fdr0 gcs=0 L=$BATS_TEST_TMPDIR/logs
  mkdir -p "$L"
  regpid=$(cat "$REGISTRY_DIR/registry.pid")
  fdr0=$(fd_count "$regpid")
  # one image tagged before: gc alongside must keep it whole
  img pull -q --tls-verify=false --name kept "$REGISTRY/load/b1:1"

  t0=$EPOCHREALTIME
  for ((i = 0; i < n; i++)); do
    t=${LOAD_IMAGES[i % ${#LOAD_IMAGES[@]}]}
    img pull -q --tls-verify=false --name "p$i-$t" "$REGISTRY/load/$t:1" > "$L/pull.$i" 2>&1 3>&- &
    pids+=($!)
  done
  # gc in a loop while the pulls run: it may remove only what nothing needs
  (
    while kill -0 "${pids[@]}" 2> /dev/null; do
      img gc > "$L/gc.$gcs" 2>&1 || { echo "gc failed: $(cat "$L/gc.$gcs")" >> "$L/gc.bad"; }
      gcs=$((gcs + 1))
    done
    echo "$gcs" > "$L/gc.n"
  ) 3>&- &
  local gcpid=$!
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { fails=$((fails + 1)); echo "pull $i: $(cat "$L/pull.$i")" >&2; }
  done
  t1=$EPOCHREALTIME
  wait "$gcpid"
  figure "pulls=$n images=${#LOAD_IMAGES[@]} all-s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') gc-runs-alongside=$(cat "$L/gc.n") failed=$fails"
  [ "$fails" = 0 ] || fail "$fails of $n pulls failed"
  [ ! -e "$L/gc.bad" ] || fail "$(cat "$L/gc.bad")"

  # every tag there; the blobs are exactly what the tags reach, each verified
  for ((i = 0; i < n; i++)); do
    t=${LOAD_IMAGES[i % ${#LOAD_IMAGES[@]}]}
    [ -n "$(tag_digest "$IMG_STORE" "p$i-$t")" ] || fail "no tag p$i-$t after the pulls"
  done
  diff <(store_referenced) <(ls "$IMG_STORE/blobs/sha256" | sed 's/^/sha256:/' | sort) ||
    fail "the store's blobs are not exactly the referenced ones"
  store_verify || fail "the store does not verify"
  [ -z "$(ls -A "$IMG_STORE/.berth/tmp" 2> /dev/null)" ] || fail "temp files left: $(ls -A "$IMG_STORE/.berth/tmp")"
  figure "pulls=$n blobs=$(ls "$IMG_STORE/blobs/sha256" | wc -l) (each once, verified)"

  # the same image unpacked into n bundles at once: n identical bundles
  # (img-rootfs.record, what commit compares against, holds inode numbers)
  pids=()
  for ((i = 0; i < n; i++)); do
    img unpack kept "$BATS_TEST_TMPDIR/u$i" > "$L/unpack.$i" 2>&1 3>&- &
    pids+=($!)
  done
  fails=0
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { fails=$((fails + 1)); echo "unpack $i: $(cat "$L/unpack.$i")" >&2; }
  done
  [ "$fails" = 0 ] || fail "$fails of $n unpacks failed"
  cmp "$BATS_TEST_TMPDIR/u0/rootfs/load/b1" "$LOAD_FIX/b1.copy" || fail "unpacked load/b1 differs"
  for ((i = 1; i < n; i++)); do
    diff -r --no-dereference -x img-rootfs.record "$BATS_TEST_TMPDIR/u0" "$BATS_TEST_TMPDIR/u$i" > "$L/diff.$i" 2>&1 ||
      fail "unpack $i differs from unpack 0: $(head -20 "$L/diff.$i")"
  done
  figure "unpacks=$n all identical, pulls+unpacks s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
  # a last gc removes nothing: every blob is referenced
  img gc > "$L/gc.last"
  diff <(store_referenced) <(ls "$IMG_STORE/blobs/sha256" | sed 's/^/sha256:/' | sort) || fail "the last gc removed a referenced blob"
  # the registry (the one long-lived process here) holds no more fds than before
  retry 50 0.1 fds_at_most "$regpid" "$fdr0" 2> /dev/null || true
  figure "registry fds before=$fdr0 after=$(fd_count "$regpid")"
  [ "$(fd_count "$regpid")" -le "$fdr0" ] || fail "the registry holds $(fd_count "$regpid") fds, $fdr0 before"
}

@test "load: img gc during a slow pull that reuses untagged blobs waits for it and removes none of them" {
  requires registry
  command -v umoci > /dev/null || fail "umoci is not installed"
  registry_start open
  load_images
  local L=$BATS_TEST_TMPDIR/logs t0 t1 g0 g1 pull
  mkdir -p "$L"
  # base and mid are in the store, but no tag references them any more
  img pull -q --tls-verify=false --name gone "$REGISTRY/load/b1:1"
  img rm gone
  # b2 = base + mid + its own ~100 kB layer, at 40 kB/s: the pull skips
  # base and mid (present) and is busy for seconds on its own layer
  proxy_start --rate 40000
  t0=$EPOCHREALTIME
  img pull -q --tls-verify=false --name slow "$PROXY/load/b2:1" > "$L/pull" 2>&1 3>&- &
  pull=$!
  retry 200 0.05 store_writing || fail "the pull wrote no temp file"
  g0=$EPOCHREALTIME
  img gc > "$L/gc" 2>&1 || fail "gc: $(cat "$L/gc")"
  g1=$EPOCHREALTIME
  wait "$pull" || fail "the pull failed: $(cat "$L/pull")"
  t1=$EPOCHREALTIME
  figure "gc during a slow pull: started $(awk -v a="$t0" -v b="$g0" 'BEGIN { printf "%.1f", b - a }') s into it, took $(awk -v a="$g0" -v b="$g1" 'BEGIN { printf "%.1f", b - a }') s (waiting for it), the pull $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
  # gc waited for the pull (its lock), then kept everything b2 needs
  awk -v g="$g1" -v t="$t1" 'BEGIN { exit !(g >= t - 0.5) }' || fail "gc ended well before the pull did"
  diff <(store_referenced) <(ls "$IMG_STORE/blobs/sha256" | sed 's/^/sha256:/' | sort) ||
    fail "the store's blobs are not exactly what 'slow' references"
  store_verify || fail "the store does not verify"
  img unpack slow "$BATS_TEST_TMPDIR/u" > /dev/null || fail "unpack of the pulled image failed"
  cmp "$BATS_TEST_TMPDIR/u/rootfs/load/b2" "$LOAD_FIX/b2.copy" || fail "load/b2 differs"
  [ -e "$BATS_TEST_TMPDIR/u/rootfs/load/mid" ] || fail "mid's layer is missing from the unpacked image"
}

# Under load, one create in 200 once failed with nothing but "init process
# exited before sending SYNC_INIT_READY" (its init killed from outside:
# another test's teardown killed processes by mount).  berth now says how
# the init ended; a createRuntime hook that SIGKILLs the init stands in for
# the outside killer.
@test "load: an init killed during create: the error names the signal, nothing is left" {
  requires berth
  make_bundle
  printf '#!/bin/sh\nread -r s\npid=$(echo "$s" | sed -n "s/.*\\"pid\\": *\\([0-9]*\\).*/\\1/p")\nkill -9 "$pid"\n' \
    > "$BATS_TEST_TMPDIR/kill-init"
  chmod +x "$BATS_TEST_TMPDIR/kill-init"
  update_config ".hooks.createRuntime = [{\"path\": \"$BATS_TEST_TMPDIR/kill-init\"}]"
  create_ctr killed
  assert_failure
  assert_contains "$output" "(killed by signal 9"
  [ -z "$(ls -A "$STATE_DIR/berth")" ] || fail "left in the state root: $(ls -A "$STATE_DIR/berth")"
}
