/* berth - `berth list`: every container under the state root in one pass.
 *
 * With a thousand containers the cost is almost all system calls, so each
 * container costs one fstatat (its directory: owner, not a symlink), one
 * openat2 + read + close of state.json, and nothing else while its recorded
 * pid is not a live process.  Liveness: one scan of /proc, made after every
 * state.json was read (a pid recorded later than the scan cannot be missed),
 * rules out the dead pids; a pid the scan saw still goes through
 * state_process_alive's start-time check, so a reused pid shows "stopped". */
#include <config.h>

#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* Below this many recorded pids, reading /proc/PID/stat for each is
 * cheaper than listing /proc. */
#define PROC_SCAN_MIN 16

struct pidset
{
  pid_t *v;
  size_t n;
};

static int
cmp_pid (const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return x < y ? -1 : x > y;
}

/* The processes (thread-group leaders) /proc shows now; false if /proc
 * cannot be listed (then nothing is ruled out). */
static bool
pidset_scan (struct pidset *ps)
{
  int fd = open ("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;
  size_t cap = 0;

  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return false;
    }
  while ((de = readdir (d)) != NULL)
    {
      char *end;
      long pid;
      if (de->d_name[0] < '1' || de->d_name[0] > '9')
        continue;
      pid = strtol (de->d_name, &end, 10);
      if (*end != '\0' || pid <= 0)
        continue;
      if (ps->n == cap)
        {
          cap = cap ? cap * 2 : 512;
          ps->v = xrealloc (ps->v, cap * sizeof (pid_t));
        }
      ps->v[ps->n++] = (pid_t)pid;
    }
  closedir (d);
  qsort (ps->v, ps->n, sizeof (pid_t), cmp_pid);
  return true;
}

static bool
pidset_has (pid_t pid, void *data)
{
  const struct pidset *ps = data;
  return bsearch (&pid, ps->v, ps->n, sizeof (pid_t), cmp_pid) != NULL;
}

static int
open_state_file (int rootfd, const char *id)
{
  static bool no_openat2;
  struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
                          .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  char path[1100 + sizeof (STATE_FILE)];
  cleanup_close int dirfd = -1;
  int fd;

  if (!no_openat2)
    {
      snprintf (path, sizeof (path), "%s/" STATE_FILE, id);
      fd = (int)syscall (SYS_openat2, rootfd, path, &how, sizeof (how));
      if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
        return fd;
      no_openat2 = true;
    }
  dirfd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0)
    return -1;
  return openat (dirfd, STATE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}

/* state.json into buf, or into *heap when it does not fit; -1 with errno. */
static ssize_t
read_state_file (int rootfd, const char *id, char *buf, size_t size, char **heap)
{
  cleanup_close int fd = open_state_file (rootfd, id);
  size_t n = 0, cap = size;
  char *p = buf;

  if (fd < 0)
    return -1;
  for (;;)
    {
      ssize_t r = read (fd, p + n, cap - n - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      n += (size_t)r;
      /* state.json is a regular file replaced by rename, never written in
       * place: a short read is its end, no need for a read that returns 0. */
      if (r == 0 || n < cap - 1)
        break;
      cap *= 2;
      if (p == buf)
        {
          *heap = xmalloc (cap);
          memcpy (*heap, buf, n);
        }
      else
        *heap = xrealloc (*heap, cap);
      p = *heap;
    }
  p[n] = '\0';
  return (ssize_t)n;
}

/* 1: loaded; 0: gone or not a container directory (skip it). */
static int
load_one (int rootfd, const char *id, struct container_state *st, berr_t **err)
{
  cleanup_free char *heap = NULL;
  char buf[8192];
  struct stat sb;
  ssize_t n;

  if (fstatat (rootfd, id, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (sb.st_mode))
    return 0;
  memset (st, 0, sizeof (*st));
  st->id = xstrdup (id);
  st->owner = state_owner_name (sb.st_uid);
  n = read_state_file (rootfd, id, buf, sizeof (buf), &heap);
  if (n < 0)
    /* No state.json yet: a container being created (as state_read says). */
    return errno == ENOENT ? 1 : 0;
  if (state_parse (heap ? heap : buf, (size_t)n, id, st, err) < 0)
    return -1;
  return 1;
}

int
state_list_load (int rootfd, struct container_state **sts, enum container_status **ss, size_t *n,
                 berr_t **err)
{
  cleanup_strv char **ids = NULL;
  struct pidset live = { NULL, 0 };
  bool scanned = false;
  size_t len, i, k = 0, pids = 0;

  *sts = NULL;
  *ss = NULL;
  *n = 0;
  if (state_list_ids (rootfd, &ids, &len, err) < 0)
    return -1;
  if (len == 0)
    return 0;
  *sts = xzalloc (len * sizeof (**sts));
  *ss = xzalloc (len * sizeof (**ss));
  for (i = 0; i < len; i++)
    {
      berr_t *ignored = NULL;
      int r = load_one (rootfd, ids[i], &(*sts)[k], &ignored);
      /* A corrupt state.json hides that container, as runc does. */
      if (r < 0)
        state_clear (&(*sts)[k]);
      else if (r > 0)
        pids += (*sts)[k++].pid > 0;
      berr_free (ignored);
    }
  if (pids >= PROC_SCAN_MIN)
    scanned = pidset_scan (&live);
  for (i = 0; i < k; i++)
    {
      char fifo[1100 + sizeof (STATE_EXEC_FIFO)];
      snprintf (fifo, sizeof (fifo), "%s/" STATE_EXEC_FIFO, (*sts)[i].id);
      (*ss)[i] = state_status_at (rootfd, fifo, &(*sts)[i], scanned ? pidset_has : NULL, &live);
    }
  free (live.v);
  *n = k;
  return 0;
}

void
state_list_free (struct container_state *sts, enum container_status *ss, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    state_clear (&sts[i]);
  free (sts);
  free (ss);
}
