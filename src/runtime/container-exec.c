/* berth - `exec`: a new process inside a running container.
 *
 * berth forks a helper that enters the container's namespaces (pid first:
 * it only applies to children, mount last: it changes the root) and clones
 * the process with CLONE_PARENT, so that the process is berth's own child
 * (berth can wait for it) and is born inside the container's pid
 * namespace.  The helper reports the host pid (SYNC_EXEC_PID) and exits;
 * the process prepares itself like the init does and execs.  The sync
 * socket is close-on-exec, so EOF tells berth the exec happened and a
 * SYNC_ERROR carries the reason when it did not. */
#include <config.h>

#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apparmor.h"
#include "caps.h"
#include "cgroup.h"
#include "container-internal.h"
#include "execuser.h"
#include "fault.h"
#include "namespaces.h"
#include "oci-spec.h"
#include "process.h"
#include "seccomp.h"
#include "selinux.h"
#include "procattr.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

/* Joined in this order: "user" first (it grants the rights to join the
 * others), "mnt" last. */
static const struct
{
  const char *name;
  int flag;
} exec_ns[] = {
  { "user", CLONE_NEWUSER }, { "pid", CLONE_NEWPID }, { "ipc", CLONE_NEWIPC },
  { "uts", CLONE_NEWUTS },   { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
  { "time", CLONE_NEWTIME }, { "mnt", CLONE_NEWNS },
};
#define N_EXEC_NS (sizeof (exec_ns) / sizeof (exec_ns[0]))

struct exec_plan
{
  oci_spec *spec;         /* the container's config.json */
  oci_process *from_file; /* --process */
  oci_process *p;         /* the one in use: from_file or spec->process */
  struct caps_plan caps;
  int ns_fd[N_EXEC_NS]; /* -1: shared with the host, nothing to join */
  int root_fd;          /* the init's root when its mount namespace is ours, else -1 */
  const char *console_socket;
  const char *user_name; /* exec --user with names, looked up in the container */
  int preserve_fds;
  struct seccomp_prog seccomp; /* the container's linux.seccomp, compiled */
  char *state_json;            /* for a seccomp listenerPath */
  struct cgroup cg;            /* the container's; the process joins it */
  const char *cg_sub;          /* exec --cgroup: a sub-cgroup of it */
  char *init_sub;              /* the init's sub-cgroup, when it moved into one */
};

static void
exec_plan_clear (struct exec_plan *e)
{
  size_t i;
  if (e->spec)
    oci_spec_free (e->spec);
  if (e->from_file)
    oci_process_free (e->from_file);
  seccomp_prog_clear (&e->seccomp);
  free (e->state_json);
  cgroup_clear (&e->cg);
  free (e->init_sub);
  for (i = 0; i < N_EXEC_NS; i++)
    if (e->ns_fd[i] >= 0)
      close (e->ns_fd[i]);
  if (e->root_fd >= 0)
    close (e->root_fd);
}

static int
open_shared_root (pid_t pid, struct exec_plan *e, berr_t **err)
{
  char path[64];

  snprintf (path, sizeof (path), "/proc/%d/root", (int)pid);
  e->root_fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (e->root_fd < 0)
    return berr_make (err, errno, "open the root of the container init '%s'", path);
  return 0;
}

static int
open_namespaces (pid_t pid, struct exec_plan *e, berr_t **err)
{
  size_t i;

  for (i = 0; i < N_EXEC_NS; i++)
    {
      char path[64], self[64];
      struct stat a, b;
      snprintf (path, sizeof (path), "/proc/%d/ns/%s", (int)pid, exec_ns[i].name);
      snprintf (self, sizeof (self), "/proc/self/ns/%s", exec_ns[i].name);
      if (stat (path, &a) < 0)
        return berr_make (err, errno, "namespace '%s' of the container init", exec_ns[i].name);
      if (stat (self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
        {
          /* A container without a mount namespace lives in a chroot of
           * ours: the process goes into the same root. */
          if (exec_ns[i].flag == CLONE_NEWNS && open_shared_root (pid, e, err) < 0)
            return -1;
          continue;
        }
      e->ns_fd[i] = open (path, O_RDONLY | O_CLOEXEC);
      if (e->ns_fd[i] < 0)
        return berr_make (err, errno, "open '%s'", path);
    }
  return 0;
}

/* A pty from the container's devpts, its master to berth (like the init's,
 * without taking over /dev/console, which belongs to the init). */
static int
exec_terminal (const struct exec_plan *e, int sync_fd, berr_t **err)
{
  cleanup_free char *name = NULL;
  cleanup_close int master = -1;

  if (terminal_create (e->p, false, &master, &name, err) < 0)
    return -1;
  if (sync_send_fd (sync_fd, SYNC_CONSOLE_FD, master, name, err) < 0)
    return -1;
  return sync_expect (sync_fd, SYNC_CONSOLE_ACK, NULL, err);
}

/* As the init does (init.c, prepare_process): LSM labels for the execve,
 * the personality, the container's seccomp filter before the capability drop without
 * no_new_privs, after everything else with it. */
static int
prepare_process (const struct exec_plan *e, int sync_fd, char **exe, char **home, berr_t **err)
{
  bool early = !e->p->no_new_privileges;

  if (apparmor_set_exec_profile (e->p->apparmor_profile, err) < 0
      || selinux_set_exec_label (e->p->selinux_label, err) < 0
      || procattr_set_personality (e->spec->linux ? e->spec->linux->personality : NULL, err) < 0)
    return -1;
  if (early && seccomp_prog_load (&e->seccomp, sync_fd, err) < 0)
    return -1;
  if (process_setup (e->p, &e->caps, e->preserve_fds, exe, home, err) < 0)
    return -1;
  if (!early && seccomp_prog_load (&e->seccomp, sync_fd, err) < 0)
    return -1;
  return 0;
}

static void __attribute__ ((noreturn)) exec_process (const struct exec_plan *e, int sync_fd)
{
  cleanup_free char *exe = NULL;
  cleanup_free char *home = NULL;
  berr_t *err = NULL;

  /* CVE-2019-5736: the container must not reach /proc/<us>/exe (berth)
   * before execve replaces it. */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (procattr_set_affinity_initial (e->p, &err) < 0)
    goto fail;
  if (e->p->terminal && exec_terminal (e, sync_fd, &err) < 0)
    goto fail;
  if (e->user_name && execuser_resolve (e->p, e->user_name, &err) < 0)
    goto fail;
  if (prepare_process (e, sync_fd, &exe, &home, &err) == 0)
    {
      fault_point ("exec.process.before-exec");
      process_reset_signals ();
      process_exec (exe, e->p, home, &err);
    }
fail:
  sync_send_error (sync_fd, err);
  _exit (127);
}

/* The helper: enter the cgroup (first: in the container's user or cgroup
 * namespace it may no longer be allowed to), then the namespaces, and
 * clone the process as our sibling; it inherits the cgroup. */
static void __attribute__ ((noreturn)) exec_helper (const struct exec_plan *e, int sync_fd)
{
  berr_t *err = NULL;
  int order[2];
  size_t i;
  long pid;

  /* A container that manages cgroups of its own (nested) may have moved
   * its init into a sub-cgroup and enabled controllers in the top one,
   * which then takes no processes (EBUSY): join the init's, as runc does. */
  if (cgroup_enter (&e->cg, 0, e->cg_sub, &err) < 0)
    {
      if (e->cg_sub || e->init_sub == NULL || err->status != EBUSY)
        goto fail;
      berr_clear (&err);
      if (cgroup_enter (&e->cg, 0, e->init_sub, &err) < 0)
        goto fail;
    }
  if (e->cg.dirfd >= 0)
    fault_point ("exec.helper.cgroup-joined");
  for (i = 0; i < N_EXEC_NS; i++)
    if (e->ns_fd[i] >= 0 && setns (e->ns_fd[i], exec_ns[i].flag) < 0)
      {
        berr_make (&err, errno, "join the container's %s namespace", exec_ns[i].name);
        goto fail;
      }
  if (e->root_fd >= 0 && (fchdir (e->root_fd) < 0 || chroot (".") < 0))
    {
      berr_make (&err, errno, "chroot to the container's root");
      goto fail;
    }
  fault_point ("exec.helper.joined");
  /* The process waits for EOF on this pipe, i.e. our exit, so that
   * SYNC_EXEC_PID always reaches berth before anything the process sends. */
  if (pipe2 (order, O_CLOEXEC) < 0)
    {
      berr_make (&err, errno, "pipe");
      goto fail;
    }
  pid = syscall (SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, NULL);
  if (pid < 0)
    {
      berr_make (&err, errno, "clone the exec process");
      goto fail;
    }
  if (pid == 0)
    {
      char c;
      close (order[1]);
      while (read (order[0], &c, 1) < 0 && errno == EINTR)
        ;
      close (order[0]);
      exec_process (e, sync_fd);
    }
  fault_point ("exec.helper.process-forked");
  if (sync_send (sync_fd, SYNC_EXEC_PID, (int)pid, NULL, &err) < 0)
    {
      kill ((pid_t)pid, SIGKILL);
      _exit (1);
    }
  _exit (0);

fail:
  sync_send_error (sync_fd, err);
  _exit (1);
}

static int
spawn (const struct exec_plan *e, pid_t *out, int *console, berr_t **err)
{
  int sv[2];
  pid_t helper, pid = -1;
  struct sync_message m;
  int r;

  if (sync_socketpair (sv, err) < 0)
    return -1;
  helper = fork ();
  if (helper < 0)
    {
      close (sv[0]);
      close (sv[1]);
      return berr_make (err, errno, "fork");
    }
  if (helper == 0)
    {
      close (sv[0]);
      exec_helper (e, sv[1]);
    }
  close (sv[1]);
  fault_point ("exec.helper-forked");
  r = sync_expect (sv[0], SYNC_EXEC_PID, &m, err);
  while (waitpid (helper, NULL, 0) < 0 && errno == EINTR)
    ;
  if (r == 0)
    {
      pid = m.value;
      sync_message_clear (&m);
      fault_point ("exec.pid-received");
      if (e->p->terminal)
        r = container_receive_console (sv[0], e->console_socket, true, console, err);
      if (r == 0 && e->seccomp.notify)
        r = seccomp_listener_forward (sv[0], e->spec->linux->seccomp, pid, e->state_json, err);
      if (r == 0)
        r = sync_wait_close (sv[0], err);
      if (r == 0)
        fault_point ("exec.process-started");
    }
  close (sv[0]);
  if (r < 0 && pid > 0)
    {
      /* Closing our end made it fail out of any wait; reap it. */
      kill (pid, SIGKILL);
      while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  if (r < 0 && *console >= 0)
    {
      close (*console);
      *console = -1;
    }
  *out = pid;
  return r;
}

static char **
strv_copy (char **v, size_t n)
{
  char **r = xzalloc ((n + 1) * sizeof (char *));
  size_t i;
  for (i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  return r;
}

static void
strv_free (char **v, size_t n)
{
  size_t i;
  for (i = 0; v && i < n; i++)
    free (v[i]);
  free (v);
}

static int
parse_id (const char *s, const char *what, uint32_t *out, berr_t **err)
{
  long v;
  if (util_parse_long (s, &v) < 0 || v < 0 || v > (long)UINT32_MAX)
    return berr_make (err, 0, "%s: invalid id '%s' (numeric ids only)", what, s);
  *out = (uint32_t)v;
  return 0;
}

static int
apply_user (oci_process *p, const struct exec_opts *o, berr_t **err)
{
  size_t i;

  if (p->user == NULL)
    p->user = xzalloc (sizeof (*p->user));
  /* Names are resolved by the exec child, in the container (execuser.c). */
  if (o->user && !execuser_needs_lookup (o->user))
    {
      cleanup_free char *u = xstrdup (o->user);
      char *colon = strchr (u, ':');
      if (colon)
        *colon++ = '\0';
      if (parse_id (u, "--user", &p->user->uid, err) < 0
          || (colon && parse_id (colon, "--user", &p->user->gid, err) < 0))
        return -1;
    }
  /* A uid alone keeps the config's gid, and --additional-gids adds to the
   * config's groups rather than replacing them: runc's exec.go does both. */
  if (o->n_gids == 0)
    return 0;
  p->user->additional_gids
    = xrealloc (p->user->additional_gids, (p->user->additional_gids_len + o->n_gids) * sizeof (uint32_t));
  for (i = 0; i < o->n_gids; i++)
    if (parse_id (o->gids[i], "--additional-gids", &p->user->additional_gids[p->user->additional_gids_len++],
                  err)
        < 0)
      return -1;
  return 0;
}

static int
apply_options (oci_process *p, const struct exec_opts *o, berr_t **err)
{
  size_t i;

  if (o->n_args > 0)
    {
      strv_free (p->args, p->args_len);
      p->args = strv_copy (o->args, o->n_args);
      p->args_len = o->n_args;
    }
  for (i = 0; i < o->n_env; i++)
    {
      if (strchr (o->env[i], '=') == NULL)
        return berr_make (err, 0, "--env '%s': want VAR=VALUE", o->env[i]);
      process_env_set (p, o->env[i]);
    }
  if (o->cwd)
    {
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->process_label)
    {
      free (p->selinux_label);
      p->selinux_label = xstrdup (o->process_label);
    }
  if (o->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (o->apparmor);
    }
  if (o->tty)
    p->terminal = true;
  return apply_user (p, o, err);
}

static int
refuse_unsupported (const oci_process *p, const struct exec_opts *o, berr_t **err)
{
  const char *label_what = o->process_label ? "exec --process-label" : "exec: selinuxLabel";
  const char *profile_what = o->apparmor ? "exec --apparmor" : "exec: apparmorProfile";

  if (p->terminal && o->detach && !o->console_socket)
    return berr_make (err, 0, "exec: a detached process with a terminal needs --console-socket");
  if (!p->terminal && o->console_socket)
    return berr_make (err, 0, "exec: --console-socket given without --tty");
  if (selinux_check_process_label (p->selinux_label, label_what, err) < 0
      || apparmor_check_profile (p->apparmor_profile, profile_what, err) < 0)
    return -1;
  if (p->args_len == 0)
    return berr_make (err, 0, "exec: no command given");
  return 0;
}

/* The init's cgroup relative to the container's, when it is below it. */
static char *
init_sub_cgroup (const struct container_state *st, const struct cgroup *cg)
{
  cleanup_free char *data = NULL;
  char path[64], *line, *save = NULL;
  size_t n = cg->path ? strlen (cg->path) : 0;

  snprintf (path, sizeof (path), "/proc/%d/cgroup", (int)st->pid);
  if (n == 0 || util_read_file (path, &data, NULL, NULL) < 0)
    return NULL;
  for (line = strtok_r (data, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (util_str_has_prefix (line, "0::") && strncmp (line + 3, cg->path, n) == 0 && line[3 + n] == '/')
      return xstrdup (line + 3 + n + 1);
  return NULL;
}

/* runc's --cgroup: "PATH" or "CONTROLLER[,CONTROLLER]:PATH", repeatable.
 * cgroup v2 has one hierarchy, so every PATH given must be the same. */
static int
exec_cgroup_sub (const struct container_state *st, const struct exec_opts *o, struct exec_plan *e,
                 berr_t **err)
{
  size_t i;

  if (o->n_cgroups == 0)
    return 0;
  if (e->cg.path == NULL)
    return berr_make (err, 0, "exec --cgroup: container '%s' has no cgroup", st->id);
  for (i = 0; i < o->n_cgroups; i++)
    {
      const char *arg = o->cgroups[i], *colon = strchr (arg, ':'), *path = colon ? colon + 1 : arg;
      if (colon && (colon == arg || colon[-1] == ',' || arg[0] == ','))
        return berr_make (err, 0, "exec --cgroup '%s': empty controller name", arg);
      if (*path == '\0')
        return berr_make (err, 0, "exec --cgroup '%s': empty path", arg);
      if (e->cg_sub && strcmp (e->cg_sub, path) != 0)
        return berr_make (
          err, 0, "exec --cgroup: '%s' and '%s' differ, but cgroup v2 has one hierarchy for all controllers",
          e->cg_sub, path);
      e->cg_sub = path;
    }
  return 0;
}

static int
build_plan (const struct container_state *st, const struct exec_opts *o, struct exec_plan *e, berr_t **err)
{
  size_t i;

  e->spec = oci_spec_parse_file (st->config_path, err);
  if (e->spec == NULL)
    return berr_wrap (err, "config of container '%s'", st->id);
  if (o->process_file)
    {
      e->from_file = oci_process_parse_file (o->process_file, err);
      if (e->from_file == NULL)
        return -1;
      e->p = e->from_file;
    }
  else
    {
      if (e->spec->process == NULL)
        e->spec->process = xzalloc (sizeof (*e->spec->process));
      e->p = e->spec->process;
    }
  if (apply_options (e->p, o, err) < 0 || refuse_unsupported (e->p, o, err) < 0)
    return -1;
  if (process_validate (e->p, err) < 0 || procattr_validate_process (e->p, err) < 0
      || caps_plan_build_process (e->p, &e->caps, err) < 0)
    return -1;
  /* CVE-2022-27650: an exec'd process gets no inheritable capabilities
   * (they would pass to any program with file capabilities it runs), but
   * for those it keeps as ambient, which the kernel requires inheritable. */
  e->caps.inheritable &= e->caps.ambient;
  /* The container's filter applies to every process in it. */
  if (seccomp_prog_build (e->spec->linux ? e->spec->linux->seccomp : NULL, &e->seccomp, err) < 0)
    return berr_wrap (err, "seccomp filter of container '%s'", st->id);
  for (i = 0; i < o->n_caps; i++)
    if (caps_plan_add (&e->caps, o->caps[i], err) < 0)
      return -1;
  e->preserve_fds = o->preserve_fds;
  e->user_name = execuser_needs_lookup (o->user) ? o->user : NULL;
  e->console_socket = o->console_socket;
  if (cgroup_open (st->cgroup_path, st->cgroup_scope, &e->cg, err) < 0)
    return berr_wrap (err, "container '%s'", st->id);
  e->cg.owned = false;
  if (exec_cgroup_sub (st, o, e, err) < 0)
    return -1;
  e->init_sub = init_sub_cgroup (st, &e->cg);
  return open_namespaces (st->pid, e, err);
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

int
container_exec (struct berth_ctx *ctx, const struct exec_opts *o, int *exit_status, berr_t **err)
{
  struct exec_plan e = { .cg = CGROUP_INIT };
  struct container_state st;
  enum container_status s;
  sigset_t set, old;
  pid_t pid = -1;
  size_t i;
  int r = -1, console = -1;

  *exit_status = 0;
  for (i = 0; i < N_EXEC_NS; i++)
    e.ns_fd[i] = -1;
  e.root_fd = -1;
  if (process_check_preserved_fds (o->preserve_fds, err) < 0 || container_load (ctx, o->id, &st, &s, err) < 0)
    return -1;
  /* runc's rule: the new process would freeze as it enters the cgroup, so
   * exec into a paused container only on request (it runs on resume). */
  if (s == STATUS_PAUSED && !o->ignore_paused)
    {
      berr_make (err, 0,
                 "cannot exec in container '%s': container is paused (use --ignore-paused to override)",
                 o->id);
      goto out;
    }
  if (s != STATUS_RUNNING && s != STATUS_CREATED && s != STATUS_PAUSED)
    {
      berr_make (err, 0, "cannot exec in container '%s': container is %s", o->id, state_status_name (s));
      goto out;
    }
  if (build_plan (&st, o, &e, err) < 0)
    goto out;
  fault_point ("exec.namespaces-opened");
  if (e.seccomp.notify && state_to_json (&st, s, false, &e.state_json, err) < 0)
    goto out;
  /* The namespaces are held open now: make sure they are still the
   * container's and not those of a recycled pid. */
  if (!state_process_alive (&st))
    {
      berr_make (err, 0, "cannot exec in container '%s': container has stopped", o->id);
      goto out;
    }
  container_forward_set (&set);
  sigprocmask (SIG_BLOCK, &set, &old);
  r = spawn (&e, &pid, &console, err);
  if (r == 0 && o->pid_file)
    r = write_pid_file (o->pid_file, pid, err);
  if (r == 0 && o->pid_file)
    fault_point ("exec.pid-file");
  if (r == 0 && !o->detach)
    {
      if (console >= 0)
        terminal_proxy_begin (console);
      r = container_wait_forwarding (pid, &set, console, exit_status, err);
      terminal_restore ();
    }
  if (console >= 0)
    close (console);
  sigprocmask (SIG_SETMASK, &old, NULL);
out:
  exec_plan_clear (&e);
  state_clear (&st);
  return r;
}
