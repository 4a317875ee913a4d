/* berth - implementation of the parent/child sync protocol (see sync.h).
 *
 * Wire format: a fixed header {type, value, length} followed by the payload,
 * in one SOCK_SEQPACKET packet so a message is never split or merged; a
 * descriptor rides along as SCM_RIGHTS ancillary data. */
#include <config.h>

#include "sync.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util.h"

/* Room for a state document with many annotations (hooks). */
#define SYNC_MAX_PAYLOAD 65536

struct sync_header
{
  uint32_t type;
  int32_t value;
  uint32_t len;
};

const char *
sync_msg_name (enum sync_msg m)
{
  static const char *const names[] = {
    [SYNC_ERROR] = "SYNC_ERROR",
    [SYNC_INIT_READY] = "SYNC_INIT_READY",
    [SYNC_CONSOLE_FD] = "SYNC_CONSOLE_FD",
    [SYNC_CONSOLE_ACK] = "SYNC_CONSOLE_ACK",
    [SYNC_EXEC_PID] = "SYNC_EXEC_PID",
    [SYNC_USERMAP_DONE] = "SYNC_USERMAP_DONE",
    [SYNC_HOOKS_REQUEST] = "SYNC_HOOKS_REQUEST",
    [SYNC_HOOKS_DONE] = "SYNC_HOOKS_DONE",
    [SYNC_SECCOMP_FD] = "SYNC_SECCOMP_FD",
  };
  if ((int)m <= 0 || m >= SYNC_MAX || names[m] == NULL)
    return "unknown message";
  return names[m];
}

int
sync_socketpair (int fds[2], berr_t **err)
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return berr_make (err, errno, "create sync socketpair");
  return 0;
}

static int
send_packet (int fd, enum sync_msg type, int value, const char *data, int passfd, berr_t **err)
{
  struct sync_header h = { .type = type, .value = value, .len = data ? (uint32_t)strlen (data) : 0 };
  struct iovec iov[2];
  struct msghdr mh = { 0 };
  char cbuf[CMSG_SPACE (sizeof (int))];

  if (h.len > SYNC_MAX_PAYLOAD)
    h.len = SYNC_MAX_PAYLOAD;
  iov[0] = (struct iovec){ &h, sizeof (h) };
  iov[1] = (struct iovec){ (void *)data, h.len };
  mh.msg_iov = iov;
  mh.msg_iovlen = h.len ? 2 : 1;
  if (passfd >= 0)
    {
      struct cmsghdr *c;
      memset (cbuf, 0, sizeof (cbuf));
      mh.msg_control = cbuf;
      mh.msg_controllen = sizeof (cbuf);
      c = CMSG_FIRSTHDR (&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &passfd, sizeof (int));
    }
  while (sendmsg (fd, &mh, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return berr_make (err, errno, "sync: send %s", sync_msg_name (type));
  return 0;
}

int
sync_send (int fd, enum sync_msg type, int value, const char *data, berr_t **err)
{
  return send_packet (fd, type, value, data, -1, err);
}

int
sync_send_fd (int fd, enum sync_msg type, int passfd, const char *data, berr_t **err)
{
  return send_packet (fd, type, 0, data, passfd, err);
}

void
sync_send_error (int fd, const berr_t *e)
{
  berr_t *ignored = NULL;
  send_packet (fd, SYNC_ERROR, e ? e->status : 0, e && e->msg ? e->msg : "unknown error", -1, &ignored);
  berr_free (ignored);
}

static int
recv_packet (int fd, struct sync_message *out, berr_t **err)
{
  char buf[sizeof (struct sync_header) + SYNC_MAX_PAYLOAD + 1];
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { buf, sizeof (buf) - 1 };
  struct msghdr mh
    = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct sync_header h;
  struct cmsghdr *c;
  ssize_t n;

  memset (out, 0, sizeof (*out));
  out->fd = -1;
  while ((n = recvmsg (fd, &mh, MSG_CMSG_CLOEXEC)) < 0)
    if (errno != EINTR)
      return berr_make (err, errno, "sync: receive");
  if (n == 0)
    return 0;
  if ((size_t)n < sizeof (h))
    return berr_make (err, 0, "sync: short message (%zd bytes)", n);
  memcpy (&h, buf, sizeof (h));
  for (c = CMSG_FIRSTHDR (&mh); c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&out->fd, CMSG_DATA (c), sizeof (int));
  out->type = (enum sync_msg)h.type;
  out->value = h.value;
  if (h.len > 0 && (size_t)n >= sizeof (h) + h.len)
    out->data = xstrndup (buf + sizeof (h), h.len);
  return 1;
}

int
sync_expect (int fd, enum sync_msg want, struct sync_message *out, berr_t **err)
{
  struct sync_message m;
  int r = recv_packet (fd, &m, err);

  /* An init that exits with our last message unread in its queue resets
   * the connection: that is its exit too, not a socket problem. */
  if (r < 0 && err && *err && (*err)->status == ECONNRESET)
    {
      berr_clear (err);
      r = 0;
    }
  if (r < 0)
    return -1;
  if (r == 0)
    {
      /* EPIPE, without a strerror in the message: the parent, which can
       * reap the init, adds how it ended (sync.h). */
      berr_make (err, 0, "init process exited before sending %s", sync_msg_name (want));
      if (err && *err)
        (*err)->status = EPIPE;
      return -1;
    }
  if (m.type == SYNC_ERROR && want != SYNC_ERROR)
    {
      /* The child's error, verbatim: its message already carries the
       * context (path, syscall) it failed on. */
      berr_make (err, 0, "%s", m.data ? m.data : "unknown error in the container init");
      (*err)->status = m.value;
      sync_message_clear (&m);
      return -1;
    }
  if (m.type != want)
    {
      berr_make (err, 0, "sync: expected %s, got %s", sync_msg_name (want), sync_msg_name (m.type));
      sync_message_clear (&m);
      return -1;
    }
  if (out)
    *out = m;
  else
    sync_message_clear (&m);
  return 0;
}

void
sync_message_clear (struct sync_message *m)
{
  free (m->data);
  m->data = NULL;
  if (m->fd >= 0)
    close (m->fd);
  m->fd = -1;
}

int
sync_wait_close (int fd, berr_t **err)
{
  struct sync_message m;
  int r = recv_packet (fd, &m, err);

  if (r <= 0)
    return r;
  if (m.type == SYNC_ERROR)
    {
      berr_make (err, 0, "%s", m.data ? m.data : "unknown error in the container process");
      (*err)->status = m.value;
    }
  else
    berr_make (err, 0, "sync: expected the process to exec, got %s", sync_msg_name (m.type));
  sync_message_clear (&m);
  return -1;
}
