/* img - content digests ("sha256:<64 hex>", "sha512:<128 hex>").
 *
 * Hashing goes through OpenSSL's EVP with one context per stream, reused
 * for the stream's life.  Digest strings are validated before they are used
 * to build a path, so a hostile manifest cannot name "../" as a blob. */
#ifndef IMG_DIGEST_H
#define IMG_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum img_digest_alg
{
  IMG_DIGEST_SHA256,
  IMG_DIGEST_SHA512,
};

/* "sha256" / "sha512" */
const char *img_digest_alg_name (enum img_digest_alg alg);
/* Parse a --digest-algorithm value. */
int img_digest_alg_parse (const char *name, enum img_digest_alg *alg, berr_t **err);

/* Validate "alg:hex" (known algorithm, lowercase hex of the right length).
 * On success *alg is set and *hex points into s.  The error names s. */
int img_digest_parse (const char *s, enum img_digest_alg *alg, const char **hex, berr_t **err);
bool img_digest_valid (const char *s);

/* A streaming hash. */
struct img_hasher;
struct img_hasher *img_hasher_new (enum img_digest_alg alg) __attribute__ ((returns_nonnull));
void img_hasher_update (struct img_hasher *h, const void *data, size_t len);
/* "alg:hex", malloc'd; the hasher is reset and may be reused. */
char *img_hasher_final (struct img_hasher *h) __attribute__ ((returns_nonnull));
void img_hasher_free (struct img_hasher *h);
void img_hasher_freep (struct img_hasher **h);
#define cleanup_hasher __attribute__ ((cleanup (img_hasher_freep)))

/* One-shot. */
char *img_digest_data (enum img_digest_alg alg, const void *data, size_t len);

#endif
