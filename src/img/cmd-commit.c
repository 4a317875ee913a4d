/* img commit (placeholder: being written). */
#include <config.h>

#include "img.h"

int
img_cmd_commit (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  return cli_not_implemented ("commit", err);
}
