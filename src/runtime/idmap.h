/* berth - idmapped bind mounts (mount options idmap and ridmap,
 * mounts[].uidMappings/gidMappings of runtime-spec 1.2). */
#ifndef BERTH_IDMAP_H
#define BERTH_IDMAP_H

#include <stddef.h>

#include "error.h"

typedef struct oci_spec oci_spec;

/* One slot per mounts[] entry: a detached, already idmapped clone of the
 * bind source, or -1 for a mount that is not idmapped. */
struct idmap_mounts
{
  int *fds;
  size_t n;
};

/* Prepare every idmapped mount of spec, in berth's own (host) namespaces
 * and before clone(): the kernel only lets a process that controls both the
 * mapping's user namespace and the source's file system set
 * MOUNT_ATTR_IDMAP, which the init in a new user namespace does not.  The
 * init inherits the descriptors and attaches them with move_mount.
 * out->fds is NULL when no mount is idmapped. */
int idmap_mounts_prepare (const oci_spec *spec, const char *bundle, struct idmap_mounts *out, berr_t **err);
void idmap_mounts_close (struct idmap_mounts *m);

#endif
