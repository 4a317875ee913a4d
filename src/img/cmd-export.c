/* img export: option parsing; the work is archive-export.c. */
#include <config.h>

#include <string.h>

#include "img-archive.h"
#include "img.h"

enum
{
  OPT_FORMAT = 256,
};

struct export_opts
{
  enum img_archive_format format;
  const char *out;
};

static const struct cli_option options[] = {
  { "format", OPT_FORMAT, false, "oci|docker", "an OCI archive (default) or a docker-save archive" },
  { "output", 'o', true, "FILE", "the archive to write ('-': standard output)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "export",
  "[command options] -o FILE IMAGE...",
  "write images to an OCI archive or a docker-save archive",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct export_opts *o = data;

  if (key == 'o')
    o->out = arg;
  else if (strcmp (arg, "oci") == 0)
    o->format = IMG_ARCHIVE_OCI;
  else if (strcmp (arg, "docker") == 0)
    o->format = IMG_ARCHIVE_DOCKER;
  else
    return berr_make (err, 0, "unknown archive format '%s' (oci or docker)", arg);
  return 0;
}

int
img_cmd_export (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_store struct img_store *s = NULL;
  struct export_opts o = { IMG_ARCHIVE_OCI, NULL };
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &o, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1 << 20, err) < 0)
    return -1;
  if (o.out == NULL)
    return berr_make (err, 0, "'export' needs the archive to write: -o FILE");
  if (img_ctx_store (ctx, false, &s, err) < 0)
    return -1;
  return img_archive_export (s, argv + first, argc - first, o.format, o.out, err);
}
