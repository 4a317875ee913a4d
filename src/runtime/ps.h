/* berth - `ps`: the host's ps(1) output restricted to one container. */
#ifndef BERTH_PS_H
#define BERTH_PS_H

#include <stdio.h>
#include <sys/types.h>

#include "error.h"

/* Run `ps ARGS` (default "-ef") and print its header and the lines whose PID
 * column is one of pids. */
int ps_print_table (FILE *out, char **ps_args, int n_args, const pid_t *pids, size_t n_pids, berr_t **err);

#endif
