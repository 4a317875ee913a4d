/* berth - helpers shared by the container-*.c files only. */
#ifndef BERTH_CONTAINER_INTERNAL_H
#define BERTH_CONTAINER_INTERNAL_H

#include <sys/types.h>

#include "container.h"

/* create, and hand back the init's pid (it is our child: run waits on it). */
int container_create_pid (struct berth_ctx *ctx, const struct create_opts *o, pid_t *pid, berr_t **err);

#endif
