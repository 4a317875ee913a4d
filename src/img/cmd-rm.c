/* img rm NAME...: remove image names from the store's index.json, all in
 * one update under the store's exclusive lock.  A name (tag) removes its
 * entry; a digest or digest prefix removes every entry of that manifest.
 * Blobs stay until `img gc`.  An unknown name is reported and the others
 * are still removed (exit status 1). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"
#include "util.h"

static const struct cli_option options[] = {
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "rm",
  "NAME...\n\n"
  "   NAME is a tag (removes that entry of index.json) or a manifest digest\n"
  "   or unique prefix of 12+ hex digits (removes every entry of that manifest).\n"
  "   Only index.json changes: the blobs stay until `img gc` sweeps them.",
  "remove image names from the store",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  (void)key, (void)arg, (void)data;
  return berr_make (err, 0, "rm takes no options");
}

static void
remove_at (oci_image_index *idx, size_t pos)
{
  oci_image_descriptor_free (idx->manifests[pos]);
  memmove (&idx->manifests[pos], &idx->manifests[pos + 1],
           (idx->manifests_len - pos - 1) * sizeof (*idx->manifests));
  idx->manifests_len--;
}

/* Remove what name designates; prints what went. */
static int
remove_name (struct img_store *s, oci_image_index *idx, const char *name, bool quiet, berr_t **err)
{
  cleanup_free char *digest = NULL, *norm = img_ref_normalize (name);
  const char *ref;
  size_t pos, i;

  if (img_index_find (s, idx, name, &pos, err) < 0)
    return -1;
  ref = img_desc_ref_name (idx->manifests[pos]);
  if (ref && (strcmp (ref, name) == 0 || strcmp (ref, norm) == 0))
    {
      if (!quiet)
        printf ("%s\n", ref);
      remove_at (idx, pos);
      return 0;
    }
  digest = xstrdup (idx->manifests[pos]->digest);
  for (i = idx->manifests_len; i-- > 0;)
    if (idx->manifests[i]->digest && strcmp (idx->manifests[i]->digest, digest) == 0)
      {
        ref = img_desc_ref_name (idx->manifests[i]);
        if (!quiet)
          printf ("%s\n", ref ? ref : digest);
        remove_at (idx, i);
      }
  return 0;
}

/* The last failure travels up to main; earlier ones are printed here. */
static void
report (berr_t **err, berr_t **e)
{
  if (*err)
    {
      fprintf (stderr, "img rm: %s\n", (*err)->msg);
      berr_clear (err);
    }
  *err = steal_ptr (*e);
}

static const struct img_cmd_spec spec = { &command, on_option, 1, -1, false };

int
img_cmd_rm (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_store struct img_store *s = NULL;
  oci_image_index *idx = NULL;
  size_t before;
  int first, r, i, failed = 0;

  r = img_cmd_begin (ctx, &spec, argc, argv, NULL, &first, &s, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (img_store_lock (s, true, err) < 0)
    return -1;
  idx = img_index_load (s, err);
  if (idx == NULL)
    goto out;
  before = idx->manifests_len;
  for (i = first; i < argc; i++)
    {
      cleanup_berr berr_t *e = NULL;
      if (remove_name (s, idx, argv[i], ctx->quiet, &e) < 0)
        {
          report (err, &e);
          failed++;
        }
    }
  r = 0;
  if (idx->manifests_len != before)
    {
      cleanup_berr berr_t *e = NULL;
      r = img_index_save (s, idx, &e);
      if (r < 0)
        report (err, &e);
    }
out:
  oci_image_index_free (idx);
  img_store_unlock (s);
  return idx == NULL || failed || r < 0 ? -1 : 0;
}
