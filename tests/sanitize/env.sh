# tests/sanitize/env.sh - sourced by check-sanitize.sh and ci.sh: the
# sanitizer runtime options every sanitized process runs with.
#
# Reports go to files (log_path), one per process, never only to stderr:
# berth forks and clones children whose stderr is the container's, or
# /dev/null, and a report there would be lost.  The runs fail when
# $SAN_LOG holds any report.  A process inside a container's mount
# namespace cannot reach $SAN_LOG; a report there falls back to its stderr
# and still fails the run through the exit status.
#
# LeakSanitizer runs at exit() of berth, img and the unit tests: the
# processes the user starts.  Every child berth forks or clones ends in
# execve or _exit (the container init and the exec'd process: init.c,
# container-exec.c; hooks.c, namespaces.c, userns.c, cgroup-systemd.c,
# ps.c), never in exit(), so no leak check runs inside a container, where
# LSan's ptrace-based stop-the-world may be refused (a user namespace
# without the tracer's ids, seccomp, no_new_privs).  What such a child
# allocated belongs to the parent's image of memory, which the parent's
# own check covers.
# The container's own environment comes from config.json, so none of these
# variables reaches it (tests/integration/env-leak.bats).
#
# san_build SRC BUILD: configure SRC's copy in BUILD with the sanitizers
# (once; again when configure changed) and build the programs, the unit
# tests and the test helpers.  -O1: ASan's recommendation, and faster to
# build than -O2.
san_build() {
  local src=$1 build=$2
  # no --enable-werror: at -O1 with the sanitizers gcc 12 warns about
  # format arguments it cannot prove non-NULL (tap.h's is_str); the
  # regular build keeps -Werror
  # -fno-omit-frame-pointer: berth's frames unwind fast (san_env)
  local args="--enable-sanitizers --disable-fuzzing CFLAGS=-g -O1 -fno-omit-frame-pointer"
  mkdir -p "$build"
  if [ ! -e "$build/config.status" ] || [ "$src/configure" -nt "$build/config.status" ] ||
    [ "$(cat "$build/.san-configure" 2> /dev/null)" != "$args" ]; then
    (cd "$build" && "$src/configure" -q --enable-sanitizers --disable-fuzzing CFLAGS='-g -O1 -fno-omit-frame-pointer')
    echo "$args" > "$build/.san-configure"
  fi
  (cd "$build" && ${MAKE:-make} ${JOBS:--j2} all && ${MAKE:-make} ${JOBS:--j2} check TESTS=)
}

# Needs: SAN_LOG (a directory), SAN_SUPP (this directory).
san_env() {
  mkdir -p "$SAN_LOG"
  # The fast unwinder follows frame pointers: berth's code has them
  # (san_build), glibc's does not, so a leak allocated inside glibc
  # (vasprintf) is reported without berth's caller.  SAN_SLOW_UNWIND=1
  # unwinds every malloc with the DWARF unwinder and names it, at 10-30
  # times the cost (test-ocispec: 10 s against 2 min): rerun with it to
  # find such a leak.
  local fast=1
  [ -z "${SAN_SLOW_UNWIND:-}" ] || fast=0
  export ASAN_OPTIONS="log_path=$SAN_LOG/asan:detect_leaks=1:fast_unwind_on_malloc=$fast:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=0:abort_on_error=0"
  export UBSAN_OPTIONS="log_path=$SAN_LOG/ubsan:print_stacktrace=1:halt_on_error=1:suppressions=$SAN_SUPP/ubsan.supp"
  export LSAN_OPTIONS="suppressions=$SAN_SUPP/lsan.supp:print_suppressions=0"
}

# san_reports: print every report file and return 1 when there is one.
san_reports() {
  local f found=0
  for f in "$SAN_LOG"/*; do
    [ -e "$f" ] || continue
    found=1
    echo "# ---- $f"
    sed 's/^/# /' "$f"
  done
  return "$found"
}
