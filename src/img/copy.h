/* img - copying images between registries, OCI layouts and the store. */
#ifndef IMG_COPY_H
#define IMG_COPY_H

#include "pull.h"

enum img_endpoint_kind
{
  IMG_EP_REGISTRY, /* docker://REF */
  IMG_EP_LAYOUT,   /* oci:DIR[:NAME] */
  IMG_EP_STORE,    /* NAME in img's store */
};

struct img_endpoint
{
  enum img_endpoint_kind kind;
  char *path; /* layout or store directory */
  char *name; /* reference, or the image name in the layout (may be NULL) */
};

/* Parse "docker://REF", "oci:DIR[:NAME]" or a bare image NAME (in the
 * store at store_path). */
int img_endpoint_parse (const char *s, const char *store_path, struct img_endpoint *e, berr_t **err);
void img_endpoint_clear (struct img_endpoint *e);

int img_copy (const struct img_endpoint *src, const struct img_endpoint *dst,
              const struct img_transfer_opts *o, berr_t **err);

#endif
