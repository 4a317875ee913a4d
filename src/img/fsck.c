/* img - `img fsck`: the store checked against its own rules.
 *
 * Three passes, under gc's locks (fsck.h):
 *  1. every file under blobs/<alg>/ is hashed and compared with its name;
 *     a mismatch (or a blob that is not a regular file) is corrupt;
 *  2. every index.json entry is walked (gc.c's walk): each descriptor's
 *     blob must exist with the descriptor's size, manifests and indexes
 *     must parse, a config must parse as an image config; what is missing
 *     or corrupt makes the image broken, reported once per image;
 *  3. the store's own files: .berth/tmp (temp blobs of interrupted
 *     writes), the index.json temp file of an interrupted update, the
 *     lock files.
 * Locks are flock(2)s, released by the kernel when their holder dies, so a
 * lock file is never stale: fsck only checks that they are regular files. */
#include <config.h>

#include "fsck.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gc.h"
#include "util.h"

struct fsck
{
  struct img_store *s;
  const struct img_fsck_opts *o;
  struct img_fsck_result *res;
  struct img_digest_set *corrupt; /* found corrupt in pass 1 */
  struct img_digest_set *reached; /* reached from index.json */
  struct img_digest_set *seen;    /* reached from the current entry */
  const char *image;              /* the current entry's name */
  bool image_broken;
};

static struct img_fsck_problem *add (struct fsck *f, enum img_fsck_kind kind, const char *path,
                                     const char *object, const char *fmt, ...)
  __attribute__ ((format (printf, 5, 6)));

static struct img_fsck_problem *
add (struct fsck *f, enum img_fsck_kind kind, const char *path, const char *object, const char *fmt, ...)
{
  struct img_fsck_result *res = f->res;
  struct img_fsck_problem *p;
  va_list ap;
  char *reason = NULL;

  va_start (ap, fmt);
  if (vasprintf (&reason, fmt, ap) < 0)
    abort ();
  va_end (ap);
  res->problems = xrealloc (res->problems, (res->n_problems + 1) * sizeof (*res->problems));
  p = &res->problems[res->n_problems++];
  memset (p, 0, sizeof (*p));
  p->kind = kind;
  p->object = xstrdup (object);
  p->path = path ? xstrdup (path) : NULL;
  p->reason = reason;
  return p;
}

/* ---- pass 1: blobs ---- */

static int
hash_blob (struct fsck *f, const char *digest, int64_t size, berr_t **why)
{
  cleanup_blob_reader struct img_blob_reader *r = NULL;
  char buf[65536];
  ssize_t n;

  if (img_blob_open (f->s, digest, size, &r, why) < 0)
    return -1;
  while ((n = img_blob_read (r, buf, sizeof (buf), why)) > 0)
    ;
  return n < 0 ? -1 : 0;
}

/* "blob 'sha256:…' is corrupt: its content hashes to …" → "its content …" */
static const char *
short_why (const berr_t *why)
{
  const char *m = why && why->msg ? why->msg : "unreadable";
  const char *c = strstr (m, "is corrupt: ");
  return c ? c + strlen ("is corrupt: ") : m;
}

static void
remove_corrupt (struct fsck *f, struct img_fsck_problem *p, int dirfd, const char *name)
{
  struct stat st;

  if (!f->o->repair)
    return;
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode))
    {
      berr_t *ignored = NULL;
      if (util_rm_rf_at (dirfd, name, &ignored) == 0)
        p->repaired = true;
      berr_clear (&ignored);
    }
  else if (unlinkat (dirfd, name, 0) == 0)
    p->repaired = true;
}

static int
check_blob_dir (struct fsck *f, const char *alg, berr_t **err)
{
  cleanup_free char *rel = xasprintf ("blobs/%s", alg);
  cleanup_strv char **names = NULL;
  size_t i, n = 0;
  int fd;

  fd = openat (f->s->dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      return berr_make (err, errno, "open '%s/%s'", f->s->path, rel);
    }
  if (util_dir_names (fd, "", &names, &n, err) < 0)
    {
      close (fd);
      return berr_wrap (err, "read '%s/%s'", f->s->path, rel);
    }
  for (i = 0; i < n; i++)
    {
      cleanup_free char *digest = xasprintf ("%s:%s", alg, names[i]);
      cleanup_free char *path = xasprintf ("%s/%s", rel, names[i]);
      cleanup_free char *object = xasprintf ("blob '%s'", digest);
      berr_t *why = NULL;
      struct stat st;

      if (fstatat (fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (!img_digest_valid (digest))
        {
          add (f, IMG_FSCK_STRAY, path, "file", "not named like a blob (another tool's file?): left alone");
          continue;
        }
      if (!S_ISREG (st.st_mode))
        {
          img_digest_set_add (f->corrupt, digest);
          remove_corrupt (f, add (f, IMG_FSCK_CORRUPT, path, object, "not a regular file"), fd, names[i]);
          continue;
        }
      if (hash_blob (f, digest, -1, &why) < 0)
        {
          img_digest_set_add (f->corrupt, digest);
          remove_corrupt (f, add (f, IMG_FSCK_CORRUPT, path, object, "corrupt: %s", short_why (why)), fd,
                          names[i]);
          berr_clear (&why);
          continue;
        }
      f->res->blobs++;
      f->res->bytes += st.st_size;
    }
  close (fd);
  return 0;
}

/* ---- pass 2: images ---- */

static void
broken (struct fsck *f, const char *digest, enum img_reach_role role, const char *why)
{
  cleanup_free char *object = xasprintf ("image '%s'", f->image);
  cleanup_free char *path = NULL;

  f->image_broken = true;
  if (img_blob_relpath (digest, &path, NULL) < 0)
    path = NULL;
  add (f, IMG_FSCK_BROKEN, path, object, "%s blob '%s' %s: pull the image again (or img rm it)",
       img_reach_role_name (role, "manifest"), digest, why);
}

static int
check_config (struct fsck *f, const oci_image_descriptor *d)
{
  cleanup_oci_image_config oci_image_config *c = NULL;
  cleanup_free char *data = NULL;
  berr_t *why = NULL;
  size_t len;

  if (d->media_type && strcmp (img_media_type_oci (d->media_type), IMG_MT_OCI_CONFIG) != 0)
    return 0; /* an artifact's config: its own business */
  if (img_blob_read_all (f->s, d->digest, -1, IMG_JSON_MAX, &data, &len, &why) < 0)
    {
      broken (f, d->digest, IMG_REACH_CONFIG, short_why (why));
      berr_clear (&why);
      return 0;
    }
  c = oci_image_config_parse_data (data, len, d->digest, &why);
  if (c == NULL)
    {
      cleanup_free char *msg = xasprintf ("does not parse as an image config (%s)", why ? why->msg : "?");
      broken (f, d->digest, IMG_REACH_CONFIG, msg);
      berr_clear (&why);
    }
  return 0;
}

static int
fsck_visit (const oci_image_descriptor *d, enum img_reach_role role, void *data, berr_t **err)
{
  struct fsck *f = data;
  cleanup_free char *rel = NULL;
  struct stat st;

  (void)err;
  img_digest_set_add (f->reached, d->digest);
  if (!img_digest_set_add (f->seen, d->digest))
    return 1;
  if (img_digest_set_has (f->corrupt, d->digest))
    {
      broken (f, d->digest, role, f->o->repair ? "was corrupt (removed)" : "is corrupt");
      return 1;
    }
  if (img_blob_relpath (d->digest, &rel, NULL) < 0
      || fstatat (f->s->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      /* a foreign layer lives elsewhere; a referrer's subject need not be here */
      if ((role == IMG_REACH_LAYER && d->urls_len > 0) || role == IMG_REACH_SUBJECT)
        return 1;
      broken (f, d->digest, role, "is missing");
      return 1;
    }
  if (d->size_present && st.st_size != d->size)
    {
      cleanup_free char *msg
        = xasprintf ("has %lld bytes, its descriptor says %lld", (long long)st.st_size, (long long)d->size);
      broken (f, d->digest, role, msg);
      return 1;
    }
  if (role == IMG_REACH_CONFIG)
    return check_config (f, d);
  return 0;
}

static int
fsck_unreadable (const oci_image_descriptor *d, enum img_reach_role role, berr_t *why, void *data,
                 berr_t **err)
{
  struct fsck *f = data;

  (void)err;
  /* missing and corrupt blobs were reported by fsck_visit */
  if (d->digest == NULL || !img_digest_valid (d->digest))
    {
      cleanup_free char *object = xasprintf ("image '%s'", f->image);
      f->image_broken = true;
      add (f, IMG_FSCK_BROKEN, "index.json", object, "%s", why && why->msg ? why->msg : "invalid descriptor");
      return 0;
    }
  if (!img_blob_exists (f->s, d->digest) || img_digest_set_has (f->corrupt, d->digest))
    return 0;
  {
    cleanup_free char *msg = xasprintf ("cannot be read (%s)", short_why (why));
    broken (f, d->digest, role, msg);
  }
  return 0;
}

static int
check_images (struct fsck *f, berr_t **err)
{
  cleanup_oci_image_index oci_image_index *idx = NULL;
  struct img_reach r = { fsck_visit, fsck_unreadable, f };
  berr_t *why = NULL;
  size_t i;

  idx = img_index_load (f->s, &why);
  if (idx == NULL)
    {
      add (f, IMG_FSCK_LAYOUT, "index.json", "index.json", "%s: no image can be listed",
           why && why->msg ? why->msg : "unreadable");
      berr_clear (&why);
      return 0;
    }
  for (i = 0; i < idx->manifests_len; i++)
    {
      const oci_image_descriptor *d = idx->manifests[i];
      const char *ref = img_desc_ref_name (d);
      cleanup_free char *name = NULL;

      if (ref)
        name = xstrdup (ref);
      else
        name = xasprintf ("%s", d->digest ? d->digest : "?");
      img_digest_set_free (f->seen);
      f->seen = img_digest_set_new ();
      f->image = name;
      f->image_broken = false;
      if (img_reach_walk (f->s, d, &r, err) < 0)
        return -1;
      f->res->images++;
    }
  f->image = NULL;
  return 0;
}

static void
count_unreferenced (struct fsck *f, const char *alg)
{
  cleanup_free char *rel = xasprintf ("blobs/%s", alg);
  cleanup_strv char **names = NULL;
  size_t i, n = 0;

  if (util_dir_names (f->s->dirfd, rel, &names, &n, NULL) < 0)
    return;
  for (i = 0; i < n; i++)
    {
      cleanup_free char *digest = xasprintf ("%s:%s", alg, names[i]);
      if (img_digest_valid (digest) && !img_digest_set_has (f->reached, digest)
          && !img_digest_set_has (f->corrupt, digest))
        f->res->unreferenced++;
    }
}

/* ---- pass 3: the store's own files ---- */

static void
debris (struct fsck *f, int dirfd, const char *dir, const char *name, const char *what)
{
  cleanup_free char *path = xasprintf ("%s%s%s", dir, dir[0] ? "/" : "", name);
  struct img_fsck_problem *p;
  struct stat st;
  berr_t *ignored = NULL;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return;
  p = add (f, IMG_FSCK_DEBRIS, path, "temp file", "%s (%lld bytes)", what,
           S_ISREG (st.st_mode) ? (long long)st.st_size : 0LL);
  if (!f->o->repair)
    return;
  if (S_ISDIR (st.st_mode) ? util_rm_rf_at (dirfd, name, &ignored) == 0 : unlinkat (dirfd, name, 0) == 0)
    p->repaired = true;
  berr_clear (&ignored);
}

static int
check_tmp (struct fsck *f, berr_t **err)
{
  cleanup_strv char **names = NULL;
  size_t i, n = 0;
  int fd;

  fd = openat (f->s->dirfd, ".berth/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT ? 0 : berr_make (err, errno, "open '%s/.berth/tmp'", f->s->path);
  if (util_dir_names (fd, "", &names, &n, err) < 0)
    {
      close (fd);
      return -1;
    }
  for (i = 0; i < n; i++)
    {
      cleanup_close int tfd = openat (fd, names[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
      /* a writer of another store handle in this very process (tests) */
      if (tfd >= 0 && flock (tfd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK)
        continue;
      debris (f, fd, ".berth/tmp", names[i], "left by an interrupted write");
    }
  close (fd);
  return 0;
}

/* util_write_file_atomic_at's ".NAME.tmp.PID" for index.json and
 * oci-layout: written under the exclusive store lock, which fsck holds. */
static int
check_top (struct fsck *f, berr_t **err)
{
  cleanup_strv char **names = NULL;
  size_t i, n = 0;
  struct stat st;

  if (util_dir_names (f->s->dirfd, "", &names, &n, err) < 0)
    return berr_wrap (err, "read '%s'", f->s->path);
  for (i = 0; i < n; i++)
    if (util_str_has_prefix (names[i], ".index.json.tmp.")
        || util_str_has_prefix (names[i], ".oci-layout.tmp."))
      debris (f, f->s->dirfd, "", names[i], "left by an interrupted index.json update");
  if (fstatat (f->s->dirfd, "blobs", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (st.st_mode))
    add (f, IMG_FSCK_LAYOUT, "blobs", "blobs", "missing or not a directory");
  return 0;
}

static int
check_private (struct fsck *f)
{
  static const char *const locks[] = { "lock", "gc.lock" };
  size_t i;

  for (i = 0; i < sizeof (locks) / sizeof (locks[0]); i++)
    {
      cleanup_free char *rel = xasprintf (".berth/%s", locks[i]);
      struct stat st;

      if (fstatat (f->s->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG (st.st_mode))
        add (f, IMG_FSCK_LAYOUT, rel, "lock file", "not a regular file: img cannot lock the store");
    }
  return 0;
}

int
img_fsck (struct img_store *s, const struct img_fsck_opts *o, struct img_fsck_result *res, berr_t **err)
{
  cleanup_digest_set struct img_digest_set *corrupt = img_digest_set_new ();
  cleanup_digest_set struct img_digest_set *reached = img_digest_set_new ();
  cleanup_close int lockfd = -1;
  struct fsck f = { s, o, res, corrupt, reached, NULL, NULL, false };
  int ret;

  memset (res, 0, sizeof (*res));
  lockfd = img_gc_lock_exclusive (s, err);
  if (lockfd < 0)
    return -1;
  if (img_store_lock (s, true, err) < 0)
    return -1;
  ret = check_top (&f, err);
  if (ret == 0)
    ret = check_private (&f);
  if (ret == 0)
    ret = check_tmp (&f, err);
  if (ret == 0)
    ret = check_blob_dir (&f, "sha256", err);
  if (ret == 0)
    ret = check_blob_dir (&f, "sha512", err);
  if (ret == 0)
    ret = check_images (&f, err);
  if (ret == 0)
    {
      count_unreferenced (&f, "sha256");
      count_unreferenced (&f, "sha512");
    }
  img_digest_set_free (f.seen);
  img_store_unlock (s);
  if (s->gc_lockfd >= 0)
    flock (lockfd, LOCK_SH);
  return ret;
}

size_t
img_fsck_unrepaired (const struct img_fsck_result *res)
{
  size_t i, n = 0;
  for (i = 0; i < res->n_problems; i++)
    if (!res->problems[i].repaired)
      n++;
  return n;
}

void
img_fsck_result_clear (struct img_fsck_result *res)
{
  size_t i;
  for (i = 0; i < res->n_problems; i++)
    {
      free (res->problems[i].object);
      free (res->problems[i].path);
      free (res->problems[i].reason);
    }
  free (res->problems);
  memset (res, 0, sizeof (*res));
}
