/* berth - per-process settings of the container process.
 *
 * All of it runs in the container init after pivot_root (or in the exec
 * child after setns), in the order runc uses: rlimits and cwd while still
 * root, then the uid/gid switch, then capabilities (caps.c), no_new_privs,
 * and finally the descriptor sweep right before execve. */
#include <config.h>

#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "oci-spec.h"
#include "procfs.h"
#include "procattr.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const struct
{
  const char *name;
  int resource;
} rlimit_names[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

static int
rlimit_resource (const char *name)
{
  size_t i;
  for (i = 0; name && i < sizeof (rlimit_names) / sizeof (rlimit_names[0]); i++)
    if (strcmp (rlimit_names[i].name, name) == 0)
      return rlimit_names[i].resource;
  return -1;
}

int
process_validate (const oci_process *p, berr_t **err)
{
  size_t i;

  for (i = 0; i < p->rlimits_len; i++)
    {
      const oci_posix_rlimit *r = p->rlimits[i];
      if (rlimit_resource (r->type) < 0)
        return berr_make (err, 0, "config.json: .process.rlimits[%zu].type: unknown rlimit '%s'", i,
                          r->type ? r->type : "");
      if (r->soft > r->hard)
        return berr_make (err, 0, "config.json: .process.rlimits[%zu]: soft limit above hard limit", i);
    }
  return 0;
}

int
process_set_rlimits (const oci_process *p, berr_t **err)
{
  size_t i;

  for (i = 0; i < p->rlimits_len; i++)
    {
      const oci_posix_rlimit *r = p->rlimits[i];
      struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };
      struct rlimit cur;
      int res = rlimit_resource (r->type);
      if (setrlimit (res, &rl) == 0)
        continue;
      /* Raising a hard limit needs CAP_SYS_RESOURCE, which even root may
       * lack (a restricted host, a user namespace): say which one. */
      if (errno == EPERM && getrlimit (res, &cur) == 0 && rl.rlim_max > cur.rlim_max)
        return berr_make (err, errno,
                          "setrlimit '%s': cannot raise the hard limit from %llu to %llu "
                          "(needs CAP_SYS_RESOURCE)",
                          r->type, (unsigned long long)cur.rlim_max, (unsigned long long)rl.rlim_max);
      return berr_make (err, errno, "setrlimit '%s' to soft %llu, hard %llu", r->type,
                        (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
    }
  return 0;
}

int
process_set_oom_score_adj (pid_t pid, const oci_process *p, berr_t **err)
{
  char buf[32];
  int n;

  if (!p->oom_score_adj_present)
    return 0;
  n = snprintf (buf, sizeof (buf), "%d", (int)p->oom_score_adj);
  cleanup_close int fd = procfs_open_pid_file (pid, "oom_score_adj", O_WRONLY, err);
  if (fd < 0)
    return berr_wrap (err, "set oomScoreAdj to %d", (int)p->oom_score_adj);
  if (util_write_all (fd, buf, (size_t)n, err) < 0)
    return berr_wrap (err, "set oomScoreAdj to %d", (int)p->oom_score_adj);
  return 0;
}

/* /proc/self/setgroups says "deny" (user_namespaces(7)). */
static bool
setgroups_denied (void)
{
  char buf[16] = { 0 };
  cleanup_close int fd = open ("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);

  return fd >= 0 && read (fd, buf, sizeof (buf) - 1) > 0 && strncmp (buf, "deny", 4) == 0;
}

int
process_set_user (const oci_process *p, berr_t **err)
{
  uid_t uid = p->user ? p->user->uid : 0;
  gid_t gid = p->user ? p->user->gid : 0;
  size_t i, n = p->user ? p->user->additional_gids_len : 0;
  cleanup_free gid_t *groups = xzalloc ((n + 1) * sizeof (gid_t));

  for (i = 0; i < n; i++)
    groups[i] = p->user->additional_gids[i];
  /* A rootless user namespace has setgroups() denied (the kernel requires it
   * before an unprivileged gid_map): with no additionalGids there is nothing
   * to set, as runc silently skips it; asked for groups, say why not. */
  if (setgroups (n, groups) < 0)
    {
      int saved = errno;
      bool denied = saved == EPERM && setgroups_denied ();
      if (denied && n > 0)
        return berr_make (err, 0,
                          "config.json: .process.user.additionalGids: cannot be set, setgroups is denied "
                          "in this user namespace (rootless)");
      if (!denied)
        return berr_make (err, saved, "setgroups");
    }
  if (setresgid (gid, gid, gid) < 0)
    return berr_make (err, errno, "setgid %u", (unsigned)gid);
  if (setresuid (uid, uid, uid) < 0)
    return berr_make (err, errno, "setuid %u", (unsigned)uid);
  return 0;
}

/* CVE-2024-21626: a cwd such as /proc/self/fd/N can lead through a
 * descriptor we still hold to a host directory.  Walk ".." up from the
 * cwd: inside the container it reaches our root; outside it, ".." never
 * meets the root and stops at the top of some other tree.  Not getcwd():
 * a seccomp profile may deny it (runtime-tools' linux_seccomp does), and
 * the filter may already be loaded here. */
static int
cwd_is_inside (void)
{
  struct stat root, cur, up;
  int fd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC), depth;

  if (fd < 0 || stat ("/", &root) < 0 || fstat (fd, &cur) < 0)
    goto out;
  for (depth = 0; depth < 4096; depth++)
    {
      int parent;
      if (cur.st_dev == root.st_dev && cur.st_ino == root.st_ino)
        {
          close (fd);
          return 1;
        }
      parent = openat (fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (parent < 0 || fstat (parent, &up) < 0)
        {
          if (parent >= 0)
            close (parent);
          break;
        }
      close (fd);
      fd = parent;
      if (up.st_dev == cur.st_dev && up.st_ino == cur.st_ino)
        break;
      cur = up;
    }
out:
  if (fd >= 0)
    close (fd);
  return 0;
}

int
process_set_cwd (const oci_process *p, berr_t **err)
{
  const char *cwd = p->cwd && *p->cwd ? p->cwd : "/";

  if (chdir (cwd) < 0)
    return berr_make (err, errno, "chdir to cwd '%s'", cwd);
  if (!cwd_is_inside ())
    return berr_make (err, EPERM, "cwd '%s' is outside the container", cwd);
  return 0;
}

int
process_set_no_new_privs (const oci_process *p, berr_t **err)
{
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return berr_make (err, errno, "prctl PR_SET_NO_NEW_PRIVS");
  return 0;
}

void
process_set_umask (const oci_process *p)
{
  umask (p->user && p->user->umask_present ? (mode_t)p->user->umask : 022);
}

static const char *
env_path (const oci_process *p)
{
  size_t i;
  for (i = 0; i < p->env_len; i++)
    if (util_str_has_prefix (p->env[i], "PATH="))
      return p->env[i] + 5;
  return DEFAULT_PATH;
}

static bool
is_executable (const char *path)
{
  struct stat sb;
  return stat (path, &sb) == 0 && S_ISREG (sb.st_mode) && access (path, X_OK) == 0;
}

int
process_find_executable (const oci_process *p, char **path, berr_t **err)
{
  const char *name = p->args[0];
  const char *dirs = env_path (p), *s, *e;

  if (name == NULL || *name == '\0')
    return berr_make (err, 0, "config.json: .process.args[0]: empty executable name");
  if (strchr (name, '/'))
    {
      if (!is_executable (name))
        return berr_make (err, errno ? errno : EACCES, "exec '%s'", name);
      *path = xstrdup (name);
      return 0;
    }
  for (s = dirs;; s = e + 1)
    {
      cleanup_free char *cand = NULL;
      e = strchrnul (s, ':');
      /* An empty PATH element means the current directory. */
      if (e == s)
        cand = xasprintf ("./%s", name);
      else
        cand = xasprintf ("%.*s/%s", (int)(e - s), s, name);
      if (is_executable (cand))
        {
          *path = steal_ptr (cand);
          return 0;
        }
      if (*e == '\0')
        break;
    }
  return berr_make (err, 0, "exec '%s': executable file not found in $PATH", name);
}

static int
cloexec_from (unsigned int first, berr_t **err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  if (syscall (SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  /* Kernels before 5.11: walk our own descriptor table. */
  d = opendir ("/proc/self/fd");
  if (d == NULL)
    return berr_make (err, errno, "list open descriptors");
  while ((de = readdir (d)) != NULL)
    {
      long fd;
      if (util_parse_long (de->d_name, &fd) < 0 || fd < (long)first || fd == dirfd (d))
        continue;
      fcntl ((int)fd, F_SETFD, FD_CLOEXEC);
    }
  return 0;
}

int
process_prepare_fds (int preserve_fds, berr_t **err)
{
  int fd;

  if (cloexec_from (3 + (unsigned)preserve_fds, err) < 0)
    return -1;
  for (fd = 3; fd < 3 + preserve_fds; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0 && fcntl (fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
        return berr_make (err, errno, "preserve fd %d", fd);
    }
  return 0;
}

int
process_check_preserved_fds (int preserve_fds, berr_t **err)
{
  int fd;

  for (fd = 3; fd < 3 + preserve_fds; fd++)
    if (fcntl (fd, F_GETFD) < 0 || fd == log_fd ())
      return berr_make (err, 0, "--preserve-fds %d: descriptor %d is not open", preserve_fds, fd);
  return 0;
}

int
process_listen_fds (void)
{
  const char *fds = getenv ("LISTEN_FDS"), *pid = getenv ("LISTEN_PID");
  long n, p;

  if (fds == NULL || util_parse_long (fds, &n) < 0 || n <= 0 || n > 1024)
    return 0;
  /* Without LISTEN_PID (or for another process) they are not ours. */
  if (pid == NULL || util_parse_long (pid, &p) < 0 || p != (long)getpid ())
    return 0;
  return (int)n;
}

void
process_env_set (oci_process *p, const char *kv)
{
  size_t klen = strcspn (kv, "=") + 1, i;

  for (i = 0; i < p->env_len; i++)
    if (strncmp (p->env[i], kv, klen) == 0)
      {
        free (p->env[i]);
        p->env[i] = xstrdup (kv);
        return;
      }
  p->env = xrealloc (p->env, (p->env_len + 2) * sizeof (char *));
  p->env[p->env_len++] = xstrdup (kv);
  p->env[p->env_len] = NULL;
}

void
process_set_listen_env (oci_process *p, int n)
{
  cleanup_free char *fds = xasprintf ("LISTEN_FDS=%d", n);
  process_env_set (p, fds);
  process_env_set (p, "LISTEN_PID=1");
}

void
process_reset_signals (void)
{
  sigset_t all;
  int s;

  for (s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP)
      signal (s, SIG_DFL);
  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);
}

static bool
env_has (const oci_process *p, const char *prefix)
{
  size_t i;
  for (i = 0; i < p->env_len; i++)
    if (util_str_has_prefix (p->env[i], prefix))
      return true;
  return false;
}

/* The home directory field of uid's line in the container's /etc/passwd,
 * parsed by hand: getpwuid() could load host NSS modules into the
 * container. */
static char *
passwd_home (uid_t uid)
{
  cleanup_fclose FILE *f = fopen ("/etc/passwd", "re");
  char line[1024];

  while (f && fgets (line, sizeof (line), f))
    {
      char *field[7] = { 0 }, *save = NULL, *t;
      int n = 0;
      long v;
      for (t = strtok_r (line, ":\n", &save); t && n < 7; t = strtok_r (NULL, ":\n", &save))
        field[n++] = t;
      if (n >= 6 && util_parse_long (field[2], &v) == 0 && (uid_t)v == uid && field[5][0] == '/')
        return xstrdup (field[5]);
    }
  return NULL;
}

char *
process_home_env (const oci_process *p)
{
  cleanup_free char *home = NULL;

  if (env_has (p, "HOME="))
    return NULL;
  home = passwd_home (p->user ? p->user->uid : 0);
  return xasprintf ("HOME=%s", home ? home : "/");
}

int
process_exec (const char *path, const oci_process *p, const char *extra_env, berr_t **err)
{
  /* The generated arrays carry a length, execve wants NULL-terminated ones. */
  cleanup_free char **envp = xzalloc ((p->env_len + 2) * sizeof (char *));
  cleanup_free char **argv = xzalloc ((p->args_len + 1) * sizeof (char *));
  size_t i;

  for (i = 0; i < p->env_len; i++)
    envp[i] = p->env[i];
  if (extra_env)
    envp[i] = (char *)extra_env;
  for (i = 0; i < p->args_len; i++)
    argv[i] = p->args[i];
  execve (path, argv, envp);
  return berr_make (err, errno, "exec '%s'", p->args[0]);
}

int
process_setup (const oci_process *p, const struct caps_plan *caps, int preserve_fds, char **exe, char **home,
               berr_t **err)
{
  /* Read /etc/passwd while still root. */
  *home = process_home_env (p);
  if (process_set_cwd (p, err) < 0 || process_set_rlimits (p, err) < 0)
    return -1;
  /* Real-time policies and the RT I/O class need root's CAP_SYS_NICE /
   * CAP_SYS_ADMIN: before the uid switch drops them. */
  if (procattr_set_scheduler (p, err) < 0 || procattr_set_io_priority (p, err) < 0)
    return -1;
  if (caps_prepare (caps, err) < 0 || process_set_user (p, err) < 0 || caps_apply (caps, err) < 0)
    return -1;
  if (process_set_no_new_privs (p, err) < 0)
    return -1;
  process_set_umask (p);
  if (process_find_executable (p, exe, err) < 0 || procattr_set_affinity_final (p, err) < 0)
    return -1;
  return process_prepare_fds (preserve_fds, err);
}
