/* img gc: option parsing and the report; the mark and sweep is gc.c. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>

#include "gc.h"
#include "img.h"

static const struct cli_option options[] = {
  { "dry-run", 'n', true, NULL, "report what would be removed, remove nothing" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "gc",  "[command options]", "remove blobs no image in index.json references, and stray temp files", options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  ((struct img_gc_opts *)data)->dry_run = true;
  return 0;
}

static const struct img_cmd_spec spec = { &command, on_option, 0, 0, false };

int
img_cmd_gc (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_store struct img_store *s = NULL;
  struct img_gc_opts o = { 0 };
  struct img_gc_result res;
  size_t i;
  int first, r;

  r = img_cmd_begin (ctx, &spec, argc, argv, &o, &first, &s, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (img_gc (s, &o, &res, err) < 0)
    return -1;
  for (i = 0; i < res.n_missing; i++)
    fprintf (stderr, "img gc: warning: %s\n", res.missing[i]);
  if (res.kept_all)
    fprintf (stderr, "img gc: warning: a referenced manifest cannot be read: no blob removed\n");
  if (!ctx->quiet)
    {
      printf ("%s %zu blob%s, %s %" PRId64 " bytes", o.dry_run ? "would remove" : "removed", res.blobs,
              res.blobs == 1 ? "" : "s", o.dry_run ? "would free" : "freed", res.bytes);
      if (res.temps)
        printf ("; %s %zu stray temp file%s (%" PRId64 " bytes)", o.dry_run ? "would remove" : "removed",
                res.temps, res.temps == 1 ? "" : "s", res.tmp_bytes);
      printf ("\n");
    }
  img_gc_result_clear (&res);
  return 0;
}
