/* berth - the typed message protocol between berth and the container init.
 *
 * Messages travel over a SOCK_SEQPACKET socketpair, one message per packet.
 * Every send has exactly one named matching receive: sync_expect(fd,
 * SYNC_X, ...) fails with "expected X, got Y" when the peer says something
 * else, and turns a SYNC_ERROR into the peer's error with its message intact. */
#ifndef BERTH_SYNC_H
#define BERTH_SYNC_H

#include <stddef.h>

#include "error.h"

enum sync_msg
{
  SYNC_ERROR = 1,     /* child -> parent: payload is the error message, errno in `value` */
  SYNC_INIT_READY,    /* child -> parent: namespaces, rootfs and process set up, blocking on exec.fifo */
  SYNC_CONSOLE_FD,    /* child -> parent: the pty master (SCM_RIGHTS) */
  SYNC_CONSOLE_ACK,   /* parent -> child: the master was taken care of */
  SYNC_EXEC_PID,      /* exec helper -> parent: host pid of the exec'd process in `value` */
  SYNC_USERMAP_DONE,  /* parent -> child: uid_map and gid_map are written */
  SYNC_HOOKS_REQUEST, /* child -> parent: mounts are ready, run prestart/createRuntime hooks */
  SYNC_HOOKS_DONE,    /* parent -> child: hooks ran; payload is the state JSON for the others */
  SYNC_SECCOMP_FD,    /* child -> parent: the seccomp notify listener (SCM_RIGHTS), for listenerPath */
  SYNC_MAX
};

struct sync_message
{
  enum sync_msg type;
  int value;
  char *data; /* NUL-terminated payload, may be NULL */
  int fd;     /* received descriptor or -1 */
};

const char *sync_msg_name (enum sync_msg m);

int sync_socketpair (int fds[2], berr_t **err);
int sync_send (int fd, enum sync_msg type, int value, const char *data, berr_t **err);
int sync_send_fd (int fd, enum sync_msg type, int passfd, const char *data, berr_t **err);
/* Send an error (child side); never fails loudly: the parent sees EOF otherwise. */
void sync_send_error (int fd, const berr_t *e);

/* Receive one message; EOF (or a reset: the peer exited with a message
 * unread) is reported as "init process exited before sending X", with
 * status EPIPE so that the caller, which can reap the init, adds how it
 * ended. */
int sync_expect (int fd, enum sync_msg want, struct sync_message *out, berr_t **err);
void sync_message_clear (struct sync_message *m);

/* Wait until every peer closed the socket (close-on-exec: the process
 * exec'd).  A SYNC_ERROR instead fails with the peer's message. */
int sync_wait_close (int fd, berr_t **err);

#endif
