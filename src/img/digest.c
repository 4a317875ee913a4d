/* img - content digests: validation of "alg:hex" strings and streaming
 * hashes through OpenSSL's EVP (one context per stream, reused). */
#include <config.h>

#include "digest.h"

#include <openssl/evp.h>
#include <string.h>

#include "util.h"

struct img_hasher
{
  enum img_digest_alg alg;
  EVP_MD_CTX *ctx;
};

static const EVP_MD *
alg_md (enum img_digest_alg alg)
{
  return alg == IMG_DIGEST_SHA512 ? EVP_sha512 () : EVP_sha256 ();
}

static size_t
alg_hexlen (enum img_digest_alg alg)
{
  return alg == IMG_DIGEST_SHA512 ? 128 : 64;
}

const char *
img_digest_alg_name (enum img_digest_alg alg)
{
  return alg == IMG_DIGEST_SHA512 ? "sha512" : "sha256";
}

int
img_digest_alg_parse (const char *name, enum img_digest_alg *alg, berr_t **err)
{
  if (strcmp (name, "sha256") == 0)
    *alg = IMG_DIGEST_SHA256;
  else if (strcmp (name, "sha512") == 0)
    *alg = IMG_DIGEST_SHA512;
  else
    return berr_make (err, 0, "unknown digest algorithm '%s' (sha256, sha512)", name);
  return 0;
}

int
img_digest_parse (const char *s, enum img_digest_alg *alg, const char **hex, berr_t **err)
{
  const char *colon = s ? strchr (s, ':') : NULL;
  enum img_digest_alg a;
  size_t i, n;

  if (colon == NULL)
    return berr_make (err, 0, "invalid digest '%s': expected ALGORITHM:HEX", s ? s : "(null)");
  if ((size_t)(colon - s) == 6 && strncmp (s, "sha256", 6) == 0)
    a = IMG_DIGEST_SHA256;
  else if ((size_t)(colon - s) == 6 && strncmp (s, "sha512", 6) == 0)
    a = IMG_DIGEST_SHA512;
  else
    return berr_make (err, 0, "invalid digest '%s': unsupported algorithm '%.*s'", s, (int)(colon - s), s);
  n = strlen (colon + 1);
  if (n != alg_hexlen (a))
    return berr_make (err, 0, "invalid digest '%s': %s needs %zu hex digits, got %zu", s,
                      img_digest_alg_name (a), alg_hexlen (a), n);
  for (i = 0; i < n; i++)
    {
      char c = colon[1 + i];
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
        return berr_make (err, 0, "invalid digest '%s': not lowercase hex", s);
    }
  if (alg)
    *alg = a;
  if (hex)
    *hex = colon + 1;
  return 0;
}

bool
img_digest_valid (const char *s)
{
  return img_digest_parse (s, NULL, NULL, NULL) == 0;
}

struct img_hasher *
img_hasher_new (enum img_digest_alg alg)
{
  struct img_hasher *h = xzalloc (sizeof (*h));

  h->alg = alg;
  h->ctx = EVP_MD_CTX_new ();
  if (h->ctx == NULL || EVP_DigestInit_ex (h->ctx, alg_md (alg), NULL) != 1)
    abort (); /* allocation failure inside OpenSSL */
  return h;
}

void
img_hasher_update (struct img_hasher *h, const void *data, size_t len)
{
  EVP_DigestUpdate (h->ctx, data, len);
}

char *
img_hasher_final (struct img_hasher *h)
{
  static const char hexd[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0, i;
  const char *name = img_digest_alg_name (h->alg);
  size_t pre = strlen (name) + 1;
  char *out;

  EVP_DigestFinal_ex (h->ctx, md, &n);
  EVP_DigestInit_ex (h->ctx, alg_md (h->alg), NULL);
  out = xmalloc (pre + 2 * n + 1);
  memcpy (out, name, pre - 1);
  out[pre - 1] = ':';
  for (i = 0; i < n; i++)
    {
      out[pre + 2 * i] = hexd[md[i] >> 4];
      out[pre + 2 * i + 1] = hexd[md[i] & 15];
    }
  out[pre + 2 * n] = '\0';
  return out;
}

void
img_hasher_free (struct img_hasher *h)
{
  if (h == NULL)
    return;
  EVP_MD_CTX_free (h->ctx);
  free (h);
}

void
img_hasher_freep (struct img_hasher **h)
{
  img_hasher_free (*h);
}

char *
img_digest_data (enum img_digest_alg alg, const void *data, size_t len)
{
  cleanup_hasher struct img_hasher *h = img_hasher_new (alg);

  img_hasher_update (h, data, len);
  return img_hasher_final (h);
}
