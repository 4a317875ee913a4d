/* berth - namespaces: the plan from config.json, clone(), setns().
 *
 * Paths of namespaces to join are opened while building the plan, before
 * any process changes, so a bad path fails `create` with nothing to undo.
 * A new user namespace is created by the same clone() as the others, so
 * that they are all owned by it; the parent then writes the id maps.
 * A new time namespace cannot come from clone() (its flag overlaps the
 * exit signal): the child unshares it and enters it (ns_enter_new_time). */
#include <config.h>

#include "namespaces.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdint.h>
#include <unistd.h>

#include "oci-spec.h"
#include "procfs.h"
#include "userns.h"
#include "util.h"

static const struct
{
  const char *name;
  int flag;
  const char *proc;
} ns_names[] = {
  { "pid", CLONE_NEWPID, "pid" },          { "network", CLONE_NEWNET, "net" },
  { "mount", CLONE_NEWNS, "mnt" },         { "ipc", CLONE_NEWIPC, "ipc" },
  { "uts", CLONE_NEWUTS, "uts" },          { "user", CLONE_NEWUSER, "user" },
  { "cgroup", CLONE_NEWCGROUP, "cgroup" }, { "time", CLONE_NEWTIME, "time" },
};

int
ns_flag_from_name (const char *name)
{
  size_t i;
  for (i = 0; i < sizeof (ns_names) / sizeof (ns_names[0]); i++)
    if (strcmp (ns_names[i].name, name) == 0)
      return ns_names[i].flag;
  return 0;
}

const char *
ns_proc_name (int flag)
{
  size_t i;
  for (i = 0; i < sizeof (ns_names) / sizeof (ns_names[0]); i++)
    if (ns_names[i].flag == flag)
      return ns_names[i].proc;
  return "?";
}

static int
plan_one (struct ns_plan *plan, size_t idx, const char *type, const char *path, berr_t **err)
{
  int flag = ns_flag_from_name (type);
  int fd;

  if (flag == 0)
    return berr_make (err, 0, "config.json: .linux.namespaces[%zu].type: unknown namespace '%s'", idx, type);
  if (flag == CLONE_NEWUSER && path && *path)
    plan->userns_joined = true;
  else if (flag == CLONE_NEWUSER)
    plan->userns = true;
  if (flag == CLONE_NEWPID)
    plan->own_pidns = true;
  /* clone() reads bit 0x80 as part of the exit signal: a new time
   * namespace is unshared by the child instead (ns_enter_new_time). */
  if (flag == CLONE_NEWTIME && (path == NULL || *path == '\0'))
    {
      plan->new_timens = true;
      return 0;
    }
  if (path == NULL || *path == '\0')
    {
      plan->clone_flags |= flag;
      return 0;
    }
  if (plan->n_join >= NS_MAX)
    return berr_make (err, 0, "config.json: .linux.namespaces: too many entries");
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "config.json: .linux.namespaces[%zu]: open %s namespace '%s'", idx, type,
                      path);
  plan->join_fd[plan->n_join] = fd;
  plan->join_type[plan->n_join] = flag;
  plan->n_join++;
  return 0;
}

int
ns_plan_build (const oci_spec *spec, struct ns_plan *plan, berr_t **err)
{
  size_t i;

  memset (plan, 0, sizeof (*plan));
  if (spec->linux == NULL || spec->linux->namespaces == NULL)
    return 0;
  for (i = 0; i < spec->linux->namespaces_len; i++)
    {
      const char *type = spec->linux->namespaces[i]->type;
      if (plan_one (plan, i, type ? type : "", spec->linux->namespaces[i]->path, err) < 0)
        {
          ns_plan_close (plan);
          return -1;
        }
    }
  /* setns() into a namespace owned by the host's user namespace needs
   * privileges there, which a process in a new user namespace has not; and
   * namespaces created next to a joined user namespace must be owned by
   * it.  Both ways the joins come first, then the clone (ns_clone_plan). */
  plan->join_early = plan->userns_joined;
  for (i = 0; plan->userns && i < (size_t)plan->n_join; i++)
    if (plan->join_type[i] != CLONE_NEWPID)
      plan->join_early = true;
  return 0;
}

void
ns_plan_close (struct ns_plan *plan)
{
  int i;
  for (i = 0; i < plan->n_join; i++)
    if (plan->join_fd[i] >= 0)
      close (plan->join_fd[i]);
  plan->n_join = 0;
}

int
ns_join_before_clone (const struct ns_plan *plan, int *restore_fd, berr_t **err)
{
  int i;

  *restore_fd = -1;
  for (i = 0; i < plan->n_join; i++)
    if (plan->join_type[i] == CLONE_NEWPID)
      {
        /* our own pid namespace, to return to after the clone */
        *restore_fd = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (*restore_fd < 0)
          return berr_make (err, errno, "open /proc/self/ns/pid");
        if (setns (plan->join_fd[i], CLONE_NEWPID) < 0)
          return berr_make (err, errno, "join pid namespace");
      }
  return 0;
}

int
ns_restore_after_clone (int *restore_fd, berr_t **err)
{
  int r = 0;

  if (*restore_fd < 0)
    return 0;
  /* Back to our own namespace (always allowed: it is the caller's):
   * hooks and every other child berth forks from here on run in the
   * runtime's pid namespace, not in the container's. */
  if (setns (*restore_fd, CLONE_NEWPID) < 0)
    r = berr_make (err, errno, "return to the runtime's pid namespace");
  close (*restore_fd);
  *restore_fd = -1;
  return r;
}

/* In joining order: the user namespace grants the rights to join the
 * others, the mount namespace changes what paths mean, so it goes last. */
static int
join_rank (int type)
{
  return type == CLONE_NEWUSER ? 0 : type == CLONE_NEWNS ? 2 : 1;
}

static int
join_all (const struct ns_plan *plan, berr_t **err)
{
  int rank, i;

  for (rank = 0; rank < 3; rank++)
    for (i = 0; i < plan->n_join; i++)
      {
        if (plan->join_type[i] == CLONE_NEWPID || join_rank (plan->join_type[i]) != rank)
          continue;
        if (setns (plan->join_fd[i], plan->join_type[i]) < 0)
          return berr_make (err, errno, "join %s namespace", ns_proc_name (plan->join_type[i]));
        /* As runc: be root of the joined user namespace from here on. */
        if (plan->join_type[i] == CLONE_NEWUSER && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
          return berr_make (err, errno, "become root of the joined user namespace (is id 0 mapped?)");
      }
  return 0;
}

struct early_report
{
  int pid;
  char msg[512]; /* the error, strerror included; empty on success */
};

/* Move the calling process into the cgroup at cgroup_fd. */
static int
enter_cgroup (int cgroup_fd, berr_t **err)
{
  int fd = openat (cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
  int r = 0;

  if (fd < 0 || write (fd, "0", 1) != 1)
    r = berr_make (err, errno, "enter the container's cgroup");
  if (fd >= 0)
    close (fd);
  return r;
}

/* The helper's side: enter the cgroup (first: once in the container's
 * user or cgroup namespace it might no longer be allowed to), join, clone
 * the init as our sibling (so that berth is its parent: it waits for it,
 * and the init's parent-death signal follows berth), report its pid.  The
 * init inherits the cgroup, and a new cgroup namespace is rooted there.
 * Returns only in the init. */
static void
clone_helper (const struct ns_plan *plan, int cgroup_fd, int wfd)
{
  struct early_report r = { .pid = -1 };
  berr_t *err = NULL;
  long pid = -1;

  if ((cgroup_fd < 0 || enter_cgroup (cgroup_fd, &err) == 0)
      && (!plan->join_early || join_all (plan, &err) == 0))
    {
      pid = syscall (SYS_clone, (unsigned long)(plan->clone_flags | CLONE_PARENT | SIGCHLD), NULL, NULL, NULL,
                     NULL);
      if (pid == 0)
        {
          close (wfd);
          return;
        }
      if (pid < 0)
        berr_make (&err, errno, "clone");
    }
  r.pid = (int)pid;
  if (err)
    snprintf (r.msg, sizeof (r.msg), "%s", err->msg ? err->msg : "unknown error");
  if (write (wfd, &r, sizeof (r)) != (ssize_t)sizeof (r) && pid > 0)
    kill ((pid_t)pid, SIGKILL);
  _exit (0);
}

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args of <linux/sched.h>, up to the cgroup field (5.7). */
struct ns_clone_args
{
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
    cgroup;
};

/* clone3 with CLONE_INTO_CGROUP: the child is born in the cgroup, so it is
 * accounted and limited from its first instruction.  -1 with errno
 * ENOSYS/E2BIG on kernels without it. */
static pid_t
clone_into_cgroup (int flags, int cgroup_fd)
{
  struct ns_clone_args a = { 0 };

  a.flags = (uint64_t)(unsigned)flags | CLONE_INTO_CGROUP;
  a.exit_signal = SIGCHLD;
  a.cgroup = (uint64_t)cgroup_fd;
  return (pid_t)syscall (SYS_clone3, &a, sizeof (a));
}

pid_t
ns_clone_plan (const struct ns_plan *plan, int cgroup_fd, berr_t **err)
{
  struct early_report r = { .pid = -1 };
  int p[2];
  pid_t helper;
  ssize_t n;

  if (!plan->join_early && cgroup_fd >= 0)
    {
      pid_t pid = clone_into_cgroup (plan->clone_flags, cgroup_fd);
      if (pid >= 0)
        return pid;
      if (errno != ENOSYS && errno != E2BIG)
        return berr_make (err, errno, "clone into the container's cgroup");
      /* An older kernel: a helper enters the cgroup and clones from there. */
    }
  else if (!plan->join_early)
    return ns_clone (plan->clone_flags, err);
  if (pipe2 (p, O_CLOEXEC) < 0)
    return berr_make (err, errno, "pipe");
  helper = fork ();
  if (helper < 0)
    {
      close (p[0]);
      close (p[1]);
      return berr_make (err, errno, "fork");
    }
  if (helper == 0)
    {
      close (p[0]);
      clone_helper (plan, cgroup_fd, p[1]);
      return 0;
    }
  close (p[1]);
  do
    n = read (p[0], &r, sizeof (r));
  while (n < 0 && errno == EINTR);
  close (p[0]);
  while (waitpid (helper, NULL, 0) < 0 && errno == EINTR)
    ;
  if (n != (ssize_t)sizeof (r))
    return berr_make (err, n < 0 ? errno : 0, "namespace helper: no report");
  if (r.msg[0] || r.pid <= 0)
    return berr_make (err, 0, "%s", r.msg[0] ? r.msg : "namespace helper failed");
  return r.pid;
}

int
ns_join_in_child (const struct ns_plan *plan, berr_t **err)
{
  /* Joined by the helper already, before the clone. */
  if (plan->join_early)
    return 0;
  return join_all (plan, err);
}

int
ns_write_id_maps (pid_t pid, const oci_spec *spec, berr_t **err)
{
  const oci_linux *l = spec->linux;
  struct userns_maps m = { l->uid_mappings, l->uid_mappings_len, l->gid_mappings, l->gid_mappings_len };

  if (userns_write_maps (pid, &m, err) < 0)
    return berr_wrap (err, "user namespace of the container init");
  return 0;
}

pid_t
ns_clone (int flags, berr_t **err)
{
  /* A raw clone with no stack behaves like fork(), which lets the child
   * carry on with the parsed config in its copy of our memory. */
  long r = syscall (SYS_clone, (unsigned long)(flags | SIGCHLD), NULL, NULL, NULL, NULL);

  if (r < 0)
    return berr_make (err, errno, "clone");
  return (pid_t)r;
}

static int
ns_inode (pid_t pid, struct stat *sb)
{
  char path[64];
  if (pid > 0)
    snprintf (path, sizeof (path), "/proc/%d/ns/pid", (int)pid);
  else
    snprintf (path, sizeof (path), "/proc/self/ns/pid");
  return stat (path, sb);
}

bool
ns_pid_has_own_pidns (pid_t pid)
{
  struct stat a, b;
  if (ns_inode (pid, &a) < 0 || ns_inode (0, &b) < 0)
    return false;
  return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

int
ns_pids_in_pidns_of (pid_t pid, pid_t **pids, size_t *n, berr_t **err)
{
  cleanup_dir DIR *d = opendir ("/proc");
  struct stat want, sb;
  struct dirent *de;
  pid_t *v = NULL;
  size_t len = 0;

  if (d == NULL)
    return berr_make (err, errno, "open '/proc'");
  if (ns_inode (pid, &want) < 0)
    return berr_make (err, errno, "pid namespace of process %d", (int)pid);
  while ((de = readdir (d)) != NULL)
    {
      long p;
      if (util_parse_long (de->d_name, &p) < 0 || p <= 0)
        continue;
      if (ns_inode ((pid_t)p, &sb) < 0 || sb.st_ino != want.st_ino || sb.st_dev != want.st_dev)
        continue;
      v = xrealloc (v, (len + 1) * sizeof (pid_t));
      v[len++] = (pid_t)p;
    }
  *pids = v;
  *n = len;
  return 0;
}

static int
write_time_offsets (const oci_spec *spec, berr_t **err)
{
  const oci_linux_time_offset_map *t = spec->linux ? spec->linux->time_offsets : NULL;
  cleanup_free char *buf = xstrdup ("");
  cleanup_close int fd = -1;
  size_t i;

  for (i = 0; t && i < t->len; i++)
    {
      char *next = xasprintf ("%s%s %lld %u\n", buf, t->keys[i], (long long)t->values[i]->secs,
                              (unsigned)t->values[i]->nanosecs);
      free (buf);
      buf = next;
    }
  if (*buf == '\0')
    return 0;
  fd = procfs_open_file ("self/timens_offsets", O_WRONLY, err);
  if (fd < 0)
    return berr_wrap (err, "linux.timeOffsets");
  if (write (fd, buf, strlen (buf)) != (ssize_t)strlen (buf))
    return berr_make (err, errno, "write linux.timeOffsets to '/proc/self/timens_offsets'");
  return 0;
}

int
ns_enter_new_time (const struct ns_plan *plan, const oci_spec *spec, berr_t **err)
{
  cleanup_close int fd = -1;
  int dumpable, r;

  if (!plan->new_timens)
    return 0;
  /* unshare() only moves our future children; the offsets can be written
   * until a first process enters, so write them, then enter ourselves
   * through time_for_children (we are single-threaded, as setns needs). */
  if (unshare (CLONE_NEWTIME) < 0)
    return berr_make (err, errno, "create a time namespace");
  /* Non-dumpable, our /proc/self files belong to the host's root, which a
   * rootless init cannot open.  Nothing else runs in our namespaces yet,
   * so being dumpable for this one write exposes us to no container. */
  dumpable = prctl (PR_GET_DUMPABLE, 0, 0, 0, 0);
  prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
  r = write_time_offsets (spec, err);
  prctl (PR_SET_DUMPABLE, dumpable > 0 ? dumpable : 0, 0, 0, 0);
  if (r < 0)
    return berr_wrap (err, "time namespace");
  fd = open ("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "open '/proc/self/ns/time_for_children'");
  if (setns (fd, CLONE_NEWTIME) < 0)
    return berr_make (err, errno, "enter the new time namespace");
  return 0;
}

/* A new network namespace starts with its loopback down: runc and crun
 * bring it up, and users rely on it (containers of a podman pod talk over
 * 127.0.0.1, a --network none container can still serve itself). */
int
ns_loopback_up (const struct ns_plan *plan, berr_t **err)
{
  struct ifreq ifr = { .ifr_name = "lo" };
  cleanup_close int fd = -1;

  if (!(plan->clone_flags & CLONE_NEWNET))
    return 0;
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return berr_make (err, errno, "bring up 'lo': socket");
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    return berr_make (err, errno, "bring up 'lo': get flags");
  if (ifr.ifr_flags & IFF_UP)
    return 0;
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    return berr_make (err, errno, "bring up 'lo'");
  return 0;
}
