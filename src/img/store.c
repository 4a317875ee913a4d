/* img - the image store (placeholder: being written; see store.h). */
#include <config.h>

#include "store.h"

#include "util.h"

char *
img_store_default_path (void)
{
  return xstrdup ("/var/lib/berth/images");
}

int
img_store_open (const char *path, bool create, struct img_store **out, berr_t **err)
{
  return berr_make (err, 0, "the image store is not implemented yet");
}
