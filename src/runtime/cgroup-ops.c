/* berth - operations on a container's live cgroup: freeze and thaw
 * (cgroup.freeze, confirmed through cgroup.events), signalling every
 * process in it, and listing them.
 *
 * A container's processes may sit in sub-cgroups it made itself (systemd in
 * a container, exec --cgroup), so kill and pids walk the whole subtree.
 * Everything goes through cg->dirfd: the path in the state file is only
 * used to name the cgroup in errors. */
#include <config.h>

#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

/* How long freeze/thaw waits for cgroup.events to agree.  A task in an
 * uninterruptible sleep (D state, e.g. on a hung NFS server) cannot freeze
 * until it wakes; runc gives up after 10 s as well. */
#define FREEZE_TIMEOUT_MS 10000
/* cgroup.events raises POLLPRI on change; the cap guards against a missed
 * wake-up. */
#define FREEZE_POLL_MS 100

/* Depth limit for the subtree walk: the kernel's own default
 * (cgroup.max.depth) is unlimited, but a container needing more than this
 * is broken, and the limit keeps the recursion bounded. */
#define WALK_MAX_DEPTH 64

static const char *
cg_name (const struct cgroup *cg)
{
  return cg->path ? cg->path : "(none)";
}

static int
require_cgroup (const struct cgroup *cg, berr_t **err)
{
  if (cg->dirfd < 0)
    return berr_make (err, 0, "no cgroup%s%s%s", cg->path ? " '" : "", cg->path ? cg->path : "",
                      cg->path ? "'" : "");
  return 0;
}

/* The value of "key N" in a flat-keyed cgroup file read from fd (from the
 * start); -1 when the key is missing or the read fails. */
static long long
keyed_value_fd (int fd, const char *key)
{
  char buf[4096], *line, *save = NULL;
  size_t klen = strlen (key);
  ssize_t n;

  n = pread (fd, buf, sizeof (buf) - 1, 0);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (strncmp (line, key, klen) == 0 && line[klen] == ' ')
      return strtoll (line + klen + 1, NULL, 10);
  return -1;
}

static long long
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until cgroup.events says "frozen <want>". */
static int
wait_frozen (const struct cgroup *cg, int want, berr_t **err)
{
  cleanup_close int fd = openat (cg->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  long long deadline = now_ms () + FREEZE_TIMEOUT_MS, left;
  struct pollfd pfd;

  if (fd < 0)
    return berr_make (err, errno, "open '%s/cgroup.events'", cg_name (cg));
  for (;;)
    {
      long long v = keyed_value_fd (fd, "frozen");
      if (v < 0)
        return berr_make (err, errno, "read 'frozen' of '%s/cgroup.events'", cg_name (cg));
      if (v == want)
        return 0;
      left = deadline - now_ms ();
      if (left <= 0)
        return berr_make (err, 0, "cgroup '%s' not %s after %d s (a process in uninterruptible sleep?)",
                          cg_name (cg), want ? "frozen" : "thawed", FREEZE_TIMEOUT_MS / 1000);
      pfd = (struct pollfd){ .fd = fd, .events = POLLPRI };
      if (poll (&pfd, 1, left < FREEZE_POLL_MS ? (int)left : FREEZE_POLL_MS) < 0 && errno != EINTR)
        return berr_make (err, errno, "poll '%s/cgroup.events'", cg_name (cg));
    }
}

static int
write_freeze (const struct cgroup *cg, bool freeze, berr_t **err)
{
  cleanup_close int fd = openat (cg->dirfd, "cgroup.freeze", O_WRONLY | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT)
    return berr_make (err, 0,
                      "cgroup '%s' has no cgroup.freeze: the kernel's cgroup v2 freezer (5.2+) is missing",
                      cg_name (cg));
  if (fd < 0)
    return berr_make (err, errno, "open '%s/cgroup.freeze'", cg_name (cg));
  if (write (fd, freeze ? "1" : "0", 1) != 1)
    return berr_make (err, errno, "write %d to '%s/cgroup.freeze'", freeze ? 1 : 0, cg_name (cg));
  return 0;
}

int
cgroup_freeze (const struct cgroup *cg, bool freeze, berr_t **err)
{
  if (require_cgroup (cg, err) < 0 || write_freeze (cg, freeze, err) < 0)
    return -1;
  if (wait_frozen (cg, freeze ? 1 : 0, err) == 0)
    return 0;
  /* A freeze that did not complete is undone: the container stays usable
   * and its status does not say "paused" while half of it runs. */
  if (freeze)
    write_freeze (cg, false, NULL);
  return -1;
}

int
cgroup_frozen (const struct cgroup *cg)
{
  cleanup_close int fd = -1;
  long long v;

  if (cg->dirfd < 0)
    return -1;
  fd = openat (cg->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  v = keyed_value_fd (fd, "frozen");
  return v < 0 ? -1 : v > 0;
}

/* ---- the subtree's processes ------------------------------------------ */

struct pid_vec
{
  pid_t *v;
  size_t n, cap;
};

static void
pid_vec_add (struct pid_vec *p, pid_t pid)
{
  if (p->n == p->cap)
    {
      p->cap = p->cap ? p->cap * 2 : 16;
      p->v = xrealloc (p->v, p->cap * sizeof (pid_t));
    }
  p->v[p->n++] = pid;
}

/* cgroup.procs of one cgroup (cgroup.threads in a threaded cgroup, where
 * cgroup.procs is EOPNOTSUPP: kill() of a thread id reaches its process).
 * A sub-cgroup removed while we walk is empty, not an error. */
static int
read_procs (int dirfd, const char *name, int depth, struct pid_vec *out, berr_t **err)
{
  cleanup_free char *data = NULL;
  cleanup_berr berr_t *e = NULL;
  char *line, *save = NULL;

  if (util_read_file_at (dirfd, "cgroup.procs", &data, NULL, &e) < 0 && e->status == EOPNOTSUPP)
    {
      berr_clear (&e);
      util_read_file_at (dirfd, "cgroup.threads", &data, NULL, &e);
    }
  if (e && depth > 0 && (e->status == ENOENT || e->status == ENODEV))
    return 0;
  if (e)
    {
      berr_make (err, 0, "cgroup '%s': %s", name, e->msg);
      if (err && *err)
        (*err)->status = e->status;
      return -1;
    }
  for (line = strtok_r (data, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      long v;
      if (util_parse_long (line, &v) == 0 && v > 0)
        pid_vec_add (out, (pid_t)v);
    }
  return 0;
}

static int
walk_pids (int dirfd, const char *name, int depth, struct pid_vec *out, berr_t **err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int fd;

  if (read_procs (dirfd, name, depth, out, err) < 0)
    return -1;
  if (depth >= WALK_MAX_DEPTH)
    return berr_make (err, 0, "cgroup '%s': sub-cgroups nested more than %d deep", name, WALK_MAX_DEPTH);
  fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return berr_make (err, errno, "list cgroup '%s'", name);
    }
  while ((errno = 0, de = readdir (d)) != NULL)
    {
      cleanup_close int sub = -1;
      cleanup_free char *subname = NULL;

      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      sub = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (sub < 0 && errno == ENOENT) /* removed meanwhile */
        continue;
      subname = xasprintf ("%s/%s", name, de->d_name);
      if (sub < 0)
        return berr_make (err, errno, "open cgroup '%s'", subname);
      if (walk_pids (sub, subname, depth + 1, out, err) < 0)
        return -1;
    }
  if (errno != 0)
    return berr_make (err, errno, "list cgroup '%s'", name);
  return 0;
}

static int
cmp_pid (const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

int
cgroup_pids (const struct cgroup *cg, pid_t **pids, size_t *n, berr_t **err)
{
  struct pid_vec out = { NULL, 0, 0 };

  *pids = NULL;
  *n = 0;
  if (require_cgroup (cg, err) < 0)
    return -1;
  if (walk_pids (cg->dirfd, cg_name (cg), 0, &out, err) < 0)
    {
      free (out.v);
      return -1;
    }
  if (out.n > 1)
    qsort (out.v, out.n, sizeof (pid_t), cmp_pid);
  *pids = out.v;
  *n = out.n;
  return 0;
}

/* ---- kill -------------------------------------------------------------- */

/* cgroup.kill (Linux 5.14+) SIGKILLs the whole subtree atomically, frozen
 * tasks included, and races with no fork.  1: done, 0: the kernel has no
 * cgroup.kill. */
static int
kill_with_cgroup_kill (const struct cgroup *cg, berr_t **err)
{
  cleanup_close int fd = openat (cg->dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT)
    return 0;
  if (fd < 0)
    return berr_make (err, errno, "open '%s/cgroup.kill'", cg_name (cg));
  if (write (fd, "1", 1) != 1)
    return berr_make (err, errno, "write '%s/cgroup.kill'", cg_name (cg));
  return 1;
}

/* Signal the pids one by one.  The cgroup is frozen meanwhile so that no
 * process forks a child we would miss, then put back as it was: a paused
 * container stays paused (its processes see a non-fatal signal when they
 * are resumed; runc 1.1 thaws it instead).  A SIGKILL reaches frozen tasks
 * in cgroup v2, so for it the cgroup is thawed only if we froze it. */
static int
kill_each (const struct cgroup *cg, int sig, berr_t **err)
{
  cleanup_free pid_t *pids = NULL;
  bool was_frozen = cgroup_frozen (cg) == 1;
  bool froze = false;
  cleanup_berr berr_t *ferr = NULL;
  size_t i, n;
  int r;

  if (!was_frozen)
    {
      froze = cgroup_freeze (cg, true, &ferr) == 0;
      if (!froze)
        log_debug ("kill: signalling cgroup '%s' unfrozen: %s", cg_name (cg), ferr->msg);
    }
  r = cgroup_pids (cg, &pids, &n, err);
  for (i = 0; r == 0 && i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      r = berr_make (err, errno, "kill process %d of cgroup '%s'", (int)pids[i], cg_name (cg));
  if (froze && cgroup_freeze (cg, false, r < 0 ? NULL : err) < 0)
    r = -1;
  return r;
}

int
cgroup_kill (const struct cgroup *cg, int sig, berr_t **err)
{
  int r;

  if (require_cgroup (cg, err) < 0)
    return -1;
  if (sig == SIGKILL)
    {
      r = kill_with_cgroup_kill (cg, err);
      if (r != 0)
        return r < 0 ? -1 : 0;
    }
  return kill_each (cg, sig, err);
}
