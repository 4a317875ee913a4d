/* img - the byte stream under a layer's tar: the decompressor chosen by
 * media type (gzip: ISA-L's igzip when configure found it, else zlib,
 * multi-member streams included; zstd: libzstd, several frames included;
 * none) and the hash of the uncompressed bytes that is checked against the
 * layer's diff_id.  libarchive only ever sees the uncompressed tar, so what
 * is hashed is exactly what is parsed.
 *
 * The caller gets pointers into the stream's own buffers (no copy): an
 * uncompressed layer's read buffer, or a decoded buffer.  With two or more
 * CPUs a compressed layer is read, verified and decoded by a producer
 * thread into a small ring of buffers while the caller hashes (diff_id),
 * parses and writes the previous ones: the producer's share (read, blob
 * digest, decode) and the caller's (diff_id hash, tar, write) are closer to
 * equal that way.  The bytes, their order and every error are the same as
 * single-threaded (the caller sees an error exactly where the stream broke,
 * after the data before it). */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "layer-internal.h"
#include "util.h"

#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

/* A 200 MB layer is ~1600 callbacks and read() calls (their cost is lost
 * in the noise; 256 KiB measured the same), and a buffer stays in L2
 * between decode, hash and write.  The ring adds 512 KiB to the RSS. */
#define IN_BUF_SIZE (128 * 1024)
#define OUT_BUF_SIZE (128 * 1024)
#define RING_SLOTS 4

int layer_stream_threads = -1;

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

const char *
layer_stream_gzip_decoder (void)
{
#ifdef HAVE_ISAL
  return "isa-l";
#else
  return "zlib";
#endif
}

/* ---- the producer/consumer ring ---- */

struct stream_ring
{
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  unsigned char *bufs[RING_SLOTS];
  size_t lens[RING_SLOTS];
  uint64_t filled, taken, freed; /* slot counts: produced, handed out, given back */
  bool held;                     /* the caller holds slot taken - 1 */
  bool end;                      /* the producer stopped (err set on failure) */
  bool stop;                     /* the caller is gone: stop producing */
  berr_t *err;
};

/* ---- decoding ---- */

static int
gzip_init (struct layer_stream *s, berr_t **err)
{
#ifdef HAVE_ISAL
  s->isal = xmalloc (sizeof (struct inflate_state));
  isal_inflate_init (s->isal);
  s->isal->crc_flag = ISAL_GZIP;
  (void)err;
#else
  /* 16 + MAX_WBITS: gzip framing only, not raw deflate or zlib. */
  if (inflateInit2 (&s->z, 16 + MAX_WBITS) != Z_OK)
    return berr_make (err, 0, "gzip: cannot initialise the decompressor");
  s->z_init = true;
#endif
  return 0;
}

static void
gzip_reset (struct layer_stream *s)
{
#ifdef HAVE_ISAL
  isal_inflate_reset (s->isal);
  s->isal->crc_flag = ISAL_GZIP;
#else
  inflateReset (&s->z);
#endif
}

#ifdef HAVE_ISAL
static const char *
isal_error (int r)
{
  switch (r)
    {
    case ISAL_INVALID_BLOCK:
      return "invalid block";
    case ISAL_INVALID_SYMBOL:
      return "invalid symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER:
      return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD:
      return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "incorrect data check";
    case ISAL_NEED_DICT:
      return "a preset dictionary is needed";
    default:
      return "corrupt stream";
    }
}
#endif

/* Run the decoder once over in[0..*in_len) into out[0..*out_len); on
 * return both hold the bytes consumed and produced.  1: a gzip member or
 * zstd frame ended, 0: not yet, -1: corrupt. */
static int
decode_step (struct layer_stream *s, const unsigned char *in, size_t *in_len, unsigned char *out,
             size_t *out_len, berr_t **err)
{
  if (s->comp == IMG_LAYER_COMP_GZIP)
    {
#ifdef HAVE_ISAL
      struct inflate_state *st = s->isal;
      int r;

      st->next_in = (uint8_t *)in;
      st->avail_in = (uint32_t)*in_len;
      st->next_out = out;
      st->avail_out = (uint32_t)*out_len;
      r = isal_inflate (st);
      *in_len -= st->avail_in;
      *out_len -= st->avail_out;
      if (r < 0 || r == ISAL_NEED_DICT)
        return berr_make (err, 0, "gzip: %s", isal_error (r));
      return st->block_state == ISAL_BLOCK_FINISH;
#else
      int zr;

      s->z.next_in = (Bytef *)in;
      s->z.avail_in = (uInt)*in_len;
      s->z.next_out = out;
      s->z.avail_out = (uInt)*out_len;
      zr = inflate (&s->z, Z_NO_FLUSH);
      *in_len -= s->z.avail_in;
      *out_len -= s->z.avail_out;
      if (zr == Z_STREAM_END)
        return 1;
      if (zr != Z_OK && zr != Z_BUF_ERROR)
        return berr_make (err, 0, "gzip: %s", s->z.msg ? s->z.msg : "corrupt stream");
      return 0;
#endif
    }
  else
    {
      ZSTD_inBuffer zin = { in, *in_len, 0 };
      ZSTD_outBuffer zout = { out, *out_len, 0 };
      size_t zr = ZSTD_decompressStream (s->zs, &zout, &zin);

      *in_len = zin.pos;
      *out_len = zout.pos;
      if (ZSTD_isError (zr))
        return berr_make (err, 0, "zstd: %s", ZSTD_getErrorName (zr));
      /* 0: a frame ended and is flushed; anything else: more to come. */
      return zr == 0;
    }
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

/* Fill out[0..cap) with decoded bytes (less only at the end): the count,
 * 0 at the clean end, -1 with *err. */
static ssize_t
decode (struct layer_stream *s, unsigned char *out, size_t cap, berr_t **err)
{
  size_t got = 0;

  while (got < cap)
    {
      size_t in_len, out_len = cap - got;
      int r = fill (s, err), end;

      if (r < 0)
        return -1;
      if (s->unit_done)
        {
          if (r == 0)
            break;
          /* Another gzip member (streams may be concatenated) or frame. */
          if (s->comp == IMG_LAYER_COMP_GZIP)
            gzip_reset (s);
          s->unit_done = false;
        }
      /* At the end of the input the decoder still runs: it may hold output. */
      in_len = s->in_len - s->in_pos;
      end = decode_step (s, s->in + s->in_pos, &in_len, out + got, &out_len, err);
      if (end < 0)
        return -1;
      s->in_pos += in_len;
      got += out_len;
      if (end)
        s->unit_done = true;
      else if (r == 0 && out_len == 0)
        return berr_make (err, 0, "%s: unexpected end of the compressed stream",
                          s->comp == IMG_LAYER_COMP_GZIP ? "gzip" : "zstd");
    }
  return (ssize_t)got;
}

/* ---- the producer thread ---- */

static void *
producer (void *data)
{
  struct layer_stream *s = data;
  struct stream_ring *q = s->ring;

  for (;;)
    {
      berr_t *err = NULL;
      unsigned slot;
      bool stop;
      ssize_t n;

      pthread_mutex_lock (&q->lock);
      while (q->filled - q->freed == RING_SLOTS && !q->stop)
        pthread_cond_wait (&q->cond, &q->lock);
      slot = (unsigned)(q->filled % RING_SLOTS);
      stop = q->stop;
      pthread_mutex_unlock (&q->lock);
      if (stop)
        break;
      n = decode (s, q->bufs[slot], OUT_BUF_SIZE, &err);
      pthread_mutex_lock (&q->lock);
      if (n > 0)
        {
          q->lens[slot] = (size_t)n;
          q->filled++;
        }
      else
        {
          q->err = err;
          q->end = true;
        }
      pthread_cond_broadcast (&q->cond);
      pthread_mutex_unlock (&q->lock);
      if (n <= 0)
        break;
    }
  return NULL;
}

static bool
want_thread (const struct layer_stream *s)
{
  cpu_set_t set;

  if (s->comp == IMG_LAYER_COMP_NONE || layer_stream_threads == 0)
    return false;
  if (layer_stream_threads > 0)
    return true;
  /* One CPU (taskset, a cpuset): the handoffs would only cost. */
  return sched_getaffinity (0, sizeof (set), &set) == 0 && CPU_COUNT (&set) >= 2;
}

static void
ring_start (struct layer_stream *s)
{
  struct stream_ring *q = xzalloc (sizeof (*q));
  size_t i;

  pthread_mutex_init (&q->lock, NULL);
  pthread_cond_init (&q->cond, NULL);
  for (i = 0; i < RING_SLOTS; i++)
    q->bufs[i] = xmalloc (OUT_BUF_SIZE);
  s->ring = q;
  if (pthread_create (&q->thread, NULL, producer, s) == 0)
    return;
  /* No thread: decode in the caller's thread. */
  for (i = 0; i < RING_SLOTS; i++)
    free (q->bufs[i]);
  pthread_mutex_destroy (&q->lock);
  pthread_cond_destroy (&q->cond);
  free (q);
  s->ring = NULL;
}

static void
ring_stop (struct layer_stream *s)
{
  struct stream_ring *q = s->ring;
  size_t i;

  if (q == NULL)
    return;
  pthread_mutex_lock (&q->lock);
  q->stop = true;
  pthread_cond_broadcast (&q->cond);
  pthread_mutex_unlock (&q->lock);
  pthread_join (q->thread, NULL);
  for (i = 0; i < RING_SLOTS; i++)
    free (q->bufs[i]);
  berr_free (q->err);
  pthread_mutex_destroy (&q->lock);
  pthread_cond_destroy (&q->cond);
  free (q);
  s->ring = NULL;
}

static ssize_t
ring_next (struct layer_stream *s, const void **buf, berr_t **err)
{
  struct stream_ring *q = s->ring;
  ssize_t n;

  pthread_mutex_lock (&q->lock);
  if (q->held)
    {
      q->freed++;
      q->held = false;
      pthread_cond_broadcast (&q->cond);
    }
  while (q->taken == q->filled && !q->end)
    pthread_cond_wait (&q->cond, &q->lock);
  if (q->taken < q->filled)
    {
      unsigned slot = (unsigned)(q->taken % RING_SLOTS);
      *buf = q->bufs[slot];
      n = (ssize_t)q->lens[slot];
      q->taken++;
      q->held = true;
    }
  else if (q->err)
    {
      if (err && *err == NULL)
        *err = steal_ptr (q->err);
      n = -1;
    }
  else
    n = 0;
  pthread_mutex_unlock (&q->lock);
  return n;
}

/* ---- the interface ---- */

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
      if (gzip_init (s, err) < 0)
        return -1;
    }
  else if (s->comp == IMG_LAYER_COMP_ZSTD)
    {
      s->zs = ZSTD_createDStream ();
      if (s->zs == NULL)
        return berr_make (err, ENOMEM, "zstd: cannot create the decompressor");
      ZSTD_initDStream (s->zs);
      /* A zero-byte zstd layer is an empty stream, as before. */
      s->unit_done = true;
    }
  if (s->comp != IMG_LAYER_COMP_NONE)
    {
      if (want_thread (s))
        ring_start (s);
      if (s->ring == NULL)
        s->out = xmalloc (OUT_BUF_SIZE);
    }
  return 0;
}

void
layer_stream_clear (struct layer_stream *s)
{
  ring_stop (s);
#ifdef HAVE_ISAL
  free (s->isal);
#else
  if (s->z_init)
    inflateEnd (&s->z);
#endif
  if (s->zs)
    ZSTD_freeDStream (s->zs);
  img_hasher_free (s->hasher);
  free (s->in);
  free (s->out);
  memset (s, 0, sizeof (*s));
}

ssize_t
layer_stream_next (struct layer_stream *s, const void **buf, berr_t **err)
{
  ssize_t n;

  if (s->done)
    return 0;
  if (s->failed)
    return berr_make (err, 0, "the layer's stream already failed");
  if (s->ring)
    n = ring_next (s, buf, err);
  else if (s->comp == IMG_LAYER_COMP_NONE)
    {
      /* The read buffer itself: the caller is done with it by its next call. */
      n = fill (s, err);
      if (n > 0)
        {
          *buf = s->in + s->in_pos;
          n = (ssize_t)(s->in_len - s->in_pos);
          s->in_pos = s->in_len;
        }
    }
  else
    {
      n = decode (s, s->out, OUT_BUF_SIZE, err);
      *buf = s->out;
    }
  if (n < 0)
    {
      s->failed = true;
      return -1;
    }
  if (n == 0)
    s->done = true;
  else if (s->hasher)
    img_hasher_update (s->hasher, *buf, (size_t)n);
  s->total += (uint64_t)n;
  return n;
}

int
layer_stream_finish (struct layer_stream *s, berr_t **err)
{
  cleanup_free char *got = NULL;
  const void *buf;
  ssize_t n;

  /* What follows the tar's end marker (padding) is part of the diff_id, and
   * the source must be read to its end for its own digest to be checked. */
  while ((n = layer_stream_next (s, &buf, err)) > 0)
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
