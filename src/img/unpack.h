/* img - an image from the store unpacked into a runtime bundle
 * (BUNDLE/rootfs, the unpack record, BUNDLE/img.json, config.json). */
#ifndef IMG_UNPACK_H
#define IMG_UNPACK_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "layer-apply.h"
#include "store.h"

struct img_unpack_opts
{
  bool tty;      /* process.terminal */
  bool rootless; /* forced when not root */
  bool quiet;
  int64_t max_layer_size; /* img_apply_opts.max_expanded */
};

/* Where layer i's compressed bytes come from when not from the store:
 * open fills src->read and src->data (media type, diff_id and name are
 * filled in already); close is called after the layer (ok: applied). */
struct img_unpack_source
{
  int (*open) (void *data, size_t i, struct img_layer_src *src, berr_t **err);
  void (*close) (void *data, size_t i, bool ok);
  void *data;
};

/* Unpack im (called name in messages and img.json) into bundle: an empty
 * or missing directory, or one with an empty rootfs and no config.json.
 * src NULL: the layers are read from the store, verified. */
int img_unpack (struct img_store *s, const struct img_image *im, const char *name, const char *bundle,
                const struct img_unpack_opts *o, const struct img_unpack_source *src, berr_t **err);

#endif
