/* berth - user namespace id maps: writing them for the container init
 * (directly, or through newuidmap/newgidmap when an unprivileged caller maps
 * more than its own ids), rootless detection, and user namespace descriptors
 * carrying arbitrary mappings for idmapped mounts. */
#ifndef BERTH_USERNS_H
#define BERTH_USERNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

typedef struct oci_linux_id_mapping oci_linux_id_mapping;
typedef struct oci_spec oci_spec;

struct userns_maps
{
  oci_linux_id_mapping **uid;
  size_t uid_len;
  oci_linux_id_mapping **gid;
  size_t gid_len;
};

/* Write uid_map and gid_map of process pid (which must still be dumpable).
 * Root writes them itself; an unprivileged caller writes a map of its own
 * id itself (with setgroups denied first, as the kernel demands) and hands
 * anything larger to newuidmap/newgidmap (shadow's uidmap package), which
 * check the ranges against /etc/subuid and /etc/subgid. */
int userns_write_maps (pid_t pid, const struct userns_maps *m, berr_t **err);

/* A descriptor of a new user namespace with the given mappings (for
 * mount_setattr MOUNT_ATTR_IDMAP): a short-lived child is cloned into it,
 * its /proc/PID/ns/user opened, and the child reaped. */
int userns_fd_with_maps (const struct userns_maps *m, berr_t **err);

/* A new user namespace without uidMappings/gidMappings, unprivileged (what
 * `crun spec --rootless` writes): map the caller's euid and egid to 0, as
 * crun does.  Root must say what it wants (support.c refuses). */
void userns_default_maps (oci_spec *spec);

/* --rootless true|false|auto (NULL = auto): auto means euid != 0, or root
 * of a user namespace other than the initial one (runc's rule). */
bool userns_is_rootless (const char *flag);

/* Whether this process runs in the initial user namespace. */
bool userns_in_initial (void);

#endif
