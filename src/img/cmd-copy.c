/* img copy: option parsing only; the work is in copy.c. */
#include <config.h>

#include "copy.h"
#include "img.h"
#include "transfer-opts.h"
#include "util.h"

static const struct cli_option options[] = {
  XFER_CLI_OPTIONS,
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "copy",
  "[command options] <source> <destination>",
  "copy an image between registries (docker://REF), OCI layouts (oci:DIR[:NAME]) and the store (NAME)",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  return xfer_cli_option (data, key, arg, err) < 0 ? -1 : 0;
}

int
img_cmd_copy (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_free char *def = ctx->store_path ? NULL : img_store_default_path ();
  const char *store = ctx->store_path ? ctx->store_path : def;
  struct img_endpoint src = { 0 }, dst = { 0 };
  struct xfer_cli x;
  int first, r;

  xfer_cli_init (&x, ctx->quiet);
  r = cli_parse (&command, argc, argv, on_option, &x, &first, err);
  if (r == 0 && cli_check_nargs (&command, argc - first, 2, 2, err) < 0)
    r = -1;
  if (r == 0
      && (img_endpoint_parse (argv[first], store, &src, err) < 0
          || img_endpoint_parse (argv[first + 1], store, &dst, err) < 0))
    r = -1;
  if (r == 0 && img_copy (&src, &dst, &x.o, err) < 0)
    r = -1;
  img_endpoint_clear (&src);
  img_endpoint_clear (&dst);
  xfer_cli_clear (&x);
  return r < 0 ? -1 : 0;
}
