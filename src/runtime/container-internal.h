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

struct cgroup;
/* The cgroup recorded for the container (never destroyed by cgroup_clear);
 * an error saying why when it has none or it is gone. */
int container_cgroup_open (const struct container_state *st, struct cgroup *cg, berr_t **err);
/* After a SIGKILL to a paused container: thaw it, as runc does, so that
 * nothing is left frozen (errors only logged: the kill is what counts). */
void container_thaw_after_kill (const struct container_state *st);

int container_receive_console (int sync_fd, const char *console_socket, bool caller_size, int *console,
                               berr_t **err);

#endif
