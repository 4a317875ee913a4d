/* Unit tests for src/runtime/procfs.c: the verified /proc handle opens real
 * procfs files, refuses symlinks and anything that is not on procfs, and
 * writes a whole buffer in one write(). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"
#include "tap.h"
#include "util.h"

static void
test_root (void)
{
  berr_t *err = NULL;
  int fd = procfs_open_root (&err);
  struct stat st;

  ok (fd >= 0, "/proc is a procfs root");
  ok (fd >= 0 && fstat (fd, &st) == 0 && st.st_ino == 1, "the handle is the root inode");
  if (fd >= 0)
    close (fd);
  berr_clear (&err);
}

static void
test_open (void)
{
  berr_t *err = NULL;
  char buf[64] = "";
  int fd;

  fd = procfs_open_file ("sys/kernel/ostype", O_RDONLY, &err);
  ok (fd >= 0 && read (fd, buf, sizeof (buf) - 1) > 0 && strncmp (buf, "Linux", 5) == 0,
      "sys/kernel/ostype reads Linux");
  if (fd >= 0)
    close (fd);
  berr_clear (&err);

  fd = procfs_open_pid_file (0, "status", O_RDONLY, &err);
  ok (fd >= 0, "self/status of the caller opens");
  if (fd >= 0)
    close (fd);
  berr_clear (&err);

  fd = procfs_open_file ("self/cwd/etc", O_RDONLY, &err);
  ok (fd < 0, "a path through a magic link (self/cwd) is refused");
  ok (err && strstr (err->msg, "/proc/self/cwd/etc") != NULL, "the error names the path");
  berr_clear (&err);

  fd = procfs_open_file ("no-such-file", O_RDONLY, &err);
  ok (fd < 0 && err && err->status == ENOENT, "a missing file fails with ENOENT");
  berr_clear (&err);
}

static void
test_write (void)
{
  berr_t *err = NULL;
  char buf[32];
  cleanup_free char *got = NULL;
  int r;

  /* our own oom_score_adj: raising it needs no privilege */
  snprintf (buf, sizeof (buf), "%d", 10);
  r = procfs_write_pid_file (getpid (), "oom_score_adj", buf, &err);
  ok (r == 0, "write /proc/PID/oom_score_adj");
  berr_clear (&err);
  ok (util_read_file ("/proc/self/oom_score_adj", &got, NULL, &err) == 0 && strncmp (got, "10", 2) == 0,
      "the value arrived");
  berr_clear (&err);

  r = procfs_write_pid_file (0, "no-such-file", "x", &err);
  ok (r < 0 && err && strstr (err->msg, "/proc/self/no-such-file") != NULL, "a failed write names the file");
  berr_clear (&err);
}

int
main (void)
{
  test_root ();
  test_open ();
  test_write ();
  return tap_done ();
}
