/* berth - user namespace id maps and rootless detection.
 *
 * This file owns every write of a uid_map/gid_map: the container init's
 * (from the parent, after clone) and those of the throw-away namespaces
 * that only exist to give idmapped mounts their mapping.  The kernel lets
 * an unprivileged process map just its own id, and a gid map only after
 * setgroups() is denied (user_namespaces(7)); larger maps go through the
 * setuid helpers newuidmap/newgidmap, which check /etc/subuid and
 * /etc/subgid.  Their stderr is captured so their reason reaches the user's
 * error message, not a stray line on the terminal. */
#include <config.h>

#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci-spec.h"
#include "procfs.h"
#include "util.h"

static char *
format_map (oci_linux_id_mapping **m, size_t n)
{
  char *buf = xstrdup ("");
  size_t i;

  for (i = 0; i < n; i++)
    {
      char *next = xasprintf ("%s%u %u %u\n", buf, m[i]->container_id, m[i]->host_id, m[i]->size);
      free (buf);
      buf = next;
    }
  return buf;
}

static int
write_proc (pid_t pid, const char *file, const char *data, berr_t **err)
{
  /* One write() through a verified procfs (procfs.c): the kernel takes
   * the whole map at once, or nothing. */
  return procfs_write_pid_file (pid, file, data, err);
}

/* The only map the kernel accepts from an unprivileged writer. */
static bool
is_self_map (oci_linux_id_mapping **m, size_t n, unsigned id)
{
  return n == 1 && m[0]->size == 1 && m[0]->host_id == id;
}

/* Exit status and captured stderr of the helper, as an error. */
static int
tool_failed (const char *tool, int status, char *out, berr_t **err)
{
  size_t len = strlen (out);

  while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
    out[--len] = '\0';
  if (WIFEXITED (status) && WEXITSTATUS (status) == 127 && len == 0)
    return berr_make (err, 0,
                      "'%s' not found: mapping more than your own id needs it (Debian package uidmap) "
                      "and ranges in /etc/subuid and /etc/subgid",
                      tool);
  return berr_make (err, 0, "%s failed (status %d)%s%s", tool,
                    WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status), len ? ": " : "",
                    out);
}

static int
run_map_tool (const char *tool, pid_t pid, oci_linux_id_mapping **m, size_t n, berr_t **err)
{
  cleanup_strv char **argv = xzalloc ((3 * n + 3) * sizeof (char *));
  char out[1024] = { 0 };
  size_t i, k = 0, got = 0;
  int pipefd[2], status;
  ssize_t r;
  pid_t child;

  argv[k++] = xstrdup (tool);
  argv[k++] = xasprintf ("%d", (int)pid);
  for (i = 0; i < n; i++)
    {
      argv[k++] = xasprintf ("%u", m[i]->container_id);
      argv[k++] = xasprintf ("%u", m[i]->host_id);
      argv[k++] = xasprintf ("%u", m[i]->size);
    }
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return berr_make (err, errno, "pipe");
  child = fork ();
  if (child < 0)
    {
      close (pipefd[0]);
      close (pipefd[1]);
      return berr_make (err, errno, "fork %s", tool);
    }
  if (child == 0)
    {
      dup2 (pipefd[1], STDERR_FILENO);
      execvp (tool, argv);
      _exit (127);
    }
  close (pipefd[1]);
  while (got < sizeof (out) - 1 && (r = read (pipefd[0], out + got, sizeof (out) - 1 - got)) != 0)
    if (r > 0)
      got += (size_t)r;
    else if (errno != EINTR)
      break;
  close (pipefd[0]);
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return berr_make (err, errno, "wait for %s", tool);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  return tool_failed (tool, status, out, err);
}

static int
write_one (pid_t pid, const char *file, const char *tool, oci_linux_id_mapping **m, size_t n, bool use_tool,
           berr_t **err)
{
  cleanup_free char *data = NULL;

  if (use_tool)
    return run_map_tool (tool, pid, m, n, err) < 0 ? berr_wrap (err, "write %s", file) : 0;
  data = format_map (m, n);
  return write_proc (pid, file, data, err);
}

int
userns_write_maps (pid_t pid, const struct userns_maps *m, berr_t **err)
{
  bool priv = geteuid () == 0;
  bool uid_tool = !priv && !is_self_map (m->uid, m->uid_len, (unsigned)geteuid ());
  bool gid_tool = !priv && !is_self_map (m->gid, m->gid_len, (unsigned)getegid ());

  /* newgidmap decides about setgroups itself; denying it here would only
   * take supplementary groups away from a container that may use them. */
  if (!priv && !gid_tool && write_proc (pid, "setgroups", "deny", err) < 0)
    return -1;
  if (write_one (pid, "uid_map", "newuidmap", m->uid, m->uid_len, uid_tool, err) < 0
      || write_one (pid, "gid_map", "newgidmap", m->gid, m->gid_len, gid_tool, err) < 0)
    return -1;
  return 0;
}

/* The helper's side: be dumpable, say so, then live until the socket
 * closes. */
static void __attribute__ ((noreturn)) helper_wait (int sock)
{
  char c = 0;

  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  /* A caller that changed credentials is not dumpable, and neither is its
   * child: its /proc files would belong to root, and we (or newuidmap)
   * could not write the maps. */
  prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
  if (write (sock, &c, 1) == 1)
    while (read (sock, &c, 1) < 0 && errno == EINTR)
      ;
  _exit (0);
}

int
userns_fd_with_maps (const struct userns_maps *m, berr_t **err)
{
  cleanup_free char *path = NULL;
  int sv[2], fd = -1;
  long child;
  char c;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return berr_make (err, errno, "socketpair");
  /* fork-like: the child only waits for the socket to close. */
  child = syscall (SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, NULL);
  if (child < 0)
    {
      close (sv[0]);
      close (sv[1]);
      return berr_make (err, errno, "clone a user namespace");
    }
  if (child == 0)
    {
      close (sv[0]);
      helper_wait (sv[1]);
    }
  close (sv[1]);
  if (util_read_all (sv[0], &c, 1) != 1)
    berr_make (err, 0, "the user namespace helper exited early");
  else if (userns_write_maps ((pid_t)child, m, err) == 0)
    {
      path = xasprintf ("/proc/%ld/ns/user", child);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        berr_make (err, errno, "open '%s'", path);
    }
  close (sv[0]);
  while (waitpid ((pid_t)child, NULL, 0) < 0 && errno == EINTR)
    ;
  return fd;
}

static oci_linux_id_mapping **
self_map (unsigned id)
{
  oci_linux_id_mapping **v = xzalloc (sizeof (*v));

  v[0] = xzalloc (sizeof (**v));
  v[0]->host_id = id;
  v[0]->size = 1;
  v[0]->container_id_present = v[0]->host_id_present = v[0]->size_present = true;
  return v;
}

void
userns_default_maps (oci_spec *spec)
{
  oci_linux *l = spec->linux;
  bool new_userns = false;
  size_t i;

  for (i = 0; l && i < l->namespaces_len; i++)
    if (l->namespaces[i]->type && strcmp (l->namespaces[i]->type, "user") == 0
        && (l->namespaces[i]->path == NULL || *l->namespaces[i]->path == '\0'))
      new_userns = true;
  if (!new_userns || geteuid () == 0 || l->uid_mappings_len > 0 || l->gid_mappings_len > 0)
    return;
  free (l->uid_mappings);
  free (l->gid_mappings);
  l->uid_mappings = self_map ((unsigned)geteuid ());
  l->gid_mappings = self_map ((unsigned)getegid ());
  l->uid_mappings_len = l->gid_mappings_len = 1;
}

bool
userns_in_initial (void)
{
  cleanup_free char *data = NULL;
  unsigned long a, b, n;
  size_t len;
  berr_t *err = NULL;

  if (util_read_file ("/proc/self/uid_map", &data, &len, &err) < 0)
    {
      berr_free (err);
      return true;
    }
  return sscanf (data, "%lu %lu %lu", &a, &b, &n) == 3 && a == 0 && b == 0 && n == 4294967295UL
         && strchr (data, '\n') == data + len - 1;
}

bool
userns_is_rootless (const char *flag)
{
  if (flag && strcmp (flag, "true") == 0)
    return true;
  if (flag && strcmp (flag, "false") == 0)
    return false;
  return geteuid () != 0 || !userns_in_initial ();
}
