/* img - applying one layer (a tar stream, gzip/zstd/uncompressed) to a
 * rootfs: the extraction half of `img unpack` (and of `img pull --unpack`).
 *
 * The layer is streamed: source → decompressor (chosen by media type) →
 * hash of the uncompressed bytes (checked against diff_id at the end) →
 * libarchive's tar parser (format only, it never decompresses) → entries
 * written with *at() calls below descriptors that openat2 RESOLVE_IN_ROOT
 * confined to the rootfs.  A hostile entry (a name or hard link target
 * escaping with "..", an absolute name, a whiteout of "." or "..") fails the
 * apply with a message naming the layer and the entry; nothing is ever
 * written outside the rootfs. */
#ifndef IMG_LAYER_APPLY_H
#define IMG_LAYER_APPLY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "store.h"

struct img_apply_opts
{
  /* No chown: an owner other than (0, 0) goes into the
   * user.rootlesscontainers xattr as umoci writes it; device nodes become
   * empty placeholder files; EPERM on an xattr is a warning. */
  bool rootless;
  bool quiet; /* no warnings on stderr */
  /* Bytes the layer may expand to: its uncompressed tar stream, and the
   * sum of its regular files' sizes (a sparse file counts its full size).
   * 0: IMG_LAYER_EXPANDED_MAX_DEFAULT; negative: no limit. */
  int64_t max_expanded;
};

/* What an apply did (may be NULL). */
struct img_apply_stats
{
  uint64_t entries;
  uint64_t bytes;    /* uncompressed stream */
  uint64_t expanded; /* sum of the regular files' sizes */
  uint64_t warnings;
};

/* ---- compression by media type ---- */

enum img_layer_comp
{
  IMG_LAYER_COMP_NONE,
  IMG_LAYER_COMP_GZIP,
  IMG_LAYER_COMP_ZSTD,
};

/* The OCI layer media types (distributable or not; tar, +gzip, +zstd) and
 * Docker's rootfs.diff.tar[.gzip] and foreign layers.  Anything else fails
 * with "unsupported layer media type 'X'". */
int img_layer_media_comp (const char *media_type, enum img_layer_comp *comp, berr_t **err);

/* ---- the streaming interface ---- */

/* Fill buf with up to len bytes of the (compressed) layer: bytes read, 0 at
 * the end, -1 with *err. */
typedef ssize_t (*img_layer_read_fn) (void *data, void *buf, size_t len, berr_t **err);

struct img_layer_src
{
  img_layer_read_fn read;
  void *data;
  const char *media_type;
  const char *diff_id; /* "alg:hex" of the uncompressed tar, NULL: not checked */
  const char *name;    /* the layer in messages (its digest) */
};

int img_layer_apply_stream (const struct img_layer_src *src, int rootfd, const struct img_apply_opts *o,
                            struct img_apply_stats *stats, berr_t **err);

/* The layer blob described by layer (verified as it is read) applied to
 * rootfd, checked against diff_id. */
int img_layer_apply (struct img_store *s, const oci_image_descriptor *layer, const char *diff_id, int rootfd,
                     const struct img_apply_opts *o, struct img_apply_stats *stats, berr_t **err);

/* Remove dirfd/name recursively without following symlinks, making
 * directories writable first (a rootless unpack leaves 0555 ones). */
int img_rootfs_remove (int dirfd, const char *name, berr_t **err);

/* ---- user.rootlesscontainers ---- */

#define IMG_ROOTLESS_XATTR "user.rootlesscontainers"
#define IMG_ROOTLESS_NOOP_ID UINT32_MAX

/* The protobuf message (field 1 uid, field 2 gid, varints) umoci stores for
 * an owner (uid, gid) seen from inside the container: 0 is written as
 * "no change" (UINT32_MAX); (0, 0) needs no xattr and returns 0.  buf holds
 * at least 12 bytes; returns the length. */
size_t img_rootless_encode (uint32_t uid, uint32_t gid, unsigned char *buf);
/* Parse it back (UINT32_MAX for an absent field); -1 on a malformed value. */
int img_rootless_decode (const unsigned char *buf, size_t len, uint32_t *uid, uint32_t *gid);

#endif
