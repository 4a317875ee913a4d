/* img - the byte stream under a layer's tar: the decompressor chosen by
 * media type (zlib for gzip, including multi-member streams; libzstd for
 * zstd, including several frames; none) and the hash of the uncompressed
 * bytes that is checked against the layer's diff_id.  libarchive only ever
 * sees the uncompressed tar, so what is hashed is exactly what is parsed. */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "layer-internal.h"
#include "util.h"

#define IN_BUF_SIZE (128 * 1024)

struct media_comp
{
  const char *type;
  enum img_layer_comp comp;
};

static const struct media_comp media_types[] = {
  { IMG_MT_OCI_LAYER, IMG_LAYER_COMP_NONE },
  { IMG_MT_OCI_LAYER_GZIP, IMG_LAYER_COMP_GZIP },
  { IMG_MT_OCI_LAYER_ZSTD, IMG_LAYER_COMP_ZSTD },
  { "application/vnd.oci.image.layer.nondistributable.v1.tar", IMG_LAYER_COMP_NONE },
  { IMG_MT_OCI_LAYER_NONDIST_GZIP, IMG_LAYER_COMP_GZIP },
  { "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", IMG_LAYER_COMP_ZSTD },
  { IMG_MT_DOCKER_LAYER_GZIP, IMG_LAYER_COMP_GZIP },
  { IMG_MT_DOCKER_LAYER_FOREIGN, IMG_LAYER_COMP_GZIP },
  { "application/vnd.docker.image.rootfs.diff.tar", IMG_LAYER_COMP_NONE },
  { NULL, IMG_LAYER_COMP_NONE },
};

int
img_layer_media_comp (const char *media_type, enum img_layer_comp *comp, berr_t **err)
{
  const struct media_comp *m;

  for (m = media_types; media_type && m->type; m++)
    if (strcmp (m->type, media_type) == 0)
      {
        *comp = m->comp;
        return 0;
      }
  return berr_make (err, 0, "unsupported layer media type '%s'", media_type ? media_type : "(none)");
}

int
layer_stream_init (struct layer_stream *s, const struct img_layer_src *src, berr_t **err)
{
  memset (s, 0, sizeof (*s));
  s->src = src;
  if (img_layer_media_comp (src->media_type, &s->comp, err) < 0)
    return -1;
  if (src->diff_id)
    {
      enum img_digest_alg alg;
      const char *hex;

      if (img_digest_parse (src->diff_id, &alg, &hex, err) < 0)
        return berr_wrap (err, "diff_id");
      s->hasher = img_hasher_new (alg);
    }
  s->in = xmalloc (IN_BUF_SIZE);
  if (s->comp == IMG_LAYER_COMP_GZIP)
    {
      /* 16 + MAX_WBITS: gzip framing only, not raw deflate or zlib. */
      if (inflateInit2 (&s->z, 16 + MAX_WBITS) != Z_OK)
        return berr_make (err, 0, "gzip: cannot initialise the decompressor");
      s->z_init = true;
    }
  else if (s->comp == IMG_LAYER_COMP_ZSTD)
    {
      s->zs = ZSTD_createDStream ();
      if (s->zs == NULL)
        return berr_make (err, ENOMEM, "zstd: cannot create the decompressor");
      ZSTD_initDStream (s->zs);
    }
  return 0;
}

void
layer_stream_clear (struct layer_stream *s)
{
  if (s->z_init)
    inflateEnd (&s->z);
  if (s->zs)
    ZSTD_freeDStream (s->zs);
  img_hasher_free (s->hasher);
  free (s->in);
  memset (s, 0, sizeof (*s));
}

/* 1: input available, 0: the source ended. */
static int
fill (struct layer_stream *s, berr_t **err)
{
  ssize_t n;

  if (s->in_pos < s->in_len)
    return 1;
  if (s->in_eof)
    return 0;
  n = s->src->read (s->src->data, s->in, IN_BUF_SIZE, err);
  if (n < 0)
    return -1;
  s->in_pos = 0;
  s->in_len = (size_t)n;
  if (n == 0)
    s->in_eof = true;
  return n > 0;
}

static ssize_t
read_gzip (struct layer_stream *s, unsigned char *buf, size_t len, berr_t **err)
{
  for (;;)
    {
      int r = fill (s, err), zr;

      if (r < 0)
        return -1;
      if (r == 0)
        {
          if (s->z_member_done)
            return 0;
          return berr_make (err, 0, "gzip: unexpected end of the compressed stream");
        }
      if (s->z_member_done)
        {
          /* Another member follows (gzip streams may be concatenated). */
          inflateReset (&s->z);
          s->z_member_done = false;
        }
      s->z.next_in = s->in + s->in_pos;
      s->z.avail_in = (uInt)(s->in_len - s->in_pos);
      s->z.next_out = buf;
      s->z.avail_out = (uInt)len;
      zr = inflate (&s->z, Z_NO_FLUSH);
      s->in_pos = s->in_len - s->z.avail_in;
      if (zr == Z_STREAM_END)
        s->z_member_done = true;
      else if (zr != Z_OK && zr != Z_BUF_ERROR)
        return berr_make (err, 0, "gzip: %s", s->z.msg ? s->z.msg : "corrupt stream");
      if (len - s->z.avail_out > 0)
        return (ssize_t)(len - s->z.avail_out);
    }
}

static ssize_t
read_zstd (struct layer_stream *s, unsigned char *buf, size_t len, berr_t **err)
{
  for (;;)
    {
      ZSTD_inBuffer in;
      ZSTD_outBuffer out = { buf, len, 0 };
      size_t zr;
      int r = fill (s, err);

      if (r < 0)
        return -1;
      if (r == 0)
        {
          if (!s->zstd_pending)
            return 0;
          return berr_make (err, 0, "zstd: unexpected end of the compressed stream");
        }
      in.src = s->in;
      in.size = s->in_len;
      in.pos = s->in_pos;
      zr = ZSTD_decompressStream (s->zs, &out, &in);
      s->in_pos = in.pos;
      if (ZSTD_isError (zr))
        return berr_make (err, 0, "zstd: %s", ZSTD_getErrorName (zr));
      /* 0: a frame ended; anything else: more input or output to come. */
      s->zstd_pending = zr != 0;
      if (out.pos > 0)
        return (ssize_t)out.pos;
    }
}

static ssize_t
read_plain (struct layer_stream *s, unsigned char *buf, size_t len, berr_t **err)
{
  size_t n;
  int r = fill (s, err);

  if (r <= 0)
    return r;
  n = s->in_len - s->in_pos;
  if (n > len)
    n = len;
  memcpy (buf, s->in + s->in_pos, n);
  s->in_pos += n;
  return (ssize_t)n;
}

ssize_t
layer_stream_read (struct layer_stream *s, void *buf, size_t len, berr_t **err)
{
  ssize_t n;

  if (s->done)
    return 0;
  switch (s->comp)
    {
    case IMG_LAYER_COMP_GZIP:
      n = read_gzip (s, buf, len, err);
      break;
    case IMG_LAYER_COMP_ZSTD:
      n = read_zstd (s, buf, len, err);
      break;
    default:
      n = read_plain (s, buf, len, err);
      break;
    }
  if (n < 0)
    return -1;
  if (n == 0)
    s->done = true;
  if (s->hasher && n > 0)
    img_hasher_update (s->hasher, buf, (size_t)n);
  s->total += (uint64_t)n;
  return n;
}

int
layer_stream_finish (struct layer_stream *s, berr_t **err)
{
  cleanup_free char *got = NULL;
  cleanup_free unsigned char *buf = xmalloc (IN_BUF_SIZE);
  ssize_t n;

  /* What follows the tar's end marker (padding) is part of the diff_id, and
   * the source must be read to its end for its own digest to be checked. */
  while ((n = layer_stream_read (s, buf, IN_BUF_SIZE, err)) > 0)
    ;
  if (n < 0)
    return -1;
  if (s->hasher == NULL)
    return 0;
  got = img_hasher_final (s->hasher);
  if (strcmp (got, s->src->diff_id) != 0)
    return berr_make (err, 0,
                      "uncompressed content does not match the image's diff_id: expected '%s', got '%s'",
                      s->src->diff_id, got);
  return 0;
}
