/* img unpack: option parsing only; the work is in unpack.c. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
  { "max-layer-size", OPT_MAX_LAYER_SIZE, false, "SIZE",
    "refuse a layer that expands to more than SIZE bytes (suffix K, M, G or T; 0: no limit; default 64G)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "unpack", "[command options] IMAGE BUNDLE", "unpack an image into a runtime bundle", options, false,
};

/* "64G", "512M", "1000": bytes; 0 becomes -1 (no limit). */
static int
parse_size (const char *arg, int64_t *out, berr_t **err)
{
  static const char units[] = "KMGT";
  unsigned long long v;
  const char *u;
  char *end;

  errno = 0;
  v = strtoull (arg, &end, 10);
  if (end == arg || *arg == '-' || errno == ERANGE)
    return berr_make (err, 0, "--max-layer-size '%s': not a size", arg);
  if (*end)
    {
      if (end[1] || (u = strchr (units, *end)) == NULL)
        return berr_make (err, 0, "--max-layer-size '%s': not a size (suffix K, M, G or T)", arg);
      for (int i = 0; i <= u - units; i++)
        {
          if (v > (unsigned long long)INT64_MAX / 1024)
            return berr_make (err, 0, "--max-layer-size '%s': too large", arg);
          v *= 1024;
        }
    }
  if (v > (unsigned long long)INT64_MAX)
    return berr_make (err, 0, "--max-layer-size '%s': too large", arg);
  *out = v == 0 ? -1 : (int64_t)v;
  return 0;
}

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct unpack_opts *o = data;

  if (key == OPT_MAX_LAYER_SIZE)
    return parse_size (arg, &o->u.max_layer_size, err);
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
