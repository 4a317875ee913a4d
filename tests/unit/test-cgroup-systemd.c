/* Unit tests for the systemd cgroup driver's cgroupsPath rules
 * (src/runtime/cgroup-systemd.c): "slice:prefix:name" -> slice + scope
 * name, the defaults, slice nesting, and the errors for bad input.  And,
 * on a host where systemd is not PID 1, the error for an unreachable
 * systemd. */
#include <config.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

static void
file_is (const char *cgpath, const char *file, const char *want, const char *when)
{
  cleanup_free char *p = xasprintf ("%s%s/%s", CGROUP_ROOT, cgpath ? cgpath : "/nonexistent", file);
  cleanup_free char *got = NULL;
  berr_t *err = NULL;

  if (util_read_file (p, &got, NULL, &err) == 0 && *got && got[strlen (got) - 1] == '\n')
    got[strlen (got) - 1] = '\0';
  is_str (got, want, "%s: %s is '%s'", when, file, want);
  berr_clear (&err);
}

/* The limits set as properties are what systemd writes, and survive a
 * daemon-reload (which rewrites every unit's cgroup files). */
static void
test_properties (const char *scope, const char *cgpath)
{
  struct cgroup cg = CGROUP_INIT;
  cleanup_free char *full = xasprintf ("%s%s", CGROUP_ROOT, cgpath ? cgpath : "/nonexistent");
  char weight[32];
  oci_linux_memory mem = { .limit = 64 << 20, .limit_present = true };
  oci_linux_pids pids = { .limit = 42, .limit_present = true };
  oci_linux_cpu cpu = { .quota = 33333,
                        .quota_present = true,
                        .period = 100000,
                        .period_present = true,
                        .shares = 512,
                        .shares_present = true,
                        .cpus = (char *)"0" };
  oci_linux_resources res = { .memory = &mem, .pids = &pids, .cpu = &cpu };
  berr_t *err = NULL;
  int i;

  cg.scope = (char *)scope;
  cg.path = (char *)cgpath;
  cg.dirfd = open (full, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  snprintf (weight, sizeof weight, "%llu", (unsigned long long)cgroup_shares_to_weight (512));
  ok (cgroup_systemd_set_resources (&cg, &res, &err) == 0, "set the scope's resource properties");
  if (err)
    printf ("#   %s\n", err->msg);
  berr_clear (&err);
  for (i = 0; i < 2; i++)
    {
      const char *when = i ? "after daemon-reload" : "set";
      file_is (cgpath, "memory.max", "67108864", when);
      file_is (cgpath, "pids.max", "42", when);
      /* systemd keeps 34 % (rounded up), the exact value is ours */
      file_is (cgpath, "cpu.max", i ? "34000 100000" : "33333 100000", when);
      file_is (cgpath, "cpu.weight", weight, when);
      file_is (cgpath, "cpuset.cpus", "0", when);
      if (i == 0)
        ok (system ("systemctl daemon-reload") == 0, "systemctl daemon-reload");
    }
  mem.limit = -1;
  pids.limit = -1;
  cpu.quota = -1;
  cpu.shares_present = false;
  cpu.period_present = false;
  cpu.cpus = NULL;
  ok (cgroup_systemd_set_resources (&cg, &res, &err) == 0, "set them back to no limit");
  berr_clear (&err);
  file_is (cgpath, "memory.max", "max", "unset");
  file_is (cgpath, "pids.max", "max", "unset");
  file_is (cgpath, "cpu.max", "max 100000", "unset");
  close (cg.dirfd);
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

  test_properties (scope, path);

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

/* open_scope: the scope exists before the "init" (a child moved in as
 * CLONE_INTO_CGROUP would put it) and outlives the holder's release. */
static void
test_open_scope (void)
{
  struct cgroup cg = CGROUP_INIT;
  cleanup_free char *id = xasprintf ("hold%d", (int)getpid ());
  cleanup_free char *procs = NULL, *again = NULL;
  berr_t *err = NULL;
  char buf[32];
  pid_t child;
  int fd, st;

  ok (cgroup_systemd_open_scope ("system.slice:berth:", id, &cg, &err) == 0, "open_scope: created");
  if (err)
    printf ("#   %s\n", err->msg);
  berr_clear (&err);
  ok (cg.dirfd >= 0 && cg.scope && !cg.owned, "open_scope: an open scope directory, not ours to remove");
  ok (util_read_file_at (cg.dirfd, "cgroup.procs", &procs, NULL, &err) == 0 && *procs,
      "open_scope: the holder is in the scope");
  berr_clear (&err);
  child = fork ();
  if (child == 0)
    {
      pause ();
      _exit (0);
    }
  fd = openat (cg.dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
  snprintf (buf, sizeof buf, "%d", (int)child);
  ok (fd >= 0 && write (fd, buf, strlen (buf)) > 0, "open_scope: a process joins the scope");
  if (fd >= 0)
    close (fd);
  cgroup_systemd_release_holder ();
  usleep (300000);
  ok (util_read_file_at (cg.dirfd, "cgroup.procs", &again, NULL, &err) == 0 && again
        && strtol (again, NULL, 10) == child && strchr (again, '\n') == again + strlen (again) - 1,
      "open_scope: after the release only that process is left in the scope");
  berr_clear (&err);
  ok (cgroup_systemd_destroy (cg.scope, &err) == 0, "open_scope: destroy");
  berr_clear (&err);
  usleep (300000);
  ok (waitpid (child, &st, WNOHANG) == child && WIFSIGNALED (st),
      "open_scope: the process was killed with the scope");
  kill (child, SIGKILL);
  waitpid (child, NULL, WNOHANG);
  cgroup_clear (&cg);
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
    {
      test_live_scope ();
      test_open_scope ();
      /* the same without a system bus: systemd's private socket */
      diag ("again through /run/systemd/private (DBUS_SYSTEM_BUS_ADDRESS points nowhere)");
      setenv ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus", 1);
      test_live_scope ();
    }
  else
    diag ("systemd runs here but we are not root: no live scope test");
  return tap_done ();
}
