/* berth - the NOTIFY_SOCKET proxy (sd_notify for containers).
 *
 * systemd (or conmon) hands berth a datagram socket in NOTIFY_SOCKET and
 * waits for READY=1.  The container cannot reach the host's socket, so,
 * as runc does, `create` gives it a directory of its own in the state dir,
 * bind-mounted at /run/notify, and `start` binds a datagram socket there
 * before the process runs, forwards every message it receives to the
 * host's socket, and returns once READY=1 has passed, adding MAINPID with
 * the container's pid so that systemd watches the right process.  The
 * directory (not the socket file) is mounted so that `start` can bind a
 * fresh socket after `create` has exited. */
#include <config.h>

#include "notify-socket.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "oci-spec.h"
#include "process.h"
#include "util.h"

#define NOTIFY_DIR "notify"
#define NOTIFY_SOCK "notify.sock"

static const char *
host_socket (void)
{
  const char *s = getenv ("NOTIFY_SOCKET");
  return s && *s ? s : NULL;
}

static void
add_mount (oci_spec *spec, const char *source)
{
  static const char *const opts[] = { "bind", "nosuid", "noexec", "nodev", "ro" };
  oci_mount *m = xzalloc (sizeof (*m));
  size_t i;

  m->destination = xstrdup ("/run/notify");
  m->type = xstrdup ("bind");
  m->source = xstrdup (source);
  m->options = xzalloc ((sizeof (opts) / sizeof (opts[0]) + 1) * sizeof (char *));
  for (i = 0; i < sizeof (opts) / sizeof (opts[0]); i++)
    m->options[i] = xstrdup (opts[i]);
  m->options_len = i;
  spec->mounts = xrealloc (spec->mounts, (spec->mounts_len + 1) * sizeof (oci_mount *));
  spec->mounts[spec->mounts_len++] = m;
}

int
notify_socket_prepare (const char *root, const char *id, int dirfd, oci_spec *spec, berr_t **err)
{
  cleanup_free char *dir = NULL;
  cleanup_free char *abs = NULL;

  if (host_socket () == NULL || spec->process == NULL)
    return 0;
  /* 0755: a container root mapped to another uid must reach the socket. */
  if (mkdirat (dirfd, NOTIFY_DIR, 0755) < 0 && errno != EEXIST)
    return berr_make (err, errno, "notify socket: create '%s/%s/%s'", root, id, NOTIFY_DIR);
  if (fchmodat (dirfd, NOTIFY_DIR, 0755, 0) < 0)
    return berr_make (err, errno, "notify socket: chmod '%s/%s/%s'", root, id, NOTIFY_DIR);
  /* A relative mount source would be read relative to the bundle. */
  abs = realpath (root, NULL);
  if (abs == NULL)
    return berr_make (err, errno, "notify socket: resolve '%s'", root);
  dir = xasprintf ("%s/%s/%s", abs, id, NOTIFY_DIR);
  add_mount (spec, dir);
  process_env_set (spec->process, "NOTIFY_SOCKET=" NOTIFY_SOCKET_IN_CONTAINER);
  return 0;
}

int
notify_socket_listen (const char *root, const char *id, int dirfd, int *fd, berr_t **err)
{
  cleanup_free char *path = NULL;
  cleanup_close int s = -1;
  cleanup_close int via = -1;
  struct sockaddr_un a;
  struct stat sb;
  unsigned int len;

  *fd = -1;
  if (host_socket () == NULL || fstatat (dirfd, NOTIFY_DIR, &sb, AT_SYMLINK_NOFOLLOW) < 0
      || !S_ISDIR (sb.st_mode))
    return 0;
  /* A deep --root makes this longer than sun_path: util_unix_addr. */
  path = xasprintf ("%s/%s/%s/%s", root, id, NOTIFY_DIR, NOTIFY_SOCK);
  if (util_unix_addr (path, &a, &len, &via, err) < 0)
    return berr_wrap (err, "notify socket");
  s = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0)
    return berr_make (err, errno, "notify socket: socket");
  unlink (path);
  if (bind (s, (struct sockaddr *)&a, len) < 0)
    return berr_make (err, errno, "notify socket: bind '%s'", path);
  /* Any uid in the container may notify, as with systemd's own socket. */
  if (chmod (path, 0777) < 0)
    return berr_make (err, errno, "notify socket: chmod '%s'", path);
  *fd = steal_fd (s);
  return 0;
}

static int
send_host (int out, const struct sockaddr_un *a, unsigned int len, const char *buf, size_t n, berr_t **err)
{
  if (sendto (out, buf, n, MSG_NOSIGNAL, (const struct sockaddr *)a, len) < 0)
    return berr_make (err, errno, "notify socket: forward to '%s'", host_socket ());
  return 0;
}

static bool
has_ready (const char *buf)
{
  const char *l;
  for (l = buf; l; l = strchr (l, '\n'), l = l ? l + 1 : NULL)
    if (strncmp (l, "READY=1", 7) == 0 && (l[7] == '\n' || l[7] == '\0'))
      return true;
  return false;
}

int
notify_socket_wait (int fd, pid_t pid, berr_t **err)
{
  cleanup_close int in = fd, out = -1;
  /* Readable once the process has exited, zombie or not (berth run is its
   * parent and has not reaped it yet). */
  cleanup_close int pidfd = (int)syscall (SYS_pidfd_open, pid, 0);
  /* Open while we forward: it may be how the address reaches the socket. */
  cleanup_close int via = -1;
  struct sockaddr_un a;
  unsigned int len;
  char buf[4097];

  if (util_unix_addr (host_socket () ? host_socket () : "", &a, &len, &via, err) < 0)
    return berr_wrap (err, "NOTIFY_SOCKET");
  out = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (out < 0)
    return berr_make (err, errno, "notify socket: socket");
  for (;;)
    {
      struct pollfd p[2] = { { .fd = in, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
      ssize_t n;
      int r = poll (p, 2, 100);

      if (r < 0 && errno != EINTR)
        return berr_make (err, errno, "notify socket: poll");
      if (r <= 0 || !(p[0].revents & POLLIN))
        {
          /* Messages first; then, a process that exited without READY=1
           * leaves the verdict to the service manager, which sees it. */
          if ((r > 0 && (p[1].revents & POLLIN)) || (pidfd < 0 && kill (pid, 0) < 0 && errno == ESRCH))
            return 0;
          continue;
        }
      n = recv (in, buf, sizeof (buf) - 1, 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      if (n < 0)
        return berr_make (err, errno, "notify socket: receive");
      buf[n] = '\0';
      if (send_host (out, &a, len, buf, (size_t)n, err) < 0)
        return -1;
      if (has_ready (buf))
        {
          int m = snprintf (buf, sizeof (buf), "MAINPID=%d\n", (int)pid);
          return send_host (out, &a, len, buf, (size_t)m, err);
        }
    }
}
