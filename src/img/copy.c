/* img - `img copy SRC DST` between registries (docker://REF), OCI layouts
 * (oci:DIR[:TAG]) and the img store (a bare NAME).
 *
 * registry → layout/store is a pull into that layout, layout/store →
 * registry a push from it; registry → registry goes through a temporary
 * layout under $TMPDIR or /var/tmp (removed afterwards; one a killed copy
 * left is removed by the next); layout → layout copies the blobs the image
 * reaches, each verified as it is read, then tags it. */
#include <config.h>

#include "copy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "gc.h"
#include "util.h"

static void
endpoint_clear (struct img_endpoint *e)
{
  free (e->path);
  free (e->name);
  memset (e, 0, sizeof (*e));
}

int
img_endpoint_parse (const char *s, const char *store_path, struct img_endpoint *e, berr_t **err)
{
  memset (e, 0, sizeof (*e));
  if (util_str_has_prefix (s, "docker://"))
    {
      if (s[9] == '\0')
        return berr_make (err, 0, "invalid location '%s': no image reference", s);
      e->kind = IMG_EP_REGISTRY;
      e->name = xstrdup (s + 9);
      return 0;
    }
  if (util_str_has_prefix (s, "oci:"))
    {
      const char *colon = strchr (s + 4, ':');
      e->kind = IMG_EP_LAYOUT;
      e->path = colon ? xstrndup (s + 4, (size_t)(colon - s - 4)) : xstrdup (s + 4);
      e->name = colon && colon[1] ? xstrdup (colon + 1) : NULL;
      if (e->path[0] == '\0')
        {
          endpoint_clear (e);
          return berr_make (err, 0, "invalid location '%s': no directory", s);
        }
      return 0;
    }
  if (strstr (s, "://") || util_str_has_prefix (s, "oci-archive:")
      || util_str_has_prefix (s, "docker-archive:"))
    return berr_make (
      err, 0,
      "invalid location '%s': use docker://REF, oci:DIR[:TAG] or an image name (archives: img "
      "import/export)",
      s);
  e->kind = IMG_EP_STORE;
  e->path = xstrdup (store_path);
  e->name = xstrdup (s);
  return 0;
}

struct copy_walk
{
  struct img_store *src, *dst;
};

static ssize_t
read_blob (void *src, void *buf, size_t len, berr_t **err)
{
  return img_blob_read (src, buf, len, err);
}

static int
copy_blob (const oci_image_descriptor *d, enum img_reach_role role, void *data, berr_t **err)
{
  struct copy_walk *c = data;
  cleanup_blob_reader struct img_blob_reader *r = NULL;
  int64_t size = d->size_present ? d->size : -1;
  enum img_digest_alg alg;

  if (d->digest == NULL || img_digest_parse (d->digest, &alg, NULL, err) < 0)
    return -1;
  if (img_blob_exists (c->dst, d->digest))
    return 0;
  if (img_blob_open (c->src, d->digest, size, &r, err) < 0)
    return -1;
  /* the store's own errors (a full disk) do not name the blob */
  if (img_blob_put_stream (c->dst, alg, read_blob, r, d->digest, size, NULL, NULL, err) < 0)
    return berr_wrap (err, "copy blob '%s'", d->digest);
  return 0;
}

static int
copy_local (struct img_store *src, const char *name, struct img_store *dst, const char *dname, berr_t **err)
{
  oci_image_index *idx = NULL;
  struct copy_walk c = { src, dst };
  struct img_reach walk = { .visit = copy_blob, .data = &c };
  size_t pos;
  int r = -1;

  if (img_gc_writer_lock (dst, err) < 0)
    return -1;
  idx = img_index_load (src, err);
  if (idx == NULL || img_index_find (src, idx, name, &pos, err) < 0)
    goto out;
  if (img_reach_walk (src, idx->manifests[pos], &walk, err) < 0)
    goto out;
  fault_point ("copy.blobs-copied");
  r = img_index_tag (dst, idx->manifests[pos], dname, err);
  if (r == 0)
    fault_point ("copy.tagged");
out:
  oci_image_index_free (idx);
  if (r < 0)
    berr_wrap (err, "copy '%s' from '%s'", name, src->path);
  return r;
}

/* ---- registry → registry: through a temporary layout ---- */

#define COPY_TMP_PREFIX "img-copy."
#define COPY_TMP_NEW_PREFIX "img-copy-new."

/* The directory temporary layouts go in: $TMPDIR (absolute), else
 * /var/tmp (a layout can be large: not /tmp, often a small tmpfs). */
static const char *
copy_tmp_dir (void)
{
  const char *t = getenv ("TMPDIR");
  return t && t[0] == '/' ? t : "/var/tmp";
}

/* A new temporary layout directory, flock'ed (*lockfd) until the process
 * ends: made under another prefix and renamed once locked, so that
 * the stale-layout sweep (util_remove_unlocked_dirs) never sees it
 * unlocked. */
static int
copy_tmp_open (int dirfd, const char *dir, char **path, int *lockfd, berr_t **err)
{
  cleanup_free char *tmpl = xasprintf ("%s/" COPY_TMP_NEW_PREFIX "XXXXXX", dir);
  cleanup_free char *final = NULL;
  const char *suffix;

  if (mkdtemp (tmpl) == NULL)
    return berr_make (err, errno, "copy: make a temporary layout in '%s'", dir);
  suffix = tmpl + strlen (tmpl) - 6;
  final = xasprintf ("%s/" COPY_TMP_PREFIX "%s", dir, suffix);
  *lockfd = open (tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*lockfd < 0 || flock (*lockfd, LOCK_EX) < 0
      || renameat (dirfd, tmpl + strlen (dir) + 1, dirfd, final + strlen (dir) + 1) < 0)
    {
      int e = errno;
      rmdir (tmpl);
      return berr_make (err, e, "copy: make a temporary layout in '%s'", dir);
    }
  *path = steal_ptr (final);
  return 0;
}

static int
copy_via_layout (const char *sref, const char *dref, const struct img_transfer_opts *o, berr_t **err)
{
  cleanup_store struct img_store *ts = NULL;
  cleanup_free char *path = NULL;
  cleanup_close int dirfd = -1;
  cleanup_close int lockfd = -1;
  struct img_transfer_opts po = *o;
  const char *dir = copy_tmp_dir ();
  berr_t *ignored = NULL;
  int r;

  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return berr_make (err, errno, "copy: open the temporary directory '%s'", dir);
  /* layouts of killed copies; the directory is shared: ours only */
  util_remove_unlocked_dirs (dirfd, COPY_TMP_PREFIX, true, util_rm_rf_at);
  if (copy_tmp_open (dirfd, dir, &path, &lockfd, err) < 0)
    return -1;
  r = img_store_open (path, true, &ts, err);
  po.name = "copy";
  if (r == 0)
    r = img_pull (ts, sref, &po, NULL, err);
  if (r == 0)
    fault_point ("copy.pulled");
  if (r == 0)
    r = img_push (ts, "copy", dref, o, err);
  util_rm_rf_at (dirfd, path + strlen (dir) + 1, &ignored);
  berr_clear (&ignored);
  return r;
}

int
img_copy (const struct img_endpoint *src, const struct img_endpoint *dst, const struct img_transfer_opts *o,
          berr_t **err)
{
  cleanup_store struct img_store *ss = NULL;
  cleanup_store struct img_store *ds = NULL;
  struct img_transfer_opts po = *o;
  const char *sname = src->name, *dname = dst->name;

  if (src->kind != IMG_EP_REGISTRY && sname == NULL)
    return berr_make (err, 0, "copy: the source layout '%s' needs an image name (oci:DIR:NAME)", src->path);
  if (dname == NULL)
    dname = sname;
  if (src->kind == IMG_EP_REGISTRY && dst->kind == IMG_EP_REGISTRY)
    return copy_via_layout (sname, dst->name, o, err);
  if (src->kind == IMG_EP_REGISTRY)
    {
      if (img_store_open (dst->path, true, &ds, err) < 0)
        return -1;
      po.name = dst->name; /* NULL: the reference */
      return img_pull (ds, sname, &po, NULL, err);
    }
  if (img_store_open (src->path, false, &ss, err) < 0)
    return -1;
  if (dst->kind == IMG_EP_REGISTRY)
    return img_push (ss, sname, dst->name, o, err);
  if (img_store_open (dst->path, true, &ds, err) < 0)
    return -1;
  return copy_local (ss, sname, ds, dname, err);
}

void
img_endpoint_clear (struct img_endpoint *e)
{
  endpoint_clear (e);
}
