/* img new: option parsing only; the work is in commit.c. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "commit.h"
#include "img.h"
#include "util.h"

enum
{
  OPT_OS = 256,
  OPT_ARCH,
};

struct new_opts
{
  const char *os, *arch;
};

static const struct cli_option options[] = {
  { "os", OPT_OS, false, "OS", "the image's os (default: linux)" },
  { "arch", OPT_ARCH, false, "ARCH[/VARIANT]", "the image's architecture (default: the host's)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "new",
  "[command options] IMAGE[:TAG]",
  "create an image with no layers (as `umoci new`): `img unpack` it, fill the rootfs and `img commit`, or "
  "`img commit --rootfs DIR IMAGE`",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct new_opts *o = data;

  if (key == OPT_OS)
    o->os = arg;
  else
    o->arch = arg;
  return 0;
}

int
img_cmd_new (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct new_opts o = { 0 };
  struct img_platform p = { 0 };
  cleanup_store struct img_store *s = NULL;
  cleanup_free char *plat = NULL;
  oci_image_descriptor *desc = NULL;
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &o, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    return -1;
  if (o.arch)
    plat = xasprintf ("%s/%s", o.os ? o.os : "linux", o.arch);
  else if (o.os)
    {
      struct img_platform host;
      img_platform_parse (NULL, &host, NULL);
      plat
        = xasprintf ("%s/%s%s%s", o.os, host.arch, host.variant ? "/" : "", host.variant ? host.variant : "");
      img_platform_clear (&host);
    }
  if (img_platform_parse (plat, &p, err) < 0)
    return -1;
  r = img_ctx_store (ctx, true, &s, err);
  if (r == 0)
    r = img_new_image (s, argv[first], &p, &desc, err);
  img_platform_clear (&p);
  if (r < 0 || desc == NULL)
    return -1;
  if (!ctx->quiet)
    printf ("%s\n", desc->digest);
  oci_image_descriptor_free (desc);
  return 0;
}
