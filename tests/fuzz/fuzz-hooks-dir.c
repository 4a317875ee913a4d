/* Fuzz target: a hooks.d file (podman's oci-hooks(5) JSON) as
 * `berth --hooks-dir` reads it (hooks_dir_load: parse and check, regexes
 * included), matched against a fixed config with annotations, a bind
 * mount and a process. */
#include <config.h>

#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "fuzz.h"
#include "hooks-dir.h"
#include "oci-spec.h"

static const char spec_json[]
  = "{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"/bin/sh\",\"-c\",\"true\"],\"cwd\":\"/\"},"
    "\"root\":{\"path\":\"rootfs\"},\"annotations\":{\"io.podman.x\":\"on\",\"a\":\"b\"},"
    "\"mounts\":[{\"destination\":\"/data\",\"source\":\"/srv\",\"options\":[\"rbind\"]}]}";

static oci_spec *spec;
static int fd = -1;
static char path[64];

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  berr_t *err = NULL;
  oci_hooks_file *f;

  if (spec == NULL)
    {
      spec = oci_spec_parse_data (spec_json, sizeof spec_json - 1, "spec", &err);
      fd = memfd_create ("hooks.json", 0);
      FUZZ_ASSERT (spec != NULL && fd >= 0);
      snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
    }
  FUZZ_ASSERT (ftruncate (fd, 0) == 0 && pwrite (fd, data, size, 0) == (ssize_t)size);
  f = hooks_dir_load (path, &err);
  if (f)
    {
      (void)hooks_dir_match (f, spec);
      oci_hooks_file_free (f);
    }
  else
    FUZZ_ASSERT (err != NULL);
  berr_free (err);
  return 0;
}
