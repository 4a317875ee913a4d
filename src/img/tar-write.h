/* img - a deterministic tar writer for the layers `img commit` makes.
 *
 * POSIX pax format: a ustar header per entry and a pax extended header
 * ('x') only when a value does not fit ustar (a name or link target longer
 * than 100 bytes, ids above 07777777, sizes of 8 GiB and more, mtimes
 * outside 0..077777777777) or when the entry has xattrs
 * (SCHILY.xattr.NAME, the one form, names sorted).  uname and gname are
 * empty, mtime is whole seconds clamped to SOURCE_DATE_EPOCH when that is
 * set, no atime/ctime: the same entries in the same order give the same
 * bytes.  The stream is hashed (sha256, the layer's diff_id) and
 * compressed (gzip at a fixed level, zstd, or none) into a sink. */
#ifndef IMG_TAR_WRITE_H
#define IMG_TAR_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum img_compress
{
  IMG_COMPRESS_GZIP,
  IMG_COMPRESS_ZSTD,
  IMG_COMPRESS_NONE,
};

/* "gzip" / "zstd" / "none" */
int img_compress_parse (const char *s, enum img_compress *c, berr_t **err);
/* The OCI layer media type for a compression. */
const char *img_compress_media_type (enum img_compress c);

/* Where the compressed bytes go (e.g. an img_blob_writer). */
typedef int (*img_tar_sink_fn) (void *data, const void *buf, size_t len, berr_t **err);

/* SOURCE_DATE_EPOCH as reproducible-builds.org defines it: -1 when unset,
 * an error naming the value when it is not a non-negative integer. */
int img_source_date_epoch (int64_t *out, berr_t **err);

struct img_tar_opts
{
  enum img_compress compress;
  int64_t clamp_mtime; /* -1: none (normally img_source_date_epoch's value) */
};

struct img_xattr
{
  char *name;
  void *value;
  size_t len;
};

/* Tar typeflags. */
#define IMG_TAR_REG '0'
#define IMG_TAR_LINK '1'
#define IMG_TAR_SYMLINK '2'
#define IMG_TAR_CHR '3'
#define IMG_TAR_BLK '4'
#define IMG_TAR_DIR '5'
#define IMG_TAR_FIFO '6'

struct img_tar_entry
{
  const char *name; /* relative, no leading "/" or "./"; directories get "/" added */
  char type;        /* IMG_TAR_* */
  mode_t mode;      /* permission bits (07777) */
  uint64_t uid, gid;
  int64_t size;         /* content bytes (regular files only) */
  int64_t mtime;        /* seconds */
  const char *linkname; /* symlink target / hard link target path */
  unsigned devmajor, devminor;
  const struct img_xattr *xattrs; /* sorted by name (img_xattrs_sort) */
  size_t n_xattrs;
};

void img_xattrs_sort (struct img_xattr *x, size_t n);
void img_xattrs_free (struct img_xattr *x, size_t n);

struct img_tar_writer;
struct img_tar_writer *img_tar_writer_new (const struct img_tar_opts *o, img_tar_sink_fn sink,
                                           void *sink_data, berr_t **err);
/* One entry; a regular file's e->size bytes follow through
 * img_tar_write_data (in any number of pieces). */
int img_tar_write_header (struct img_tar_writer *w, const struct img_tar_entry *e, berr_t **err);
int img_tar_write_data (struct img_tar_writer *w, const void *buf, size_t len, berr_t **err);
/* The end-of-archive blocks, flush the compressor; *diff_id (malloc'd,
 * may be NULL) is the sha256 of the uncompressed stream. */
int img_tar_finish (struct img_tar_writer *w, char **diff_id, berr_t **err);
void img_tar_writer_free (struct img_tar_writer *w);
void img_tar_writer_freep (struct img_tar_writer **w);
#define cleanup_tar_writer __attribute__ ((cleanup (img_tar_writer_freep)))

#endif
