/* img - what the import and export halves of archive.h share: a layer blob
 * read as its uncompressed tar stream (libarchive's filters over the
 * verified blob reader, its "raw" format so the tar itself is not parsed),
 * the uncompressed digest of a layer, and docker's familiar names. */
#include <config.h>

#include "img-archive.h"

#include <errno.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "util.h"

struct img_layer_stream
{
  struct img_blob_reader *r;
  struct archive *a;
  berr_t *rerr; /* the blob reader's error, kept for the caller */
  char *digest;
  bool empty; /* libarchive saw no data at all */
  char buf[65536];
};

static la_ssize_t
layer_read_cb (struct archive *a, void *data, const void **out)
{
  struct img_layer_stream *ls = data;
  ssize_t n = img_blob_read (ls->r, ls->buf, sizeof (ls->buf), &ls->rerr);

  if (n < 0)
    {
      archive_set_error (a, EIO, "%s", ls->rerr && ls->rerr->msg ? ls->rerr->msg : "read error");
      return -1;
    }
  *out = ls->buf;
  return n;
}

static int
layer_error (struct img_layer_stream *ls, berr_t **err)
{
  if (ls->rerr)
    {
      *err = steal_ptr (ls->rerr);
      return -1;
    }
  return berr_make (err, 0, "decompress layer '%s': %s", ls->digest,
                    archive_error_string (ls->a) ? archive_error_string (ls->a) : "unknown error");
}

int
img_layer_stream_open (struct img_store *s, const char *digest, int64_t size, struct img_layer_stream **out,
                       berr_t **err)
{
  struct img_layer_stream *ls = xzalloc (sizeof (*ls));
  struct archive_entry *e;
  int r;

  ls->digest = xstrdup (digest);
  if (img_blob_open (s, digest, size, &ls->r, err) < 0)
    goto fail;
  ls->a = archive_read_new ();
  archive_read_support_filter_gzip (ls->a);
  archive_read_support_filter_zstd (ls->a);
  archive_read_support_format_raw (ls->a);
  if (archive_read_open (ls->a, ls, NULL, layer_read_cb, NULL) != ARCHIVE_OK)
    {
      layer_error (ls, err);
      goto fail;
    }
  r = archive_read_next_header (ls->a, &e);
  if (r == ARCHIVE_EOF)
    ls->empty = true;
  else if (r != ARCHIVE_OK)
    {
      layer_error (ls, err);
      goto fail;
    }
  *out = ls;
  return 0;
fail:
  img_layer_stream_free (ls);
  return -1;
}

ssize_t
img_layer_stream_read (struct img_layer_stream *ls, void *buf, size_t len, berr_t **err)
{
  la_ssize_t n;

  if (ls->empty)
    return 0;
  n = archive_read_data (ls->a, buf, len);
  if (n < 0)
    return layer_error (ls, err);
  return n;
}

void
img_layer_stream_free (struct img_layer_stream *ls)
{
  if (ls == NULL)
    return;
  if (ls->a)
    archive_read_free (ls->a);
  img_blob_reader_free (ls->r);
  berr_free (ls->rerr);
  free (ls->digest);
  free (ls);
}

void
img_layer_stream_freep (struct img_layer_stream **ls)
{
  img_layer_stream_free (*ls);
}

int
img_layer_diff_id (struct img_store *s, const char *digest, int64_t size, char **diff_id, int64_t *usize,
                   berr_t **err)
{
  cleanup_layer_stream struct img_layer_stream *ls = NULL;
  cleanup_hasher struct img_hasher *h = img_hasher_new (IMG_DIGEST_SHA256);
  cleanup_free char *buf = xmalloc (1 << 16);
  int64_t total = 0;
  ssize_t n;

  if (img_layer_stream_open (s, digest, size, &ls, err) < 0)
    return -1;
  while ((n = img_layer_stream_read (ls, buf, 1 << 16, err)) > 0)
    {
      img_hasher_update (h, buf, n);
      total += n;
    }
  if (n < 0)
    return -1;
  *diff_id = img_hasher_final (h);
  if (usize)
    *usize = total;
  return 0;
}

char *
img_archive_familiar_name (const char *name)
{
  if (util_str_has_prefix (name, "docker.io/library/"))
    return xstrdup (name + strlen ("docker.io/library/"));
  if (util_str_has_prefix (name, "docker.io/"))
    return xstrdup (name + strlen ("docker.io/"));
  return xstrdup (name);
}
