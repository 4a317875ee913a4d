/* img - an image from the store unpacked into a runtime bundle
 * (BUNDLE/rootfs, the unpack record, BUNDLE/img.json, config.json). */
#ifndef IMG_UNPACK_H
#define IMG_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The --max-layer-size option of img unpack and img pull --unpack, one
 * text for both. */
#define IMG_MAX_LAYER_SIZE_HELP                                                                              \
  "refuse a layer that expands to more than SIZE bytes (suffix K, M, G or T; 0: no limit; default 64G)"

/* --max-layer-size's argument ("64G", "512M", "1000") into
 * img_unpack_opts.max_layer_size (0 becomes -1: no limit). */
int img_unpack_parse_size (const char *arg, int64_t *out, berr_t **err);

/* Unpack im (called name in messages and img.json) into bundle: an empty
 * or missing directory, or one with an empty rootfs and no config.json.
 * src NULL: the layers are read from the store, verified. */
int img_unpack (struct img_store *s, const struct img_image *im, const char *name, const char *bundle,
                const struct img_unpack_opts *o, const struct img_unpack_source *src, berr_t **err);

#endif
