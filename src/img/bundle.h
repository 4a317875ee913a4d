/* img - a runtime bundle made from an image: config.json generated from the
 * image config (image-spec's conversion rules) and the bundle's record of
 * where it came from (BUNDLE/img.json), which commit reads.
 *
 * (Owner: the bundle work.  Refine the interface as needed and say so.) */
#ifndef IMG_BUNDLE_H
#define IMG_BUNDLE_H

#include <stdbool.h>

#include "error.h"
#include "store.h"

struct img_bundle_opts
{
  bool tty;      /* process.terminal */
  bool rootless; /* a config berth can run without root (user namespace) */
};

/* Write bundlefd/config.json for image im; the user is resolved against
 * rootfd's /etc/passwd and /etc/group. */
int img_bundle_write_config (int bundlefd, int rootfd, const struct img_image *im,
                             const struct img_bundle_opts *o, berr_t **err);

/* BUNDLE/img.json: where the bundle came from, read by `img commit`.
 * {"store": absolute store path, "ref": the name unpacked (may be absent),
 *  "manifest": manifest digest, "config": config digest, "rootless": bool} */
#define IMG_BUNDLE_META_NAME "img.json"
struct img_bundle_meta
{
  char *store;
  char *ref;
  char *manifest;
  char *config;
  bool rootless;
};
int img_bundle_meta_write (int bundlefd, const struct img_bundle_meta *m, berr_t **err);
int img_bundle_meta_read (int bundlefd, struct img_bundle_meta *m, berr_t **err);
void img_bundle_meta_clear (struct img_bundle_meta *m);

#endif
