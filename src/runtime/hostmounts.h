/* berth - the mounts of a container that has no mount namespace of its own.
 *
 * Such a container shares berth's mount namespace (runtime-spec: a
 * namespace type not listed is inherited from the runtime), so its init
 * makes the config's mounts there, below the rootfs, and they outlive the
 * container (runc leaves them behind).  `create` notes which mounts
 * appeared at or below the rootfs, `delete` detaches exactly those. */
#ifndef BERTH_HOSTMOUNTS_H
#define BERTH_HOSTMOUNTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "error.h"

typedef struct oci_spec oci_spec;

/* The state dir's record of the mounts to remove: "ID PATH" lines, PATH
 * escaped as in mountinfo. */
#define HOSTMOUNTS_FILE "hostmounts"
/* Written by hostmounts_begin: the mount ids at or below the rootfs before
 * the init ran, and the rootfs, so that a create killed before
 * hostmounts_save still leaves delete what it needs. */
#define HOSTMOUNTS_BEFORE "hostmounts.before"

struct hostmounts
{
  bool active;        /* spec has no mount namespace */
  const char *rootfs; /* absolute, canonical (borrowed) */
  uint64_t *before;   /* mount ids at or below rootfs before the init ran */
  size_t n_before;
};

/* create, before the init: remember the mounts already at or below rootfs
 * (nothing to do, h->active false, when spec has a mount namespace). */
int hostmounts_begin (const oci_spec *spec, const char *rootfs, int dirfd, struct hostmounts *h,
                      berr_t **err);

/* create, once the init is ready: write HOSTMOUNTS_FILE in dirfd. */
int hostmounts_save (const struct hostmounts *h, int dirfd, berr_t **err);

/* create failed: detach the mounts the init made (best effort). */
void hostmounts_undo (const struct hostmounts *h);

void hostmounts_clear (struct hostmounts *h);

/* delete: detach the mounts HOSTMOUNTS_FILE in dirfd lists, last first,
 * each only if the same mount (by id) is still at that path, reached
 * without following a symlink (the container could have planted one); one
 * that cannot be detached is logged as a warning.  Without the file, the
 * mounts below the rootfs that HOSTMOUNTS_BEFORE does not list (a create
 * killed midway); nothing to do when neither file exists. */
int hostmounts_release (int dirfd, berr_t **err);

#endif
