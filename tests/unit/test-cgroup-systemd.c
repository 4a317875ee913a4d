/* Unit tests for the systemd cgroup driver's cgroupsPath rules
 * (src/runtime/cgroup-systemd.c): "slice:prefix:name" -> slice + scope
 * name, the defaults, slice nesting, and the errors for bad input.  And,
 * on a host where systemd is not PID 1, the error for an unreachable
 * systemd. */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup-systemd.h"
#include "cgroup.h"
#include "tap.h"
#include "util.h"

static void
parse_ok (const char *in, bool rootless, const char *want_slice, const char *want_unit)
{
  cleanup_free char *slice = NULL, *unit = NULL;
  berr_t *err = NULL;
  int r = cgroup_systemd_parse_path (in, "c1", rootless, &slice, &unit, &err);

  ok (r == 0, "'%s'%s parses", in ? in : "(null)", rootless ? " (rootless)" : "");
  if (err)
    printf ("#   error: %s\n", err->msg);
  is_str (slice, want_slice, "'%s': slice", in ? in : "(null)");
  is_str (unit, want_unit, "'%s': unit", in ? in : "(null)");
  berr_clear (&err);
}

/* want: a part of the message that names the problem */
static void
parse_fails (const char *in, const char *want)
{
  cleanup_free char *slice = NULL, *unit = NULL;
  berr_t *err = NULL;
  int r = cgroup_systemd_parse_path (in, "c1", false, &slice, &unit, &err);

  ok (r < 0 && slice == NULL && unit == NULL, "'%s' is refused", in);
  ok (err && strstr (err->msg, want) && strstr (err->msg, "linux.cgroupsPath"),
      "'%s': the error names the path and says '%s'", in, want);
  if (err)
    printf ("#   %s\n", err->msg);
  berr_clear (&err);
}

static void
slice_path (const char *slice, const char *want)
{
  cleanup_free char *p = cgroup_systemd_slice_path (slice);
  is_str (p, want, "slice '%s' is at '%s'", slice, want ? want : "(invalid)");
}

/* Under systemd as root (the test VM's `vm-run --systemd`): a real scope
 * with a child in it, then stopped. */
static void
test_live_scope (void)
{
  cleanup_free char *cgpath = NULL, *procfile = NULL, *line = NULL, *want = NULL, *id = NULL;
  char *scope = NULL, *path = NULL, *scope2 = NULL, *path2 = NULL;
  berr_t *err = NULL;
  pid_t child;
  int r, st;

  child = fork ();
  if (child == 0)
    {
      pause ();
      _exit (0);
    }
  id = xasprintf ("unit%d", (int)getpid ());
  r = cgroup_systemd_create ("", id, child, &scope, &path, &err);
  ok (r == 0, "create a scope for pid %d", (int)child);
  if (err)
    printf ("#   %s\n", err->msg);
  berr_clear (&err);
  want = xasprintf ("berth-%s.scope", id);
  is_str (scope, want, "the scope is berth-<id>.scope");
  free (want);
  want = xasprintf ("/system.slice/berth-%s.scope", id);
  is_str (path, want, "its cgroup is /system.slice/berth-<id>.scope");
  procfile = xasprintf ("/proc/%d/cgroup", (int)child);
  if (util_read_file (procfile, &line, NULL, &err) == 0)
    {
      free (want);
      want = xasprintf ("0::/system.slice/berth-%s.scope\n", id);
      is_str (line, want, "the child's /proc/PID/cgroup is in the scope");
    }
  else
    ok (0, "read %s", procfile);
  berr_clear (&err);
  cgpath = xasprintf ("%s%s/cgroup.controllers", CGROUP_ROOT, path ? path : "/nonexistent");
  ok (access (cgpath, F_OK) == 0, "%s exists", cgpath);

  r = cgroup_systemd_create ("", id, child, &scope2, &path2, &err);
  ok (r < 0 && err && strstr (err->msg, "already exists"), "a second scope of that name: 'already exists'");
  if (err)
    printf ("#   %s\n", err->msg);
  berr_clear (&err);

  r = cgroup_systemd_destroy (scope, &err);
  ok (r == 0, "destroy the scope");
  if (err)
    printf ("#   %s\n", err->msg);
  berr_clear (&err);
  ok (access (cgpath, F_OK) != 0, "its cgroup is gone");
  ok (waitpid (child, &st, 0) == child && WIFSIGNALED (st) && WTERMSIG (st) == SIGTERM,
      "stopping the scope killed the child (SIGTERM)");
  r = cgroup_systemd_destroy (scope, &err);
  ok (r == 0, "destroy again: a scope that is gone is success");
  berr_clear (&err);
  free (scope);
  free (path);
}

int
main (void)
{
  /* runc's defaults: system.slice for root, user.slice rootless */
  parse_ok ("", false, "system.slice", "berth-c1.scope");
  parse_ok (NULL, false, "system.slice", "berth-c1.scope");
  parse_ok ("", true, "user.slice", "berth-c1.scope");
  parse_ok ("system.slice:docker:1234", false, "system.slice", "docker-1234.scope");
  parse_ok ("machine-pods.slice:libpod:abc", false, "machine-pods.slice", "libpod-abc.scope");
  parse_ok (":crio:x1", false, "system.slice", "crio-x1.scope");
  parse_ok (":crio:x1", true, "user.slice", "crio-x1.scope");
  parse_ok ("user.slice:berth:", false, "user.slice", "berth-c1.scope");
  parse_ok ("-.slice::plain", false, "-.slice", "plain.scope");
  parse_ok ("a-b-c.slice:p:n_1.x", false, "a-b-c.slice", "p-n_1.x.scope");

  parse_fails ("/berth/c1", "wants \"slice:prefix:name\"");
  parse_fails ("system.slice:c1", "wants \"slice:prefix:name\"");
  parse_fails ("system.slice:a:b:c", "wants \"slice:prefix:name\"");
  parse_fails ("system:berth:c1", "'system' is not a systemd slice name");
  parse_fails ("system.slice/sub.slice:berth:c1", "is not a systemd slice name");
  parse_fails ("-a.slice:berth:c1", "is not a systemd slice name");
  parse_fails ("a--b.slice:berth:c1", "is not a systemd slice name");
  parse_fails ("a-.slice:berth:c1", "is not a systemd slice name");
  parse_fails (".slice:berth:c1", "is not a systemd slice name");
  parse_fails ("system.slice:berth:pod.slice", "name 'pod.slice' is a slice");
  parse_fails ("system.slice:be rth:c1", "prefix 'be rth': ' ' is not allowed");
  parse_fails ("system.slice:berth:c/1", "name 'c/1': '/' is not allowed");
  {
    char longp[300];
    memset (longp, 'x', sizeof longp - 1);
    longp[0] = ':';
    longp[1] = 'p';
    longp[2] = ':';
    longp[sizeof longp - 1] = '\0';
    parse_fails (longp, "is longer than 255 characters");
  }

  slice_path ("-.slice", "/");
  slice_path ("system.slice", "/system.slice");
  slice_path ("machine-pods.slice", "/machine.slice/machine-pods.slice");
  slice_path ("a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice");
  slice_path ("system", NULL);
  slice_path ("a/b.slice", NULL);

  /* Where systemd is not PID 1 (this host), create fails and says why. */
  if (access ("/run/systemd/system", F_OK) != 0)
    {
      berr_t *err = NULL;
      char *scope = (char *)"x", *path = (char *)"x";
      int r = cgroup_systemd_create ("", "c1", getpid (), &scope, &path, &err);

      ok (r < 0 && scope == NULL && path == NULL, "no systemd: create fails and returns nothing");
      ok (err && (strstr (err->msg, "systemd") != NULL), "no systemd: the error says systemd");
      if (err)
        printf ("#   %s\n", err->msg);
      berr_clear (&err);
    }
  else if (geteuid () == 0)
    test_live_scope ();
  else
    diag ("systemd runs here but we are not root: no live scope test");
  return tap_done ();
}
