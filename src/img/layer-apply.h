/* img - applying one layer (a tar stream, gzip/zstd/uncompressed) to a
 * rootfs: the extraction half of `img unpack` (and of `img pull --unpack`).
 *
 * (Owner: the unpack work.  The interface below is what cmd-unpack.c and
 * the pull code call; refine it as needed and say so.) */
#ifndef IMG_LAYER_APPLY_H
#define IMG_LAYER_APPLY_H

#include <stdbool.h>

#include "error.h"
#include "store.h"

struct img_apply_opts
{
  bool rootless; /* ownership into user.rootlesscontainers, devices as placeholders */
};

/* Apply the layer blob described by layer (its mediaType chooses the
 * decompressor) to rootfd, checking the uncompressed stream against
 * diff_id.  Everything is confined to rootfd. */
int img_layer_apply (struct img_store *s, const oci_image_descriptor *layer, const char *diff_id, int rootfd,
                     const struct img_apply_opts *o, berr_t **err);

#endif
