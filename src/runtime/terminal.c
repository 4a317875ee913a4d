/* berth - terminals.
 *
 * The pty is allocated by the container init from the container's own
 * /dev/ptmx (its devpts instance), so the slave's owner and path are the
 * container's; only the master leaves the container, over the sync socket,
 * and from there to the caller's --console-socket or to run's proxy. */
#include <config.h>

#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "oci-spec.h"
#include "rootfs.h"
#include "util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO ('T', 0x41)
#endif

/* The slave comes from the master itself (TIOCGPTPEER), never from the
 * path /dev/pts/N: the container's /dev/pts may be anything, and a symlink
 * there once made runc bind a procfs file onto /dev/console
 * (CVE-2025-52565).  Both ends must be devpts character devices. */
static bool
is_devpts_chr (int fd)
{
  struct statfs sfs;
  struct stat st;

  return fstat (fd, &st) == 0 && S_ISCHR (st.st_mode) && fstatfs (fd, &sfs) == 0
         && sfs.f_type == DEVPTS_SUPER_MAGIC;
}

static int
open_slave (int master, char **name, berr_t **err)
{
  unsigned int n;
  int unlock = 0, fd;

  if (!is_devpts_chr (master))
    return berr_make (err, 0, "'/dev/ptmx' in the container is not a devpts multiplexer");
  if (ioctl (master, TIOCSPTLCK, &unlock) < 0)
    return berr_make (err, errno, "unlock pty");
  if (ioctl (master, TIOCGPTN, &n) < 0)
    return berr_make (err, errno, "get pty number");
  *name = xasprintf ("/dev/pts/%u", n);
  fd = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "open pty slave '%s'", *name);
  if (!is_devpts_chr (fd))
    {
      close (fd);
      return berr_make (err, 0, "pty slave '%s' is not on devpts", *name);
    }
  return fd;
}

int
terminal_create (const oci_process *p, bool console, int *master, char **name, berr_t **err)
{
  cleanup_close int m = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  cleanup_close int slave = -1;
  int i;

  if (m < 0)
    return berr_make (err, errno, "open '/dev/ptmx' in the container");
  slave = open_slave (m, name, err);
  if (slave < 0)
    return -1;
  if (p->console_size)
    {
      struct winsize ws = { .ws_row = (unsigned short)p->console_size->height,
                            .ws_col = (unsigned short)p->console_size->width };
      if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
        return berr_make (err, errno, "set console size");
    }
  if (console && rootfs_bind_console (slave, err) < 0)
    return -1;
  if (setsid () < 0)
    return berr_make (err, errno, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return berr_make (err, errno, "set controlling terminal");
  for (i = 0; i < 3; i++)
    if (dup2 (slave, i) < 0)
      return berr_make (err, errno, "dup pty slave to fd %d", i);
  *master = steal_fd (m);
  return 0;
}

int
terminal_send (const char *socket_path, int master, const char *name, berr_t **err)
{
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr;
  unsigned int addr_len;
  cleanup_close int via = -1;
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { (void *)name, strlen (name) };
  struct msghdr mh
    = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c;

  if (fd < 0)
    return berr_make (err, errno, "console socket");
  /* Longer than sun_path: through a descriptor of its directory. */
  if (util_unix_addr (socket_path, &addr, &addr_len, &via, err) < 0)
    return berr_wrap (err, "console socket");
  if (connect (fd, (struct sockaddr *)&addr, addr_len) < 0)
    return berr_make (err, errno, "connect to console socket '%s'", socket_path);
  memset (cbuf, 0, sizeof (cbuf));
  c = CMSG_FIRSTHDR (&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &master, sizeof (int));
  while (sendmsg (fd, &mh, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return berr_make (err, errno, "send the pty to console socket '%s'", socket_path);
  return 0;
}

static struct termios saved_termios;
static bool termios_saved;

void
terminal_resize (int master)
{
  struct winsize ws;
  if (ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl (master, TIOCSWINSZ, &ws);
}

void
terminal_proxy_begin (int master)
{
  struct termios raw;

  if (!isatty (STDIN_FILENO) || tcgetattr (STDIN_FILENO, &saved_termios) < 0)
    return;
  termios_saved = true;
  raw = saved_termios;
  cfmakeraw (&raw);
  tcsetattr (STDIN_FILENO, TCSANOW, &raw);
  terminal_resize (master);
}

void
terminal_restore (void)
{
  if (termios_saved)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved_termios);
  termios_saved = false;
}

bool
terminal_pump (int from, int to)
{
  char buf[8192];
  ssize_t n = read (from, buf, sizeof (buf));
  berr_t *ignored = NULL;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return true;
  if (n <= 0)
    return false;
  if (util_write_all (to, buf, (size_t)n, &ignored) < 0)
    {
      berr_free (ignored);
      return false;
    }
  return true;
}
