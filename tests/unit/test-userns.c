/* Unit tests for src/runtime/userns.c: a user namespace descriptor carries
 * exactly the maps asked for, an unprivileged caller's larger maps go to
 * newuidmap and its refusal reaches the error, and the rootless switch.
 * Needs root (exit 77 otherwise): it creates user namespaces and drops to
 * an unprivileged uid in a child. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci-spec.h"
#include "tap.h"
#include "userns.h"
#include "util.h"

#define NOBODY 65534

/* The text of /proc/self/FILE after joining the namespace fd refers to, as
 * seen by a child (setns(CLONE_NEWUSER) needs a single-threaded process,
 * and the test itself must stay where it is). */
static char *
map_seen_inside (int fd, const char *file)
{
  char buf[256] = { 0 };
  int p[2];
  pid_t pid;
  ssize_t n;

  if (pipe (p) < 0)
    return NULL;
  pid = fork ();
  if (pid == 0)
    {
      char path[64];
      cleanup_free char *data = NULL;
      size_t len;
      berr_t *err = NULL;

      close (p[0]);
      snprintf (path, sizeof (path), "/proc/self/%s", file);
      if (setns (fd, CLONE_NEWUSER) < 0 || util_read_file (path, &data, &len, &err) < 0)
        _exit (1);
      util_write_all (p[1], data, len, &err);
      _exit (0);
    }
  close (p[1]);
  n = util_read_all (p[0], buf, sizeof (buf) - 1);
  close (p[0]);
  waitpid (pid, NULL, 0);
  return n > 0 ? xstrdup (buf) : NULL;
}

/* Squeeze the columns of a map line: "0 100000 10\n". */
static char *
squeeze (char *s)
{
  char *r = s, *w = s;
  bool space = false;

  for (; s && *s; s++)
    {
      if (*s == ' ' || *s == '\t')
        {
          space = w != r && w[-1] != '\n';
          continue;
        }
      if (space && *s != '\n')
        *w++ = ' ';
      space = false;
      *w++ = *s;
    }
  if (w)
    *w = '\0';
  return r;
}

static void
test_fd_with_maps (void)
{
  oci_linux_id_mapping u0 = { .container_id = 0, .host_id = 100000, .size = 10 };
  oci_linux_id_mapping u1 = { .container_id = 1000, .host_id = 300000, .size = 1 };
  oci_linux_id_mapping g0 = { .container_id = 0, .host_id = 200000, .size = 5 };
  oci_linux_id_mapping *uid[] = { &u0, &u1 }, *gid[] = { &g0 };
  struct userns_maps m = { uid, 2, gid, 1 };
  berr_t *err = NULL;
  char *seen;
  int fd;

  fd = userns_fd_with_maps (&m, &err);
  ok (fd >= 0, "a user namespace with two uid ranges and one gid range");
  if (err)
    diag (err->msg);
  berr_clear (&err);
  if (fd < 0)
    return;
  seen = squeeze (map_seen_inside (fd, "uid_map"));
  is_str (seen, "0 100000 10\n1000 300000 1\n", "its uid_map is the one asked for");
  free (seen);
  seen = squeeze (map_seen_inside (fd, "gid_map"));
  is_str (seen, "0 200000 5\n", "its gid_map too");
  free (seen);
  close (fd);
}

/* As uid/gid NOBODY, which has no /etc/subuid range: mapping anything but
 * its own uid goes through newuidmap, which refuses; the error says so. */
static void
test_unprivileged_refused (void)
{
  oci_linux_id_mapping u0 = { .container_id = 0, .host_id = 1, .size = 10 };
  oci_linux_id_mapping g0 = { .container_id = 0, .host_id = NOBODY, .size = 1 };
  oci_linux_id_mapping *uid[] = { &u0 }, *gid[] = { &g0 };
  struct userns_maps m = { uid, 1, gid, 1 };
  char buf[512] = { 0 };
  int p[2];
  pid_t pid;

  if (pipe (p) < 0)
    return;
  pid = fork ();
  if (pid == 0)
    {
      berr_t *err = NULL;
      int fd;

      close (p[0]);
      if (setgroups (0, NULL) < 0 || setresgid (NOBODY, NOBODY, NOBODY) < 0
          || setresuid (NOBODY, NOBODY, NOBODY) < 0)
        _exit (2);
      fd = userns_fd_with_maps (&m, &err);
      if (fd >= 0 || err == NULL)
        _exit (1);
      util_write_all (p[1], err->msg, strlen (err->msg), &err);
      _exit (0);
    }
  close (p[1]);
  util_read_all (p[0], buf, sizeof (buf) - 1);
  close (p[0]);
  waitpid (pid, NULL, 0);
  ok (strstr (buf, "newuidmap") != NULL, "an unprivileged range beyond its own uid goes to newuidmap: %s",
      buf);
}

static void
test_rootless_flag (void)
{
  ok (userns_is_rootless ("true"), "--rootless true");
  ok (!userns_is_rootless ("false"), "--rootless false");
  ok (userns_is_rootless ("auto") == (geteuid () != 0 || !userns_in_initial ()),
      "--rootless auto: not root, or not in the initial user namespace");
  ok (userns_is_rootless (NULL) == userns_is_rootless ("auto"), "no flag is auto");
}

int
main (void)
{
  if (geteuid () != 0)
    {
      printf ("1..0 # SKIP needs root\n");
      return 77;
    }
  test_fd_with_maps ();
  test_unprivileged_refused ();
  test_rootless_flag ();
  return tap_done ();
}
