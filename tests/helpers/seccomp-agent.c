/* seccomp-agent - a small seccomp notify agent for the integration tests.
 *
 * usage: seccomp-agent SOCKET OUTDIR MODE [TIMEOUT_SECS]
 *
 * It listens on the unix socket SOCKET (linux.seccomp.listenerPath), and
 * for every runtime that connects stores the containerProcessState
 * document it sends in OUTDIR/state-N.json and keeps the seccomp listener
 * fd that came with it (SCM_RIGHTS).  Every notification on those fds is
 * logged to OUTDIR/notifications ("NR PID" a line) and answered by MODE:
 *   errno:N   the syscall fails with errno N
 *   success   the syscall "succeeds" (returns 0) without being run
 *   continue  the kernel runs the syscall as if there were no filter
 * OUTDIR/ready appears once the socket listens.  The agent exits 0 when
 * every listener it got is closed (the filtered processes are gone), or
 * with 1 after TIMEOUT_SECS (default 60) so a failed test cannot leave it.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 16

struct agent
{
  const char *outdir;
  int mode_errno; /* > 0: errno:N */
  int continue_;  /* continue; neither: success */
  struct pollfd fds[MAX_FDS];
  int nfds;
  int connections;
};

static void
die (const char *what)
{
  fprintf (stderr, "seccomp-agent: %s: %s\n", what, strerror (errno));
  exit (1);
}

static void
write_file (const struct agent *a, const char *name, const char *data, size_t len, const char *mode)
{
  char path[4096];
  FILE *f;

  snprintf (path, sizeof (path), "%s/%s", a->outdir, name);
  f = fopen (path, mode);
  if (f == NULL)
    die (path);
  fwrite (data, 1, len, f);
  fclose (f);
}

/* The document is complete when its outermost object closes: a runtime
 * may keep the connection open (runc does), so EOF cannot be waited for. */
static int
json_complete (const char *s, size_t len)
{
  int depth = 0, in_str = 0;
  size_t i;

  for (i = 0; i < len; i++)
    {
      if (in_str)
        {
          if (s[i] == '\\')
            i++;
          else if (s[i] == '"')
            in_str = 0;
        }
      else if (s[i] == '"')
        in_str = 1;
      else if (s[i] == '{' || s[i] == '[')
        depth++;
      else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
        return 1;
    }
  return 0;
}

/* One runtime connection: the document and the fd. */
static void
take_connection (struct agent *a, int listen_fd)
{
  static char doc[1 << 16];
  char cbuf[CMSG_SPACE (sizeof (int) * 4)];
  struct iovec iov = { .iov_base = doc, .iov_len = sizeof (doc) - 1 };
  struct msghdr msg
    = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c;
  char name[64];
  size_t len;
  ssize_t n;
  int conn, fd = -1;

  conn = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    die ("accept");
  n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0)
    die ("recvmsg");
  for (c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&fd, CMSG_DATA (c), sizeof (int));
  len = (size_t)n;
  while (n > 0 && len < sizeof (doc) - 1 && !json_complete (doc, len))
    {
      n = read (conn, doc + len, sizeof (doc) - 1 - len);
      if (n < 0)
        die ("read");
      len += (size_t)n;
    }
  close (conn);
  snprintf (name, sizeof (name), "state-%d.json", ++a->connections);
  write_file (a, name, doc, len, "w");
  if (fd < 0)
    {
      fprintf (stderr, "seccomp-agent: connection %d came without a descriptor\n", a->connections);
      exit (1);
    }
  if (a->nfds == MAX_FDS)
    {
      fprintf (stderr, "seccomp-agent: too many listeners\n");
      exit (1);
    }
  a->fds[a->nfds++] = (struct pollfd){ .fd = fd, .events = POLLIN };
}

static void
answer (struct agent *a, int fd)
{
  struct seccomp_notif_sizes sizes;
  struct seccomp_notif *req;
  struct seccomp_notif_resp *resp;
  char line[64];
  int n;

  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    die ("SECCOMP_GET_NOTIF_SIZES");
  req = calloc (1, sizes.seccomp_notif);
  resp = calloc (1, sizes.seccomp_notif_resp);
  if (req == NULL || resp == NULL)
    die ("calloc");
  if (ioctl (fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
    {
      /* The process died between poll and recv. */
      if (errno != ENOENT && errno != EINTR)
        die ("SECCOMP_IOCTL_NOTIF_RECV");
      goto out;
    }
  n = snprintf (line, sizeof (line), "%d %u\n", req->data.nr, req->pid);
  write_file (a, "notifications", line, (size_t)n, "a");
  resp->id = req->id;
  if (a->continue_)
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  else if (a->mode_errno > 0)
    resp->error = -a->mode_errno;
  if (ioctl (fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
    die ("SECCOMP_IOCTL_NOTIF_SEND");
out:
  free (req);
  free (resp);
}

static int
listen_on (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    die ("socket");
  const char *name = path;
  char *dir = strdup (path);
  char *slash = dir ? strrchr (dir, '/') : NULL;
  int cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);

  /* A path longer than sun_path (108 bytes) is bound from its directory. */
  if (strlen (path) >= sizeof (addr.sun_path) && slash)
    {
      *slash = '\0';
      if (chdir (dir[0] ? dir : "/") < 0)
        die (path);
      name = path + (slash - dir) + 1;
    }
  free (dir);
  if (strlen (name) >= sizeof (addr.sun_path))
    {
      fprintf (stderr, "seccomp-agent: socket path too long\n");
      exit (2);
    }
  strcpy (addr.sun_path, name);
  unlink (name);
  if (bind (fd, (struct sockaddr *)&addr, sizeof (addr)) < 0 || listen (fd, 8) < 0)
    die (path);
  if (cwd < 0 || fchdir (cwd) < 0)
    die ("fchdir");
  close (cwd);
  /* A rootless runtime (another user) must be able to connect. */
  if (chmod (path, 0666) < 0)
    die (path);
  return fd;
}

static void
parse_mode (struct agent *a, const char *mode)
{
  if (strncmp (mode, "errno:", 6) == 0 && atoi (mode + 6) > 0)
    a->mode_errno = atoi (mode + 6);
  else if (strcmp (mode, "continue") == 0)
    a->continue_ = 1;
  else if (strcmp (mode, "success") != 0)
    {
      fprintf (stderr, "seccomp-agent: unknown mode '%s'\n", mode);
      exit (2);
    }
}

int
main (int argc, char **argv)
{
  struct agent a = { 0 };
  time_t end;
  int i;

  if (argc < 4)
    {
      fprintf (stderr, "usage: seccomp-agent SOCKET OUTDIR errno:N|success|continue [TIMEOUT_SECS]\n");
      return 2;
    }
  a.outdir = argv[2];
  parse_mode (&a, argv[3]);
  end = time (NULL) + (argc > 4 ? atoi (argv[4]) : 60);
  a.fds[a.nfds++] = (struct pollfd){ .fd = listen_on (argv[1]), .events = POLLIN };
  write_file (&a, "ready", "", 0, "w");
  while (a.connections == 0 || a.nfds > 1)
    {
      if (time (NULL) >= end)
        {
          fprintf (stderr, "seccomp-agent: timed out\n");
          return 1;
        }
      if (poll (a.fds, (nfds_t)a.nfds, 200) < 0 && errno != EINTR)
        die ("poll");
      if (a.fds[0].revents & POLLIN)
        take_connection (&a, a.fds[0].fd);
      for (i = 1; i < a.nfds; i++)
        {
          if (a.fds[i].revents & POLLIN)
            answer (&a, a.fds[i].fd);
          else if (a.fds[i].revents & (POLLHUP | POLLERR))
            {
              close (a.fds[i].fd);
              a.fds[i--] = a.fds[--a.nfds];
            }
        }
    }
  return 0;
}
