/* berth - every write berth makes into /proc goes through here.
 *
 * The container's configuration chooses its mounts, and a container process
 * may race berth: a bind or tmpfs over /proc/sys, /proc/<pid> or /proc
 * itself would redirect berth's writes (sysctls, oom_score_adj, id maps,
 * LSM attributes) to files the container controls, or to a host file it
 * bound there (the procfs-redirection class of runc's CVE-2025-52881).  So
 * the root is verified to be a procfs root (statfs magic and root inode),
 * cloned without its submounts when we may, and every lookup below it uses
 * openat2 with RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS, and the file opened
 * is checked to be on procfs again. */
#include <config.h>

#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* fs/proc/root.c: the root directory of every procfs instance. */
#define PROC_ROOT_INO 1

static bool
on_procfs (int fd)
{
  struct statfs sfs;
  return fstatfs (fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

static int
verify_root (int fd, berr_t **err)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return berr_make (err, errno, "stat '/proc'");
  if (!on_procfs (fd) || st.st_ino != PROC_ROOT_INO || !S_ISDIR (st.st_mode))
    return berr_make (err, EXDEV, "'/proc' is not the root of a procfs mount");
  return 0;
}

int
procfs_open_root (berr_t **err)
{
  int fd;

  /* A detached clone of just the /proc mount: what is mounted on top of
   * /proc/sys (or any other part) is not in it.  Needs CAP_SYS_ADMIN over
   * our mount namespace; without it RESOLVE_NO_XDEV still refuses to walk
   * into such a mount. */
  fd = (int)syscall (SYS_open_tree, AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0)
    fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "open '/proc'");
  if (verify_root (fd, err) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static int
open_beneath (int root, const char *name, int flags)
{
  struct open_how how = {
    .flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd = (int)syscall (SYS_openat2, root, name, &how, sizeof (how));

  /* Kernels before 5.6: no openat2; O_NOFOLLOW and the check on the result
   * are what is left. */
  if (fd < 0 && errno == ENOSYS)
    fd = openat (root, name, flags | O_CLOEXEC | O_NOFOLLOW);
  return fd;
}

/* "self/x" and "thread-self/x" are symlinks, which the lookup refuses:
 * ask this procfs instance what they point to (our pid as it numbers it). */
static char *
resolve_self (int root, const char *name)
{
  size_t k = strcspn (name, "/");
  cleanup_free char *first = xstrndup (name, k);
  char buf[64];
  ssize_t n;

  if (name[k] != '/' || (strcmp (first, "self") != 0 && strcmp (first, "thread-self") != 0))
    return xstrdup (name);
  n = readlinkat (root, first, buf, sizeof (buf) - 1);
  if (n <= 0)
    return xasprintf ("%d/%s", (int)getpid (), name + k + 1);
  buf[n] = '\0';
  return xasprintf ("%s/%s", buf, name + k + 1);
}

int
procfs_open_file (const char *name, int flags, berr_t **err)
{
  cleanup_close int root = procfs_open_root (err);
  cleanup_free char *rel = NULL;
  int fd;

  if (root < 0)
    return -1;
  rel = resolve_self (root, name);
  fd = open_beneath (root, rel, flags);
  if (fd < 0)
    {
      if (errno == EXDEV || errno == ELOOP)
        return berr_make (err, errno, "open '/proc/%s' (something is mounted or linked over it)", name);
      return berr_make (err, errno, "open '/proc/%s'", name);
    }
  if (!on_procfs (fd))
    {
      close (fd);
      return berr_make (err, EXDEV, "'/proc/%s' is not on procfs", name);
    }
  return fd;
}

int
procfs_open_pid_file (pid_t pid, const char *name, int flags, berr_t **err)
{
  cleanup_free char *path = NULL;

  if (pid > 0)
    path = xasprintf ("%d/%s", (int)pid, name);
  else
    path = xasprintf ("self/%s", name);
  return procfs_open_file (path, flags, err);
}

int
procfs_write_pid_file (pid_t pid, const char *name, const char *data, berr_t **err)
{
  cleanup_close int fd = procfs_open_pid_file (pid, name, O_WRONLY, err);
  size_t len = strlen (data);
  ssize_t n;

  if (fd < 0)
    return -1;
  do
    n = write (fd, data, len);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t)len)
    {
      if (pid > 0)
        return berr_make (err, n < 0 ? errno : EIO, "write '/proc/%d/%s'", (int)pid, name);
      return berr_make (err, n < 0 ? errno : EIO, "write '/proc/self/%s'", name);
    }
  return 0;
}
