#!/bin/bash
# Run the OCI runtime-tools validation suite against berth and, for
# reference, against another runtime (runc by default), and print one table:
# per validation test, each runtime's status and its TAP pass/fail/skip counts,
# then totals and a one-line reason for every non-passing result.
#
# This is a check run by hand, not part of `make check`: it needs root and an
# already built runtime-tools checkout (see tests/conformance/README.md).
#
# Usage: RUNTIME_TOOLS=/path/to/runtime-tools tests/conformance/run.sh [TEST...]
#   TEST         validation test names (e.g. `default hooks`); default: all
# Environment:
#   RUNTIME_TOOLS  built runtime-tools tree: runtimetest, rootfs-<arch>.tar.gz
#                  and validation/<name>/<name>.t (required)
#   BERTH          berth binary (default: the one at the top of this repo)
#   REFERENCE      reference runtime command (default: runc; empty: skip it)
#   TIMEOUT        seconds allowed per test and runtime (default: 120)
#   LOGDIR         where TAP output, stderr and results.tsv go
#                  (default: a new /var/tmp/berth-conformance.XXXXXX)
#   FORMAT         text (default) or markdown
#   STRIP          diagnostic mode: space-separated config.json fields
#                  (e.g. "linux.seccomp") removed from every bundle before
#                  berth creates it, to see what fails behind a field berth
#                  refuses; results are then not conformance results
set -u

die() {
	echo "run.sh: $*" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
: "${RUNTIME_TOOLS:?set RUNTIME_TOOLS to a built runtime-tools checkout}"
BERTH=${BERTH:-$here/../../berth}
REFERENCE=${REFERENCE-runc}
TIMEOUT=${TIMEOUT:-120}
FORMAT=${FORMAT:-text}

# Tests that depend on cgroup v1 controllers/paths of the host; on a hybrid
# host they fail for every runtime, so the table marks them.
CGROUP_RE='^(linux_cgroups_.*|delete_resources)$'

[ "$(id -u)" = 0 ] || die "must run as root (the suite creates containers)"
RUNTIME_TOOLS=$(cd "$RUNTIME_TOOLS" && pwd) || die "no such directory"
[ -x "$RUNTIME_TOOLS/runtimetest" ] ||
	die "$RUNTIME_TOOLS/runtimetest missing: run 'make runtimetest validation-executables' there"
[ -x "$BERTH" ] || die "berth binary '$BERTH' not found: build it first"
command -v timeout >/dev/null || die "timeout(1) is required"

# make_strip_wrapper: put a script in front of the berth copy that deletes
# the STRIP fields from config.json on create/run (the suite passes
# --bundle DIR and no global options).
make_strip_wrapper() {
	mkdir -p "$LOGDIR/bin/real" && mv "$LOGDIR/bin/berth" "$LOGDIR/bin/real/berth"
	cat >"$LOGDIR/bin/berth" <<-EOF
		#!/bin/bash
		# written by run.sh: STRIP=$STRIP diagnostic mode
		bundle=.
		if [ "\$1" = create ] || [ "\$1" = run ]; then
			prev=
			for a in "\$@"; do
				case \$prev in --bundle | -b) bundle=\$a ;; esac
				case \$a in --bundle=*) bundle=\${a#--bundle=} ;; esac
				prev=\$a
			done
			python3 - "\$bundle/config.json" $STRIP <<'PY'
		import json, sys
		path = sys.argv[1]
		with open(path) as f:
		    spec = json.load(f)
		for field in sys.argv[2:]:
		    *parents, last = field.split(".")
		    node = spec
		    for key in parents:
		        node = node.get(key, {}) if isinstance(node, dict) else {}
		    if isinstance(node, dict):
		        node.pop(last, None)
		with open(path, "w") as f:
		    json.dump(spec, f)
		PY
		fi
		exec "$LOGDIR/bin/real/berth" "\$@"
	EOF
	chmod +x "$LOGDIR/bin/berth"
}

# tap_counts FILE: print "pass fail skip planned" of the top-level TAP lines
# (runtimetest's nested output is indented YAML and not counted).
tap_counts() {
	awk '
		/^1\.\.[0-9]+/ { split($1, a, "\\.\\."); plan += a[2]; planned = 1 }
		/^ok/ { if (tolower($0) ~ /# *skip/) s++; else p++ }
		/^not ok/ { if (tolower($0) ~ /# *(todo|skip)/) s++; else f++ }
		END { printf "%d %d %d %s\n", p, f, s, (planned ? plan : "-") }
	' "$1"
}

# fail_reason TAP [WHOLE]: print "assertion<TAB>detail" for the first failed
# assertion ("not ok" line; with WHOLE, the whole file when no assertion
# ran), the detail being the most telling line of its diagnostics:
# the runtime's stderr, else the error, else a "# expect/actual" comment or
# runtimetest's expected/actual pair.
fail_reason() {
	awk -v whole="${2:-}" '
		function val(line) {
			sub(/^ *"?[a-z]+"?: *"?/, "", line); sub(/,$/, "", line); sub(/"$/, "", line)
			sub(/\\n.*/, "", line); gsub(/\\+"/, "\"", line); return line
		}
		!on && (whole || (/^not ok/ && tolower($0) !~ /# *todo/)) {
			on = 1
			if (!whole) { sub(/^not ok [0-9]* *-? */, ""); what = $0; next }
		}
		!on { next }
		!whole && /^(ok|not ok|1\.\.)/ { exit }
		/^ +"?stderr"?: *"?[^" |]/ && stderr == "" { stderr = val($0) }
		/^ +"?error"?: *"?[^" |]/ && error == "" { error = val($0) }
		/^# / && comment == "" { comment = substr($0, 3) }
		/^ +"?expected"?: / && expected == "" { expected = val($0) }
		/^ +"?actual"?: / && actual == "" { actual = val($0) }
		END {
			if (error ~ /^exit status [0-9]+$/) error = ""
			if (comment == "" && expected != "")
				comment = "expected " expected ", actual " actual
			d = stderr != "" ? stderr : error != "" ? error : comment
			printf "%s\t%s", what, d
		}
	' "$1"
}

# err_reason ERR: the first two meaningful lines a test printed on stderr
# (typically "failed to create the container" and the runtime's message).
err_reason() {
	grep -v -E '^[[:space:]]*$|^exit status [0-9]+$|^Refer to:' "$1" | head -n 2 |
		paste -s -d '|' | sed 's/|/: /; s/time="[^"]*" level=[a-z]* msg=//'
}

# join_reason "WHAT<TAB>DETAIL" ERR: "what: detail"; without a detail in the
# TAP, the test's stderr (where the runtime's message usually is) stands in.
join_reason() {
	local what=${1%%$'\t'*} detail=${1#*$'\t'}
	[ -n "$detail" ] || detail=$(err_reason "$2")
	if [ -n "$what" ] && [ -n "$detail" ]; then
		printf '%s: %s' "$what" "$detail"
	else
		printf '%s' "$what$detail"
	fi
}

# classify RC TAP ERR: set status, counts and reason from a test's exit
# code, TAP output and stderr.  Some tests report only failures: the hook
# tests print "1..0" plus an error diagnostic, the *_fail tests print nothing
# and exit 0 when the runtime rejected the bad config (and call Fatal when it
# did not).  Silence there is a pass; its stderr is kept as a note, because
# such a test passes whatever made the runtime fail.
classify() {
	local rc=$1 out=$2 err=$3 p f s plan n
	read -r p f s plan <<<"$(tap_counts "$out")"
	n=$((p + f + s)) reason=
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		status=TIMEOUT reason="timed out after ${TIMEOUT}s"
	elif [ "$f" -gt 0 ]; then
		status=FAIL reason=$(join_reason "$(fail_reason "$out")" "$err")
	elif [ "$n" = 0 ] && [ -n "$(fail_reason "$out" 1 | tr -d '\t')" ]; then
		status=FAIL reason=$(join_reason "$(fail_reason "$out" 1)" "$err")
	elif [ "$n" = 0 ] && [ "$rc" != 0 ]; then
		status=ERROR reason=$(err_reason "$err")
		reason="aborted (exit $rc) before any assertion${reason:+: $reason}"
	elif [ "$n" = 0 ]; then
		status=PASS reason=$(err_reason "$err")
	elif [ "$plan" != - ] && [ "$plan" != "$n" ]; then
		status=FAIL reason="ran $n of $plan planned assertions (exit $rc)"
	elif [ "$rc" != 0 ]; then
		status=FAIL reason="exit $rc after the assertions: $(err_reason "$err")"
	elif [ "$n" -gt 0 ] && [ "$p" = 0 ]; then
		status=SKIP reason=$(grep -i -m1 '# *skip' "$out" | sed 's/.*# *[Ss][Kk][Ii][Pp] *//')
	else
		status=PASS
	fi
	counts="$p	$f	$s"
}

# run_one NAME INDEX: run one test under one runtime; append to results.tsv.
run_one() {
	local name=$1 i=$2 base out err rc status reason counts
	base="$LOGDIR/${labels[$i]}/$name"
	out=$base.tap err=$base.err
	mkdir -p "$LOGDIR/${labels[$i]}"
	(cd "$RUNTIME_TOOLS" && TMPDIR="$LOGDIR/tmp" RUNTIME="${runtimes[$i]}" \
		timeout -k 10 "$TIMEOUT" "validation/$name/$name.t" >"$out" 2>"$err")
	rc=$?
	echo "$rc" >"$base.rc"
	classify "$rc" "$out" "$err"
	reason=$(printf '%s' "$reason" | tr '\t\n' '  ' | cut -c1-240)
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "${labels[$i]}" "$status" \
		"$counts" "$reason" >>"$LOGDIR/results.tsv"
}

# cleanup_leaks INDEX: delete containers a test left behind.  Only those
# whose bundle lies in this run's TMPDIR are ours; others are left alone.
cleanup_leaks() {
	local rt=${runtimes[$1]} id
	for id in $("$rt" list -f json 2>/dev/null | python3 -c '
import json, sys
try:
    cs = json.load(sys.stdin) or []
except ValueError:
    cs = []
for c in cs:
    if c.get("bundle", "").startswith(sys.argv[1]):
        print(c["id"])' "$LOGDIR/tmp/"); do
		echo "run.sh: ${labels[$1]} left container $id; deleting it" >&2
		echo "$id" >>"$LOGDIR/${labels[$1]}/leaked-containers"
		"$rt" delete -f "$id" >/dev/null 2>&1
	done
}

# cleanup_mounts INDEX NAME: a container without a mount namespace (the
# linux_ns_itype test asks for one) gets its /proc, /dev, /sys mounted on the
# bundle in the host's mount namespace, and a runtime may leave them there.
# Unmount what lies under this run's TMPDIR, deepest first, so that nothing
# (neither the test's own RemoveAll nor a later rm -rf) walks into the
# host's /proc, /sys or mqueue through them.
cleanup_mounts() {
	local m
	awk -v p="$LOGDIR/tmp/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do
		echo "${labels[$1]} $2 $m" >>"$LOGDIR/leaked-mounts"
		umount -l "$m" 2>/dev/null
	done
}

# cleanup_cgroups: the suite's cgroup tests use fixed cgroup names; remove
# what a runtime failed to remove (rmdir only succeeds on empty cgroups).
cleanup_cgroups() {
	local d
	for d in /sys/fs/cgroup/*/cgrouptest /sys/fs/cgroup/*/testdir \
		/sys/fs/cgroup/cgrouptest /sys/fs/cgroup/testdir; do
		[ -d "$d" ] || continue
		echo "$d" >>"$LOGDIR/leftover-cgroups"
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}

print_row() {
	local name=$1 mark=$2
	shift 2
	if [ "$FORMAT" = markdown ]; then
		local row="| $name | $mark |" c
		for c in "$@"; do row+=" $c |"; done
		echo "$row"
	else
		printf '%-36s %-3s' "$name" "$mark"
		printf ' %-20s' "$@"
		echo
	fi
}

cell() { # cell NAME LABEL: "STATUS p/f/s" from results.tsv
	awk -F'\t' -v n="$1" -v l="$2" \
		'$1 == n && $2 == l { printf "%s %s/%s/%s", $3, $4, $5, $6 }' \
		"$LOGDIR/results.tsv"
}

LOGDIR=${LOGDIR:-$(mktemp -d /var/tmp/berth-conformance.XXXXXX)}
mkdir -p "$LOGDIR/bin" "$LOGDIR/tmp" || die "cannot create '$LOGDIR'"
# The tree is rebuilt by others while the suite runs; a private copy keeps
# one binary for the whole run.
cp "$BERTH" "$LOGDIR/bin/berth" || die "cannot copy '$BERTH'"
berth_version="$("$BERTH" --version 2>/dev/null | head -n 1), source $(git -C \
	"$(dirname "$BERTH")" describe --always --dirty 2>/dev/null || echo unknown)"
[ -z "${STRIP:-}" ] || make_strip_wrapper
runtimes=("$LOGDIR/bin/berth")
labels=(berth)
if [ -n "$REFERENCE" ]; then
	command -v "$REFERENCE" >/dev/null || die "reference runtime '$REFERENCE' not found"
	runtimes+=("$REFERENCE")
	labels+=("$(basename "$REFERENCE")")
fi

if [ $# -gt 0 ]; then
	tests=("$@")
else
	mapfile -t tests < <(cd "$RUNTIME_TOOLS/validation" &&
		for t in */*.t; do dirname "$t"; done | sort)
fi
[ ${#tests[@]} -gt 0 ] || die "no validation/*/*.t in $RUNTIME_TOOLS"

: >"$LOGDIR/results.tsv"
for name in "${tests[@]}"; do
	[ -x "$RUNTIME_TOOLS/validation/$name/$name.t" ] ||
		die "no executable validation/$name/$name.t"
	for i in "${!runtimes[@]}"; do
		echo "run.sh: $name (${labels[$i]})" >&2
		run_one "$name" "$i"
		cleanup_leaks "$i"
		cleanup_mounts "$i" "$name"
	done
	[[ $name =~ $CGROUP_RE ]] && cleanup_cgroups
done

echo "runtime-tools: $RUNTIME_TOOLS ($(git -C "$RUNTIME_TOOLS" describe --always 2>/dev/null ||
	echo "version $(cat "$RUNTIME_TOOLS/VERSION" 2>/dev/null)"))"
echo "berth: $BERTH ($berth_version)"
[ -z "${STRIP:-}" ] || echo "DIAGNOSTIC MODE: removed from every berth bundle: $STRIP"
echo "logs: $LOGDIR   cell: STATUS pass/fail/skip   cg: cgroup v1 test (expected to fail on hybrid hosts)"
echo
[ "$FORMAT" = markdown ] && print_row test cg "${labels[@]}" &&
	print_row --- --- "${labels[@]/*/---}"
[ "$FORMAT" = markdown ] || print_row test cg "${labels[@]}"
for name in "${tests[@]}"; do
	mark=
	[[ $name =~ $CGROUP_RE ]] && mark=cg
	cells=()
	for l in "${labels[@]}"; do cells+=("$(cell "$name" "$l")"); done
	print_row "$name" "$mark" "${cells[@]}"
done

echo
for l in "${labels[@]}"; do
	awk -F'\t' -v l="$l" -v re="$CGROUP_RE" '
		$2 != l { next }
		{ n[$3]++; p += $4; f += $5; s += $6; t++
		  if ($3 != "PASS" && $3 != "SKIP" && $1 ~ re) cg++ }
		END {
			printf "%s: %d tests: %d PASS, %d FAIL, %d ERROR, %d TIMEOUT, %d SKIP", \
				l, t, n["PASS"], n["FAIL"], n["ERROR"], n["TIMEOUT"], n["SKIP"]
			printf " (%d of the non-passing are cgroup tests); assertions: %d ok, %d not ok, %d skipped\n", \
				cg, p, f, s
		}' "$LOGDIR/results.tsv"
done

for f in leaked-mounts leftover-cgroups; do
	[ -s "$LOGDIR/$f" ] && echo "$f (cleaned up): $(wc -l <"$LOGDIR/$f") in $LOGDIR/$f"
done
for l in "${labels[@]}"; do
	f="$LOGDIR/$l/leaked-containers"
	[ -s "$f" ] && echo "$l leaked containers (deleted): $(wc -l <"$f") in $f"
	echo
	echo "$l: non-passing tests, and silent passes with the stderr that made them pass"
	awk -F'\t' -v l="$l" '$2 == l && ($3 != "PASS" || $7 != "") {
		printf "  %-36s %-7s %s\n", $1, $3, $7 }' "$LOGDIR/results.tsv"
done
