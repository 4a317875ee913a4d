/* berth - the default config.json `berth spec` writes. */
#ifndef BERTH_SPEC_DEFAULT_H
#define BERTH_SPEC_DEFAULT_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* runc's default spec (tab-indented, trailing newline); rootless adds a user
 * namespace mapping uid/gid to root and drops what needs real root. */
char *spec_default_json (bool rootless, uid_t uid, gid_t gid);

/* Write <dir>/config.json, refusing to replace an existing file. */
int spec_write_default (const char *dir, bool rootless, berr_t **err);

#endif
