/* berth - run from a sealed in-memory copy of our own binary (CVE-2019-5736). */
#ifndef BERTH_SELFEXE_H
#define BERTH_SELFEXE_H

#include <stdbool.h>

#include "error.h"

/* Whether the command named `cmd` enters a container (create, run, exec)
 * and so must not run from the host's berth binary. */
bool selfexe_needed (const char *cmd);

/* Unless /proc/self/exe already is a sealed memfd, copy the binary into one,
 * seal it against writes and re-execute it with argv and the current
 * environment.  Returns 0 when already sealed; on success it never returns. */
int selfexe_ensure_sealed (char **argv, berr_t **err);

#endif
