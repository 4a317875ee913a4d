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
  OPT_UNPACK,
  OPT_TTY,
  OPT_ROOTLESS,
  OPT_MAX_LAYER_SIZE,
};

static const struct cli_option options[] = {
  XFER_CLI_OPTIONS,
  { "all", OPT_ALL, false, NULL, "pull every image of an index (multi-arch), and the index" },
  { "name", OPT_NAME, false, "NAME", "store the image under this name (default: the reference)" },
  { "unpack", OPT_UNPACK, false, "BUNDLE",
    "also unpack the image into BUNDLE, each layer applied while it downloads (one pass)" },
  { "tty", OPT_TTY, false, NULL, "with --unpack: set process.terminal in config.json" },
  { "rootless", OPT_ROOTLESS, false, NULL, "with --unpack: a rootless unpack (automatic when not root)" },
  { "max-layer-size", OPT_MAX_LAYER_SIZE, false, "SIZE", "with --unpack: " IMG_MAX_LAYER_SIZE_HELP },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "pull",
  "[command options] <reference>",
  "copy an image from a registry into the store (busybox, host:port/ns/name:tag, name@sha256:...)",
  options,
  false,
};

struct pull_cli
{
  struct xfer_cli x;
  struct img_unpack_opts u;
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct pull_cli *pc = data;
  struct xfer_cli *x = &pc->x;
  int r = xfer_cli_option (x, key, arg, err);

  if (r != 0)
    return r < 0 ? -1 : 0;
  if (key == OPT_ALL)
    x->o.all_platforms = true;
  else if (key == OPT_NAME)
    x->o.name = arg;
  else if (key == OPT_UNPACK)
    x->o.unpack_bundle = arg;
  else if (key == OPT_TTY)
    pc->u.tty = true;
  else if (key == OPT_ROOTLESS)
    pc->u.rootless = true;
  else if (key == OPT_MAX_LAYER_SIZE)
    return img_unpack_parse_size (arg, &pc->u.max_layer_size, err);
  return 0;
}

int
img_cmd_pull (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_store struct img_store *s = NULL;
  cleanup_free char *tagged = NULL;
  struct pull_cli pc = { 0 };
  struct xfer_cli *xp = &pc.x;
  int first, r;

  xfer_cli_init (xp, ctx->quiet);
  pc.u.quiet = ctx->quiet;
  xp->o.unpack = &pc.u;
  r = cli_parse (&command, argc, argv, on_option, &pc, &first, err);
  if (r == 0 && cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    r = -1;
  if (r == 0 && pc.u.max_layer_size != 0 && xp->o.unpack_bundle == NULL)
    r = berr_make (err, 0, "--max-layer-size limits what --unpack writes: it needs --unpack BUNDLE");
  if (r == 0 && img_ctx_store (ctx, true, &s, err) < 0)
    r = -1;
  if (r == 0 && img_pull (s, argv[first], &xp->o, &tagged, err) < 0)
    r = -1;
  if (r == 0 && xp->o.progress != IMG_PROGRESS_QUIET)
    printf ("%s\n", tagged);
  xfer_cli_clear (xp);
  return r < 0 ? -1 : 0;
}
