/* berth - create and start: the parent side of the container lifecycle.
 *
 * create loads and checks everything (config.json, namespaces, capabilities)
 * before the first syscall that changes anything, then creates the state
 * directory, clones the init into its namespaces and waits for its
 * SYNC_INIT_READY.  Any failure after the state directory exists kills and
 * reaps the init and removes the directory, so a failed create leaves
 * nothing behind.  start releases the init through the exec fifo. */
#include <config.h>

#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "fault.h"
#include "cgroup.h"
#include "container-internal.h"
#include "hooks.h"
#include "hooks-dir.h"
#include "hostmounts.h"
#include "idmap.h"
#include "init.h"
#include "log.h"
#include "namespaces.h"
#include "notify-socket.h"
#include "oci-spec.h"
#include "process.h"
#include "seccomp.h"
#include "support.h"
#include "sync.h"
#include "terminal.h"
#include "userns.h"
#include "berth-limits.h"
#include "util.h"

struct bundle
{
  oci_spec *spec;
  char *dir;
  char *rootfs;
  char *config_path;
  char *config_raw; /* config.json as read at create; saved in the state dir */
  size_t config_len;
  struct ns_plan ns;
  struct idmap_mounts idmaps; /* prepared before clone, inherited by the init */
  struct caps_plan caps;
  struct seccomp_prog seccomp;
  int preserve_fds; /* LISTEN_FDS + --preserve-fds */
  const struct berth_ctx *ctx;
  struct cgroup cg; /* the init is cloned into it; destroyed when create fails */
};

static void
bundle_clear (struct bundle *b)
{
  if (b->spec)
    oci_spec_free (b->spec);
  free (b->dir);
  free (b->rootfs);
  free (b->config_path);
  free (b->config_raw);
  ns_plan_close (&b->ns);
  idmap_mounts_close (&b->idmaps);
  seccomp_prog_clear (&b->seccomp);
  cgroup_clear (&b->cg);
  memset (b, 0, sizeof (*b));
  b->cg = (struct cgroup)CGROUP_INIT;
}

static int
resolve_rootfs (struct bundle *b, berr_t **err)
{
  cleanup_free char *joined = NULL;
  char real[PATH_MAX];

  if (b->spec->root == NULL || b->spec->root->path == NULL || *b->spec->root->path == '\0')
    return berr_make (err, 0, "config.json: .root.path: missing");
  if (b->spec->root->path[0] == '/')
    joined = xstrdup (b->spec->root->path);
  else
    joined = xasprintf ("%s/%s", b->dir, b->spec->root->path);
  if (realpath (joined, real) == NULL)
    return berr_make (err, errno, "config.json: .root.path: rootfs '%s'", joined);
  b->rootfs = xstrdup (real);
  return 0;
}

/* --hooks-dir: the hooks added become part of the config saved in the
 * state dir, so that `delete` runs the poststop hooks chosen at create. */
static int
add_hooks_dirs (const struct create_opts *o, struct bundle *b, berr_t **err)
{
  char *raw = NULL;
  size_t len;
  int added;

  if (o->n_hooks_dirs == 0)
    return 0;
  added = hooks_dir_apply (b->spec, (const char *const *)o->hooks_dirs, o->n_hooks_dirs, err);
  if (added <= 0)
    return added;
  if (oci_spec_generate (b->spec, &raw, &len, err) < 0)
    return berr_wrap (err, "config.json with the hooks of --hooks-dir");
  free (b->config_raw);
  b->config_raw = raw;
  b->config_len = len;
  return 0;
}

/* Everything that can be checked without changing the system. */
static int
bundle_load (const struct create_opts *o, struct bundle *b, berr_t **err)
{
  char real[PATH_MAX];
  const char *dir = o->bundle && *o->bundle ? o->bundle : ".";
  int listen;

  memset (b, 0, sizeof (*b));
  b->cg = (struct cgroup)CGROUP_INIT;
  if (realpath (dir, real) == NULL)
    return berr_make (err, errno, "bundle '%s'", dir);
  b->dir = xstrdup (real);
  b->config_path = xasprintf ("%s/config.json", b->dir);
  if (util_read_file_max_at (AT_FDCWD, b->config_path, OCI_JSON_MAX_BYTES, &b->config_raw, &b->config_len,
                             err)
      < 0)
    return -1;
  b->spec = oci_spec_parse_data (b->config_raw, b->config_len, b->config_path, err);
  if (b->spec == NULL || add_hooks_dirs (o, b, err) < 0)
    return -1;
  userns_default_maps (b->spec);
  if (oci_spec_validate (b->spec, err) < 0 || support_check_spec (b->spec, err) < 0)
    return -1;
  if (process_validate (b->spec->process, err) < 0 || resolve_rootfs (b, err) < 0)
    return -1;
  if (caps_plan_build (b->spec, &b->caps, err) < 0
      || seccomp_prog_build (b->spec->linux->seccomp, &b->seccomp, err) < 0)
    return -1;
  listen = process_listen_fds ();
  if (listen > 0)
    process_set_listen_env (b->spec->process, listen);
  b->preserve_fds = listen + o->preserve_fds;
  return ns_plan_build (b->spec, &b->ns, err);
}

/* Returns the wait status (-1 if none). */
static int
kill_and_reap (pid_t pid)
{
  int wst = -1;

  if (pid <= 0)
    return -1;
  kill (pid, SIGKILL);
  while (waitpid (pid, &wst, 0) < 0)
    if (errno != EINTR)
      return -1;
  return wst;
}

/* The init closed its sync socket without a word: it was already exiting,
 * so the SIGKILL of kill_and_reap cannot change how it ended.  Say how
 * ("killed by signal 9" is someone else's kill or the OOM killer, an exit
 * status or another signal a failure of the init itself). */
static void
explain_init_exit (int wst, berr_t **err)
{
  char *msg;

  if (err == NULL || *err == NULL || (*err)->status != EPIPE || wst == -1)
    return;
  if (WIFSIGNALED (wst))
    msg = xasprintf ("%s (killed by signal %d: %s)", (*err)->msg, WTERMSIG (wst), strsignal (WTERMSIG (wst)));
  else if (WIFEXITED (wst))
    msg = xasprintf ("%s (exit status %d)", (*err)->msg, WEXITSTATUS (wst));
  else
    return;
  free ((*err)->msg);
  (*err)->msg = msg;
}

struct spawn_fds
{
  int fifo, proc, sync[2];
  int parent; /* pidfd of berth itself: the init checks it is still alive */
};

static void
spawn_fds_close (struct spawn_fds *f)
{
  int *all[] = { &f->fifo, &f->proc, &f->sync[0], &f->sync[1], &f->parent };
  size_t i;
  for (i = 0; i < 5; i++)
    if (*all[i] >= 0)
      {
        close (*all[i]);
        *all[i] = -1;
      }
}

static int
spawn_fds_open (int dirfd, struct spawn_fds *f, berr_t **err)
{
  *f = (struct spawn_fds){ -1, -1, { -1, -1 }, -1 };
  /* 0622 as runc: the init may have switched to any uid when it opens the
   * fifo for writing. */
  if (mkfifoat (dirfd, STATE_EXEC_FIFO, 0622) < 0 || fchmodat (dirfd, STATE_EXEC_FIFO, 0622, 0) < 0)
    return berr_make (err, errno, "create exec fifo");
  f->fifo = openat (dirfd, STATE_EXEC_FIFO, O_PATH | O_CLOEXEC);
  if (f->fifo < 0)
    return berr_make (err, errno, "open exec fifo");
  f->proc = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (f->proc < 0)
    return berr_make (err, errno, "open '/proc'");
  /* Kernels before 5.3 have no pidfd: the init then relies on its
   * parent-death signal alone. */
  f->parent = (int)syscall (SYS_pidfd_open, getpid (), 0);
  return sync_socketpair (f->sync, err);
}

/* state.json while the init is being created: enough for `delete --force`
 * to find the cgroup (and remove it) when this create is killed midway. */
static int
record_creating (int dirfd, const struct create_opts *o, const struct bundle *b, const struct cgroup *cg,
                 berr_t **err)
{
  struct container_state st = { 0 };
  int r;

  st.id = xstrdup (o->id);
  st.bundle = xstrdup (b->dir);
  st.rootfs = xstrdup (b->rootfs);
  st.created = state_now_rfc3339 ();
  st.cgroup_path = cg->path ? xstrdup (cg->path) : NULL;
  st.cgroup_scope = cg->scope ? xstrdup (cg->scope) : NULL;
  st.cgroup_owned = cg->owned;
  st.cgroup_made = cg->made;
  r = state_write (dirfd, &st, err);
  state_clear (&st);
  return r;
}

/* The container's cgroup, recorded before it exists, with the levels of
 * its path that are missing: a create killed at any point leaves `delete
 * --force` what it needs to remove every level this create made. */
static int
cgroup_setup (const struct create_opts *o, struct bundle *b, int dirfd, berr_t **err)
{
  struct cgroup planned = CGROUP_INIT;
  int r;

  if (cgroup_path_plan (b->ctx, o->id, b->spec, &planned.path, err) < 0)
    return -1;
  if (planned.path)
    {
      planned.made = cgroup_levels_missing (planned.path);
      planned.owned = planned.made > 0;
      r = record_creating (dirfd, o, b, &planned, err);
      cgroup_clear (&planned);
      if (r < 0)
        return -1;
      fault_point ("create.state-creating");
    }
  if (cgroup_create (b->ctx, o->id, b->spec, &b->cg, err) < 0)
    return -1;
  if (b->cg.dirfd >= 0)
    fault_point ("create.cgroup");
  /* --systemd-cgroup: the scope's name and path are known only now */
  return b->cg.scope ? record_creating (dirfd, o, b, &b->cg, err) : 0;
}

static int runtime_hooks (int sync_fd, const struct create_opts *o, const struct bundle *b, pid_t pid,
                          berr_t **err);
static int seccomp_listener (int sync_fd, const struct create_opts *o, const struct bundle *b, pid_t pid,
                             berr_t **err);

/* SYNC_CONSOLE_FD from the init or an exec'd process: the pty master goes
 * to the --console-socket, or is kept for the foreground proxy.  With
 * caller_size the caller's window size is copied to it before the ack the
 * process waits for, so the process never sees another size (a no-op when
 * stdin is no terminal). */
int
container_receive_console (int sync_fd, const char *console_socket, bool caller_size, int *console,
                           berr_t **err)
{
  struct sync_message m;
  int r = 0;

  if (sync_expect (sync_fd, SYNC_CONSOLE_FD, &m, err) < 0)
    return -1;
  if (m.fd < 0)
    r = berr_make (err, 0, "sync: SYNC_CONSOLE_FD came without a descriptor");
  else if (console_socket)
    r = terminal_send (console_socket, m.fd, m.data ? m.data : "", err);
  else
    {
      *console = steal_fd (m.fd);
      if (caller_size)
        terminal_resize (*console);
    }
  sync_message_clear (&m);
  if (r == 0)
    r = sync_send (sync_fd, SYNC_CONSOLE_ACK, 0, NULL, err);
  return r;
}

/* The init's pid as soon as it exists, beside the "creating" state.json:
 * once it reported ready it has no parent-death signal any more, so a
 * create killed before record_created would leave it blocked on the exec
 * fifo with no state naming it.  delete reads this file (state.c). */
static int
record_init_pid (int dirfd, pid_t pid, berr_t **err)
{
  unsigned long long start = 0;
  char buf[64];
  int n;

  if (proc_stat_read (pid, &start, NULL) < 0)
    return berr_make (err, errno, "read start time of the container init (pid %d)", (int)pid);
  n = snprintf (buf, sizeof (buf), "%d %llu\n", (int)pid, start);
  if (util_write_file_atomic_at (dirfd, STATE_INIT_PID, buf, (size_t)n, 0600, err) < 0)
    {
      char link[64], dirpath[PATH_MAX];
      ssize_t len;

      snprintf (link, sizeof (link), "/proc/self/fd/%d", dirfd);
      len = readlink (link, dirpath, sizeof (dirpath) - 1);
      dirpath[len > 0 ? len : 0] = '\0';
      return berr_wrap (err, "record the pid of the container init in '%s'", len > 0 ? dirpath : "?");
    }
  fault_point ("create.init-pid");
  return 0;
}

static int
write_id_maps (int sync_fd, const struct bundle *b, pid_t pid, berr_t **err)
{
  if (ns_write_id_maps (pid, b->spec, err) < 0)
    return -1;
  fault_point ("create.id-maps");
  return sync_send (sync_fd, SYNC_USERMAP_DONE, 0, NULL, err);
}

static int
receive_init_console (int sync_fd, const struct create_opts *o, int *console, berr_t **err)
{
  if (container_receive_console (sync_fd, o->console_socket, false, console, err) < 0)
    return -1;
  fault_point ("create.console-sent");
  return 0;
}

static int
spawn_init (const struct create_opts *o, struct bundle *b, int rootfd, int dirfd, pid_t *pid_out,
            int *console, berr_t **err)
{
  struct spawn_fds f;
  cleanup_close int pidns_restore = -1;
  pid_t pid;

  if (spawn_fds_open (dirfd, &f, err) < 0)
    goto fail;
  fault_point ("create.fifo");
  if (idmap_mounts_prepare (b->spec, b->dir, &b->idmaps, err) < 0
      || ns_join_before_clone (&b->ns, &pidns_restore, err) < 0)
    goto fail;
  pid = ns_clone_plan (&b->ns, b->cg.dirfd, err);
  if (pid == 0)
    {
      struct init_config ic = {
        .spec = b->spec,
        .rootfs = { .spec = b->spec,
                    .bundle = b->dir,
                    .rootfs = b->rootfs,
                    .no_pivot = o->no_pivot,
                    .idmap_fds = b->idmaps.fds,
                    .userns = b->ns.userns || b->ns.userns_joined },
        .ns = &b->ns,
        .caps = b->caps,
        .seccomp = &b->seccomp,
        .sync_fd = f.sync[1],
        .fifo_fd = f.fifo,
        .proc_fd = f.proc,
        .parent_fd = f.parent,
        .preserve_fds = b->preserve_fds,
        .id = o->id,
        .new_keyring = !o->no_new_keyring,
        .close_fds = { dirfd, rootfd, f.sync[0], pidns_restore },
      };
      init_run (&ic);
    }
  /* (after a failed clone too: the error stays the clone's) */
  if (ns_restore_after_clone (&pidns_restore, err) < 0 && pid > 0)
    {
      kill_and_reap (pid);
      goto fail;
    }
  if (pid < 0)
    goto fail;
  close (f.sync[1]);
  f.sync[1] = -1;
  fault_point ("create.init-forked");
  /* the init is in the systemd scope: its holder can go */
  cgroup_systemd_release_holder ();
  if (record_init_pid (dirfd, pid, err) < 0 || process_set_oom_score_adj (pid, b->spec->process, err) < 0
      || (b->ns.userns && write_id_maps (f.sync[0], b, pid, err) < 0)
      || runtime_hooks (f.sync[0], o, b, pid, err) < 0
      || (b->spec->process->terminal && receive_init_console (f.sync[0], o, console, err) < 0)
      || seccomp_listener (f.sync[0], o, b, pid, err) < 0
      || sync_expect (f.sync[0], SYNC_INIT_READY, NULL, err) < 0)
    {
      if (*console >= 0)
        close (*console);
      *console = -1;
      explain_init_exit (kill_and_reap (pid), err);
      goto fail;
    }
  fault_point ("create.init-ready");
  spawn_fds_close (&f);
  *pid_out = pid;
  return 0;

fail:
  spawn_fds_close (&f);
  return -1;
}

static void
copy_annotations (const oci_spec *spec, struct container_state *st)
{
  const oci_string_map *m = spec->annotations;
  size_t i;

  if (m == NULL || m->len == 0)
    return;
  st->ann_keys = xzalloc (m->len * sizeof (char *));
  st->ann_values = xzalloc (m->len * sizeof (char *));
  for (i = 0; i < m->len; i++)
    {
      st->ann_keys[i] = xstrdup (m->keys[i]);
      st->ann_values[i] = xstrdup (m->values[i]);
    }
  st->ann_len = m->len;
}

/* The state document while the init is being set up ("creating"). */
static int
creating_state_json (const struct create_opts *o, const struct bundle *b, pid_t pid, char **json,
                     berr_t **err)
{
  struct container_state st = { 0 };
  int r;

  st.id = xstrdup (o->id);
  st.pid = pid;
  st.bundle = xstrdup (b->dir);
  st.rootfs = xstrdup (b->rootfs);
  st.created = state_now_rfc3339 ();
  copy_annotations (b->spec, &st);
  r = state_to_json_status (&st, "creating", json, err);
  state_clear (&st);
  return r;
}

/* SCMP_ACT_NOTIFY: the init sends its listener fd once the filter is
 * loaded; it goes on to the agent at listenerPath with that state. */
static int
seccomp_listener (int sync_fd, const struct create_opts *o, const struct bundle *b, pid_t pid, berr_t **err)
{
  cleanup_free char *json = NULL;

  if (!b->seccomp.notify)
    return 0;
  if (creating_state_json (o, b, pid, &json, err) < 0)
    return -1;
  return seccomp_listener_forward (sync_fd, b->spec->linux->seccomp, pid, json, err);
}

/* The init asks once namespaces and mounts exist (before pivot_root):
 * prestart and createRuntime hooks run here, in berth's namespaces, and
 * the init gets the state document for createContainer/startContainer. */
static int
runtime_hooks (int sync_fd, const struct create_opts *o, const struct bundle *b, pid_t pid, berr_t **err)
{
  const oci_hooks *h = b->spec->hooks;
  cleanup_free char *json = NULL;
  int r;

  if (!hooks_any (b->spec))
    return 0;
  if (sync_expect (sync_fd, SYNC_HOOKS_REQUEST, NULL, err) < 0)
    return -1;
  r = creating_state_json (o, b, pid, &json, err);
  if (r == 0)
    r = hooks_run (h->prestart, h->prestart_len, "prestart", json, err);
  if (r == 0)
    r = hooks_run (h->create_runtime, h->create_runtime_len, "createRuntime", json, err);
  if (r == 0)
    fault_point ("create.hooks-run");
  if (r == 0)
    r = sync_send (sync_fd, SYNC_HOOKS_DONE, 0, json, err);
  return r;
}

static int
write_pid_file (const char *path, pid_t pid, berr_t **err)
{
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%d", (int)pid);

  if (util_write_file_atomic_at (AT_FDCWD, path, buf, (size_t)n, 0644, err) < 0)
    return berr_wrap (err, "pid file");
  return 0;
}

static int
record_created (int dirfd, const struct create_opts *o, const struct bundle *b, pid_t pid, berr_t **err)
{
  struct container_state st = { 0 };
  char link[64], dirpath[PATH_MAX];
  ssize_t n;
  int r;

  /* exec, kill --all and the poststop hooks read the config as it was at
   * create (as runc keeps it in its state): a bundle edited or removed
   * afterwards changes nothing for this container. */
  snprintf (link, sizeof (link), "/proc/self/fd/%d", dirfd);
  n = readlink (link, dirpath, sizeof (dirpath) - 1);
  if (n < 0)
    return berr_make (err, errno, "resolve the state directory of '%s'", o->id);
  dirpath[n] = '\0';
  if (util_write_file_atomic_at (dirfd, STATE_CONFIG, b->config_raw, b->config_len, 0600, err) < 0)
    return berr_wrap (err, "save the config of '%s' in '%s'", o->id, dirpath);
  fault_point ("create.config-saved");
  st.id = xstrdup (o->id);
  st.pid = pid;
  st.bundle = xstrdup (b->dir);
  st.rootfs = xstrdup (b->rootfs);
  st.created = state_now_rfc3339 ();
  st.config_path = xasprintf ("%s/%s", dirpath, STATE_CONFIG);
  st.own_pidns = b->ns.own_pidns;
  st.cgroup_path = b->cg.path ? xstrdup (b->cg.path) : NULL;
  st.cgroup_scope = b->cg.scope ? xstrdup (b->cg.scope) : NULL;
  st.cgroup_owned = b->cg.owned;
  st.cgroup_made = b->cg.made;
  copy_annotations (b->spec, &st);
  if (proc_stat_read (pid, &st.pid_start, NULL) < 0)
    r = berr_make (err, errno, "read start time of the container init (pid %d)", (int)pid);
  else if ((r = state_write (dirfd, &st, err)) < 0)
    berr_wrap (err, "save the state of '%s' in '%s'", o->id, dirpath);
  if (r == 0)
    {
      fault_point ("create.state-written");
      /* state.json has the pid now; a stale init.pid would be harmless */
      unlinkat (dirfd, STATE_INIT_PID, 0);
    }
  if (r == 0 && o->pid_file)
    r = write_pid_file (o->pid_file, pid, err);
  if (r == 0 && o->pid_file)
    fault_point ("create.pid-file");
  state_clear (&st);
  return r;
}

static int
check_console (const struct create_opts *o, const oci_spec *spec, berr_t **err)
{
  if (spec->process->terminal && !o->console_socket && !o->foreground)
    return berr_make (err, 0, "process.terminal is set: a detached container needs --console-socket");
  if (!spec->process->terminal && o->console_socket)
    return berr_make (err, 0, "--console-socket given but process.terminal is false");
  return 0;
}

int
container_create_pid (struct berth_ctx *ctx, const struct create_opts *o, pid_t *pid_out, int *console,
                      berr_t **err)
{
  struct bundle b;
  struct hostmounts hm = { 0 };
  cleanup_close int rootfd = -1;
  cleanup_close int dirfd = -1;
  pid_t pid = -1;

  if (state_id_validate (o->id, err) < 0)
    return -1;
  *console = -1;
  if (process_check_preserved_fds (o->preserve_fds + process_listen_fds (), err) < 0)
    return -1;
  if (bundle_load (o, &b, err) < 0 || check_console (o, b.spec, err) < 0)
    goto fail_early;
  if (state_root_open (ctx->root, &rootfd, err) < 0 || state_dir_create (rootfd, o->id, &dirfd, err) < 0)
    goto fail_early;
  fault_point ("create.state-dir");
  b.ctx = ctx;
  if (notify_socket_prepare (ctx->root, o->id, dirfd, b.spec, err) < 0
      || cgroup_setup (o, &b, dirfd, err) < 0)
    goto fail;
  if (hostmounts_begin (b.spec, b.rootfs, dirfd, &hm, err) < 0
      || spawn_init (o, &b, rootfd, dirfd, &pid, console, err) < 0 || hostmounts_save (&hm, dirfd, err) < 0)
    goto fail;
  if (hm.active)
    fault_point ("create.hostmounts-saved");
  if (record_created (dirfd, o, &b, pid, err) < 0)
    goto fail;
  log_debug ("container '%s' created: init pid %d, bundle '%s'", o->id, (int)pid, b.dir);
  hostmounts_clear (&hm);
  bundle_clear (&b);
  *pid_out = pid;
  return 0;

fail:
  if (*console >= 0)
    close (*console);
  *console = -1;
  kill_and_reap (pid);
  hostmounts_undo (&hm);
  hostmounts_clear (&hm);
  {
    berr_t *ignored = NULL;
    if (cgroup_destroy (&b.cg, &ignored) < 0)
      log_warning ("container '%s': %s", o->id, ignored->msg);
    berr_clear (&ignored);
    state_dir_remove (rootfd, o->id, &ignored);
    berr_free (ignored);
  }
fail_early:
  bundle_clear (&b);
  return -1;
}

int
container_create (struct berth_ctx *ctx, const struct create_opts *o, berr_t **err)
{
  pid_t pid;
  int console;
  return container_create_pid (ctx, o, &pid, &console, err);
}

static int
start_refusal (const char *id, enum container_status s, berr_t **err)
{
  switch (s)
    {
    case STATUS_STOPPED:
      return berr_make (err, 0, "cannot start container '%s': container has stopped", id);
    case STATUS_RUNNING:
      return berr_make (err, 0, "cannot start container '%s': container is already running", id);
    case STATUS_PAUSED:
      return berr_make (err, 0, "cannot start container '%s': container is paused", id);
    case STATUS_CREATING:
      return berr_make (err, 0, "cannot start container '%s': container is still being created", id);
    default:
      return 0;
    }
}

/* Opening the fifo for reading releases the init's blocking open; the one
 * byte it then writes proves it got past it, and the EOF that follows (its
 * descriptor is close-on-exec) that it exec'd the container's process (or
 * died trying, which it reports on the container's stderr), so poststart
 * hooks run after the process started, as the runtime-spec requires. */
static int
release_init (int dirfd, const struct container_state *st, berr_t **err)
{
  cleanup_close int fd = openat (dirfd, STATE_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  bool released = false;
  char c, why[512];
  size_t why_len = 0;

  if (fd < 0)
    return berr_make (err, errno, "open exec fifo of container '%s'", st->id);
  fault_point ("start.fifo-opened");
  /* Gone before the init can be released: a start killed from here on
   * leaves a container that is running (or, when the init found no reader
   * for its byte, stopped), never one that says "created" while its
   * process runs, and that a second start would wait on for ever. */
  if (unlinkat (dirfd, STATE_EXEC_FIFO, 0) < 0)
    return berr_make (err, errno, "remove exec fifo of container '%s'", st->id);
  fault_point ("start.fifo-removed");
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int r = poll (&p, 1, 100);
      if (r < 0 && errno != EINTR)
        return berr_make (err, errno, "wait on exec fifo");
      if (r > 0)
        {
          ssize_t n = read (fd, &c, 1);
          /* After the release byte, the init's reason for not exec'ing. */
          if (n == 1 && released && why_len < sizeof (why) - 1)
            why[why_len++] = c;
          else if (n == 1)
            released = true;
          else if (n == 0 && released && why_len > 0)
            return berr_make (err, 0, "container '%s': %.*s", st->id, (int)why_len, why);
          else if (n == 0 && released)
            return 0;
          else if (n == 0)
            return berr_make (err, 0, "container '%s': init exited before it could start", st->id);
          if (n < 0 && errno != EAGAIN && errno != EINTR)
            return berr_make (err, errno, "read exec fifo");
          continue;
        }
      if (!state_process_alive (st))
        return released ? 0 : berr_make (err, 0, "container '%s': init process has exited", st->id);
    }
}

int
container_start (struct berth_ctx *ctx, const char *id, berr_t **err)
{
  struct container_state st;
  cleanup_close int rootfd = -1;
  cleanup_close int dirfd = -1;
  cleanup_close int notify_fd = -1;
  int r;

  if (state_root_open_existing (ctx->root, &rootfd, err) < 0
      || state_dir_open (rootfd, id, true, &dirfd, err) < 0)
    return -1;
  if (state_read (dirfd, id, &st, err) < 0)
    return -1;
  r = start_refusal (id, state_status (dirfd, &st), err);
  if (r == 0)
    r = notify_socket_listen (ctx->root, id, dirfd, &notify_fd, err);
  if (r == 0)
    fault_point ("start.locked");
  if (r == 0)
    r = release_init (dirfd, &st, err);
  if (r == 0)
    {
      fault_point ("start.released");
      log_debug ("container '%s' started (pid %d)", id, (int)st.pid);
      hooks_run_logged (&st, "running", "poststart");
    }
  /* As runc: start returns once the service inside says it is ready. */
  if (notify_fd >= 0)
    r = r == 0 ? notify_socket_wait (steal_fd (notify_fd), st.pid, err) : r;
  state_clear (&st);
  return r;
}
