/* Fuzz target: linux.seccomp of config.json compiled to a BPF program
 * (oci_linux_seccomp_parse_data + seccomp_prog_build).  Nothing is loaded
 * into the kernel. */
#include <config.h>

#include "error.h"
#include "fuzz.h"
#include "oci-spec.h"
#include "seccomp.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  berr_t *err = NULL;
  oci_linux_seccomp *s;
  struct seccomp_prog p = { 0 };

  s = oci_linux_seccomp_parse_data ((const char *)data, size, "linux.seccomp", &err);
  if (s)
    {
      if (seccomp_prog_build (s, &p, &err) == 0)
        {
          FUZZ_ASSERT ((p.insns == NULL) == (p.len == 0));
          seccomp_prog_clear (&p);
        }
      else
        FUZZ_ASSERT (err != NULL);
      oci_linux_seccomp_free (s);
    }
  berr_free (err);
  return 0;
}
