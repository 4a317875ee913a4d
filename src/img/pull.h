/* img - pull, push and copy between registries and the store. */
#ifndef IMG_PULL_H
#define IMG_PULL_H

#include <stdbool.h>

#include "error.h"
#include "registry.h"
#include "store.h"
#include "unpack.h"

enum img_progress_mode
{
  IMG_PROGRESS_AUTO = 0, /* bars on a terminal, one line per blob otherwise */
  IMG_PROGRESS_QUIET,
  IMG_PROGRESS_LINES,
  IMG_PROGRESS_JSON, /* one JSON object per event on stderr */
};

struct img_transfer_opts
{
  struct img_registry_opts reg;
  const struct img_platform *platform; /* NULL: the host's */
  bool all_platforms;                  /* pull: every image of an index */
  int jobs;                            /* parallel blob transfers (default 3) */
  enum img_progress_mode progress;
  const char *name;                     /* the tag to store the pulled image under (default: the reference) */
  const char *unpack_bundle;            /* pull --unpack: layers applied while they download */
  const struct img_unpack_opts *unpack; /* with unpack_bundle */
};

/* Pull ref ("busybox", "localhost:5000/x:1", "name@sha256:…") into the
 * store and tag it; *tagged (may be NULL) is the name it was stored as. */
int img_pull (struct img_store *s, const char *ref, const struct img_transfer_opts *o, char **tagged,
              berr_t **err);

/* Push image `name` from the store to registry reference dst. */
int img_push (struct img_store *s, const char *name, const char *dst, const struct img_transfer_opts *o,
              berr_t **err);

#endif
