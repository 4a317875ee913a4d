/* berth - operations on an existing container: state, list, kill, delete,
 * the process list.
 *
 * "Every process of the container" is its cgroup's when it has one;
 * without (a hybrid host, --cgroup-manager=disabled), every process in the
 * container's own pid namespace; a container sharing the host's pid
 * namespace then has no boundary and --all refuses rather than guess. */
#include <config.h>

#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "container-internal.h"
#include "fault.h"
#include "hooks.h"
#include "hostmounts.h"
#include "log.h"
#include "namespaces.h"
#include "oci-spec.h"
#include "util.h"

int
container_load (struct berth_ctx *ctx, const char *id, struct container_state *st,
                enum container_status *status, berr_t **err)
{
  cleanup_close int rootfd = -1;
  cleanup_close int dirfd = -1;

  if (state_root_open_existing (ctx->root, &rootfd, err) < 0
      || state_dir_open (rootfd, id, false, &dirfd, err) < 0)
    return -1;
  if (state_read (dirfd, id, st, err) < 0)
    return -1;
  *status = state_status (dirfd, st);
  return 0;
}

int
container_list_ids (struct berth_ctx *ctx, char ***ids, size_t *n, berr_t **err)
{
  cleanup_close int rootfd = -1;

  if (state_root_open_existing (ctx->root, &rootfd, err) < 0)
    return -1;
  return state_list_ids (rootfd, ids, n, err);
}

int
container_list_load (struct berth_ctx *ctx, struct container_state **sts, enum container_status **ss,
                     size_t *n, berr_t **err)
{
  cleanup_close int rootfd = -1;

  *sts = NULL;
  *ss = NULL;
  *n = 0;
  if (state_root_open_existing (ctx->root, &rootfd, err) < 0)
    return -1;
  if (rootfd < 0)
    return 0;
  return state_list_load (rootfd, sts, ss, n, err);
}

/* The container's cgroup as recorded in its state (cg->path NULL: none). */
static int
open_cgroup (const struct container_state *st, struct cgroup *cg, berr_t **err)
{
  if (cgroup_open (st->cgroup_path, st->cgroup_scope, cg, err) < 0)
    return berr_wrap (err, "container '%s'", st->id);
  cg->owned = st->cgroup_owned;
  /* a state written before berth recorded the levels it made: the leaf */
  cg->made = st->cgroup_made ? st->cgroup_made : (st->cgroup_owned ? 1 : 0);
  return 0;
}

static int
pids_of_pidns (const struct container_state *st, pid_t **pids, size_t *n, berr_t **err)
{
  if (!st->own_pidns || !ns_pid_has_own_pidns (st->pid))
    return berr_make (err, 0,
                      "container '%s' shares the host pid namespace and has no cgroup: its processes cannot "
                      "be told from the host's",
                      st->id);
  return ns_pids_in_pidns_of (st->pid, pids, n, err);
}

static int
pids_of (const struct container_state *st, pid_t **pids, size_t *n, berr_t **err)
{
  struct cgroup cg;
  int r;

  if (open_cgroup (st, &cg, err) < 0)
    return -1;
  if (cg.dirfd < 0)
    {
      cgroup_clear (&cg);
      return pids_of_pidns (st, pids, n, err);
    }
  r = cgroup_pids (&cg, pids, n, err);
  cgroup_clear (&cg);
  /* A live init is always in its cgroup: an empty list means the cgroup
   * cannot be read as expected. */
  if (r == 0 && *n == 0 && state_process_alive (st))
    {
      free (*pids);
      *pids = NULL;
      return pids_of_pidns (st, pids, n, err);
    }
  return r;
}

int
container_pids (struct berth_ctx *ctx, const char *id, pid_t **pids, size_t *n, berr_t **err)
{
  struct container_state st;
  enum container_status s;
  int r;

  if (container_load (ctx, id, &st, &s, err) < 0)
    return -1;
  if (s == STATUS_STOPPED || s == STATUS_CREATING)
    {
      *pids = NULL;
      *n = 0;
      r = 0;
    }
  else
    r = pids_of (&st, pids, n, err);
  state_clear (&st);
  return r;
}

static int
signal_all (const struct container_state *st, int sig, berr_t **err)
{
  cleanup_free pid_t *pids = NULL;
  struct cgroup cg;
  size_t i, n;
  int r;

  if (open_cgroup (st, &cg, err) < 0)
    return -1;
  if (cg.dirfd >= 0)
    {
      r = cgroup_kill (&cg, sig, err);
      cgroup_clear (&cg);
      return r < 0 ? berr_wrap (err, "kill --all of container '%s'", st->id) : 0;
    }
  cgroup_clear (&cg);
  if (pids_of_pidns (st, &pids, &n, err) < 0)
    return -1;
  for (i = 0; i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      return berr_make (err, errno, "kill process %d of container '%s'", (int)pids[i], st->id);
  return 0;
}

int
container_kill (struct berth_ctx *ctx, const char *id, int sig, bool all, berr_t **err)
{
  struct container_state st;
  enum container_status s;
  int r = 0;

  if (container_load (ctx, id, &st, &s, err) < 0)
    return -1;
  /* runc's wording: containerd's shim takes an error with "container not
   * running" (or "no such process") as a process that already exited, and
   * fails a CRI StopContainer on anything else. */
  if (s == STATUS_STOPPED || s == STATUS_CREATING)
    r = berr_make (err, 0, "cannot kill container '%s': container not running (%s)", id,
                   state_status_name (s));
  else if (all)
    r = signal_all (&st, sig, err);
  else
    {
      fault_point ("kill.loaded");
      if (kill (st.pid, sig) < 0)
        r = berr_make (err, errno, "kill container '%s'", id);
      else
        log_debug ("signal %d sent to container '%s' (pid %d)", sig, id, (int)st.pid);
    }
  if (r == 0)
    fault_point ("kill.signalled");
  /* SIGKILL ends a paused container: thaw what is left (other signals
   * wait for resume, as in runc). */
  if (r == 0 && s == STATUS_PAUSED && sig == SIGKILL)
    container_thaw_after_kill (&st);
  state_clear (&st);
  return r;
}

/* PF_EXITING (include/linux/sched.h) in field 9 of /proc/PID/stat. */
#define PROC_PF_EXITING 0x4u

/* The init past the point of no return: its memory, files, mounts and
 * cgroup are released; what is left is the wait, inside the kernel, until
 * every other process of its pid namespace is reaped, and those may be
 * orphans whose reaper (the host's init) takes its time (seconds on some
 * hosts). */
static bool
init_exiting (pid_t pid)
{
  char path[64], buf[1024], *p;
  cleanup_close int fd = -1;
  unsigned long flags;
  ssize_t n;
  int field;

  snprintf (path, sizeof (path), "/proc/%d/stat", (int)pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  n = util_read_all (fd, buf, sizeof (buf) - 1);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  p = strrchr (buf, ')');
  for (field = 2; field < 9 && p; field++)
    {
      p = strchr (p + 1, ' ');
      if (p)
        while (p[1] == ' ')
          p++;
    }
  if (p == NULL)
    return false;
  flags = strtoul (p + 1, NULL, 10);
  return (flags & PROC_PF_EXITING) != 0;
}

/* The init may not be our child: poll until it is gone (a zombie, or
 * exiting: see init_exiting). */
static int
wait_gone (const struct container_state *st, berr_t **err)
{
  struct timespec ts = { 0, 10 * 1000 * 1000 };
  int i;

  for (i = 0; i < 1000; i++)
    {
      if (!state_process_alive (st) || init_exiting (st->pid))
        return 0;
      nanosleep (&ts, NULL);
    }
  return berr_make (err, 0, "container '%s': init (pid %d) did not exit after SIGKILL", st->id, (int)st->pid);
}

static int
stop_for_delete (const struct container_state *st, enum container_status s, bool force, berr_t **err)
{
  if (s == STATUS_STOPPED || (s == STATUS_CREATING && !state_process_alive (st)))
    return 0;
  /* runc deletes a created (never started) container without --force. */
  if (s != STATUS_CREATED && !force)
    return berr_make (err, 0, "cannot delete container '%s' that is not stopped: %s (use --force)", st->id,
                      state_status_name (s));
  if (kill (st->pid, SIGKILL) < 0 && errno != ESRCH)
    return berr_make (err, errno, "kill container '%s'", st->id);
  fault_point ("delete.killed");
  if (s == STATUS_PAUSED)
    container_thaw_after_kill (st);
  if (wait_gone (st, err) < 0)
    return -1;
  fault_point ("delete.stopped");
  return 0;
}

/* A create killed after it cloned the init but before state.json named it
 * left the init's pid in STATE_INIT_PID (container.c); a ready init has
 * no parent-death signal and waits on the exec fifo for ever.  The lock we
 * hold proves that create is gone: the init goes too. */
static int
stop_unrecorded_init (int dirfd, const struct container_state *st, berr_t **err)
{
  struct container_state init = { 0 };
  cleanup_free char *data = NULL;
  int pid;

  if (st->pid != 0 || util_read_file_at (dirfd, STATE_INIT_PID, &data, NULL, NULL) < 0)
    return 0;
  if (sscanf (data, "%d %llu", &pid, &init.pid_start) != 2 || pid <= 0)
    return 0;
  init.id = st->id;
  init.pid = pid;
  if (!state_process_alive (&init))
    return 0;
  if (kill (init.pid, SIGKILL) < 0 && errno != ESRCH)
    return berr_make (err, errno, "kill the init (pid %d) of container '%s'", pid, st->id);
  return wait_gone (&init, err);
}

static int
destroy_cgroup (const struct container_state *st, berr_t **err)
{
  struct cgroup cg;

  if (open_cgroup (st, &cg, err) < 0)
    return -1;
  if (cgroup_destroy (&cg, err) < 0)
    return berr_wrap (err, "delete container '%s'", st->id);
  return 0;
}

int
container_delete (struct berth_ctx *ctx, const char *id, bool force, berr_t **err)
{
  struct container_state st;
  cleanup_close int rootfd = -1;
  cleanup_close int dirfd = -1;
  oci_spec *spec = NULL;
  int r;

  if (state_root_open_existing (ctx->root, &rootfd, err) < 0)
    return -1;
  if (state_dir_open (rootfd, id, true, &dirfd, err) < 0)
    {
      /* runc: `delete --force` of a missing container is not an error. */
      if (force && state_id_validate (id, NULL) == 0 && faccessat (rootfd, id, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
        {
          berr_clear (err);
          return 0;
        }
      return -1;
    }
  if (state_read (dirfd, id, &st, err) < 0)
    {
      if (!force)
        return -1;
      berr_clear (err);
      return state_dir_remove (rootfd, id, err);
    }
  fault_point ("delete.locked");
  r = stop_for_delete (&st, state_status (dirfd, &st), force, err);
  if (r == 0)
    r = stop_unrecorded_init (dirfd, &st, err);
  /* As runc: the cgroup goes (with any process left in it: a container
   * without its own pid namespace may leave some) before the state. */
  if (r == 0)
    r = destroy_cgroup (&st, err);
  if (r == 0 && st.cgroup_path && st.cgroup_path[0])
    fault_point ("delete.cgroup-removed");
  if (r == 0)
    r = hostmounts_release (dirfd, err);
  if (r == 0)
    fault_point ("delete.unmounted");
  /* A create killed before the container existed ran no process: no
   * poststop hooks, and no warning that there is no config to run them. */
  if (r == 0 && st.pid != 0)
    spec = hooks_load_spec (&st, "poststop");
  if (r == 0)
    r = state_dir_remove (rootfd, id, err);
  if (r == 0)
    {
      fault_point ("delete.state-removed");
      log_debug ("container '%s' deleted", id);
      /* The spec: poststop hooks run after the container is deleted. */
      if (spec)
        hooks_run_logged_spec (spec, &st, "stopped", "poststop");
    }
  oci_spec_free (spec);
  state_clear (&st);
  return r;
}
