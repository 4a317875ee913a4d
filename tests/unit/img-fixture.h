/* berth - the store fixture of img's unit tests (test-img-gc, test-img-fsck):
 * a store in a fresh temp directory, blobs put from strings, descriptors,
 * and an image of one config, one layer and an OCI manifest.  Set-up
 * failures print "# what: why" and exit 1: they are not test results. */
#ifndef BERTH_TEST_IMG_FIXTURE_H
#define BERTH_TEST_IMG_FIXTURE_H

#include <stddef.h>

#include "store.h"

/* A new store at DIR/store, DIR made by mkdtemp from /tmp/NAME.XXXXXX;
 * *dir gets DIR (for fixture_store_free). */
struct img_store *fixture_store_new (const char *name, char **dir);
/* Close the store, remove DIR and free it. */
void fixture_store_free (struct img_store *s, char *dir);

/* Store data (a string) as a blob; its digest, malloc'd. */
char *fixture_blob_put (struct img_store *s, const char *data);
/* A descriptor (mt may be NULL), freed with oci_image_descriptor_free. */
oci_image_descriptor *fixture_desc_new (const char *mt, const char *digest, size_t size);

/* The digests of an image fixture_image_put stored. */
struct fixture_image
{
  char *config;
  char *layer;
  char *manifest;
  size_t manifest_size;
};

/* Store cfgjson as the config, layer_content as the one layer, and an OCI
 * manifest naming both (not tagged). */
void fixture_image_put (struct img_store *s, const char *cfgjson, const char *layer_content,
                        struct fixture_image *im);
void fixture_image_clear (struct fixture_image *im);

#endif
