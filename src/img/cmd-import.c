/* img import: option parsing and the report; the work is archive-import.c. */
#include <config.h>

#include <stdio.h>

#include "img-archive.h"
#include "img.h"

enum
{
  OPT_NAME = 256,
};

static const struct cli_option options[] = {
  { "name", OPT_NAME, false, "NAME", "tag the imported image NAME (an archive with one image)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "import",
  "[command options] FILE|DIR",
  "read images from an OCI archive, an OCI layout directory or a docker-save archive",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  ((struct img_import_opts *)data)->name = arg;
  return 0;
}

static const struct img_cmd_spec spec = { &command, on_option, 1, 1, true };

int
img_cmd_import (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_store struct img_store *s = NULL;
  struct img_import_opts o = { 0 };
  struct img_import_result res;
  size_t i;
  int first, r;

  r = img_cmd_begin (ctx, &spec, argc, argv, &o, &first, &s, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (img_archive_import (s, argv[first], &o, &res, err) < 0)
    return -1;
  for (i = 0; !ctx->quiet && i < res.n; i++)
    printf ("%s\n", res.lines[i]);
  img_import_result_clear (&res);
  return 0;
}
