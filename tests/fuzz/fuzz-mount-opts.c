/* Fuzz target: the options list of a config.json mount (mounts_opts_parse).
 * The input is the list, one option a line. */
#include <config.h>

#include "error.h"
#include "fuzz.h"
#include "mounts.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = fuzz_strndup (data, size);
  char *opts[64];
  size_t n = 0;
  char *p = s, *nl;
  struct mount_opts o = { 0 };
  berr_t *err = NULL;

  while (n < sizeof opts / sizeof opts[0])
    {
      opts[n++] = p;
      nl = strchr (p, '\n');
      if (nl == NULL)
        break;
      *nl = '\0';
      p = nl + 1;
    }
  if (mounts_opts_parse (opts, n, &o, &err) == 0)
    mounts_opts_clear (&o);
  else
    FUZZ_ASSERT (err != NULL);
  berr_free (err);
  free (s);
  return 0;
}
