/* img - bundle (placeholder: being written; see bundle.h). */
#include <config.h>

#include "bundle.h"

int
img_bundle_write_config (int bundlefd, int rootfd, const struct img_image *im,
                         const struct img_bundle_opts *o, berr_t **err)
{
  return berr_make (err, 0, "writing config.json is not implemented yet");
}

int
img_bundle_meta_write (int bundlefd, const struct img_bundle_meta *m, berr_t **err)
{
  return berr_make (err, 0, "writing img.json is not implemented yet");
}

int
img_bundle_meta_read (int bundlefd, struct img_bundle_meta *m, berr_t **err)
{
  return berr_make (err, 0, "reading img.json is not implemented yet");
}

void
img_bundle_meta_clear (struct img_bundle_meta *m)
{
}
