/* berth - device nodes and /dev symlinks inside the container's /dev.
 *
 * Nodes are created with mknod, or, inside a user namespace (where mknod of
 * a device is not permitted), as empty files with the host's node bind-mounted
 * over them.  Every path is resolved inside the rootfs (see mounts.h). */
#ifndef BERTH_DEVICES_H
#define BERTH_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* One linux.devices entry (or a default device). */
struct device_entry
{
  const char *path; /* absolute inside the container: /dev/fuse */
  char type;        /* 'c', 'u' (unbuffered char), 'b' or 'p' */
  int64_t major, minor;
  uint32_t file_mode; /* permission bits; 0666 when the config omits fileMode */
  uint32_t uid, gid;
};

/* Parse the config's type string ("c", "b", "u", "p") into *type. */
int devices_parse_type (const char *s, char *type, berr_t **err);

/* /dev/null, zero, full, random, urandom, tty (0666, root-owned). */
int devices_create_defaults (int rootfd, bool userns, berr_t **err);

/* Create one node.  An existing node at the path is kept, as runc does. */
int devices_create (int rootfd, const struct device_entry *d, bool userns, berr_t **err);

/* /dev/fd, stdin, stdout, stderr -> /proc/self/fd/...; with have_devpts also
 * /dev/ptmx -> pts/ptmx (replacing a node or file the image may carry). */
int devices_symlinks (int rootfd, bool have_devpts, berr_t **err);

#endif
