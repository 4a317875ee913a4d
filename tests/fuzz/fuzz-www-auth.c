/* Fuzz target: a registry's WWW-Authenticate header value
 * (img_auth_challenge_parse), and base64 decoding of the credentials in
 * auth.json files (img_base64_decode, checked against the encoder). */
#include <config.h>

#include "auth.h"
#include "error.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = fuzz_strndup (data, size);
  struct img_auth_challenge c = { 0 };
  berr_t *err = NULL;
  char *dec = NULL;
  size_t len = 0;

  if (img_auth_challenge_parse (s, &c, &err) == 0)
    FUZZ_ASSERT (c.scheme != NULL);
  else
    FUZZ_ASSERT (err != NULL);
  img_auth_challenge_clear (&c);
  berr_free (err);

  if (img_base64_decode (s, &dec, &len) == 0)
    {
      char *enc = img_base64_encode (dec, len);
      char *dec2 = NULL;
      size_t len2 = 0;

      FUZZ_ASSERT (img_base64_decode (enc, &dec2, &len2) == 0);
      FUZZ_ASSERT (len2 == len && memcmp (dec, dec2, len) == 0);
      free (dec2);
      free (enc);
      free (dec);
    }
  free (s);
  return 0;
}
