/* Fuzz target: the image documents img reads from registries and archives:
 * OCI image index, manifest and config, Docker schema2 manifest and
 * manifest list.  Each input is parsed as all five; a document that parses
 * must generate JSON that parses again and generates the same bytes. */
#include <config.h>

#include "error.h"
#include "fuzz.h"
#include "oci-spec.h"

#define TRY(type)                                                                                            \
  do                                                                                                         \
    {                                                                                                        \
      berr_t *e = NULL;                                                                                      \
      type *v = type##_parse_data ((const char *)data, size, #type, &e);                                     \
                                                                                                             \
      if (v)                                                                                                 \
        {                                                                                                    \
          char *j1 = NULL, *j2 = NULL;                                                                       \
          size_t l1 = 0, l2 = 0;                                                                             \
          type *v2;                                                                                          \
                                                                                                             \
          FUZZ_ASSERT (type##_generate (v, &j1, &l1, &e) == 0);                                              \
          v2 = type##_parse_data (j1, l1, "generated", &e);                                                  \
          if (v2 == NULL)                                                                                    \
            fprintf (stderr, "reparse: %s\n", e ? e->msg : "?");                                             \
          FUZZ_ASSERT (v2 != NULL);                                                                          \
          FUZZ_ASSERT (type##_generate (v2, &j2, &l2, &e) == 0);                                             \
          FUZZ_ASSERT (l1 == l2 && memcmp (j1, j2, l1) == 0);                                                \
          type##_free (v2);                                                                                  \
          type##_free (v);                                                                                   \
          free (j1);                                                                                         \
          free (j2);                                                                                         \
        }                                                                                                    \
      else                                                                                                   \
        FUZZ_ASSERT (e != NULL);                                                                             \
      berr_free (e);                                                                                         \
    }                                                                                                        \
  while (0)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  TRY (oci_image_index);
  TRY (oci_image_manifest);
  TRY (oci_image_config);
  TRY (oci_docker_manifest);
  TRY (oci_docker_manifest_list);
  return 0;
}
