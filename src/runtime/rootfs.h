/* berth - the container's root file system: mounts, devices, pivot_root and
 * the masked/readonly paths, run by the container init inside its new mount
 * namespace.  Without one (no "mount" in linux.namespaces) the mounts are
 * made in berth's namespace below the rootfs, "/" keeps its propagation and
 * a chroot replaces the pivot (runc's behaviour; hostmounts.c removes the
 * mounts at delete); support.c refuses what needs a namespace of its own.
 *
 * The init calls, in this order:
 *   rootfs_setup ()    -- propagation of /, rootfs bind, config mounts, /dev
 *   (createContainer hooks run here, cwd unchanged)
 *   rootfs_pivot ()    -- pivot_root (or MS_MOVE + chroot), chdir ("/")
 *   rootfs_finalize () -- maskedPaths, readonlyPaths, root.readonly
 * Every path inside the rootfs is resolved through file descriptors
 * (openat2 RESOLVE_IN_ROOT), so a hostile rootfs cannot redirect a mount or a
 * mknod onto the host. */
#ifndef BERTH_ROOTFS_H
#define BERTH_ROOTFS_H

#include <stdbool.h>

#include "error.h"

/* The generated type (oci-spec); repeating the typedef is valid C11. */
typedef struct oci_spec oci_spec;

struct rootfs_config
{
  const oci_spec *spec; /* parsed, validated config */
  const char *bundle;   /* absolute bundle path */
  const char *rootfs;   /* absolute host path of spec->root->path (resolved against bundle) */
  bool no_pivot;        /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
  bool userns;          /* inside a new user namespace: bind-mount devices instead of mknod */
  const int *idmap_fds; /* per mounts[] entry, a prepared idmapped tree or -1 (idmap.c); NULL: none */
};

/* Propagation of /, bind of the rootfs onto itself, every `mounts` entry in
 * order, default and configured devices, /dev symlinks. */
int rootfs_setup (const struct rootfs_config *cfg, berr_t **err);

/* pivot_root into cfg->rootfs (or MS_MOVE + chroot with no_pivot); the old
 * root is detached; ends with chdir ("/"). */
int rootfs_pivot (const struct rootfs_config *cfg, berr_t **err);

/* After the pivot: maskedPaths, readonlyPaths, then root.readonly. */
int rootfs_finalize (const struct rootfs_config *cfg, berr_t **err);

/* After the pivot, for process.terminal: bind the pty slave `pts_fd` (an
 * open /dev/pts/N of the container's devpts) over /dev/console, created as
 * an empty file if missing (as runc and crun do).  Works under a read-only
 * root as long as /dev is the config's tmpfs. */
int rootfs_bind_console (int pts_fd, berr_t **err);

#endif
