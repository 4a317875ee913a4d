/* berth - the container operations that need its cgroup: pause and resume
 * (the cgroup v2 freezer) and `events` (statistics, OOM notifications).
 *
 * "paused" is never stored: state_status() reads it from the cgroup, so a
 * container frozen by someone else (systemd, a second runtime) shows as
 * paused too, and a thaw from outside shows as running. */
#include <config.h>

#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "container-internal.h"
#include "log.h"
#include "util.h"

/* Why a container has no cgroup, for the error that says so. */
static const char *
no_cgroup_reason (void)
{
  switch (cgroup_host_mode ())
    {
    case CGROUP_HOST_UNIFIED:
      return "it was created with --cgroup-manager=disabled";
    case CGROUP_HOST_HYBRID:
      return "this host's cgroups are hybrid (v1 controllers) and berth manages only cgroup v2";
    case CGROUP_HOST_LEGACY:
      return "this host has only cgroup v1 and berth manages only cgroup v2";
    default:
      return "no cgroup file system is mounted";
    }
}

int
container_cgroup_open (const struct container_state *st, struct cgroup *cg, berr_t **err)
{
  const char *path = st->cgroup_path && *st->cgroup_path ? st->cgroup_path : NULL;
  const char *scope = st->cgroup_scope && *st->cgroup_scope ? st->cgroup_scope : NULL;

  *cg = (struct cgroup)CGROUP_INIT;
  if (path == NULL)
    return berr_make (err, 0, "container '%s' has no cgroup: %s", st->id, no_cgroup_reason ());
  if (cgroup_open (path, scope, cg, err) < 0)
    return berr_wrap (err, "container '%s'", st->id);
  cg->owned = false; /* only delete removes it */
  if (cg->dirfd < 0)
    {
      cgroup_clear (cg);
      return berr_make (err, ENOENT, "container '%s': its cgroup '%s' is gone", st->id, path);
    }
  return 0;
}

void
container_thaw_after_kill (const struct container_state *st)
{
  struct cgroup cg = CGROUP_INIT;
  cleanup_berr berr_t *e = NULL;

  if (container_cgroup_open (st, &cg, &e) < 0 || cgroup_freeze (&cg, false, &e) < 0)
    log_debug ("thaw after SIGKILL: %s", e->msg);
  cgroup_clear (&cg);
}

/* Load id locked (pause and resume change it), with its cgroup. */
static int
load_locked (struct berth_ctx *ctx, const char *id, struct container_state *st, enum container_status *s,
             int *dirfd, berr_t **err)
{
  cleanup_close int rootfd = -1;

  if (state_root_open_existing (ctx->root, &rootfd, err) < 0
      || state_dir_open (rootfd, id, true, dirfd, err) < 0)
    return -1;
  if (state_read (*dirfd, id, st, err) < 0)
    return -1;
  *s = state_status (*dirfd, st);
  return 0;
}

/* pause (freeze) or resume (thaw): the status check and the freezer. */
static int
set_frozen (struct berth_ctx *ctx, const char *id, bool freeze, berr_t **err)
{
  const char *verb = freeze ? "pause" : "resume";
  struct container_state st;
  struct cgroup cg = CGROUP_INIT;
  cleanup_close int dirfd = -1;
  enum container_status s;
  bool ok;
  int r = -1;

  if (load_locked (ctx, id, &st, &s, &dirfd, err) < 0)
    return -1;
  /* runc pauses a created container too: its init then stays frozen
   * before the exec fifo. */
  ok = freeze ? (s == STATUS_RUNNING || s == STATUS_CREATED) : s == STATUS_PAUSED;
  if (!ok)
    berr_make (err, 0, "cannot %s container '%s': container not %s (%s)", verb, id,
               freeze ? "running" : "paused", state_status_name (s));
  else if (container_cgroup_open (&st, &cg, err) < 0)
    berr_wrap (err, "cannot %s container '%s'", verb, id);
  else if (cgroup_freeze (&cg, freeze, err) < 0)
    berr_wrap (err, "%s container '%s'", verb, id);
  else
    {
      log_debug ("container '%s' %s", id, freeze ? "paused" : "resumed");
      r = 0;
    }
  cgroup_clear (&cg);
  state_clear (&st);
  return r;
}

int
container_pause (struct berth_ctx *ctx, const char *id, berr_t **err)
{
  return set_frozen (ctx, id, true, err);
}

int
container_resume (struct berth_ctx *ctx, const char *id, berr_t **err)
{
  return set_frozen (ctx, id, false, err);
}

/* ---- events ------------------------------------------------------------- */

/* One line of runc's event stream.  Ids are [a-zA-Z0-9][a-zA-Z0-9_+.-]*:
 * nothing in them needs escaping. */
static int
print_event (const char *type, const char *id, const char *data, berr_t **err)
{
  if (data)
    printf ("{\"type\":\"%s\",\"id\":\"%s\",\"data\":%s}\n", type, id, data);
  else
    printf ("{\"type\":\"%s\",\"id\":\"%s\"}\n", type, id);
  if (fflush (stdout) != 0 || ferror (stdout))
    return berr_make (err, errno, "write events");
  return 0;
}

static int
print_stats (const struct cgroup *cg, const char *id, bool fatal, berr_t **err)
{
  cleanup_free char *json = NULL;
  cleanup_berr berr_t *e = NULL;

  if (cgroup_stats_json (cg, &json, &e) < 0)
    {
      if (fatal)
        {
          if (err && *err == NULL)
            *err = steal_ptr (e);
          return -1;
        }
      /* runc logs a failed collection and keeps going. */
      log_error ("events: container '%s': %s", id, e->msg);
      return 0;
    }
  return print_event ("stats", id, json, err);
}

static long long
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* populated 0 in cgroup.events: every process of the container is gone. */
static bool
cgroup_empty (const struct cgroup *cg)
{
  cleanup_free char *ev = NULL;
  cleanup_berr berr_t *e = NULL;
  char *p;

  if (util_read_file_at (cg->dirfd, "cgroup.events", &ev, NULL, &e) < 0)
    return true; /* removed */
  p = strstr (ev, "populated ");
  return p && p[10] == '0';
}

struct watch
{
  int fd;     /* inotify */
  int wd_mem; /* memory.events, -1 without the memory controller */
  int wd_cg;  /* cgroup.events */
};

static int
watch_open (const struct cgroup *cg, struct watch *w, berr_t **err)
{
  char path[64];

  w->wd_mem = w->wd_cg = -1;
  w->fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (w->fd < 0)
    return berr_make (err, errno, "inotify_init1");
  /* Through the directory fd, so the watch is on this cgroup even if its
   * path is reused. */
  snprintf (path, sizeof (path), "/proc/self/fd/%d/memory.events", cg->dirfd);
  w->wd_mem = inotify_add_watch (w->fd, path, IN_MODIFY);
  snprintf (path, sizeof (path), "/proc/self/fd/%d/cgroup.events", cg->dirfd);
  w->wd_cg = inotify_add_watch (w->fd, path, IN_MODIFY);
  if (w->wd_cg < 0)
    return berr_make (err, errno, "watch '%s/cgroup.events'", cg->path);
  return 0;
}

/* Drain the inotify queue; false once a watched file went away (the
 * cgroup was removed). */
static bool
watch_drain (struct watch *w, bool *mem_changed)
{
  char buf[4096] __attribute__ ((aligned (__alignof__(struct inotify_event))));
  bool alive = true;
  ssize_t n;

  while ((n = read (w->fd, buf, sizeof (buf))) > 0)
    {
      char *p = buf;
      while (p < buf + n)
        {
          const struct inotify_event *ev = (const struct inotify_event *)p;
          if (ev->mask & IN_IGNORED)
            alive = false;
          else if (ev->wd == w->wd_mem)
            *mem_changed = true;
          p += sizeof (struct inotify_event) + ev->len;
        }
    }
  return alive;
}

/* Stats every interval and an "oom" event whenever memory.events'
 * oom_kill grows, until the cgroup has no process left (as runc, which
 * watches cgroup.events' "populated"). */
static int
stream_events (const struct cgroup *cg, const char *id, long long interval_ms, berr_t **err)
{
  struct watch w;
  long long last_oom = cgroup_oom_kills (cg);
  long long next = now_ms () + interval_ms;
  int r = 0;

  if (watch_open (cg, &w, err) < 0)
    {
      if (w.fd >= 0)
        close (w.fd);
      return -1;
    }
  while (r == 0 && !cgroup_empty (cg))
    {
      struct pollfd pfd = { .fd = w.fd, .events = POLLIN };
      long long left = next - now_ms ();
      bool mem_changed = false;

      if (left > 0 && poll (&pfd, 1, left > INT_MAX ? INT_MAX : (int)left) < 0 && errno != EINTR)
        {
          r = berr_make (err, errno, "poll");
          break;
        }
      if (!watch_drain (&w, &mem_changed))
        break;
      if (mem_changed)
        {
          long long oom = cgroup_oom_kills (cg);
          if (oom > last_oom && last_oom >= 0)
            r = print_event ("oom", id, NULL, err);
          if (oom >= 0)
            last_oom = oom;
        }
      if (r == 0 && now_ms () >= next)
        {
          r = print_stats (cg, id, false, err);
          next += interval_ms;
          if (next < now_ms ())
            next = now_ms () + interval_ms;
        }
    }
  close (w.fd);
  return r;
}

int
container_events (struct berth_ctx *ctx, const char *id, bool stats, long long interval_ms, berr_t **err)
{
  struct container_state st;
  struct cgroup cg = CGROUP_INIT;
  enum container_status s;
  int r = -1;

  if (container_load (ctx, id, &st, &s, err) < 0)
    return -1;
  if (s == STATUS_STOPPED || s == STATUS_CREATING)
    berr_make (err, 0, "container '%s' is not running (%s)", id, state_status_name (s));
  else if (container_cgroup_open (&st, &cg, err) < 0)
    berr_wrap (err, "events");
  else if (stats)
    r = print_stats (&cg, id, true, err);
  else
    r = stream_events (&cg, id, interval_ms, err);
  cgroup_clear (&cg);
  state_clear (&st);
  return r;
}
