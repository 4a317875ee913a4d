/* berth - opening files in /proc through a verified procfs handle. */
#ifndef BERTH_PROCFS_H
#define BERTH_PROCFS_H

#include <sys/types.h>

#include "error.h"

/* An O_PATH descriptor on the root of a real procfs: the /proc of the
 * calling process's mount namespace, checked with fstatfs (PROC_SUPER_MAGIC)
 * and its root inode.  With CAP_SYS_ADMIN it is a private, non-recursive
 * clone of that mount, so nothing mounted over a part of /proc is in it. */
int procfs_open_root (berr_t **err);

/* Open `name` below /proc ("sys/kernel/hostname", "self/attr/exec";
 * a leading "self/" is the caller) without following symlinks or
 * crossing a mount, and check that what was opened lives on procfs.
 * flags are open flags (O_WRONLY...); O_CLOEXEC is added. */
int procfs_open_file (const char *name, int flags, berr_t **err);

/* The same for /proc/PID/NAME. */
int procfs_open_pid_file (pid_t pid, const char *name, int flags, berr_t **err);

/* Write data to /proc/PID/NAME (pid 0: the caller) in one write(2), as
 * uid_map and friends require.  Errors name the file. */
int procfs_write_pid_file (pid_t pid, const char *name, const char *data, berr_t **err);

#endif
