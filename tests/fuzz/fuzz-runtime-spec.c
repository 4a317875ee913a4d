/* Fuzz target: config.json (oci_spec_parse_data + oci_spec_validate) and
 * the state document (oci_state_parse_data).  A document that parses must
 * generate JSON that parses again and generates the same bytes. */
#include <config.h>

#include "error.h"
#include "fuzz.h"
#include "oci-spec.h"

#define ROUND_TRIP(type, v)                                                                                  \
  do                                                                                                         \
    {                                                                                                        \
      char *j1 = NULL, *j2 = NULL;                                                                           \
      size_t l1 = 0, l2 = 0;                                                                                 \
      berr_t *e = NULL;                                                                                      \
      type *v2;                                                                                              \
                                                                                                             \
      FUZZ_ASSERT (type##_generate (v, &j1, &l1, &e) == 0);                                                  \
      v2 = type##_parse_data (j1, l1, "generated", &e);                                                      \
      if (v2 == NULL)                                                                                        \
        fprintf (stderr, "reparse: %s\n", e ? e->msg : "?");                                                 \
      FUZZ_ASSERT (v2 != NULL);                                                                              \
      FUZZ_ASSERT (type##_generate (v2, &j2, &l2, &e) == 0);                                                 \
      FUZZ_ASSERT (l1 == l2 && memcmp (j1, j2, l1) == 0);                                                    \
      type##_free (v2);                                                                                      \
      free (j1);                                                                                             \
      free (j2);                                                                                             \
    }                                                                                                        \
  while (0)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  berr_t *err = NULL;
  oci_spec *spec;
  oci_state *state;

  spec = oci_spec_parse_data ((const char *)data, size, "config.json", &err);
  if (spec)
    {
      if (oci_spec_validate (spec, &err) < 0)
        FUZZ_ASSERT (err != NULL);
      berr_clear (&err);
      ROUND_TRIP (oci_spec, spec);
      oci_spec_free (spec);
    }
  else
    FUZZ_ASSERT (err != NULL);
  berr_clear (&err);

  state = oci_state_parse_data ((const char *)data, size, "state", &err);
  if (state)
    {
      ROUND_TRIP (oci_state, state);
      oci_state_free (state);
    }
  berr_clear (&err);
  return 0;
}
