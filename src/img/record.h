/* img - the record of what unpack wrote into a rootfs (one line of
 * metadata per path), and the walk that finds what changed since: the
 * change finder of `img commit`.  Metadata first; content is never re-read
 * for a path whose inode, size, mtime, ctime, mode and owner are unchanged.
 *
 * The record (BUNDLE/img-rootfs.record) is a text file: a header line, then
 * one line per path below the root in tree order (depth first, the entries
 * of a directory sorted bytewise, a directory before its content):
 *   PATH MODE UID GID SIZE MTIME_NS CTIME_NS INODE NLINK RDEV XATTRHASH :TARGET
 * PATH and TARGET %XX-escape '%', space, control bytes and DEL; MODE is
 * st_mode in octal (type and permissions); UID/GID are the inode's own
 * (a rootless bundle's user.rootlesscontainers ownership is an xattr, so a
 * change to it changes XATTRHASH and the ctime); XATTRHASH is a 64-bit
 * FNV-1a of the sorted xattr names and values (hex); TARGET is a symlink's
 * target (empty otherwise).  Tree order lets the diff merge the record with
 * a second walk line by line: neither needs memory in proportion to the
 * number of files (only to the depth and the widest directory).  The
 * rootfs directory itself is not recorded (a layer has no entry for it). */
#ifndef IMG_RECORD_H
#define IMG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "error.h"

/* Walk rootfd and write the record to bundlefd/NAME atomically. */
#define IMG_RECORD_NAME "img-rootfs.record"
int img_record_write (int bundlefd, int rootfd, berr_t **err);

/* Compare two relative paths in tree order ('/' sorts before every other
 * byte, a parent before its children). */
int img_path_cmp (const char *a, const char *b);

/* A live entry the walk found. */
struct img_walk_entry
{
  const char *path; /* relative to the root, no leading "/" */
  const char *name; /* the last component */
  int dirfd;        /* its parent directory (open for the walk) */
  struct stat st;
};

enum img_change_kind
{
  IMG_CHANGE_ADD,    /* not in the record */
  IMG_CHANGE_MODIFY, /* in the record, metadata differs */
  IMG_CHANGE_DELETE, /* in the record, gone (a directory: once, for all of it) */
};

struct img_change
{
  enum img_change_kind kind;
  const char *path;
  /* ADD and MODIFY: the live entry.  A path whose type changed comes as a
   * DELETE followed by an ADD. */
  const struct img_walk_entry *e;
};

typedef int (*img_change_fn) (void *data, const struct img_change *c, berr_t **err);

/* Walk rootfd in tree order and merge it with bundlefd's record (no
 * record, or use_record false: everything is an ADD).  fn gets the changes
 * in tree order.  When new_record is non-NULL, the record of the live
 * walk is written next to the old one as it goes (the stat each change
 * was made from) and *new_record names that temp file: install it with
 * img_record_install once the changes are safely stored, or drop it with
 * img_record_discard. */
int img_record_diff (int bundlefd, int rootfd, bool use_record, img_change_fn fn, void *data,
                     char **new_record, berr_t **err);
int img_record_install (int bundlefd, const char *new_record, berr_t **err);
void img_record_discard (int bundlefd, const char *new_record);

/* Set when the kernel lacks listxattrat(2): xattrs are then listed
 * through /proc/self/fd (tests set it to compare the two). */
extern bool img_record_no_listxattrat;

/* Whether bundlefd has a record. */
bool img_record_exists (int bundlefd);

/* The xattrs of dirfd/name (not following a symlink), sorted by name;
 * *x is NULL when there are none. */
struct img_xattr;
int img_xattrs_read (int dirfd, const char *name, struct img_xattr **x, size_t *n, berr_t **err);

#endif
