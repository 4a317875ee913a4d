/* berth - the container init, from clone() to execve().
 *
 * Order: join namespaces given by path; oomScoreAdj (host /proc still
 * visible); hostname; loopback up in a new network namespace; rootfs setup, pivot, sysctl, finalize
 * (rootfs.c); LSM exec labels; personality; the process settings while root (cwd, rlimits); bounding set;
 * uid/gid switch; capabilities; no_new_privs; executable lookup (so a missing binary fails `create`, not
 * `start`); descriptor sweep; seccomp (see prepare_process for when it comes earlier).  Then SYNC_INIT_READY
 * to the parent and a blocking open of exec.fifo, which `berth start` releases. */
#include <config.h>

#include "init.h"

#include <linux/keyctl.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci-spec.h"
#include "apparmor.h"
#include "fault.h"
#include "hooks.h"
#include "process.h"
#include "procfs.h"
#include "seccomp.h"
#include "selinux.h"
#include "procattr.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

static int
set_names (const oci_spec *spec, berr_t **err)
{
  if (spec->hostname && *spec->hostname && sethostname (spec->hostname, strlen (spec->hostname)) < 0)
    return berr_make (err, errno, "sethostname '%s'", spec->hostname);
  if (spec->domainname && *spec->domainname
      && setdomainname (spec->domainname, strlen (spec->domainname)) < 0)
    return berr_make (err, errno, "setdomainname '%s'", spec->domainname);
  return 0;
}

/* linux.sysctl, written through the container's own /proc after the pivot:
 * the keys must only touch the container's namespaces. */
static int
set_sysctls (const oci_spec *spec, berr_t **err)
{
  const oci_string_map *m = spec->linux ? spec->linux->sysctl : NULL;
  size_t i;

  for (i = 0; m && i < m->len; i++)
    {
      cleanup_free char *path = NULL;
      cleanup_close int fd = -1;
      char *p;

      if (strstr (m->keys[i], "..") || m->keys[i][0] == '/' || m->keys[i][0] == '.')
        return berr_make (err, 0, "config.json: .linux.sysctl: invalid key '%s'", m->keys[i]);
      path = xasprintf ("sys/%s", m->keys[i]);
      for (p = path + 4; *p; p++)
        if (*p == '.')
          *p = '/';
      /* Through a verified procfs: the config's mounts may cover /proc/sys. */
      fd = procfs_open_file (path, O_WRONLY, err);
      if (fd < 0)
        return berr_wrap (err, "set sysctl '%s'", m->keys[i]);
      if (util_write_all (fd, m->values[i], strlen (m->values[i]), err) < 0)
        return berr_wrap (err, "set sysctl '%s'", m->keys[i]);
    }
  return 0;
}

/* process.terminal: the pty comes from the container's devpts; its master
 * goes to berth, which confirms it passed it on before we carry on. */
static int
setup_terminal (const struct init_config *c, berr_t **err)
{
  cleanup_free char *name = NULL;
  cleanup_close int master = -1;

  if (!c->spec->process->terminal)
    return 0;
  if (terminal_create (c->spec->process, true, &master, &name, err) < 0)
    return -1;
  if (sync_send_fd (c->sync_fd, SYNC_CONSOLE_FD, master, name, err) < 0)
    return -1;
  return sync_expect (c->sync_fd, SYNC_CONSOLE_ACK, NULL, err);
}

/* A session keyring of its own, named after the container (as runc), so
 * that containers do not share the host's keys.  Kernels without keyrings
 * (ENOSYS) simply have nothing to share.  With SELinux the keyring gets the
 * process label, as runc gives it (keycreate, reset afterwards). */
static int
join_keyring (const struct init_config *c, berr_t **err)
{
  const char *label = c->spec->process ? c->spec->process->selinux_label : NULL;
  bool labelled = label && *label && selinux_host_enabled ();

  if (!c->new_keyring)
    return 0;
  if (labelled && selinux_set_key_label (label, err) < 0)
    return -1;
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, c->id) < 0 && errno != ENOSYS)
    return berr_make (err, errno, "join a new session keyring");
  if (labelled && selinux_set_key_label (NULL, err) < 0)
    return -1;
  return 0;
}

/* In a new user namespace we start as the overflow uid until berth wrote
 * the maps; then become root of the namespace, as runc does. */
static int
enter_userns (const struct init_config *c, berr_t **err)
{
  if (!c->ns->userns)
    return 0;
  if (sync_expect (c->sync_fd, SYNC_USERMAP_DONE, NULL, err) < 0)
    return -1;
  if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
    return berr_make (err, errno, "become root of the user namespace (is id 0 mapped?)");
  /* The maps are written: nothing may reach into us any more (see init_run). */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* A credential change clears the parent-death signal. */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  return 0;
}

/* Namespaces and mounts exist, pivot_root has not happened: berth runs the
 * prestart and createRuntime hooks now and hands us the state document,
 * which our createContainer (here) and startContainer hooks get. */
static int
create_hooks (const struct init_config *c, char **state_json, berr_t **err)
{
  struct sync_message m;
  const oci_hooks *h = c->spec->hooks;

  if (!hooks_any (c->spec))
    return 0;
  if (sync_send (c->sync_fd, SYNC_HOOKS_REQUEST, 0, NULL, err) < 0
      || sync_expect (c->sync_fd, SYNC_HOOKS_DONE, &m, err) < 0)
    return -1;
  *state_json = m.data ? xstrdup (m.data) : xstrdup ("{}");
  sync_message_clear (&m);
  return hooks_run (h->create_container, h->create_container_len, "createContainer", *state_json, err);
}

static int
setup_container (const struct init_config *c, char **state_json, berr_t **err)
{
  if (enter_userns (c, err) < 0 || ns_join_in_child (c->ns, err) < 0
      || ns_enter_new_time (c->ns, c->spec, err) < 0)
    return -1;
  if (set_names (c->spec, err) < 0 || join_keyring (c, err) < 0 || ns_loopback_up (c->ns, err) < 0)
    return -1;
  fault_point ("init.namespaces");
  if (rootfs_setup (&c->rootfs, err) < 0 || create_hooks (c, state_json, err) < 0)
    return -1;
  fault_point ("init.before-pivot");
  if (rootfs_pivot (&c->rootfs, err) < 0)
    return -1;
  fault_point ("init.after-pivot");
  if (setup_terminal (c, err) < 0)
    return -1;
  if (set_sysctls (c->spec, err) < 0 || rootfs_finalize (&c->rootfs, err) < 0)
    return -1;
  return 0;
}

/* Blocks until `berth start` opens the fifo for reading, then tells it we
 * are released by writing one byte.  The descriptor stays open in *keep,
 * close-on-exec: `start` waits for its EOF, so that poststart hooks run
 * only once the container's process has been exec'd (runtime-spec). */
static int
wait_for_start (const struct init_config *c, int *keep, berr_t **err)
{
  char path[64];
  cleanup_close int fd = -1;

  snprintf (path, sizeof (path), "self/fd/%d", c->fifo_fd);
  do
    fd = openat (c->proc_fd, path, O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return berr_make (err, errno, "open exec fifo");
  if (util_write_all (fd, "0", 1, err) < 0)
    return berr_wrap (err, "write exec fifo");
  *keep = steal_fd (fd);
  return 0;
}

/* After the release byte, the reason the process will not run; `berth
 * start` fails with it instead of seeing a plain EOF. */
static int
report_late_failure (int fifo, const berr_t *err)
{
  const char *msg = err && err->msg ? err->msg : "unknown error";
  berr_t *ignored = NULL;
  int r;

  signal (SIGPIPE, SIG_IGN);
  r = util_write_all (fifo, msg, strlen (msg), &ignored);
  berr_free (ignored);
  return r;
}

/* The LSM labels the coming execve applies, then process_setup with the
 * seccomp filter in runc's order: without no_new_privs loading it needs
 * CAP_SYS_ADMIN, so it comes before the capabilities are dropped; with it,
 * as late as we can while berth still listens on the sync socket (the
 * notify listener fd goes there).  What runs after it (the exec fifo
 * handshake, startContainer hooks, execve) must be allowed by the profile,
 * as with runc. */
static int
prepare_process (const struct init_config *c, char **exe, char **home, berr_t **err)
{
  const oci_process *p = c->spec->process;
  bool early = !p->no_new_privileges;

  if (apparmor_set_exec_profile (p->apparmor_profile, err) < 0
      || selinux_set_exec_label (p->selinux_label, err) < 0)
    return -1;
  /* Before any filter, which may well deny personality(2) (runc's order,
   * standard_init_linux.go).  From here on uname() reports the domain's
   * machine, to us and to the startContainer hooks, as with runc. */
  if (procattr_set_personality (c->spec->linux->personality, err) < 0)
    return -1;
  if (early && seccomp_prog_load (c->seccomp, c->sync_fd, err) < 0)
    return -1;
  if (process_setup (p, &c->caps, c->preserve_fds, exe, home, err) < 0)
    return -1;
  if (!early && seccomp_prog_load (c->seccomp, c->sync_fd, err) < 0)
    return -1;
  return 0;
}

void
init_run (const struct init_config *c)
{
  cleanup_free char *exe = NULL;
  cleanup_free char *home = NULL;
  cleanup_free char *state_json = NULL;
  berr_t *err = NULL;
  int i, started = -1;

  /* The state lock is an flock shared with our parent's descriptor: keeping
   * it would block `berth start` until we exec. */
  for (i = 0; i < 4 && c->close_fds[i] >= 0; i++)
    close (c->close_fds[i]);
  /* If berth dies during setup, do not linger half-configured.  It may
   * have died before the signal was armed: its pidfd then reads as
   * readable (exited).  Then nothing would ever reap or name us. */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (c->parent_fd >= 0)
    {
      struct pollfd p = { .fd = c->parent_fd, .events = POLLIN };
      if (poll (&p, 1, 0) != 0)
        _exit (1);
      close (c->parent_fd);
    }
  fault_point ("init.forked");
  /* CVE-2019-5736: until execve we are the berth binary; non-dumpable keeps
   * container processes away from /proc/<us>/exe and our memory.  With a
   * new user namespace that waits for enter_userns: an unprivileged berth
   * (or newuidmap) can only write the maps of a process it owns, and a
   * non-dumpable one's /proc files belong to root, so until then we are
   * dumpable even if berth itself was started non-dumpable. */
  prctl (PR_SET_DUMPABLE, c->ns->userns ? 1 : 0, 0, 0, 0);
  if (procattr_set_affinity_initial (c->spec->process, &err) < 0 || setup_container (c, &state_json, &err) < 0
      || prepare_process (c, &exe, &home, &err) < 0)
    goto fail;
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (sync_send (c->sync_fd, SYNC_INIT_READY, 0, NULL, &err) < 0)
    _exit (1);
  close (c->sync_fd);
  fault_point ("init.before-fifo");
  if (wait_for_start (c, &started, &err) < 0)
    goto fail_late;
  fault_point ("init.released");
  close (c->fifo_fd);
  close (c->proc_fd);
  if (state_json && c->spec->hooks
      && hooks_run (c->spec->hooks->start_container, c->spec->hooks->start_container_len, "startContainer",
                    state_json, &err)
           < 0)
    goto fail_late;
  process_reset_signals ();
  process_exec (exe, c->spec->process, home, &err);

fail_late:
  /* After SYNC_INIT_READY nobody listens on the socket.  Once released,
   * `berth start` still reads the exec fifo until its EOF: the error goes
   * there, after the release byte, so that start fails with it (a failing
   * startContainer hook fails start, as the spec asks).  Before that, the
   * container's stderr, which is where runc reports it too. */
  if (started < 0 || report_late_failure (started, err) < 0)
    fprintf (stderr, "berth: %s\n", err && err->msg ? err->msg : "unknown error");
  _exit (127);

fail:
  sync_send_error (c->sync_fd, err);
  _exit (1);
}
