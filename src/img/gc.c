/* img - the reachability walk from index.json and `img gc`'s mark and
 * sweep.
 *
 * Marking reads every manifest and index through the verified blob
 * reader.  A referenced blob that is missing is reported, not fatal: a
 * missing layer or config has no children, and a missing manifest's
 * children are unreachable anyway.  A manifest that is present but cannot
 * be read (corrupt, not JSON) is different: what it references is unknown,
 * so gc reports it and removes no blob at all.  Temp files under
 * .berth/tmp are stray once gc holds .berth/gc.lock exclusively (gc.h). */
#include <config.h>

#include "gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "fault.h"
#include "util.h"

/* ---- digest set: open addressing, FNV-1a ---- */

struct img_digest_set
{
  char **slots;
  size_t cap; /* power of two */
  size_t len;
};

static uint64_t
hash_str (const char *s)
{
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    {
      h ^= (unsigned char)*s;
      h *= 1099511628211ULL;
    }
  return h;
}

struct img_digest_set *
img_digest_set_new (void)
{
  struct img_digest_set *set = xzalloc (sizeof (*set));
  set->cap = 64;
  set->slots = xzalloc (set->cap * sizeof (char *));
  return set;
}

static char **
set_slot (char **slots, size_t cap, const char *d)
{
  size_t i = hash_str (d) & (cap - 1);
  while (slots[i] && strcmp (slots[i], d) != 0)
    i = (i + 1) & (cap - 1);
  return &slots[i];
}

bool
img_digest_set_add (struct img_digest_set *set, const char *d)
{
  char **slot;
  size_t i;

  if ((set->len + 1) * 2 > set->cap)
    {
      size_t ncap = set->cap * 2;
      char **n = xzalloc (ncap * sizeof (char *));
      for (i = 0; i < set->cap; i++)
        if (set->slots[i])
          *set_slot (n, ncap, set->slots[i]) = set->slots[i];
      free (set->slots);
      set->slots = n;
      set->cap = ncap;
    }
  slot = set_slot (set->slots, set->cap, d);
  if (*slot)
    return false;
  *slot = xstrdup (d);
  set->len++;
  return true;
}

bool
img_digest_set_has (const struct img_digest_set *set, const char *d)
{
  return *set_slot (set->slots, set->cap, d) != NULL;
}

size_t
img_digest_set_len (const struct img_digest_set *set)
{
  return set->len;
}

void
img_digest_set_free (struct img_digest_set *set)
{
  size_t i;
  if (set == NULL)
    return;
  for (i = 0; i < set->cap; i++)
    free (set->slots[i]);
  free (set->slots);
  free (set);
}

void
img_digest_set_freep (struct img_digest_set **set)
{
  img_digest_set_free (*set);
}

/* ---- the walk ---- */

static int walk (struct img_store *s, const oci_image_descriptor *d, enum img_reach_role role,
                 const struct img_reach *r, berr_t **err);

static int
report_unreadable (const oci_image_descriptor *d, enum img_reach_role role, const struct img_reach *r,
                   berr_t **why, berr_t **err)
{
  int ret;
  if (r->unreadable == NULL)
    {
      *err = steal_ptr (*why);
      return -1;
    }
  ret = r->unreadable (d, role, *why, r->data, err);
  berr_clear (why);
  return ret;
}

static int
walk_index (struct img_store *s, const char *data, size_t len, const oci_image_descriptor *d,
            const struct img_reach *r, berr_t **err)
{
  cleanup_oci_image_index oci_image_index *idx = NULL;
  berr_t *why = NULL;
  size_t i;

  idx = oci_image_index_parse_data (data, len, d->digest, &why);
  if (idx == NULL)
    return report_unreadable (d, IMG_REACH_MANIFEST, r, &why, err);
  for (i = 0; i < idx->manifests_len; i++)
    if (walk (s, idx->manifests[i], IMG_REACH_MANIFEST, r, err) < 0)
      return -1;
  if (idx->subject && walk (s, idx->subject, IMG_REACH_SUBJECT, r, err) < 0)
    return -1;
  return 0;
}

static int
walk_manifest (struct img_store *s, const char *data, size_t len, const oci_image_descriptor *d,
               const struct img_reach *r, berr_t **err)
{
  cleanup_oci_image_manifest oci_image_manifest *m = NULL;
  berr_t *why = NULL;
  size_t i;

  m = oci_image_manifest_parse_data (data, len, d->digest, &why);
  if (m == NULL)
    return report_unreadable (d, IMG_REACH_MANIFEST, r, &why, err);
  if (m->config && walk (s, m->config, IMG_REACH_CONFIG, r, err) < 0)
    return -1;
  for (i = 0; i < m->layers_len; i++)
    if (walk (s, m->layers[i], IMG_REACH_LAYER, r, err) < 0)
      return -1;
  if (m->subject && walk (s, m->subject, IMG_REACH_SUBJECT, r, err) < 0)
    return -1;
  return 0;
}

static int
walk (struct img_store *s, const oci_image_descriptor *d, enum img_reach_role role, const struct img_reach *r,
      berr_t **err)
{
  cleanup_free char *data = NULL;
  enum img_doc_kind kind;
  berr_t *why = NULL;
  size_t len = 0;
  int ret;

  if (d->digest == NULL || !img_digest_valid (d->digest))
    {
      berr_make (&why, 0, "descriptor digest '%s' is not valid", d->digest ? d->digest : "");
      return report_unreadable (d, role, r, &why, err);
    }
  ret = r->visit (d, role, r->data, err);
  if (ret != 0)
    return ret < 0 ? -1 : 0;
  if (role == IMG_REACH_CONFIG || role == IMG_REACH_LAYER)
    return 0;
  if (d->media_type && !img_mt_is_index (d->media_type) && !img_mt_is_manifest (d->media_type))
    return 0; /* an artifact or a blob img does not look into */
  if (d->media_type == NULL && !img_blob_exists (s, d->digest))
    return 0;
  if (img_blob_read_all (s, d->digest, d->size_present ? d->size : -1, IMG_JSON_MAX, &data, &len, &why) < 0)
    return report_unreadable (d, role, r, &why, err);
  kind = img_doc_kind (d->media_type, data, len);
  if (kind == IMG_DOC_INDEX)
    return walk_index (s, data, len, d, r, err);
  if (kind == IMG_DOC_MANIFEST)
    return walk_manifest (s, data, len, d, r, err);
  return 0;
}

int
img_reach_walk (struct img_store *s, const oci_image_descriptor *d, const struct img_reach *r, berr_t **err)
{
  return walk (s, d, IMG_REACH_ROOT, r, err);
}

/* ---- the gc lock ---- */

static int
gc_lock_open (struct img_store *s, berr_t **err)
{
  int fd;

  if (mkdirat (s->dirfd, ".berth", 0755) < 0 && errno != EEXIST && errno != EACCES)
    return berr_make (err, errno, "create '%s/.berth'", s->path);
  fd = openat (s->dirfd, ".berth/gc.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  /* A reader of a store it cannot write (export) still takes the lock. */
  if (fd < 0 && (errno == EACCES || errno == EROFS))
    fd = openat (s->dirfd, ".berth/gc.lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return berr_make (err, errno, "open '%s/.berth/gc.lock'", s->path);
  return fd;
}

int
img_gc_lock_exclusive (struct img_store *s, berr_t **err)
{
  int fd;

  /* this process's own writer lock (it wrote blobs on this store before)
   * is converted, or a second descriptor would wait for itself */
  if (s->gc_lockfd >= 0)
    {
      fd = dup (s->gc_lockfd);
      if (fd < 0)
        return berr_make (err, errno, "dup");
    }
  else
    {
      fd = gc_lock_open (s, err);
      if (fd < 0)
        return -1;
    }
  if (flock (fd, LOCK_EX) < 0)
    {
      berr_make (err, errno, "lock '%s/.berth/gc.lock'", s->path);
      close (fd);
      return -1;
    }
  return fd;
}

int
img_gc_writer_lock (struct img_store *s, berr_t **err)
{
  return img_store_writer_lock (s, err);
}

/* ---- gc ---- */

struct mark
{
  struct img_store *s;
  struct img_digest_set *live;
  struct img_gc_result *res;
  const char *root; /* the index.json entry being walked, for reports */
};

const char *
img_reach_role_name (enum img_reach_role role, const char *other)
{
  switch (role)
    {
    case IMG_REACH_CONFIG:
      return "config";
    case IMG_REACH_LAYER:
      return "layer";
    case IMG_REACH_SUBJECT:
      return "subject";
    case IMG_REACH_MANIFEST:
      return "manifest";
    default:
      return other;
    }
}

static void
add_missing (struct mark *m, const char *digest, enum img_reach_role role, const char *why)
{
  struct img_gc_result *res = m->res;
  res->missing = xrealloc (res->missing, (res->n_missing + 2) * sizeof (char *));
  res->missing[res->n_missing++] = xasprintf ("blob '%s' (%s of '%s'): %s", digest ? digest : "",
                                              img_reach_role_name (role, "index.json entry"), m->root, why);
  res->missing[res->n_missing] = NULL;
}

static int
mark_visit (const oci_image_descriptor *d, enum img_reach_role role, void *data, berr_t **err)
{
  struct mark *m = data;

  if (!img_digest_set_add (m->live, d->digest))
    return 1;
  if ((role == IMG_REACH_CONFIG || role == IMG_REACH_LAYER) && !img_blob_exists (m->s, d->digest)
      && !(d->urls_len > 0)) /* a foreign layer lives elsewhere */
    add_missing (m, d->digest, role, "missing");
  return 0;
}

static int
mark_unreadable (const oci_image_descriptor *d, enum img_reach_role role, berr_t *why, void *data,
                 berr_t **err)
{
  struct mark *m = data;
  if (role == IMG_REACH_SUBJECT && !img_blob_exists (m->s, d->digest))
    return 0; /* a referrer's subject need not be in the store */
  if (img_blob_exists (m->s, d->digest))
    m->res->kept_all = true;
  add_missing (m, d->digest, role, why && why->msg ? why->msg : "unreadable");
  return 0;
}

static int
mark_all (struct img_store *s, struct img_digest_set *live, struct img_gc_result *res, berr_t **err)
{
  cleanup_oci_image_index oci_image_index *idx = NULL;
  struct mark m = { s, live, res, NULL };
  struct img_reach r = { mark_visit, mark_unreadable, &m };
  size_t i;

  idx = img_index_load (s, err);
  if (idx == NULL)
    return -1;
  for (i = 0; i < idx->manifests_len; i++)
    {
      const char *ref = img_desc_ref_name (idx->manifests[i]);
      m.root = ref ? ref : (idx->manifests[i]->digest ? idx->manifests[i]->digest : "?");
      if (img_reach_walk (s, idx->manifests[i], &r, err) < 0)
        return -1;
    }
  return 0;
}

static int
sweep_alg (struct img_store *s, const char *alg, const struct img_digest_set *live, bool dry_run,
           struct img_gc_result *res, berr_t **err)
{
  cleanup_free char *rel = xasprintf ("blobs/%s", alg);
  cleanup_dir DIR *dir = NULL;
  struct dirent *de;
  int fd;

  fd = openat (s->dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT ? 0 : berr_make (err, errno, "open '%s/%s'", s->path, rel);
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return berr_make (err, errno, "read '%s/%s'", s->path, rel);
    }
  while ((errno = 0, de = readdir (dir)) != NULL)
    {
      cleanup_free char *digest = xasprintf ("%s:%s", alg, de->d_name);
      struct stat st;

      /* Only what is named like a blob: other tools' temp files are theirs. */
      if (!img_digest_valid (digest) || img_digest_set_has (live, digest))
        continue;
      if (fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (st.st_mode))
        continue;
      if (!dry_run && unlinkat (dirfd (dir), de->d_name, 0) < 0)
        return berr_make (err, errno, "remove blob '%s'", digest);
      if (!dry_run)
        fault_point ("gc.blob-removed");
      res->blobs++;
      res->bytes += st.st_size;
    }
  if (errno != 0)
    return berr_make (err, errno, "read '%s/%s'", s->path, rel);
  if (!dry_run && fsync (dirfd (dir)) < 0)
    return berr_make (err, errno, "fsync '%s/%s'", s->path, rel);
  return 0;
}

static int
sweep_tmp (struct img_store *s, bool dry_run, struct img_gc_result *res, berr_t **err)
{
  cleanup_dir DIR *dir = NULL;
  struct dirent *de;
  int fd;

  fd = openat (s->dirfd, ".berth/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT ? 0 : berr_make (err, errno, "open '%s/.berth/tmp'", s->path);
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return berr_make (err, errno, "read '%s/.berth/tmp'", s->path);
    }
  while ((errno = 0, de = readdir (dir)) != NULL)
    {
      cleanup_close int tfd = -1;
      struct stat st;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (S_ISREG (st.st_mode))
        {
          /* A writer that locks its temp file is alive: leave it. */
          tfd = openat (dirfd (dir), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
          if (tfd >= 0 && flock (tfd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK)
            continue;
        }
      if (!dry_run)
        {
          if (S_ISDIR (st.st_mode))
            {
              if (util_rm_rf_at (dirfd (dir), de->d_name, err) < 0)
                return -1;
            }
          else if (unlinkat (dirfd (dir), de->d_name, 0) < 0)
            return berr_make (err, errno, "remove '%s/.berth/tmp/%s'", s->path, de->d_name);
          fault_point ("gc.tmp-removed");
        }
      res->temps++;
      res->tmp_bytes += S_ISREG (st.st_mode) ? st.st_size : 0;
    }
  if (errno != 0)
    return berr_make (err, errno, "read '%s/.berth/tmp'", s->path);
  return 0;
}

/* index.json's temp file of an update killed before its rename (store.c
 * writes it under the exclusive store lock, which gc holds). */
static int
sweep_index_tmp (struct img_store *s, bool dry_run, struct img_gc_result *res, berr_t **err)
{
  cleanup_strv char **names = NULL;
  size_t i, n = 0;
  struct stat st;

  if (util_dir_names (s->dirfd, "", &names, &n, err) < 0)
    return berr_wrap (err, "read '%s'", s->path);
  for (i = 0; i < n; i++)
    {
      if (!util_str_has_prefix (names[i], ".index.json.tmp.")
          || fstatat (s->dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (st.st_mode))
        continue;
      if (!dry_run && unlinkat (s->dirfd, names[i], 0) < 0)
        return berr_make (err, errno, "remove '%s/%s'", s->path, names[i]);
      res->temps++;
      res->tmp_bytes += st.st_size;
    }
  return 0;
}

static int
sweep_blobs (struct img_store *s, const struct img_digest_set *live, bool dry_run, struct img_gc_result *res,
             berr_t **err)
{
  static const enum img_digest_alg algs[] = { IMG_DIGEST_SHA256, IMG_DIGEST_SHA512 };
  size_t i;

  for (i = 0; i < sizeof (algs) / sizeof (algs[0]); i++)
    if (sweep_alg (s, img_digest_alg_name (algs[i]), live, dry_run, res, err) < 0)
      return -1;
  return 0;
}

int
img_gc (struct img_store *s, const struct img_gc_opts *o, struct img_gc_result *res, berr_t **err)
{
  cleanup_digest_set struct img_digest_set *live = img_digest_set_new ();
  cleanup_close int lockfd = -1;
  int ret;

  memset (res, 0, sizeof (*res));
  lockfd = img_gc_lock_exclusive (s, err);
  if (lockfd < 0)
    return -1;
  if (img_store_lock (s, true, err) < 0)
    return -1;
  ret = mark_all (s, live, res, err);
  fault_point ("gc.marked");
  if (ret == 0 && !res->kept_all)
    ret = sweep_blobs (s, live, o->dry_run, res, err);
  if (ret == 0)
    ret = sweep_tmp (s, o->dry_run, res, err);
  if (ret == 0)
    ret = sweep_index_tmp (s, o->dry_run, res, err);
  img_store_unlock (s);
  if (s->gc_lockfd >= 0)
    flock (lockfd, LOCK_SH); /* the dup shares the lock: back to shared */
  return ret;
}

void
img_gc_result_clear (struct img_gc_result *res)
{
  size_t i;
  for (i = 0; i < res->n_missing; i++)
    free (res->missing[i]);
  free (res->missing);
  res->missing = NULL;
  res->n_missing = 0;
}
