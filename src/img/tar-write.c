/* img - the deterministic tar writer (see tar-write.h): ustar headers, pax
 * extended headers only when needed, one xattr form, and a compression
 * stage (zlib deflate with a gzip wrapper at a fixed level, libzstd
 * streaming, or none) between the tar bytes and the sink.
 *
 * Written by hand rather than with libarchive's writer: every byte of the
 * output is decided here (pax header names, record order, padding, the
 * gzip header's zero mtime), so the layer digest depends on the entries
 * alone and cannot drift with a library version. */
#include <config.h>

#include "tar-write.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "digest.h"
#include "util.h"

#define BLOCK 512
#define BUFSZ (128 * 1024)
#define GZIP_LEVEL 6
#define ZSTD_LEVEL 3

struct img_tar_writer
{
  struct img_tar_opts o;
  img_tar_sink_fn sink;
  void *sink_data;
  struct img_hasher *hash;
  z_stream z;
  bool z_init;
  ZSTD_CCtx *zc;
  unsigned char *out; /* compressor output buffer */
  int64_t data_left;  /* bytes of the current entry still to come */
  int64_t data_size;  /* the current entry's size (for padding) */
  bool finished;
};

int
img_compress_parse (const char *s, enum img_compress *c, berr_t **err)
{
  if (strcmp (s, "gzip") == 0)
    *c = IMG_COMPRESS_GZIP;
  else if (strcmp (s, "zstd") == 0)
    *c = IMG_COMPRESS_ZSTD;
  else if (strcmp (s, "none") == 0)
    *c = IMG_COMPRESS_NONE;
  else
    return berr_make (err, 0, "unknown compression '%s' (gzip, zstd, none)", s);
  return 0;
}

const char *
img_compress_media_type (enum img_compress c)
{
  switch (c)
    {
    case IMG_COMPRESS_ZSTD:
      return "application/vnd.oci.image.layer.v1.tar+zstd";
    case IMG_COMPRESS_NONE:
      return "application/vnd.oci.image.layer.v1.tar";
    default:
      return "application/vnd.oci.image.layer.v1.tar+gzip";
    }
}

int
img_source_date_epoch (int64_t *out, berr_t **err)
{
  const char *s = getenv ("SOURCE_DATE_EPOCH");
  char *end;
  long long v;

  *out = -1;
  if (s == NULL || *s == '\0')
    return 0;
  errno = 0;
  v = strtoll (s, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0 || *s < '0' || *s > '9')
    return berr_make (
      err, 0, "invalid SOURCE_DATE_EPOCH '%s': expected seconds since 1970 (a non-negative integer)", s);
  *out = v;
  return 0;
}

static int
xattr_cmp (const void *a, const void *b)
{
  return strcmp (((const struct img_xattr *)a)->name, ((const struct img_xattr *)b)->name);
}

void
img_xattrs_sort (struct img_xattr *x, size_t n)
{
  if (n > 1)
    qsort (x, n, sizeof *x, xattr_cmp);
}

void
img_xattrs_free (struct img_xattr *x, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      free (x[i].name);
      free (x[i].value);
    }
  free (x);
}

/* ---- the compression stage ---- */

static int
emit (struct img_tar_writer *w, const void *buf, size_t len, berr_t **err)
{
  return len ? w->sink (w->sink_data, buf, len, err) : 0;
}

static int
gzip_feed (struct img_tar_writer *w, const void *buf, size_t len, bool end, berr_t **err)
{
  int rc;

  w->z.next_in = (Bytef *)buf;
  w->z.avail_in = len;
  do
    {
      w->z.next_out = w->out;
      w->z.avail_out = BUFSZ;
      rc = deflate (&w->z, end ? Z_FINISH : Z_NO_FLUSH);
      if (rc == Z_STREAM_ERROR)
        return berr_make (err, 0, "gzip: deflate failed");
      if (emit (w, w->out, BUFSZ - w->z.avail_out, err) < 0)
        return -1;
    }
  while (w->z.avail_out == 0 || (end && rc != Z_STREAM_END));
  return 0;
}

static int
zstd_feed (struct img_tar_writer *w, const void *buf, size_t len, bool end, berr_t **err)
{
  ZSTD_inBuffer in = { buf, len, 0 };
  size_t rem;

  for (;;)
    {
      ZSTD_outBuffer out = { w->out, BUFSZ, 0 };
      rem = ZSTD_compressStream2 (w->zc, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError (rem))
        return berr_make (err, 0, "zstd: %s", ZSTD_getErrorName (rem));
      if (emit (w, w->out, out.pos, err) < 0)
        return -1;
      if (end ? rem == 0 : in.pos == in.size)
        return 0;
    }
}

/* Uncompressed tar bytes: hashed, then compressed into the sink. */
static int
tar_out (struct img_tar_writer *w, const void *buf, size_t len, bool end, berr_t **err)
{
  if (len)
    img_hasher_update (w->hash, buf, len);
  switch (w->o.compress)
    {
    case IMG_COMPRESS_GZIP:
      return gzip_feed (w, buf, len, end, err);
    case IMG_COMPRESS_ZSTD:
      return zstd_feed (w, buf, len, end, err);
    default:
      return emit (w, buf, len, err);
    }
}

struct img_tar_writer *
img_tar_writer_new (const struct img_tar_opts *o, img_tar_sink_fn sink, void *sink_data, berr_t **err)
{
  struct img_tar_writer *w = xzalloc (sizeof *w);

  w->o = *o;
  w->sink = sink;
  w->sink_data = sink_data;
  w->hash = img_hasher_new (IMG_DIGEST_SHA256);
  w->out = xmalloc (BUFSZ);
  if (o->compress == IMG_COMPRESS_GZIP)
    {
      /* windowBits 15 + 16: a gzip wrapper with mtime 0 and no name. */
      if (deflateInit2 (&w->z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        {
          img_tar_writer_free (w);
          berr_make (err, 0, "gzip: cannot initialise the compressor");
          return NULL;
        }
      w->z_init = true;
    }
  else if (o->compress == IMG_COMPRESS_ZSTD)
    {
      w->zc = ZSTD_createCCtx ();
      if (w->zc == NULL || ZSTD_isError (ZSTD_CCtx_setParameter (w->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL))
          || ZSTD_isError (ZSTD_CCtx_setParameter (w->zc, ZSTD_c_checksumFlag, 1)))
        {
          img_tar_writer_free (w);
          berr_make (err, 0, "zstd: cannot initialise the compressor");
          return NULL;
        }
    }
  return w;
}

void
img_tar_writer_free (struct img_tar_writer *w)
{
  if (w == NULL)
    return;
  if (w->z_init)
    deflateEnd (&w->z);
  if (w->zc)
    ZSTD_freeCCtx (w->zc);
  img_hasher_free (w->hash);
  free (w->out);
  free (w);
}

void
img_tar_writer_freep (struct img_tar_writer **w)
{
  img_tar_writer_free (*w);
  *w = NULL;
}

/* ---- headers ---- */

/* Octal, zero padded, NUL terminated in a field of n bytes; false when the
 * value does not fit n-1 digits. */
static bool
put_octal (char *field, size_t n, uint64_t v)
{
  char tmp[32];

  if (n - 1 < 22 && v >= (uint64_t)1 << (3 * (n - 1)))
    return false;
  snprintf (tmp, sizeof tmp, "%0*" PRIo64, (int)(n - 1), v);
  memcpy (field, tmp, n - 1);
  field[n - 1] = '\0';
  return true;
}

struct pax
{
  char *buf;
  size_t len, cap;
};

/* One "LEN key=value\n" record; LEN counts the whole record. */
static void
pax_add (struct pax *p, const char *key, const void *value, size_t vlen)
{
  size_t body = strlen (key) + vlen + 3; /* ' ', '=', '\n' */
  size_t total = body + 1, digits;
  char num[24];

  for (;;)
    {
      digits = (size_t)snprintf (num, sizeof num, "%zu", total);
      if (body + digits == total)
        break;
      total = body + digits;
    }
  if (p->buf == NULL || p->len + total > p->cap)
    {
      p->cap = (p->len + total) * 2;
      p->buf = xrealloc (p->buf, p->cap);
    }
  memcpy (p->buf + p->len, num, digits);
  p->len += digits;
  p->buf[p->len++] = ' ';
  memcpy (p->buf + p->len, key, strlen (key));
  p->len += strlen (key);
  p->buf[p->len++] = '=';
  memcpy (p->buf + p->len, value, vlen);
  p->len += vlen;
  p->buf[p->len++] = '\n';
}

static void
pax_add_num (struct pax *p, const char *key, int64_t v)
{
  char num[24];
  int n = snprintf (num, sizeof num, "%" PRId64, v);
  pax_add (p, key, num, (size_t)n);
}

static void
header_checksum (unsigned char *h)
{
  unsigned sum = 0;
  size_t i;

  memset (h + 148, ' ', 8);
  for (i = 0; i < BLOCK; i++)
    sum += h[i];
  snprintf ((char *)h + 148, 8, "%06o", sum);
  h[155] = ' ';
}

/* A ustar header block; the fields that do not fit are left for pax. */
static void
ustar_header (unsigned char *h, const char *name, char type, mode_t mode, uint64_t uid, uint64_t gid,
              int64_t size, int64_t mtime, const char *linkname, unsigned maj, unsigned min)
{
  memset (h, 0, BLOCK);
  if (strlen (name) <= 100)
    memcpy (h, name, strlen (name));
  else
    memcpy (h, name, 100);
  put_octal ((char *)h + 100, 8, mode & 07777);
  if (!put_octal ((char *)h + 108, 8, uid))
    put_octal ((char *)h + 108, 8, 0);
  if (!put_octal ((char *)h + 116, 8, gid))
    put_octal ((char *)h + 116, 8, 0);
  if (size < 0 || !put_octal ((char *)h + 124, 12, (uint64_t)size))
    put_octal ((char *)h + 124, 12, 0);
  if (mtime < 0 || !put_octal ((char *)h + 136, 12, (uint64_t)mtime))
    put_octal ((char *)h + 136, 12, 0);
  h[156] = (unsigned char)type;
  if (linkname)
    memcpy (h + 157, linkname, strlen (linkname) <= 100 ? strlen (linkname) : 100);
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  if (type == IMG_TAR_CHR || type == IMG_TAR_BLK)
    {
      put_octal ((char *)h + 329, 8, maj & 07777777);
      put_octal ((char *)h + 337, 8, min & 07777777);
    }
  header_checksum (h);
}

static int
write_padded (struct img_tar_writer *w, const void *buf, size_t len, berr_t **err)
{
  static const unsigned char zero[BLOCK];

  if (tar_out (w, buf, len, false, err) < 0)
    return -1;
  if (len % BLOCK)
    return tar_out (w, zero, BLOCK - len % BLOCK, false, err);
  return 0;
}

int
img_tar_write_header (struct img_tar_writer *w, const struct img_tar_entry *e, berr_t **err)
{
  unsigned char h[BLOCK];
  cleanup_free char *name = NULL;
  struct pax p = { 0 };
  bool is_reg = e->type == IMG_TAR_REG;
  int64_t size = is_reg ? e->size : 0;
  int64_t mtime = e->mtime;
  size_t i;
  int r = 0;

  if (w->data_left != 0)
    return berr_make (err, 0, "tar: '%s' follows an entry with %" PRId64 " bytes missing", e->name,
                      w->data_left);
  if (w->o.clamp_mtime >= 0 && mtime > w->o.clamp_mtime)
    mtime = w->o.clamp_mtime;
  name = e->type == IMG_TAR_DIR ? xasprintf ("%s/", e->name) : xstrdup (e->name);

  if (strlen (name) > 100)
    pax_add (&p, "path", name, strlen (name));
  if (e->linkname && strlen (e->linkname) > 100)
    pax_add (&p, "linkpath", e->linkname, strlen (e->linkname));
  if (e->uid > 07777777)
    pax_add_num (&p, "uid", (int64_t)e->uid);
  if (e->gid > 07777777)
    pax_add_num (&p, "gid", (int64_t)e->gid);
  if (size > 077777777777LL)
    pax_add_num (&p, "size", size);
  if (mtime < 0 || mtime > 077777777777LL)
    pax_add_num (&p, "mtime", mtime);
  for (i = 0; i < e->n_xattrs; i++)
    {
      cleanup_free char *key = xasprintf ("SCHILY.xattr.%s", e->xattrs[i].name);
      pax_add (&p, key, e->xattrs[i].value, e->xattrs[i].len);
    }
  if (p.len)
    {
      /* A constant name: GNU tar's default puts a pid in it. */
      ustar_header (h, "././@PaxHeader", 'x', 0644, 0, 0, (int64_t)p.len, 0, NULL, 0, 0);
      r = tar_out (w, h, BLOCK, false, err);
      if (r == 0)
        r = write_padded (w, p.buf, p.len, err);
      free (p.buf);
      if (r < 0)
        return -1;
    }
  ustar_header (h, name, e->type, e->mode, e->uid, e->gid, size, mtime, e->linkname, e->devmajor,
                e->devminor);
  if (tar_out (w, h, BLOCK, false, err) < 0)
    return -1;
  w->data_left = w->data_size = size;
  return 0;
}

int
img_tar_write_data (struct img_tar_writer *w, const void *buf, size_t len, berr_t **err)
{
  static const unsigned char zero[BLOCK];

  if ((int64_t)len > w->data_left)
    return berr_make (err, 0, "tar: %zu bytes of data exceed the entry's size", len);
  if (tar_out (w, buf, len, false, err) < 0)
    return -1;
  w->data_left -= (int64_t)len;
  if (w->data_left == 0 && w->data_size % BLOCK)
    return tar_out (w, zero, BLOCK - w->data_size % BLOCK, false, err);
  return 0;
}

int
img_tar_finish (struct img_tar_writer *w, char **diff_id, berr_t **err)
{
  static const unsigned char zero[2 * BLOCK];

  if (w->data_left != 0)
    return berr_make (err, 0, "tar: the last entry misses %" PRId64 " bytes", w->data_left);
  if (tar_out (w, zero, sizeof zero, true, err) < 0)
    return -1;
  w->finished = true;
  if (diff_id)
    *diff_id = img_hasher_final (w->hash);
  return 0;
}
