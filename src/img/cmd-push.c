/* img push: option parsing only; the work is in pull.c. */
#include <config.h>

#include "img.h"
#include "transfer-opts.h"
#include "util.h"

static const struct cli_option options[] = {
  XFER_CLI_OPTIONS,
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "push",
  "[command options] <image> [<destination reference>]",
  "copy an image from the store to a registry (blobs the registry has are not sent)",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  return xfer_cli_option (data, key, arg, err) < 0 ? -1 : 0;
}

static const struct img_cmd_spec spec = { &command, on_option, 1, 2, false };

int
img_cmd_push (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_store struct img_store *s = NULL;
  struct xfer_cli x;
  int first, r;

  xfer_cli_init (&x, ctx->quiet);
  r = img_cmd_begin (ctx, &spec, argc, argv, &x, &first, &s, err);
  if (r == 0 && img_push (s, argv[first], argc - first == 2 ? argv[first + 1] : argv[first], &x.o, err) < 0)
    r = -1;
  xfer_cli_clear (&x);
  return r < 0 ? -1 : 0;
}
