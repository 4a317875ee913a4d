/* Fuzz target: image references as users type them (img_reference_parse).
 * A reference that parses must print back (img_reference_string) to a
 * string that parses to the same reference. */
#include <config.h>

#include "error.h"
#include "fuzz.h"
#include "reference.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = fuzz_strndup (data, size);
  struct img_reference r = { 0 }, r2 = { 0 };
  berr_t *err = NULL;

  if (img_reference_parse (s, &r, &err) == 0)
    {
      char *full = img_reference_string (&r);
      char *familiar = img_reference_familiar (&r);
      berr_t *err2 = NULL;

      FUZZ_ASSERT (img_reference_api_host (&r) != NULL);
      FUZZ_ASSERT (img_reference_parse (full, &r2, &err2) == 0);
      FUZZ_ASSERT (strcmp (r.registry, r2.registry) == 0);
      FUZZ_ASSERT (strcmp (r.repository, r2.repository) == 0);
      FUZZ_ASSERT ((r.tag == NULL) == (r2.tag == NULL) && (r.tag == NULL || strcmp (r.tag, r2.tag) == 0));
      FUZZ_ASSERT ((r.digest == NULL) == (r2.digest == NULL)
                   && (r.digest == NULL || strcmp (r.digest, r2.digest) == 0));
      img_reference_clear (&r2);
      free (full);
      free (familiar);
    }
  else
    FUZZ_ASSERT (err != NULL);
  img_reference_clear (&r);
  berr_free (err);
  free (s);
  return 0;
}
