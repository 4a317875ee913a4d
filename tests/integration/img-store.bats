#!/usr/bin/env bats
# img ls / inspect / tag / rm on a store that is an OCI layout built by
# umoci (never by img itself), and umoci and skopeo reading the store after
# img changed it.

load helpers
load img-helpers

setup() {
  berth_setup
  img_setup
  command -v umoci > /dev/null || fail "umoci is not installed (apt-get install umoci)"
}

# small_image TAG: an image with one small layer (a file and a directory).
small_image() {
  local src=$BATS_TEST_TMPDIR/src-$1
  mkdir -p "$src/etc" "$src/data"
  echo "content of $1" > "$src/data/file"
  echo "root:x:0:0:root:/root:/bin/sh" > "$src/etc/passwd"
  umoci_image "$IMG_STORE" "$1" "$src"
}

# blob DIGEST: the path of a blob in the store.
blob() {
  echo "$IMG_STORE/blobs/${1%%:*}/${1#*:}"
}

@test "img ls: an empty store lists nothing (table header, json [])" {
  umoci init --layout "$IMG_STORE"
  run img ls
  assert_status 0
  [ "${#lines[@]}" -eq 1 ]
  [[ ${lines[0]} == "NAME "*DIGEST*SIZE*CREATED*PLATFORM ]]
  run img ls --format json
  assert_status 0
  [ "$output" = "[]" ]
}

@test "img ls: name, short digest, size of manifest+config+layers, created, platform" {
  small_image t1
  local d size created
  d=$(tag_digest "$IMG_STORE" t1)
  size=$(python3 - "$(blob "$d")" "$IMG_STORE" << 'PY'
import json, os, sys
m = json.load(open(sys.argv[1]))
n = os.path.getsize(sys.argv[1]) + m["config"]["size"] + sum(l["size"] for l in m["layers"])
print(n)
PY
  )
  created=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); c=json.load(open(sys.argv[2]+"/blobs/sha256/"+m["config"]["digest"][7:])); print(c["created"])' "$(blob "$d")" "$IMG_STORE")
  run img ls
  assert_status 0
  [ "${#lines[@]}" -eq 2 ]
  read -r name short hsize ctime plat <<< "${lines[1]}"
  [ "$name" = t1 ]
  [ "$short" = "${d:7:12}" ]
  [ "$hsize" = "${size}B" ] || [[ $hsize == *kB ]]
  [ "$ctime" = "${created%%.*}Z" ]
  [ "$plat" = linux/amd64 ]

  run img ls --format json
  assert_status 0
  python3 - "$output" "$d" "$size" "$created" << 'PY'
import json, sys
rows = json.loads(sys.argv[1])
assert len(rows) == 1, rows
r = rows[0]
assert r["name"] == "t1", r
assert r["digest"] == sys.argv[2], r
assert r["size"] == int(sys.argv[3]), r
assert r["created"] == sys.argv[4], r
assert r["platform"] == "linux/amd64", r
assert r["mediaType"] == "application/vnd.oci.image.manifest.v1+json", r
PY
}

@test "img ls: an untagged entry is <none>; -q prints names (the digest when untagged)" {
  small_image t1
  local d
  d=$(tag_digest "$IMG_STORE" t1)
  python3 - "$IMG_STORE/index.json" << 'PY'
import json, sys
idx = json.load(open(sys.argv[1]))
m = dict(idx["manifests"][0])
m.pop("annotations")
idx["manifests"].append(m)
json.dump(idx, open(sys.argv[1], "w"))
PY
  run img ls
  assert_status 0
  [ "${#lines[@]}" -eq 3 ]
  [[ ${lines[2]} == "<none> "*"${d:7:12}"* ]]
  run img ls -q
  assert_status 0
  [ "${lines[0]}" = t1 ]
  [ "${lines[1]}" = "$d" ]
}

@test "img inspect: manifest, config, layers with diff_ids, history" {
  small_image t1
  umoci config --image "$IMG_STORE:t1" --config.env FOO=bar --config.workingdir /data \
    --config.user 0:0 --config.label com.example=yes --history.comment "set up" > /dev/null
  local d
  d=$(tag_digest "$IMG_STORE" t1)
  run img inspect t1
  assert_status 0
  grep -qx "Name: t1" <<< "$output"
  grep -qx "Digest: $d" <<< "$output"
  grep -qx "Platform: linux/amd64" <<< "$output"
  grep -qx "  Cmd: /bin/sh -c echo hello from image" <<< "$output"
  grep -qx "  Env: FOO=bar" <<< "$output"
  grep -qx "  WorkingDir: /data" <<< "$output"
  grep -qx "  User: 0:0" <<< "$output"
  grep -qx "  Label: com.example=yes" <<< "$output"
  # the one layer with its digest, size, media type and diff_id from the blobs
  python3 - "$output" "$(blob "$d")" "$IMG_STORE" << 'PY'
import json, sys
out, mpath, store = sys.argv[1], sys.argv[2], sys.argv[3]
m = json.load(open(mpath))
c = json.load(open(store + "/blobs/sha256/" + m["config"]["digest"][7:]))
l = m["layers"][0]
assert "  0: %s size %d %s" % (l["digest"], l["size"], l["mediaType"]) in out.splitlines(), out
assert "     diff_id %s" % c["rootfs"]["diff_ids"][0] in out.splitlines(), out
for h in c["history"]:
    assert "     created_by: %s" % h["created_by"] in out.splitlines(), (h, out)
assert "     comment: set up" in out.splitlines(), out
assert any(x.endswith("(empty layer)") for x in out.splitlines()), out
PY
}

@test "img inspect --format json: one object with the manifest and the config as stored" {
  small_image t1
  local d
  d=$(tag_digest "$IMG_STORE" t1)
  run img inspect --format json t1
  assert_status 0
  python3 - "$output" "$d" "$IMG_STORE" << 'PY'
import json, sys
o = json.loads(sys.argv[1])
d, store = sys.argv[2], sys.argv[3]
m = json.load(open(store + "/blobs/sha256/" + d[7:]))
c = json.load(open(store + "/blobs/sha256/" + m["config"]["digest"][7:]))
assert o["name"] == "t1" and o["digest"] == d, o
assert "index" not in o, o
# the manifest as loaded: the same, with its mediaType filled in (umoci
# leaves it out)
assert o["manifest"]["mediaType"] == "application/vnd.oci.image.manifest.v1+json", o
if "mediaType" not in m:
    del o["manifest"]["mediaType"]
assert o["manifest"] == m, (o["manifest"], m)
assert o["config"] == c, (o["config"], c)
PY
  # by digest and by a 12-digit prefix: the same image
  run img inspect --format json "$d"
  assert_status 0
  grep -q "\"digest\":\"$d\"" <<< "$output"
  run img inspect "${d:7:12}"
  assert_status 0
  grep -qx "Digest: $d" <<< "$output"
}

@test "img inspect --platform: the image of that platform from an index" {
  small_image amd
  small_image arm
  umoci config --image "$IMG_STORE:arm" --architecture arm64 --config.cmd /arm > /dev/null
  python3 - "$IMG_STORE" << 'PY'
import hashlib, json, sys
store = sys.argv[1]
idx = json.load(open(store + "/index.json"))
ms = []
for m in idx["manifests"]:
    tag = m["annotations"]["org.opencontainers.image.ref.name"]
    arch = {"amd": "amd64", "arm": "arm64"}[tag]
    ms.append({"mediaType": m["mediaType"], "digest": m["digest"], "size": m["size"],
               "platform": {"os": "linux", "architecture": arch}})
data = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": ms}).encode()
d = hashlib.sha256(data).hexdigest()
open(store + "/blobs/sha256/" + d, "wb").write(data)
idx["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json",
                         "digest": "sha256:" + d, "size": len(data),
                         "annotations": {"org.opencontainers.image.ref.name": "multi"}})
json.dump(idx, open(store + "/index.json", "w"))
PY
  run img inspect --platform linux/arm64 multi
  assert_status 0
  grep -qx "Platform: linux/arm64" <<< "$output"
  grep -qx "  Cmd: /arm" <<< "$output"
  grep -qx "Digest: $(tag_digest "$IMG_STORE" arm)" <<< "$output"
  grep -q "^Index: sha256:" <<< "$output"
  run img inspect --platform linux/amd64 --format json multi
  assert_status 0
  grep -q "\"digest\":\"$(tag_digest "$IMG_STORE" amd)\"" <<< "$output"
  grep -q '"index":"sha256:' <<< "$output"
  run img inspect --platform linux/s390x multi
  assert_status 1
  [[ $output == *"multi"*"linux/s390x"* ]]
}

@test "img inspect: an unknown image is an error naming it" {
  small_image t1
  run img inspect nosuch
  assert_status 1
  [[ $output == *"image 'nosuch' not found"* ]]
  run img inspect --format yaml t1
  assert_status 1
  [[ $output == *"'yaml'"* ]]
}

@test "img tag: a second name for the image; umoci and skopeo read it" {
  small_image t1
  local d
  d=$(tag_digest "$IMG_STORE" t1)
  run img tag t1 example.com/team/app:v2
  assert_status 0
  [ "$(tag_digest "$IMG_STORE" example.com/team/app:v2)" = "$d" ]
  [ "$(tag_digest "$IMG_STORE" t1)" = "$d" ]
  run umoci ls --layout "$IMG_STORE"
  assert_status 0
  grep -qx t1 <<< "$output"
  grep -qx example.com/team/app:v2 <<< "$output"
  command -v skopeo > /dev/null || fail "skopeo is not installed (apt-get install skopeo)"
  run skopeo copy "oci:$IMG_STORE:example.com/team/app:v2" "oci:$BATS_TEST_TMPDIR/other:copy"
  assert_status 0
  # the copy holds the same manifest (skopeo keeps the digest of an OCI image)
  python3 - "$BATS_TEST_TMPDIR/other/index.json" "$d" << 'PY'
import json, sys
ms = json.load(open(sys.argv[1]))["manifests"]
assert [m["digest"] for m in ms] == [sys.argv[2]], ms
PY
  run umoci unpack --image "$IMG_STORE:example.com/team/app:v2" "$BATS_TEST_TMPDIR/unpacked"
  assert_status 0
  [ "$(cat "$BATS_TEST_TMPDIR/unpacked/rootfs/data/file")" = "content of t1" ]
}

@test "img tag: an existing tag moves to the new image" {
  small_image t1
  small_image t2
  local d1 d2
  d1=$(tag_digest "$IMG_STORE" t1)
  d2=$(tag_digest "$IMG_STORE" t2)
  [ "$d1" != "$d2" ]
  run img tag t2 t1
  assert_status 0
  [ "$(tag_digest "$IMG_STORE" t1)" = "$d2" ]
  # one entry per tag
  [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["manifests"]))' "$IMG_STORE/index.json")" = 2 ]
  run img ls -q
  [ "$output" = "$(printf 't1\nt2')" ] || [ "$output" = "$(printf 't2\nt1')" ]
}

@test "img tag: bad names and unknown sources are errors naming them" {
  small_image t1
  run img tag t1 "has space"
  assert_status 1
  [[ $output == *"'has space'"* ]]
  run img tag t1 "trailing-"
  assert_status 1
  [[ $output == *"'trailing-'"* ]]
  run img tag nosuch t2
  assert_status 1
  [[ $output == *"image 'nosuch' not found"* ]]
  run img tag t1
  assert_status 1
  [ "$(tag_digest "$IMG_STORE" t2)" = "" ]
}

@test "img rm: the name goes, the blobs stay until gc; skopeo still reads the rest" {
  small_image t1
  small_image t2
  local d1 blobs
  d1=$(tag_digest "$IMG_STORE" t1)
  blobs=$(find "$IMG_STORE/blobs" -type f | sort)
  run img rm t1
  assert_status 0
  [ "$output" = t1 ]
  [ "$(tag_digest "$IMG_STORE" t1)" = "" ]
  [ -n "$(tag_digest "$IMG_STORE" t2)" ]
  [ "$(find "$IMG_STORE/blobs" -type f | sort)" = "$blobs" ]
  [ -f "$(blob "$d1")" ]
  run img ls -q
  [ "$output" = t2 ]
  run umoci ls --layout "$IMG_STORE"
  assert_status 0
  [ "$output" = t2 ]
  run skopeo copy "oci:$IMG_STORE:t2" "oci:$BATS_TEST_TMPDIR/other:t2"
  assert_status 0
  run skopeo copy "oci:$IMG_STORE:t1" "oci:$BATS_TEST_TMPDIR/other:t1"
  [ "$status" -ne 0 ]
  run img --help
  run img rm --help
  assert_status 0
  [[ $output == *"img gc"* ]]
}

@test "img rm: an unknown name is reported, the other names are still removed" {
  small_image t1
  small_image t2
  small_image t3
  run img rm t1 nosuch t3
  assert_status 1
  [[ $output == *"image 'nosuch' not found"* ]]
  run img ls -q
  [ "$output" = t2 ]
  run img rm nosuch1 nosuch2
  assert_status 1
  [[ $output == *"'nosuch1'"* ]]
  [[ $output == *"'nosuch2'"* ]]
  run img ls -q
  [ "$output" = t2 ]
}

@test "img rm: a digest removes every name of that manifest" {
  small_image t1
  small_image t2
  img tag t1 t1-again
  local d1
  d1=$(tag_digest "$IMG_STORE" t1)
  run img rm "$d1"
  assert_status 0
  run img ls -q
  [ "$output" = t2 ]
  small_image t4
  img tag t4 t4b
  run img rm "$(tag_digest "$IMG_STORE" t4 | cut -c8-19)"
  assert_status 0
  run img ls -q
  [ "$output" = t2 ]
}

@test "img tag and img rm in parallel: every update lands (index.json under the lock)" {
  small_image t1
  local i pids=() want
  for i in $(seq 1 12); do
    img tag t1 "p$i" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i"; done
  pids=()
  for i in $(seq 1 6); do
    img rm "p$i" > /dev/null &
    pids+=($!)
    img tag t1 "q$i" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i"; done
  want=$(printf '%s\n' t1 p7 p8 p9 p10 p11 p12 q1 q2 q3 q4 q5 q6 | sort)
  run img ls -q
  assert_status 0
  [ "$(sort <<< "$output")" = "$want" ]
  # still a layout umoci reads
  run umoci ls --layout "$IMG_STORE"
  assert_status 0
  [ "$(sort <<< "$output")" = "$want" ]
}

@test "img ls: an image whose blobs are damaged is listed with the error; inspect names it" {
  small_image t1
  small_image t2
  local d2 cfg
  d2=$(tag_digest "$IMG_STORE" t2)
  cfg=$(jq -r .config.digest "$(blob "$d2")")
  echo garbage > "$(blob "$cfg")"
  run img ls
  assert_status 0
  [[ ${lines[1]} == "t1 "*linux/amd64 ]] || [[ ${lines[2]} == "t1 "*linux/amd64 ]]
  grep -q "^t2 .*$cfg" <<< "$output"
  run img ls --format json
  assert_status 0
  jq -e '.[] | select(.name == "t2") | .error | contains("'"$cfg"'")' <<< "$output"
  run img inspect t2
  assert_status 1
  [[ $output == *"$cfg"* ]]
}
