/* img - the store's blob writer: a temp file under .berth/tmp (flock'ed by
 * its writer, so gc knows it is live) that is hashed as it is written, then
 * checked against the expected digest and size, made durable (fdatasync)
 * and renamed into blobs/<alg>/<hex>, its directory fsynced.  Nothing is
 * visible under a digest before it is complete, verified and on disk.
 *
 * Writes are gathered in a buffer, and a large blob is pushed to disk as it
 * grows (writeback every few MiB, fdatasync in a flusher thread), so that
 * the commit of a 150 MB layer does not start the disk work only once the
 * download is over. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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
  char *buf;
  size_t buflen;
  struct flusher *fl; /* NULL until the blob reaches SYNC_STEP */
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
  w->fl->want = w->in_file;
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

static int
writer_put (struct img_blob_writer *w, const void *data, size_t len, berr_t **err)
{
  if (util_write_all (w->fd, data, len, err) < 0)
    return berr_wrap (err, "image store '%s': write blob", w->s->path);
  w->in_file += (int64_t)len;
  if (w->in_file - w->flushed >= WRITEBACK_STEP)
    {
      /* only a hint: the commit's fdatasync is what makes the blob durable */
      sync_file_range (w->fd, w->flushed, w->in_file - w->flushed, SYNC_FILE_RANGE_WRITE);
      if (w->in_file / SYNC_STEP != w->flushed / SYNC_STEP)
        flusher_request (w);
      w->flushed = w->in_file;
    }
  return 0;
}

static int
writer_flush (struct img_blob_writer *w, berr_t **err)
{
  size_t n = w->buflen;

  w->buflen = 0;
  return n ? writer_put (w, w->buf, n, err) : 0;
}

int
img_blob_writer_write (struct img_blob_writer *w, const void *data, size_t len, berr_t **err)
{
  img_hasher_update (w->h, data, len);
  w->size += (int64_t)len;
  if (w->buflen + len > WRITE_BUF && writer_flush (w, err) < 0)
    return -1;
  if (len >= WRITE_BUF)
    return writer_put (w, data, len, err);
  if (w->buf == NULL)
    w->buf = xmalloc (WRITE_BUF);
  memcpy (w->buf + w->buflen, data, len);
  w->buflen += len;
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

  if (expected && strcmp (expected, got) != 0)
    return berr_make (err, 0, "blob digest mismatch: expected '%s', got '%s' (%lld bytes)", expected, got,
                      (long long)w->size);
  if (expected_size >= 0 && expected_size != w->size)
    return berr_make (err, 0, "blob '%s': size mismatch: expected %lld bytes, got %lld", got,
                      (long long)expected_size, (long long)w->size);
  if (writer_flush (w, err) < 0)
    return -1;
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
  return w->in_file;
}

int
img_blob_writer_reset (struct img_blob_writer *w, berr_t **err)
{
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
