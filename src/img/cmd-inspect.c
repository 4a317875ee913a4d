/* img inspect (placeholder: being written). */
#include <config.h>

#include "img.h"

int
img_cmd_inspect (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  return cli_not_implemented ("inspect", err);
}
