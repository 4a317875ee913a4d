/* img fsck: option parsing and the report; the checks are fsck.c.
 * Exit status: 0 when the store is consistent (with --repair: once every
 * problem found was repaired), 1 when a problem remains or the check could
 * not run. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>

#include "fsck.h"
#include "img.h"

static const struct cli_option options[] = {
  { "repair", 'r', true, NULL,
    "remove temp files of interrupted writes and corrupt blobs (never a healthy blob); images left "
    "without a blob are reported: pull them again" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "fsck",
  "[command options]",
  "verify every blob against its digest, every image's manifests, configs and layers, and report the debris "
  "of interrupted commands",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  (void)key;
  (void)arg;
  (void)err;
  ((struct img_fsck_opts *)data)->repair = true;
  return 0;
}

static const struct img_cmd_spec spec = { &command, on_option, 0, 0, false };

int
img_cmd_fsck (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_store struct img_store *s = NULL;
  struct img_fsck_opts o = { 0 };
  struct img_fsck_result res = { 0 };
  size_t i, left;
  int first, r;

  r = img_cmd_begin (ctx, &spec, argc, argv, &o, &first, &s, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (img_fsck (s, &o, &res, err) < 0)
    return -1;
  for (i = 0; i < res.n_problems; i++)
    {
      const struct img_fsck_problem *p = &res.problems[i];
      printf ("%s", p->object);
      if (p->path)
        printf (" (%s)", p->path);
      printf (": %s%s\n", p->reason, p->repaired ? " [removed]" : "");
    }
  left = img_fsck_unrepaired (&res);
  if (!ctx->quiet)
    {
      fprintf (stderr, "checked %zu blob%s (%" PRId64 " bytes) and %zu image%s: ", res.blobs,
               res.blobs == 1 ? "" : "s", res.bytes, res.images, res.images == 1 ? "" : "s");
      if (res.n_problems == 0)
        fprintf (stderr, "no problem");
      else
        fprintf (stderr, "%zu problem%s, %zu repaired", res.n_problems, res.n_problems == 1 ? "" : "s",
                 res.n_problems - left);
      if (res.unreferenced)
        fprintf (stderr, "; %zu unreferenced blob%s (img gc removes them)", res.unreferenced,
                 res.unreferenced == 1 ? "" : "s");
      fprintf (stderr, "\n");
    }
  img_fsck_result_clear (&res);
  return left > 0 ? 1 : 0;
}
