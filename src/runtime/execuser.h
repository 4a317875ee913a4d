/* berth - `exec --user NAME[:GROUP]`: names resolved against the
 * container's own /etc/passwd and /etc/group. */
#ifndef BERTH_EXECUSER_H
#define BERTH_EXECUSER_H

#include <stdbool.h>

#include "error.h"

typedef struct oci_process oci_process;

/* Whether "USER[:GROUP]" names a user or group (not only numbers). */
bool execuser_needs_lookup (const char *spec);

/* In the exec child, inside the container's mount namespace: set
 * p->user's uid and gid from spec, and add the groups that list the user
 * as a member (as runc does) to its additionalGids. */
int execuser_resolve (oci_process *p, const char *spec, berr_t **err);

#endif
