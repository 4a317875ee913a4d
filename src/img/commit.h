/* img - commit: a rootfs's changes (record.h's change finder) written as a
 * deterministic tar layer (tar-write.h) into the store, and the new image
 * (config with the diff_id and a history entry, manifest, tag) made from
 * the bundle's base image. */
#ifndef IMG_COMMIT_H
#define IMG_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"
#include "tar-write.h"

struct img_layer_opts
{
  enum img_compress compress;
  int64_t clamp_mtime; /* -1: none */
  bool rootless;       /* ownership from user.rootlesscontainers (0:0 without it) */
  bool everything;     /* no record: the whole tree (squash, a plain directory) */
};

struct img_layer_result
{
  char *diff_id;    /* sha256 of the uncompressed tar */
  size_t n_entries; /* tar entries written (whiteouts included) */
  char *new_record; /* temp record in the bundle (see img_record_diff), or NULL */
};
void img_layer_result_clear (struct img_layer_result *r);

/* Write the changes of rootfd (against bundlefd's record unless
 * o->everything) as a layer into sink.  bundlefd -1: no bundle (no record
 * read or written). */
int img_layer_write (int bundlefd, int rootfd, const struct img_layer_opts *o, img_tar_sink_fn sink,
                     void *sink_data, struct img_layer_result *res, berr_t **err);

struct img_commit_opts
{
  const char *bundle; /* a bundle made by `img unpack` (img.json, record), or NULL */
  const char *rootfs; /* or a plain directory: everything in it is new */
  const char *image;  /* the name to tag; with rootfs also the base image */
  enum img_compress compress;
  const char *author, *message, *created_by;
  bool squash;                /* one layer: the whole rootfs */
  bool history_empty;         /* no changes: no layer, an empty_layer history entry */
  enum img_digest_alg digest; /* of the new blobs (img --digest) */
};

/* The store is the bundle's (img.json) unless store_path names one.
 * *desc_out (may be NULL) gets the new manifest's descriptor. */
int img_commit (const char *store_path, const struct img_commit_opts *o, oci_image_descriptor **desc_out,
                bool quiet, berr_t **err);

/* `img new`: an image with no layers. */
int img_new_image (struct img_store *s, const char *name, const struct img_platform *p,
                   oci_image_descriptor **desc_out, berr_t **err);

/* RFC 3339 UTC time of SOURCE_DATE_EPOCH, or of now.  malloc'd. */
int img_created_time (char **out, berr_t **err);

#endif
