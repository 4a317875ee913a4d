/* img - the image store: opening and creating an OCI image layout, the
 * store lock, content-addressed blobs (written by blob-writer.c: temp →
 * fsync → rename; verified here as they are read) and index.json with its
 * references.
 *
 * Crash safety: a blob is visible under its digest only once complete and
 * fsynced; index.json is replaced by rename and the directory fsynced, under
 * the exclusive lock.  A writer holds an exclusive flock on its own temp
 * file, so `img gc` can tell a live temp file (locked) from one a killed
 * process left (lockable, removed). */
#include <config.h>

#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "store-internal.h"
#include "berth-limits.h"
#include "util.h"

#define LAYOUT_FILE "oci-layout"
#define LAYOUT_JSON "{\"imageLayoutVersion\":\"1.0.0\"}"
#define INDEX_FILE "index.json"
#define EMPTY_INDEX "{\"schemaVersion\":2,\"mediaType\":\"" IMG_MT_OCI_INDEX "\",\"manifests\":[]}"

char *
img_store_default_path (void)
{
  const char *xdg = getenv ("XDG_DATA_HOME");
  const char *home = getenv ("HOME");

  if (geteuid () == 0)
    return xstrdup ("/var/lib/berth/images");
  if (xdg && xdg[0] == '/')
    return xasprintf ("%s/berth/images", xdg);
  return xasprintf ("%s/.local/share/berth/images", home && home[0] ? home : "/tmp");
}

int
img_store_fsync_dir (int dirfd, const char *name)
{
  cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync (fd) < 0)
    return -1;
  return 0;
}

static int
check_layout_version (struct img_store *s, berr_t **err)
{
  cleanup_free char *data = NULL;
  size_t len;

  if (util_read_file_max_at (s->dirfd, LAYOUT_FILE, OCI_JSON_MAX_BYTES, &data, &len, err) < 0)
    return berr_wrap (err, "image store '%s'", s->path);
  if (strstr (data, "\"imageLayoutVersion\"") == NULL || strstr (data, "\"1.0.0\"") == NULL)
    return berr_make (err, 0, "image store '%s': unsupported oci-layout '%s' (want imageLayoutVersion 1.0.0)",
                      s->path, data);
  return 0;
}

/* A new layout: oci-layout last, so a half-made store (kill -9) is one that
 * the next create finishes rather than one that looks complete. */
static int
store_init (struct img_store *s, berr_t **err)
{
  if (mkdirat (s->dirfd, "blobs", 0755) < 0 && errno != EEXIST)
    return berr_make (err, errno, "image store '%s': mkdir 'blobs'", s->path);
  if (mkdirat (s->dirfd, "blobs/sha256", 0755) < 0 && errno != EEXIST)
    return berr_make (err, errno, "image store '%s': mkdir 'blobs/sha256'", s->path);
  if (faccessat (s->dirfd, INDEX_FILE, F_OK, AT_SYMLINK_NOFOLLOW) < 0
      && util_write_file_atomic_at (s->dirfd, INDEX_FILE, EMPTY_INDEX, strlen (EMPTY_INDEX), 0644, err) < 0)
    return berr_wrap (err, "image store '%s'", s->path);
  if (util_write_file_atomic_at (s->dirfd, LAYOUT_FILE, LAYOUT_JSON, strlen (LAYOUT_JSON), 0644, err) < 0)
    return berr_wrap (err, "image store '%s'", s->path);
  img_store_fsync_dir (s->dirfd, ".");
  return 0;
}

int
img_store_open (const char *path, bool create, struct img_store **out, berr_t **err)
{
  cleanup_store struct img_store *s = xzalloc (sizeof (*s));
  struct stat st;

  s->path = xstrdup (path);
  s->dirfd = -1;
  s->lockfd = -1;
  s->gc_lockfd = -1;
  s->alg = IMG_DIGEST_SHA256;
  if (create && util_mkdir_p (path, 0755, err) < 0)
    return berr_wrap (err, "image store '%s'", path);
  s->dirfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->dirfd < 0)
    {
      if (errno == ENOENT)
        return berr_make (err, 0, "image store '%s' does not exist", path);
      return berr_make (err, errno, "image store '%s'", path);
    }
  if (fstatat (s->dirfd, LAYOUT_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno != ENOENT)
        return berr_make (err, errno, "image store '%s': stat '%s'", path, LAYOUT_FILE);
      if (!create)
        return berr_make (err, 0, "'%s' is not an OCI image layout (no '%s' file)", path, LAYOUT_FILE);
      /* A directory with other content is someone else's: never adopt it.
       * A store a killed create left half-made has blobs/ and index.json
       * only (and maybe .berth). */
      if (!util_dir_is_empty (s->dirfd, "") && faccessat (s->dirfd, "blobs", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
        return berr_make (
          err, 0, "'%s' is not empty and not an OCI image layout: refusing to make a store there", path);
      if (img_store_lock (s, true, err) < 0)
        return -1;
      if (faccessat (s->dirfd, LAYOUT_FILE, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && store_init (s, err) < 0)
        {
          img_store_unlock (s);
          return -1;
        }
      img_store_unlock (s);
    }
  else if (!S_ISREG (st.st_mode))
    return berr_make (err, 0, "image store '%s': '%s' is not a regular file", path, LAYOUT_FILE);
  if (check_layout_version (s, err) < 0)
    return -1;
  *out = steal_ptr (s);
  return 0;
}

void
img_store_close (struct img_store *s)
{
  if (s == NULL)
    return;
  if (s->lockfd >= 0)
    close (s->lockfd);
  if (s->gc_lockfd >= 0)
    close (s->gc_lockfd);
  if (s->dirfd >= 0)
    close (s->dirfd);
  free (s->path);
  free (s);
}

void
img_store_closep (struct img_store **s)
{
  img_store_close (*s);
}

int
img_store_private_dir (struct img_store *s, const char *name, berr_t **err)
{
  cleanup_free char *sub = xasprintf (".berth/%s", name);
  int fd;

  if (mkdirat (s->dirfd, ".berth", 0755) < 0 && errno != EEXIST)
    return berr_make (err, errno, "image store '%s': mkdir '.berth'", s->path);
  if (name[0] && mkdirat (s->dirfd, sub, 0755) < 0 && errno != EEXIST)
    return berr_make (err, errno, "image store '%s': mkdir '%s'", s->path, sub);
  fd = openat (s->dirfd, name[0] ? sub : ".berth", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return berr_make (err, errno, "image store '%s': open '%s'", s->path, name[0] ? sub : ".berth");
  return fd;
}

int
img_store_lock (struct img_store *s, bool exclusive, berr_t **err)
{
  if (s->lock_depth > 0)
    {
      /* Nested: upgrade a shared lock when exclusive is asked for. */
      if (exclusive && !s->lock_exclusive)
        {
          if (flock (s->lockfd, LOCK_EX) < 0)
            return berr_make (err, errno, "image store '%s': lock", s->path);
          s->lock_exclusive = true;
        }
      s->lock_depth++;
      return 0;
    }
  if (s->lockfd < 0)
    {
      cleanup_close int dfd = -1;
      if (exclusive || faccessat (s->dirfd, ".berth/lock", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        {
          dfd = img_store_private_dir (s, "", exclusive ? err : NULL);
          if (dfd < 0 && exclusive)
            return -1;
        }
      if (dfd >= 0)
        {
          s->lockfd = openat (dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
          if (s->lockfd < 0)
            s->lockfd = openat (dfd, "lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        }
      if (s->lockfd < 0)
        {
          /* A read-only store someone else owns: readers go without. */
          if (!exclusive)
            {
              s->lock_depth++;
              return 0;
            }
          return berr_make (err, errno, "image store '%s': open '.berth/lock'", s->path);
        }
    }
  if (flock (s->lockfd, exclusive ? LOCK_EX : LOCK_SH) < 0)
    return berr_make (err, errno, "image store '%s': lock", s->path);
  s->lock_exclusive = exclusive;
  s->lock_depth++;
  return 0;
}

void
img_store_unlock (struct img_store *s)
{
  if (s->lock_depth == 0)
    return;
  if (--s->lock_depth == 0 && s->lockfd >= 0)
    flock (s->lockfd, LOCK_UN);
}

int
img_store_writer_lock (struct img_store *s, berr_t **err)
{
  int fd;

  if (s->gc_lockfd >= 0)
    return 0;
  if (mkdirat (s->dirfd, ".berth", 0755) < 0 && errno != EEXIST && errno != EACCES)
    return berr_make (err, errno, "image store '%s': mkdir '.berth'", s->path);
  fd = openat (s->dirfd, ".berth/gc.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  /* a reader of a store it cannot write still takes the lock */
  if (fd < 0 && (errno == EACCES || errno == EROFS))
    fd = openat (s->dirfd, ".berth/gc.lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      /* a store someone else owns, never written by us: nothing to protect */
      if (errno == ENOENT || errno == EACCES)
        return 0;
      return berr_make (err, errno, "image store '%s': open '.berth/gc.lock'", s->path);
    }
  if (flock (fd, LOCK_SH) < 0)
    {
      close (fd);
      return berr_make (err, errno, "image store '%s': lock '.berth/gc.lock'", s->path);
    }
  s->gc_lockfd = fd;
  return 0;
}

/* ---- blobs ---- */

int
img_blob_relpath (const char *digest, char **out, berr_t **err)
{
  enum img_digest_alg alg;
  const char *hex;

  if (img_digest_parse (digest, &alg, &hex, err) < 0)
    return -1;
  *out = xasprintf ("blobs/%s/%s", img_digest_alg_name (alg), hex);
  return 0;
}

bool
img_blob_exists (struct img_store *s, const char *digest)
{
  cleanup_free char *rel = NULL;
  struct stat st;

  if (img_blob_relpath (digest, &rel, NULL) < 0)
    return false;
  return fstatat (s->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode);
}

struct img_blob_reader
{
  char *digest;
  struct img_hasher *h;
  int fd;
  int64_t size; /* expected, -1 unknown */
  int64_t done;
  bool verified;
};

int
img_blob_open (struct img_store *s, const char *digest, int64_t size, struct img_blob_reader **out,
               berr_t **err)
{
  cleanup_free char *rel = NULL;
  enum img_digest_alg alg;
  struct img_blob_reader *r;
  struct stat st;
  int fd;

  if (img_digest_parse (digest, &alg, NULL, err) < 0 || img_blob_relpath (digest, &rel, err) < 0)
    return -1;
  fd = openat (s->dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return berr_make (err, 0, "blob '%s' is missing from image store '%s'", digest, s->path);
      return berr_make (err, errno, "open blob '%s'", digest);
    }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return berr_make (err, 0, "blob '%s' in image store '%s' is not a regular file", digest, s->path);
    }
  if (size >= 0 && st.st_size != size)
    {
      close (fd);
      return berr_make (err, 0, "blob '%s' is corrupt: %lld bytes, expected %lld", digest,
                        (long long)st.st_size, (long long)size);
    }
  r = xzalloc (sizeof (*r));
  r->digest = xstrdup (digest);
  r->h = img_hasher_new (alg);
  r->fd = fd;
  r->size = size;
  *out = r;
  return 0;
}

ssize_t
img_blob_read (struct img_blob_reader *r, void *buf, size_t len, berr_t **err)
{
  ssize_t n;

  if (r->verified)
    return 0;
  do
    n = read (r->fd, buf, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return berr_make (err, errno, "read blob '%s'", r->digest);
  if (n > 0)
    {
      r->done += n;
      if (r->size >= 0 && r->done > r->size)
        return berr_make (err, 0, "blob '%s' is corrupt: longer than %lld bytes", r->digest,
                          (long long)r->size);
      img_hasher_update (r->h, buf, (size_t)n);
      return n;
    }
  {
    cleanup_free char *got = img_hasher_final (r->h);
    if (r->size >= 0 && r->done != r->size)
      return berr_make (err, 0, "blob '%s' is corrupt: %lld bytes, expected %lld", r->digest,
                        (long long)r->done, (long long)r->size);
    if (strcmp (got, r->digest) != 0)
      return berr_make (err, 0, "blob '%s' is corrupt: its content hashes to '%s'", r->digest, got);
  }
  r->verified = true;
  return 0;
}

int
img_blob_reader_fd (struct img_blob_reader *r)
{
  return r->fd;
}

void
img_blob_reader_free (struct img_blob_reader *r)
{
  if (r == NULL)
    return;
  close (r->fd);
  img_hasher_free (r->h);
  free (r->digest);
  free (r);
}

void
img_blob_reader_freep (struct img_blob_reader **r)
{
  img_blob_reader_free (*r);
}

int
img_blob_read_all (struct img_store *s, const char *digest, int64_t size, size_t max, char **data,
                   size_t *len, berr_t **err)
{
  cleanup_blob_reader struct img_blob_reader *r = NULL;
  cleanup_free char *buf = NULL;
  size_t cap, n = 0;
  struct stat st;

  if (img_blob_open (s, digest, size, &r, err) < 0)
    return -1;
  if (fstat (r->fd, &st) < 0)
    return berr_make (err, errno, "stat blob '%s'", digest);
  if ((uint64_t)st.st_size > max)
    return berr_make (err, 0, "blob '%s' is too large: %lld bytes (at most %zu here)", digest,
                      (long long)st.st_size, max);
  cap = (size_t)st.st_size + 1;
  buf = xmalloc (cap + 1);
  for (;;)
    {
      ssize_t k;
      if (n == cap)
        return berr_make (err, 0, "blob '%s' grew while being read", digest);
      k = img_blob_read (r, buf + n, cap - n, err);
      if (k < 0)
        return -1;
      if (k == 0)
        break;
      n += (size_t)k;
    }
  buf[n] = '\0';
  *data = steal_ptr (buf);
  if (len)
    *len = n;
  return 0;
}

int
img_blob_remove (struct img_store *s, const char *digest, berr_t **err)
{
  cleanup_free char *rel = NULL;

  if (img_blob_relpath (digest, &rel, err) < 0)
    return -1;
  if (unlinkat (s->dirfd, rel, 0) < 0 && errno != ENOENT)
    return berr_make (err, errno, "remove blob '%s'", digest);
  return 0;
}

/* ---- index.json ---- */

oci_image_index *
img_index_load (struct img_store *s, berr_t **err)
{
  cleanup_free char *data = NULL;
  cleanup_free char *origin = xasprintf ("%s/%s", s->path, INDEX_FILE);
  oci_image_index *idx;
  size_t len;

  if (util_read_file_max_at (s->dirfd, INDEX_FILE, OCI_JSON_MAX_BYTES, &data, &len, err) < 0)
    return NULL;
  idx = oci_image_index_parse_data (data, len, origin, err);
  if (idx && idx->schema_version != 2)
    {
      berr_make (err, 0, "'%s': unsupported schemaVersion %d", origin, (int)idx->schema_version);
      oci_image_index_free (idx);
      return NULL;
    }
  return idx;
}

/* util_write_file_atomic_at's steps (the same temp name, which fsck knows),
 * with the fault points of an index.json update in between. */
static int
index_write (struct img_store *s, const char *json, size_t len, berr_t **err)
{
  cleanup_free char *tmp = xasprintf (".%s.tmp.%d", INDEX_FILE, (int)getpid ());
  cleanup_close int fd = -1;

  fault_point ("index.save");
  fd = openat (s->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return berr_make (err, errno, "write '%s': create temporary file", INDEX_FILE);
  if (util_write_all (fd, json, len, err) < 0)
    goto fail;
  if (fsync (fd) < 0 || close (steal_fd (fd)) < 0)
    {
      berr_make (err, errno, "write '%s': fsync", INDEX_FILE);
      goto fail;
    }
  fault_point ("index.tmp-written");
  if (renameat (s->dirfd, tmp, s->dirfd, INDEX_FILE) < 0)
    {
      berr_make (err, errno, "write '%s': rename", INDEX_FILE);
      goto fail;
    }
  return 0;

fail:
  unlinkat (s->dirfd, tmp, 0);
  return -1;
}

int
img_index_save (struct img_store *s, const oci_image_index *idx, berr_t **err)
{
  cleanup_free char *json = NULL;
  size_t len;

  if (oci_image_index_generate (idx, &json, &len, err) < 0)
    return berr_wrap (err, "image store '%s': index.json", s->path);
  if (index_write (s, json, len, err) < 0)
    return berr_wrap (err, "image store '%s'", s->path);
  fault_point ("index.saved");
  img_store_fsync_dir (s->dirfd, ".");
  return 0;
}

const char *
img_desc_ref_name (const oci_image_descriptor *d)
{
  return d->annotations ? oci_string_map_get (d->annotations, IMG_ANNOT_REF_NAME) : NULL;
}

char *
img_ref_normalize (const char *name)
{
  const char *slash = strrchr (name, '/');
  const char *last = slash ? slash + 1 : name;

  if (strchr (name, '@') || strchr (last, ':'))
    return xstrdup (name);
  return xasprintf ("%s:latest", name);
}

static bool
is_hex_prefix (const char *s)
{
  size_t n = strlen (s);
  if (n < 12 || n > 128)
    return false;
  return strspn (s, "0123456789abcdef") == n;
}

int
img_index_find (struct img_store *s, const oci_image_index *idx, const char *name, size_t *pos, berr_t **err)
{
  cleanup_free char *norm = NULL;
  const char *hex = NULL;
  size_t i, found = SIZE_MAX;

  /* No stored name is longer; a message must not echo megabytes. */
  if (strlen (name) > IMG_NAME_MAX)
    return berr_make (err, 0, "image name '%.64s...' is too long (%zu bytes, limit %d)", name, strlen (name),
                      IMG_NAME_MAX);
  norm = img_ref_normalize (name);

  for (i = 0; i < idx->manifests_len; i++)
    {
      const char *ref = img_desc_ref_name (idx->manifests[i]);
      if (ref && strcmp (ref, name) == 0)
        goto done;
    }
  for (i = 0; i < idx->manifests_len; i++)
    {
      const char *ref = img_desc_ref_name (idx->manifests[i]);
      if (ref && strcmp (ref, norm) == 0)
        goto done;
    }
  if (img_digest_valid (name))
    {
      for (i = 0; i < idx->manifests_len; i++)
        if (idx->manifests[i]->digest && strcmp (idx->manifests[i]->digest, name) == 0)
          goto done;
    }
  else if (is_hex_prefix (name) || (util_str_has_prefix (name, "sha256:") && is_hex_prefix (name + 7)))
    {
      hex = strchr (name, ':') ? strchr (name, ':') + 1 : name;
      for (i = 0; i < idx->manifests_len; i++)
        {
          const char *d = idx->manifests[i]->digest;
          const char *c = d ? strchr (d, ':') : NULL;
          if (c && util_str_has_prefix (c + 1, hex))
            {
              if (found != SIZE_MAX && strcmp (idx->manifests[found]->digest, d) != 0)
                return berr_make (err, 0, "image '%s' is ambiguous in image store '%s'", name, s->path);
              found = i;
            }
        }
      if (found != SIZE_MAX)
        {
          i = found;
          goto done;
        }
    }
  return berr_make (err, 0, "image '%s' not found in image store '%s'", name, s->path);

done:
  if (pos)
    *pos = i;
  return 0;
}

oci_image_descriptor *
img_desc_copy (const oci_image_descriptor *d)
{
  cleanup_free char *json = NULL;
  size_t len;

  if (oci_image_descriptor_generate (d, &json, &len, NULL) < 0)
    abort ();
  return oci_image_descriptor_parse_data (json, len, "descriptor", NULL);
}

/* Tag desc as name in the loaded idx. */
static void
index_tag_in (oci_image_index *idx, const oci_image_descriptor *desc, const char *name)
{
  oci_image_descriptor *copy = img_desc_copy (desc);
  size_t i;

  if (copy->annotations == NULL)
    copy->annotations = xzalloc (sizeof (*copy->annotations));
  if (name)
    oci_string_map_set (copy->annotations, IMG_ANNOT_REF_NAME, name);
  for (i = 0; i < idx->manifests_len; i++)
    {
      const char *ref = img_desc_ref_name (idx->manifests[i]);
      /* A tag names one image: the entry that had it is replaced (its
       * blobs stay until gc), as umoci and skopeo do. */
      if (name ? (ref && strcmp (ref, name) == 0)
               : (ref == NULL && idx->manifests[i]->digest
                  && strcmp (idx->manifests[i]->digest, desc->digest) == 0))
        {
          oci_image_descriptor_free (idx->manifests[i]);
          idx->manifests[i] = copy;
          return;
        }
    }
  idx->manifests = xrealloc (idx->manifests, (idx->manifests_len + 1) * sizeof (*idx->manifests));
  idx->manifests[idx->manifests_len++] = copy;
}

int
img_index_tag_many (struct img_store *s, const oci_image_descriptor *const *descs, const char *const *names,
                    size_t n, berr_t **err)
{
  oci_image_index *idx = NULL;
  size_t i;
  int r = -1;

  if (img_store_lock (s, true, err) < 0)
    return -1;
  idx = img_index_load (s, err);
  if (idx == NULL)
    goto out;
  for (i = 0; i < n; i++)
    index_tag_in (idx, descs[i], names[i]);
  r = img_index_save (s, idx, err);
out:
  oci_image_index_free (idx);
  img_store_unlock (s);
  return r;
}

int
img_index_tag (struct img_store *s, const oci_image_descriptor *desc, const char *name, berr_t **err)
{
  return img_index_tag_many (s, &desc, &name, 1, err);
}
