/* Unit tests for src/runtime/process.c: executable lookup with the
 * container's PATH, HOME from /etc/passwd, LISTEN_FDS environment,
 * --preserve-fds checks and rlimit validation. */
#include <config.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci-spec.h"
#include "process.h"
#include "tap.h"
#include "util.h"

static void
test_find_executable (void)
{
  char *args[] = { (char *)"sh", NULL };
  char *env[] = { (char *)"PATH=/nonexistent:/bin", NULL };
  oci_process p = { .args = args, .args_len = 1, .env = env, .env_len = 1 };
  berr_t *err = NULL;
  char *path = NULL;

  ok (process_find_executable (&p, &path, &err) == 0, "sh found through PATH");
  is_str (path, "/bin/sh", "the first PATH entry that has it");
  free (path);
  path = NULL;

  args[0] = (char *)"no-such-binary-here";
  ok (process_find_executable (&p, &path, &err) < 0, "a missing binary fails");
  is_str (err ? err->msg : NULL, "exec 'no-such-binary-here': executable file not found in $PATH",
          "the error names the binary");
  berr_clear (&err);

  args[0] = (char *)"/bin/sh";
  ok (process_find_executable (&p, &path, &err) == 0, "an absolute path is used as is");
  is_str (path, "/bin/sh", "absolute path kept");
  free (path);
  path = NULL;

  args[0] = (char *)"/etc/passwd";
  ok (process_find_executable (&p, &path, &err) < 0, "a non-executable file is refused");
  berr_clear (&err);
}

static void
test_home (void)
{
  char *env_home[] = { (char *)"HOME=/h", NULL };
  oci_user u = { 0 };
  oci_process p = { .env = env_home, .env_len = 1, .user = &u };
  char *home;

  ok (process_home_env (&p) == NULL, "an explicit HOME is kept");
  p.env_len = 0;
  home = process_home_env (&p);
  is_str (home, "HOME=/root", "uid 0 gets its /etc/passwd home");
  free (home);
  u.uid = 4242424;
  home = process_home_env (&p);
  is_str (home, "HOME=/", "an unknown uid gets /");
  free (home);
}

static void
test_listen_env (void)
{
  oci_process p = { 0 };
  char buf[32];

  p.env = xzalloc (2 * sizeof (char *));
  p.env[0] = xstrdup ("LISTEN_FDS=9");
  p.env_len = 1;
  process_set_listen_env (&p, 2);
  ok (p.env_len == 2, "LISTEN_FDS replaced, LISTEN_PID added");
  is_str (p.env[0], "LISTEN_FDS=2", "LISTEN_FDS value");
  is_str (p.env[1], "LISTEN_PID=1", "LISTEN_PID is the container init");
  free (p.env[0]);
  free (p.env[1]);
  free (p.env);

  unsetenv ("LISTEN_FDS");
  is_int (process_listen_fds (), 0, "no LISTEN_FDS: nothing to pass");
  setenv ("LISTEN_FDS", "2", 1);
  setenv ("LISTEN_PID", "1", 1);
  is_int (process_listen_fds (), 0, "LISTEN_FDS for another pid is ignored");
  snprintf (buf, sizeof (buf), "%d", (int)getpid ());
  setenv ("LISTEN_PID", buf, 1);
  is_int (process_listen_fds (), 2, "LISTEN_FDS for us is counted");
  unsetenv ("LISTEN_FDS");
  unsetenv ("LISTEN_PID");
}

static void
test_preserved_fds (void)
{
  berr_t *err = NULL;
  int fd = fcntl (0, F_DUPFD, 3);

  ok (process_check_preserved_fds (0, &err) == 0, "preserving nothing is fine");
  if (fd == 3)
    ok (process_check_preserved_fds (1, &err) == 0, "an open fd 3 can be preserved");
  else
    diag ("fd 3 was already open in the harness; skipping the fd 3 check");
  ok (process_check_preserved_fds (900, &err) < 0, "closed descriptors in the range are refused");
  ok (err && strstr (err->msg, "--preserve-fds 900: descriptor") && strstr (err->msg, "is not open"),
      "the error names the option and the descriptor");
  berr_clear (&err);
  if (fd >= 0)
    close (fd);
}

static void
test_rlimits (void)
{
  oci_posix_rlimit r = { .type = (char *)"RLIMIT_NOFILE", .hard = 10, .soft = 20 };
  oci_posix_rlimit *rs[] = { &r };
  oci_process p = { .rlimits = rs, .rlimits_len = 1 };
  berr_t *err = NULL;

  ok (process_validate (&p, &err) < 0, "soft above hard is refused");
  berr_clear (&err);
  r.soft = 5;
  ok (process_validate (&p, &err) == 0, "a sane rlimit passes");
  r.type = (char *)"RLIMIT_BOGUS";
  ok (process_validate (&p, &err) < 0, "an unknown rlimit is refused");
  ok (err && strstr (err->msg, "RLIMIT_BOGUS"), "the error names it");
  berr_clear (&err);
}

int
main (void)
{
  test_find_executable ();
  test_home ();
  test_listen_env ();
  test_preserved_fds ();
  test_rlimits ();
  return tap_done ();
}
