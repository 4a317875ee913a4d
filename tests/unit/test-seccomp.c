/* Unit tests for src/runtime/seccomp.c: profiles compile or fail naming
 * their JSON path, rule semantics (default action, unknown names, errnoRet),
 * and a compiled program loaded in a child process changes what its
 * syscalls return.  Skipped (77) in a build without seccomp. */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci-spec.h"
#include "seccomp.h"
#include "tap.h"
#include "util.h"

/* Compile the linux.seccomp object given as JSON text. */
static int
build (const char *json, struct seccomp_prog *prog, berr_t **err)
{
  cleanup_free char *doc = xasprintf ("{\"linux\":{\"seccomp\":%s}}", json);
  oci_spec *spec = oci_spec_parse_data (doc, strlen (doc), "config.json", err);
  int r;

  if (spec == NULL)
    return -1;
  r = seccomp_prog_build (spec->linux->seccomp, prog, err);
  oci_spec_free (spec);
  return r;
}

static void
refused (const char *json, const char *want)
{
  struct seccomp_prog prog;
  berr_t *err = NULL;

  ok (build (json, &prog, &err) < 0, "refused: %s", want);
  is_str (err ? err->msg : NULL, want, "the message names the path");
  ok (prog.insns == NULL, "nothing compiled");
  berr_clear (&err);
}

static void
test_errors (void)
{
  refused ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_BOGUS\"]}",
           "config.json: .linux.seccomp.architectures[0]: unknown architecture 'SCMP_ARCH_BOGUS'");
  refused ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_"
           "NOPE\"}]}",
           "config.json: .linux.seccomp.syscalls[0].action: unknown seccomp action 'SCMP_ACT_NOPE'");
  refused ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_"
           "ERRNO\","
           "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_NOPE\"}]}]}",
           "config.json: .linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator 'SCMP_CMP_NOPE'");
  refused (
    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_KILL\","
    "\"errnoRet\":5}]}",
    "config.json: .linux.seccomp.syscalls[0].action: errnoRet is only valid with SCMP_ACT_ERRNO and "
    "SCMP_ACT_TRACE");
  refused (
    "{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/x\"}",
    "config.json: .linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action (the listener "
    "fd could never be passed on)");
  refused ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_NOPE\"]}",
           "config.json: .linux.seccomp.flags[0]: unknown seccomp flag 'SECCOMP_FILTER_FLAG_NOPE'");
}

static void
test_compile (void)
{
  struct seccomp_prog prog;
  berr_t *err = NULL;

  ok (seccomp_prog_build (NULL, &prog, &err) == 0 && prog.insns == NULL, "no linux.seccomp: no program");
  ok (build ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"no_such_call\",\"mkdir\"],"
             "\"action\":\"SCMP_ACT_ERRNO\"}]}",
             &prog, &err)
        == 0,
      "an unknown syscall name is skipped");
  ok (prog.insns != NULL && prog.len > 0 && !prog.notify, "a program without a listener");
  seccomp_prog_clear (&prog);
  ok (build ("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_"
             "ACT_ERRNO\"}]}",
             &prog, &err)
        == 0,
      "a rule repeating the default action is dropped, not an error");
  seccomp_prog_clear (&prog);
  ok (build ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/"
             "x\",\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\","
             "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],\"syscalls\":[{\"names\":[\"mkdir\"],"
             "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
             &prog, &err)
        == 0,
      "a notify profile compiles");
  ok (prog.notify, "it asks for a listener");
  seccomp_prog_clear (&prog);
  berr_clear (&err);
}

/* In a child: load, then mkdir; the exit status is the errno seen. */
static int
child_mkdir_errno (const struct seccomp_prog *prog)
{
  int status;
  pid_t pid = fork ();

  if (pid == 0)
    {
      berr_t *err = NULL;
      prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
      if (seccomp_prog_load (prog, -1, &err) < 0)
        _exit (200);
      _exit (mkdir ("/nonexistent-dir/x", 0755) < 0 ? errno : 0);
    }
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    return -1;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static void
test_load (void)
{
  struct seccomp_prog prog;
  berr_t *err = NULL;

  is_int (child_mkdir_errno (&(struct seccomp_prog){ 0 }), ENOENT,
          "without a filter mkdir fails with ENOENT");
  ok (build ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
             "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42}]}",
             &prog, &err)
        == 0,
      "errnoRet 42 compiles");
  is_int (child_mkdir_errno (&prog), 42, "loaded, mkdir fails with errnoRet");
  seccomp_prog_clear (&prog);
  ok (build ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
             "\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}",
             &prog, &err)
        == 0,
      "kill compiles");
  is_int (child_mkdir_errno (&prog), 128 + SIGSYS, "loaded, mkdir kills with SIGSYS");
  seccomp_prog_clear (&prog);
  berr_clear (&err);
}

int
main (void)
{
  if (!seccomp_enabled ())
    {
      printf ("1..0 # SKIP built without seccomp\n");
      return 77;
    }
  test_errors ();
  test_compile ();
  test_load ();
  return tap_done ();
}
