/* berth - run from a sealed in-memory copy of our own binary (CVE-2019-5736). */
#ifndef BERTH_SELFEXE_H
#define BERTH_SELFEXE_H

#include <stdbool.h>

#include "error.h"

/* Whether the command named `cmd` enters a container (create, run, exec)
 * and so must not run from the host's berth binary. */
bool selfexe_needed (const char *cmd);

/* Unless /proc/self/exe already is a sealed copy, re-execute argv (with
 * the current environment) from a read-only overlayfs view of the binary
 * (root; `state_root` is its bottom layer) or from a
 * memfd copy sealed against writes.  Returns 0 when already sealed; on
 * success it never returns. */
int selfexe_ensure_sealed (char **argv, const char *state_root, berr_t **err);

#endif
