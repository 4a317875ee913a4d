/* oci-spec - the default config.json (`berth spec`, the base of the
 * config.json `img unpack` writes). */
#ifndef OCI_SPEC_DEFAULT_H
#define OCI_SPEC_DEFAULT_H

#include <stdbool.h>
#include <sys/types.h>

/* runc's default spec (tab-indented, trailing newline, malloc'd); rootless
 * adds a user namespace mapping uid/gid to root and drops what needs real
 * root. */
char *oci_spec_default_json (bool rootless, uid_t uid, gid_t gid);

#endif
