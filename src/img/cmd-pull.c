/* img pull: option parsing only; the work is in pull.c. */
#include <config.h>

#include <stdio.h>

#include "img.h"
#include "transfer-opts.h"
#include "util.h"

enum
{
  OPT_ALL = XFER_OPT_LAST,
  OPT_NAME,
};

static const struct cli_option options[] = {
  XFER_CLI_OPTIONS,
  { "all", OPT_ALL, false, NULL, "pull every image of an index (multi-arch), and the index" },
  { "name", OPT_NAME, false, "NAME", "store the image under this name (default: the reference)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "pull",
  "[command options] <reference>",
  "copy an image from a registry into the store (busybox, host:port/ns/name:tag, name@sha256:...)",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct xfer_cli *x = data;
  int r = xfer_cli_option (x, key, arg, err);

  if (r != 0)
    return r < 0 ? -1 : 0;
  if (key == OPT_ALL)
    x->o.all_platforms = true;
  else if (key == OPT_NAME)
    x->o.name = arg;
  return 0;
}

int
img_cmd_pull (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_store struct img_store *s = NULL;
  cleanup_free char *tagged = NULL;
  struct xfer_cli x;
  int first, r;

  xfer_cli_init (&x, ctx->quiet);
  r = cli_parse (&command, argc, argv, on_option, &x, &first, err);
  if (r == 0 && cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    r = -1;
  if (r == 0 && img_ctx_store (ctx, true, &s, err) < 0)
    r = -1;
  if (r == 0 && img_pull (s, argv[first], &x.o, &tagged, err) < 0)
    r = -1;
  if (r == 0 && x.o.progress != IMG_PROGRESS_QUIET)
    printf ("%s\n", tagged);
  xfer_cli_clear (&x);
  return r < 0 ? -1 : 0;
}
