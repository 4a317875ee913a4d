/* img unpack: option parsing only; the work is in unpack.c. */
#include <config.h>

#include "img.h"
#include "unpack.h"
#include "util.h"

enum
{
  OPT_PLATFORM = 256,
  OPT_TTY,
  OPT_ROOTLESS,
  OPT_MAX_LAYER_SIZE,
};

struct unpack_opts
{
  const char *platform;
  struct img_unpack_opts u;
};

static const struct cli_option options[] = {
  { "platform", OPT_PLATFORM, false, "OS/ARCH[/VARIANT]",
    "the image to choose from an index (default: the host's)" },
  { "tty", OPT_TTY, false, NULL, "set process.terminal in config.json" },
  { "rootless", OPT_ROOTLESS, false, NULL,
    "no chown: owners in the user.rootlesscontainers xattr, devices as empty files (automatic when not "
    "root)" },
  { "max-layer-size", OPT_MAX_LAYER_SIZE, false, "SIZE", IMG_MAX_LAYER_SIZE_HELP },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "unpack", "[command options] IMAGE BUNDLE", "unpack an image into a runtime bundle", options, false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct unpack_opts *o = data;

  if (key == OPT_MAX_LAYER_SIZE)
    return img_unpack_parse_size (arg, &o->u.max_layer_size, err);
  if (key == OPT_PLATFORM)
    o->platform = arg;
  else if (key == OPT_TTY)
    o->u.tty = true;
  else
    o->u.rootless = true;
  return 0;
}

int
img_cmd_unpack (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct unpack_opts o = { 0 };
  struct img_platform platform = { 0 };
  cleanup_store struct img_store *s = NULL;
  cleanup_image struct img_image *im = NULL;
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &o, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 2, 2, err) < 0)
    return -1;
  o.u.quiet = ctx->quiet;
  if (img_platform_parse (o.platform, &platform, err) < 0)
    return -1;
  r = img_ctx_store (ctx, false, &s, err);
  if (r == 0)
    r = img_image_load (s, argv[first], &platform, &im, err);
  img_platform_clear (&platform);
  if (r < 0)
    return -1;
  return img_unpack (s, im, argv[first], argv[first + 1], &o.u, NULL, err) < 0 ? -1 : 0;
}
