/* img - the store's blob writer: a temp file under .berth/tmp (flock'ed by
 * its writer, so gc knows it is live) that is hashed as it is written, then
 * checked against the expected digest and size, made durable (fdatasync)
 * and renamed into blobs/<alg>/<hex>, its directory fsynced.  Nothing is
 * visible under a digest before it is complete, verified and on disk.
 *
 * Writes are gathered in a buffer, and a large blob is pushed to disk as it
 * grows (writeback every few MiB, fdatasync in a flusher thread), so that
 * the commit of a 150 MB layer does not start the disk work only once the
 * download is over.  Past ASYNC_AFTER bytes the buffers are written by a
 * thread of their own (the spool), so that the caller's thread (receiving
 * and hashing a download) never waits for the page cache. */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "store-internal.h"
#include "store.h"
#include "util.h"

/* Small writes are gathered into WRITE_BUF before they reach the temp file:
 * each write() into a file costs a page-cache and inode update whatever its
 * size, and libcurl hands a body over 16 KiB at a time.
 *
 * A large blob is made durable while it is written, not all at the end:
 * writeback starts every WRITEBACK_STEP bytes (with the default dirty ratios
 * a 150 MB layer would otherwise sit in the page cache until the commit),
 * and past SYNC_STEP bytes a flusher thread runs fdatasync every SYNC_STEP,
 * so the disk's own cache is flushed bit by bit too (on a virtual disk with
 * a write-back cache that flush is most of the cost).  The commit's
 * fdatasync then finds little left to do; it is still the one that counts. */
#define WRITE_BUF (1 << 20)
#define WRITEBACK_STEP (8 << 20)
#define SYNC_STEP (32 << 20)
#define ASYNC_AFTER (4 << 20)
#define SPOOL_BUFS 4

/* The spool: buffers the caller filled, written in order by a thread.
 * ring[(next + queued) % SPOOL_BUFS] is the one the caller fills. */
struct spool
{
  pthread_t th;
  pthread_mutex_t lock;
  pthread_cond_t cond; /* a buffer queued or written, or stop */
  char *ring[SPOOL_BUFS];
  size_t len[SPOOL_BUFS];
  int next;   /* the oldest queued buffer */
  int queued; /* handed over, not yet written */
  bool stop;
  berr_t *err; /* the first write that failed */
};

struct flusher
{
  pthread_t th;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int fd;
  int64_t want; /* fdatasync once the file has this many bytes */
  int64_t done;
  int err; /* errno of a failed fdatasync: the blob is not committed */
  bool stop;
};

struct img_blob_writer
{
  struct img_store *s;
  enum img_digest_alg alg;
  struct img_hasher *h;
  int tmpdirfd;
  int fd;
  char *tmpname;
  int64_t size;    /* bytes written, buffered ones included */
  int64_t in_file; /* bytes in the temp file */
  int64_t flushed; /* writeback started up to here */
  char *buf;       /* being filled (one of the spool's, once there is one) */
  size_t buflen;
  struct flusher *fl; /* NULL until the blob reaches SYNC_STEP */
  struct spool *sp;   /* NULL until the blob reaches ASYNC_AFTER */
  bool written;       /* the fault point of the first write passed */
};

static void *
flusher_run (void *data)
{
  struct flusher *f = data;

  pthread_mutex_lock (&f->lock);
  while (!f->stop)
    {
      int64_t target = f->want;
      if (target <= f->done)
        {
          pthread_cond_wait (&f->cond, &f->lock);
          continue;
        }
      pthread_mutex_unlock (&f->lock);
      /* an error here is reported by the commit: fdatasync consumes it, so
       * the commit's own call could not see it again */
      if (fdatasync (f->fd) < 0)
        {
          pthread_mutex_lock (&f->lock);
          if (f->err == 0)
            f->err = errno;
        }
      else
        pthread_mutex_lock (&f->lock);
      f->done = target;
    }
  pthread_mutex_unlock (&f->lock);
  return NULL;
}

/* Ask for an fdatasync in the background; without a thread, nothing. */
static void
flusher_request (struct img_blob_writer *w)
{
  if (w->fl == NULL)
    {
      struct flusher *f = xzalloc (sizeof (*f));
      f->fd = w->fd;
      pthread_mutex_init (&f->lock, NULL);
      pthread_cond_init (&f->cond, NULL);
      if (pthread_create (&f->th, NULL, flusher_run, f) != 0)
        {
          pthread_mutex_destroy (&f->lock);
          pthread_cond_destroy (&f->cond);
          free (f);
          return;
        }
      w->fl = f;
    }
  pthread_mutex_lock (&w->fl->lock);
  w->fl->want = __atomic_load_n (&w->in_file, __ATOMIC_RELAXED);
  pthread_cond_signal (&w->fl->cond);
  pthread_mutex_unlock (&w->fl->lock);
}

/* Stop the flusher: its errno, or 0. */
static int
flusher_stop (struct img_blob_writer *w)
{
  struct flusher *f = w->fl;
  int e;

  if (f == NULL)
    return 0;
  pthread_mutex_lock (&f->lock);
  f->stop = true;
  pthread_cond_signal (&f->cond);
  pthread_mutex_unlock (&f->lock);
  pthread_join (f->th, NULL);
  e = f->err;
  pthread_mutex_destroy (&f->lock);
  pthread_cond_destroy (&f->cond);
  free (f);
  w->fl = NULL;
  return e;
}

int
img_blob_writer_new (struct img_store *s, enum img_digest_alg alg, struct img_blob_writer **out, berr_t **err)
{
  cleanup_close int tmpdirfd = -1;
  struct img_blob_writer *w;
  int fd = -1, i;
  char name[64];

  if (img_store_writer_lock (s, err) < 0)
    return -1;
  tmpdirfd = img_store_private_dir (s, "tmp", err);
  if (tmpdirfd < 0)
    return -1;
  for (i = 0; i < 100 && fd < 0; i++)
    {
      unsigned long r = ((unsigned long)random () << 16) ^ (unsigned long)getpid () ^ (unsigned long)i;
      snprintf (name, sizeof (name), "blob-%d-%lx", (int)getpid (), r);
      fd = openat (tmpdirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (fd < 0 && errno != EEXIST)
        return berr_make (err, errno, "image store '%s': create a temporary blob", s->path);
    }
  if (fd < 0)
    return berr_make (err, EEXIST, "image store '%s': create a temporary blob", s->path);
  /* gc leaves alone a temp file it cannot lock. */
  flock (fd, LOCK_EX);
  w = xzalloc (sizeof (*w));
  w->s = s;
  w->alg = alg;
  w->h = img_hasher_new (alg);
  w->tmpdirfd = steal_fd (tmpdirfd);
  w->fd = fd;
  w->tmpname = xstrdup (name);
  *out = w;
  return 0;
}

/* In the caller's thread, or the spool's once there is one. */
static int
writer_put (struct img_blob_writer *w, const void *data, size_t len, berr_t **err)
{
  int64_t in_file;

  if (util_write_all (w->fd, data, len, err) < 0)
    return berr_wrap (err, "image store '%s': write blob", w->s->path);
  in_file = w->in_file + (int64_t)len;
  /* read by img_blob_writer_in_file in the caller's thread */
  __atomic_store_n (&w->in_file, in_file, __ATOMIC_RELEASE);
  if (in_file - w->flushed >= WRITEBACK_STEP)
    {
      /* only a hint: the commit's fdatasync is what makes the blob durable */
      sync_file_range (w->fd, w->flushed, in_file - w->flushed, SYNC_FILE_RANGE_WRITE);
      if (in_file / SYNC_STEP != w->flushed / SYNC_STEP)
        flusher_request (w);
      w->flushed = in_file;
    }
  return 0;
}

static void *
spool_run (void *data)
{
  struct img_blob_writer *w = data;
  struct spool *sp = w->sp;

  pthread_mutex_lock (&sp->lock);
  for (;;)
    {
      berr_t *e = NULL;
      int i;

      while (sp->queued == 0 && !sp->stop)
        pthread_cond_wait (&sp->cond, &sp->lock);
      if (sp->stop)
        break;
      i = sp->next;
      pthread_mutex_unlock (&sp->lock);
      /* after a failure the rest is dropped: the blob is lost anyway */
      if (sp->err == NULL && writer_put (w, sp->ring[i], sp->len[i], &e) < 0)
        {
          pthread_mutex_lock (&sp->lock);
          sp->err = e;
        }
      else
        pthread_mutex_lock (&sp->lock);
      sp->next = (sp->next + 1) % SPOOL_BUFS;
      sp->queued--;
      pthread_cond_broadcast (&sp->cond);
    }
  pthread_mutex_unlock (&sp->lock);
  return NULL;
}

/* Hand the writing of this blob's buffers to a thread (if one starts). */
static void
spool_start (struct img_blob_writer *w)
{
  struct spool *sp = xzalloc (sizeof (*sp));

  sp->ring[0] = w->buf;
  pthread_mutex_init (&sp->lock, NULL);
  pthread_cond_init (&sp->cond, NULL);
  w->sp = sp;
  if (pthread_create (&sp->th, NULL, spool_run, w) != 0)
    {
      pthread_mutex_destroy (&sp->lock);
      pthread_cond_destroy (&sp->cond);
      free (sp);
      w->sp = NULL;
    }
}

/* Under sp->lock: the spool's write error, copied. */
static int
spool_error (struct spool *sp, berr_t **err)
{
  return berr_make (err, 0, "%s", sp->err->msg);
}

/* Queue the buffer being filled; fill the next one. */
static int
spool_submit (struct img_blob_writer *w, berr_t **err)
{
  struct spool *sp = w->sp;
  int i;

  pthread_mutex_lock (&sp->lock);
  while (sp->queued == SPOOL_BUFS - 1 && sp->err == NULL)
    pthread_cond_wait (&sp->cond, &sp->lock);
  if (sp->err)
    {
      spool_error (sp, err);
      pthread_mutex_unlock (&sp->lock);
      return -1;
    }
  sp->len[(sp->next + sp->queued) % SPOOL_BUFS] = w->buflen;
  sp->queued++;
  pthread_cond_broadcast (&sp->cond);
  i = (sp->next + sp->queued) % SPOOL_BUFS;
  if (sp->ring[i] == NULL)
    sp->ring[i] = xmalloc (WRITE_BUF);
  w->buf = sp->ring[i];
  w->buflen = 0;
  pthread_mutex_unlock (&sp->lock);
  return 0;
}

/* Everything written: the spool is idle (the caller's thread may touch the
 * file again). */
static int
spool_drain (struct img_blob_writer *w, berr_t **err)
{
  struct spool *sp = w->sp;
  int ret = 0;

  if (w->buflen > 0 && spool_submit (w, err) < 0)
    return -1;
  pthread_mutex_lock (&sp->lock);
  while (sp->queued > 0)
    pthread_cond_wait (&sp->cond, &sp->lock);
  if (sp->err)
    ret = spool_error (sp, err);
  pthread_mutex_unlock (&sp->lock);
  return ret;
}

/* Stop the thread (what is queued is dropped) and free the spool. */
static void
spool_stop (struct img_blob_writer *w)
{
  struct spool *sp = w->sp;
  int i;

  if (sp == NULL)
    return;
  pthread_mutex_lock (&sp->lock);
  sp->stop = true;
  pthread_cond_broadcast (&sp->cond);
  pthread_mutex_unlock (&sp->lock);
  pthread_join (sp->th, NULL);
  for (i = 0; i < SPOOL_BUFS; i++)
    free (sp->ring[i]);
  berr_free (sp->err);
  pthread_mutex_destroy (&sp->lock);
  pthread_cond_destroy (&sp->cond);
  free (sp);
  w->sp = NULL;
  w->buf = NULL;
  w->buflen = 0;
}

/* The buffer is full: to the spool, or to the file. */
static int
buffer_full (struct img_blob_writer *w, berr_t **err)
{
  size_t n = w->buflen;

  if (w->sp == NULL && w->in_file + (int64_t)n >= ASYNC_AFTER)
    spool_start (w);
  if (w->sp)
    return spool_submit (w, err);
  w->buflen = 0;
  return writer_put (w, w->buf, n, err);
}

/* Everything written to the file. */
static int
writer_flush (struct img_blob_writer *w, berr_t **err)
{
  size_t n = w->buflen;

  if (w->sp)
    return spool_drain (w, err);
  w->buflen = 0;
  return n ? writer_put (w, w->buf, n, err) : 0;
}

static int
writer_write (struct img_blob_writer *w, const void *data, size_t len, berr_t **err)
{
  const char *p = data;

  img_hasher_update (w->h, data, len);
  w->size += (int64_t)len;
  /* a small blob written in large pieces: straight to the file */
  if (w->sp == NULL && w->buflen == 0 && len >= WRITE_BUF && w->in_file + (int64_t)len < ASYNC_AFTER)
    return writer_put (w, data, len, err);
  while (len > 0)
    {
      size_t n = WRITE_BUF - w->buflen < len ? WRITE_BUF - w->buflen : len;
      if (w->buf == NULL)
        w->buf = xmalloc (WRITE_BUF);
      memcpy (w->buf + w->buflen, p, n);
      w->buflen += n;
      p += n;
      len -= n;
      if (w->buflen == WRITE_BUF && buffer_full (w, err) < 0)
        return -1;
    }
  return 0;
}

int
img_blob_writer_write (struct img_blob_writer *w, const void *data, size_t len, berr_t **err)
{
  if (writer_write (w, data, len, err) < 0)
    return -1;
  if (!w->written)
    {
      /* the temp file exists and holds part of the blob (or none of it) */
      w->written = true;
      fault_point ("blob.write");
    }
  return 0;
}

int
img_blob_writer_flush (struct img_blob_writer *w, berr_t **err)
{
  return writer_flush (w, err);
}

int
img_blob_writer_commit (struct img_blob_writer *w, const char *expected, int64_t expected_size, char **digest,
                        int64_t *size, berr_t **err)
{
  cleanup_free char *got = img_hasher_final (w->h);
  cleanup_free char *rel = NULL;
  cleanup_free char *algdir = NULL;
  int e;

  if (expected_size >= 0 && expected_size != w->size)
    return berr_make (err, 0, "blob '%s': size mismatch: expected %lld bytes, got %lld",
                      expected ? expected : got, (long long)expected_size, (long long)w->size);
  if (expected && strcmp (expected, got) != 0)
    return berr_make (err, 0, "blob digest mismatch: expected '%s', got '%s' (%lld bytes)", expected, got,
                      (long long)w->size);
  if (writer_flush (w, err) < 0)
    return -1;
  fault_point ("blob.verified");
  spool_stop (w);
  e = flusher_stop (w);
  if (e != 0 || fdatasync (w->fd) < 0)
    return berr_make (err, e ? e : errno, "image store '%s': fsync blob '%s'", w->s->path, got);
  algdir = xasprintf ("blobs/%s", img_digest_alg_name (w->alg));
  if (mkdirat (w->s->dirfd, "blobs", 0755) < 0 && errno != EEXIST)
    return berr_make (err, errno, "image store '%s': mkdir 'blobs'", w->s->path);
  if (mkdirat (w->s->dirfd, algdir, 0755) < 0 && errno != EEXIST)
    return berr_make (err, errno, "image store '%s': mkdir '%s'", w->s->path, algdir);
  if (img_blob_relpath (got, &rel, err) < 0)
    return -1;
  if (renameat (w->tmpdirfd, w->tmpname, w->s->dirfd, rel) < 0)
    return berr_make (err, errno, "image store '%s': rename blob into '%s'", w->s->path, rel);
  free (w->tmpname);
  w->tmpname = NULL;
  fault_point ("blob.renamed");
  img_store_fsync_dir (w->s->dirfd, algdir);
  if (size)
    *size = w->size;
  if (digest)
    *digest = steal_ptr (got);
  return 0;
}

int
img_blob_writer_open_reader (struct img_blob_writer *w, berr_t **err)
{
  int fd = openat (w->tmpdirfd, w->tmpname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return berr_make (err, errno, "image store '%s': open a temporary blob", w->s->path);
  return fd;
}

int64_t
img_blob_writer_size (const struct img_blob_writer *w)
{
  return w->size;
}

int64_t
img_blob_writer_in_file (const struct img_blob_writer *w)
{
  return __atomic_load_n (&w->in_file, __ATOMIC_ACQUIRE);
}

int
img_blob_writer_reset (struct img_blob_writer *w, berr_t **err)
{
  w->buflen = 0;
  if (w->sp && spool_drain (w, err) < 0)
    return -1;
  if (ftruncate (w->fd, 0) < 0 || lseek (w->fd, 0, SEEK_SET) < 0)
    return berr_make (err, errno, "image store '%s': truncate a temporary blob", w->s->path);
  free (img_hasher_final (w->h));
  w->size = w->in_file = w->flushed = 0;
  w->buflen = 0;
  return 0;
}

void
img_blob_writer_free (struct img_blob_writer *w)
{
  if (w == NULL)
    return;
  spool_stop (w);
  flusher_stop (w);
  if (w->tmpname)
    unlinkat (w->tmpdirfd, w->tmpname, 0);
  free (w->tmpname);
  if (w->fd >= 0)
    close (w->fd);
  if (w->tmpdirfd >= 0)
    close (w->tmpdirfd);
  img_hasher_free (w->h);
  free (w->buf);
  free (w);
}

void
img_blob_writer_freep (struct img_blob_writer **w)
{
  img_blob_writer_free (*w);
}

int
img_blob_put_expect (struct img_store *s, const void *data, size_t len, const char *digest, berr_t **err)
{
  cleanup_blob_writer struct img_blob_writer *w = NULL;
  enum img_digest_alg alg;

  if (img_digest_parse (digest, &alg, NULL, err) < 0)
    return -1;
  /* Content addressed: an existing blob with this digest is this blob. */
  if (img_blob_exists (s, digest))
    return 0;
  if (img_blob_writer_new (s, alg, &w, err) < 0 || img_blob_writer_write (w, data, len, err) < 0)
    return -1;
  return img_blob_writer_commit (w, digest, (int64_t)len, NULL, NULL, err);
}

int
img_blob_put (struct img_store *s, const void *data, size_t len, char **digest, berr_t **err)
{
  cleanup_free char *d = img_digest_data (s->alg, data, len);

  if (img_blob_put_expect (s, data, len, d, err) < 0)
    return -1;
  *digest = steal_ptr (d);
  return 0;
}

int
img_blob_put_stream (struct img_store *s, enum img_digest_alg alg, img_read_fn rd, void *src,
                     const char *expected, int64_t expected_size, char **digest, int64_t *size, berr_t **err)
{
  cleanup_blob_writer struct img_blob_writer *w = NULL;
  cleanup_hasher struct img_hasher *h = NULL;
  cleanup_free char *buf = xmalloc (WRITE_BUF);
  int64_t total = 0;
  ssize_t n;

  if (expected && img_digest_parse (expected, &alg, NULL, err) < 0)
    return -1;
  /* content addressed: a blob the store has is this content, if the
   * stream really is it */
  if (expected && img_blob_exists (s, expected))
    h = img_hasher_new (alg);
  else if (img_blob_writer_new (s, alg, &w, err) < 0)
    return -1;
  assert ((h != NULL && expected != NULL) || w != NULL); /* for the analyzer */
  while ((n = rd (src, buf, WRITE_BUF, err)) > 0)
    {
      total += n;
      if (h)
        img_hasher_update (h, buf, (size_t)n);
      else if (img_blob_writer_write (w, buf, (size_t)n, err) < 0)
        return -1;
    }
  if (n < 0)
    return -1;
  if (w)
    return img_blob_writer_commit (w, expected, expected_size, digest, size, err);
  {
    cleanup_free char *got = img_hasher_final (h);
    if (strcmp (got, expected) != 0)
      return berr_make (err, 0, "blob '%s' is corrupt: its content is '%s'", expected, got);
    if (expected_size >= 0 && total != expected_size)
      return berr_make (err, 0, "blob '%s': size mismatch: expected %lld bytes, got %lld", expected,
                        (long long)expected_size, (long long)total);
  }
  if (digest)
    *digest = xstrdup (expected);
  if (size)
    *size = total;
  return 0;
}
