/* berth - helpers shared by the container-*.c files only. */
#ifndef BERTH_CONTAINER_INTERNAL_H
#define BERTH_CONTAINER_INTERNAL_H

#include <signal.h>
#include <sys/types.h>

#include "container.h"

/* create, and hand back the init's pid (it is our child: run waits on it). */
int container_create_pid (struct berth_ctx *ctx, const struct create_opts *o, pid_t *pid, int *console,
                          berr_t **err);

/* The signals run and exec forward to their process, plus SIGCHLD. */
void container_forward_set (sigset_t *set);
/* With set blocked: forward signals to pid until it exits; its exit status
 * (128+N when killed by signal N).  console >= 0: a pty master to proxy to
 * our stdio meanwhile. */
int container_wait_forwarding (pid_t pid, const sigset_t *set, int console, int *exit_status, berr_t **err);

int container_receive_console (int sync_fd, const char *console_socket, bool caller_size, int *console,
                               berr_t **err);

#endif
