/* berth - one `mounts` entry of config.json: option parsing, the path
 * resolution confined to the rootfs, and the mount itself.
 *
 * Paths inside the rootfs are always handled as file descriptors obtained with
 * util_open_in_root / util_mkpath_in_root (openat2 RESOLVE_IN_ROOT): a
 * symlink in the rootfs (`etc -> /etc`, `x -> ../../..`) resolves inside the
 * rootfs, never on the host.  Mounts are attached onto those descriptors. */
#ifndef BERTH_MOUNTS_H
#define BERTH_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* The options list of a mount, split into what mount(2) and mount_setattr(2)
 * take.  Filled by mounts_opts_parse, released by mounts_opts_clear. */
struct mount_opts
{
  unsigned long flags;       /* MS_* to set; MS_BIND|MS_REC for rbind */
  unsigned long clear;       /* MS_* explicitly switched off (rw, suid, dev, exec, ...) */
  unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, maybe |MS_REC; 0 = none */
  uint64_t rec_set;          /* MOUNT_ATTR_* set recursively (rro, rnosuid, ...) */
  uint64_t rec_clr;          /* MOUNT_ATTR_* cleared recursively (rrw, rsuid, ...) */
  bool tmpcopyup;            /* tmpfs only: start with a copy of the directory it covers */
  bool idmap;                /* idmap / ridmap: an idmapped bind (the tree comes prepared, idmap.c) */
  bool ridmap;
  char *data; /* options the kernel fs parses (mode=755,size=64k), comma-joined; NULL if none */
};

/* A pure function: no syscalls.  Fails for an unknown empty option. */
int mounts_opts_parse (char *const *options, size_t n, struct mount_opts *out, berr_t **err);
void mounts_opts_clear (struct mount_opts *o);

/* Every option name mounts_opts_parse understands (for `berth features`),
 * sorted; a NULL-terminated vector the caller frees (cleanup_strv). */
char **mounts_opts_known (void);

/* Clone the mount tree at src_path (or at src_fd when src_path is NULL) and
 * attach it onto the object dest_fd refers to.  recursive: the whole tree
 * (rbind).  Returns the fd of the attached mount (for mount_setattr). */
int mounts_bind_onto (int src_fd, const char *src_path, int dest_fd, bool recursive, berr_t **err);

/* One mounts[] entry; the fields are those of config.json. */
struct mount_entry
{
  const char *destination;
  const char *type;
  const char *source;
  char *const *options;
  size_t options_len;
  bool cgroupns;     /* the init has its own cgroup namespace: cgroup mounts are fresh, not binds */
  const char *label; /* SELinux context for the new file systems (linux.mountLabel), or NULL */
  bool idmapped;     /* a bind whose source tree idmap.c prepared: attach idmap_fd instead */
  int idmap_fd;
};

/* Mount one entry inside the rootfs; relative bind sources are taken from
 * the bundle directory. */
int mounts_apply (int rootfd, const char *bundle, const struct mount_entry *m, berr_t **err);

#endif
