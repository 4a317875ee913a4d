/* img commit: option parsing only; the work is in commit.c. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "commit.h"
#include "img.h"
#include "util.h"

enum
{
  OPT_COMPRESS = 256,
  OPT_AUTHOR,
  OPT_CREATED_BY,
  OPT_SQUASH,
  OPT_HISTORY_EMPTY,
  OPT_ROOTFS,
};

static const struct cli_option options[] = {
  { "compress", OPT_COMPRESS, false, "gzip|zstd|none", "layer compression (default: gzip)" },
  { "author", OPT_AUTHOR, false, "A", "the image's and the history entry's author" },
  { "message", 'm', true, "M", "the history entry's comment" },
  { "created-by", OPT_CREATED_BY, false, "S", "the history entry's created_by (default: \"img commit\")" },
  { "squash", OPT_SQUASH, false, NULL,
    "one layer holding the whole rootfs instead of the base's layers + a diff" },
  { "history-empty", OPT_HISTORY_EMPTY, false, NULL,
    "when nothing changed, add no layer, only a history entry marked empty_layer (default: an empty layer, "
    "as umoci repack does)" },
  { "rootfs", OPT_ROOTFS, false, "DIR",
    "commit a plain directory instead of a bundle: all of DIR is new, on top of the existing IMAGE (made "
    "with `img new IMAGE`), which gets the new image's tag" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "commit",
  "[command options] BUNDLE IMAGE[:TAG]  |  --rootfs DIR IMAGE[:TAG]",
  "turn what changed in BUNDLE/rootfs since `img unpack` (or the last commit) into a new layer on the "
  "bundle's image, tagged IMAGE; files whose inode, size, times, mode and owner are unchanged are not read; "
  "SOURCE_DATE_EPOCH sets the history time and clamps file mtimes, for reproducible layers",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct img_commit_opts *o = data;

  switch (key)
    {
    case OPT_COMPRESS:
      return img_compress_parse (arg, &o->compress, err);
    case OPT_AUTHOR:
      o->author = arg;
      break;
    case 'm':
      o->message = arg;
      break;
    case OPT_CREATED_BY:
      o->created_by = arg;
      break;
    case OPT_SQUASH:
      o->squash = true;
      break;
    case OPT_HISTORY_EMPTY:
      o->history_empty = true;
      break;
    case OPT_ROOTFS:
      o->rootfs = arg;
      break;
    }
  return 0;
}

int
img_cmd_commit (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct img_commit_opts o = { .compress = IMG_COMPRESS_GZIP };
  cleanup_free char *digest = NULL;
  oci_image_descriptor *desc = NULL;
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &o, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, o.rootfs ? 1 : 2, o.rootfs ? 1 : 2, err) < 0)
    return -1;
  if (o.rootfs)
    o.image = argv[first];
  else
    {
      o.bundle = argv[first];
      o.image = argv[first + 1];
    }
  o.digest = ctx->digest;
  if (img_commit (ctx->store_path, &o, &desc, ctx->quiet, err) < 0)
    return -1;
  if (!ctx->quiet)
    printf ("%s\n", desc->digest);
  oci_image_descriptor_free (desc);
  return 0;
}
