/* berth - NOTIFY_SOCKET: systemd-style readiness from inside a container,
 * proxied to the socket berth itself was given. */
#ifndef BERTH_NOTIFY_SOCKET_H
#define BERTH_NOTIFY_SOCKET_H

#include <sys/types.h>

#include "error.h"

typedef struct oci_spec oci_spec;

/* Where the container sees the socket (runc's path). */
#define NOTIFY_SOCKET_IN_CONTAINER "/run/notify/notify.sock"

/* create: when berth has NOTIFY_SOCKET, make <root>/<id>/notify, bind-mount
 * it (read-only) at /run/notify and point the process's NOTIFY_SOCKET
 * there.  Nothing happens without NOTIFY_SOCKET. */
int notify_socket_prepare (const char *root, const char *id, int dirfd, oci_spec *spec, berr_t **err);

/* start: bind the container's socket before the process runs; *fd stays
 * -1 when there is nothing to proxy (no NOTIFY_SOCKET, or the container
 * was created without one). */
int notify_socket_listen (const char *root, const char *id, int dirfd, int *fd, berr_t **err);

/* start: forward what the container sends to the host socket until it
 * sends READY=1 (then MAINPID=<pid> follows, as runc does), or until the
 * process is gone.  Closes fd. */
int notify_socket_wait (int fd, pid_t pid, berr_t **err);

#endif
