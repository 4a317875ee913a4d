/* berth - small helpers shared by berth and img: memory, files, strings. */
#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cleanup.h"
#include "error.h"

/* Allocation that cannot fail: on exhaustion the process aborts, as crun's
 * xmalloc does; there is no useful recovery from ENOMEM in a runtime. */
void *xmalloc (size_t size);
void *xzalloc (size_t size);
void *xrealloc (void *p, size_t size);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Read a whole file (NUL-terminated; *len excludes the NUL).  dirfd may be
 * AT_FDCWD.  Fails with a message naming path. */
int util_read_file_at (int dirfd, const char *path, char **out, size_t *len, berr_t **err);
int util_read_file (const char *path, char **out, size_t *len, berr_t **err);
/* The same, refusing a file of more than max bytes (0: no limit) with an
 * error naming it and the limit. */
int util_read_file_max_at (int dirfd, const char *path, size_t max, char **out, size_t *len, berr_t **err);

/* Write data to dirfd/name atomically: temp file, write, fsync, close (checked),
 * rename.  A reader sees the old or the new content, never a mix. */
int util_write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                               berr_t **err);

/* Write the whole buffer to fd, retrying on EINTR and short writes. */
int util_write_all (int fd, const void *data, size_t len, berr_t **err);
/* Read exactly len bytes (returns bytes read, <len at EOF), or -1. */
ssize_t util_read_all (int fd, void *data, size_t len);

/* mkdir -p with the given mode for the created components. */
int util_mkdir_p (const char *path, mode_t mode, berr_t **err);

bool util_str_has_prefix (const char *s, const char *prefix);
bool util_str_has_suffix (const char *s, const char *suffix);

/* Parse a base-10 integer that must fill the whole string. */
int util_parse_long (const char *s, long *out);

/* The names in directory dirfd/name (name "" or "." for dirfd itself; not
 * followed if a symlink), without "." and "..": a NULL-terminated vector
 * (cleanup_strv), *n its length (n may be NULL).  dirfd may be O_PATH. */
int util_dir_names (int dirfd, const char *name, char ***out, size_t *n, berr_t **err);
/* dirfd/name is a directory with no entries (false when it cannot be read). */
bool util_dir_is_empty (int dirfd, const char *name);

/* Remove a directory tree (no symlink following).  Missing is not an error. */
int util_rm_rf_at (int dirfd, const char *name, berr_t **err);

/* The debris of killed writers: every directory in dirfd whose name starts
 * with prefix and that no live process holds flock'ed (each writer locks
 * its own for as long as it runs) is removed with rm (util_rm_rf_at, or a
 * remover that knows the tree), under our lock; with own_only, only those
 * of our effective uid (a directory shared with other users).  Best
 * effort: what cannot be opened, locked or removed stays. */
void util_remove_unlocked_dirs (int dirfd, const char *prefix, bool own_only,
                                int (*rm) (int dirfd, const char *name, berr_t **err));

/* Open `path` (absolute or relative, both taken inside the root) as an O_PATH
 * descriptor confined to rootfd by openat2 RESOLVE_IN_ROOT and
 * RESOLVE_NO_MAGICLINKS.  flags are extra open flags (O_DIRECTORY,
 * O_NOFOLLOW).  Returns the fd, or -1 with errno set (no berr: callers decide
 * whether ENOENT is an error). */
int util_open_in_root (int rootfd, const char *path, int flags);

/* Like util_open_in_root, creating what is missing: directories (0755) and,
 * when as_file, the last component as an empty 0644 file.  A dangling symlink
 * is followed inside the root and its target created.  Errors do not repeat
 * `path` (wrap them); a confinement failure reads "resolves outside the
 * rootfs". */
int util_mkpath_in_root (int rootfd, const char *path, bool as_file, berr_t **err);

/* Copy the content of the directory src_dirfd into dst_dirfd (both may be
 * O_PATH): files, directories, symlinks and nodes with mode and owner;
 * nothing is resolved by name outside the two trees. */
int util_copy_tree (int src_dirfd, int dst_dirfd, berr_t **err);

/* A unix socket address for `path` (a leading '@': an abstract socket,
 * systemd's spelling) in *a, its length in *len.  sun_path holds 108
 * bytes: a longer path is reached through an O_PATH descriptor of its
 * directory, as /proc/self/fd/N/NAME, and *dirfd holds that descriptor,
 * which must stay open until the bind/connect/sendto (-1 when not used;
 * close it with cleanup_close).  Fails with ENAMETOOLONG naming the path
 * when even that is too long (a long abstract name, a long last component). */
struct sockaddr_un;
int util_unix_addr (const char *path, struct sockaddr_un *a, unsigned int *len, int *dirfd, berr_t **err);

#endif
