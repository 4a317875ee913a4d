/* img - commit: the new image around a layer.  The base comes from the
 * bundle's img.json (or, for a plain directory, from the image named);
 * the layer blob is written first, then config (diff_id and history
 * appended), manifest and tag through img_image_write, and last the
 * bundle's img.json and record, so that a kill -9 anywhere leaves either
 * the old image or the new one, and at worst an unreferenced blob for gc.
 *
 * img.json is updated before the record: a crash between the two makes
 * the next commit repeat this one's changes on top of the new image
 * (harmless), never lose them. */
#include <config.h>

#include "commit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "gc.h"
#include "record.h"
#include "fault.h"
#include "util.h"

int
img_created_time (char **out, berr_t **err)
{
  int64_t sde;
  time_t t;
  struct tm tm;
  char buf[64];

  if (img_source_date_epoch (&sde, err) < 0)
    return -1;
  t = sde >= 0 ? (time_t)sde : time (NULL);
  if (gmtime_r (&t, &tm) == NULL || strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return berr_make (err, 0, "cannot format the time %lld", (long long)t);
  *out = xstrdup (buf);
  return 0;
}

static int
blob_sink (void *data, const void *buf, size_t len, berr_t **err)
{
  return img_blob_writer_write (data, buf, len, err);
}

static void
strv_append (char ***v, size_t *n, const char *s)
{
  *v = xrealloc (*v, (*n + 1) * sizeof **v);
  (*v)[(*n)++] = xstrdup (s);
}

static void
history_append (oci_image_config *c, oci_image_history *h)
{
  c->history = xrealloc (c->history, (c->history_len + 1) * sizeof *c->history);
  c->history[c->history_len++] = h;
}

/* Deep copies of the base documents to edit. */
static int
copy_base (const struct img_image *base, oci_image_manifest **m, oci_image_config **c, berr_t **err)
{
  cleanup_free char *json = NULL;
  size_t len;

  if (oci_image_manifest_generate (base->manifest, &json, &len, err) < 0)
    return -1;
  *m = oci_image_manifest_parse_data (json, len, "base manifest", err);
  if (*m == NULL)
    return -1;
  *c = oci_image_config_parse_data (base->config_json, base->config_len, "base config", err);
  if (*c == NULL)
    {
      oci_image_manifest_free (*m);
      return -1;
    }
  if ((*c)->rootfs == NULL)
    {
      (*c)->rootfs = xzalloc (sizeof *(*c)->rootfs);
      (*c)->rootfs->type = xstrdup ("layers");
    }
  return 0;
}

static void
squash_base (oci_image_manifest *m, oci_image_config *c)
{
  size_t i;

  for (i = 0; i < m->layers_len; i++)
    oci_image_descriptor_free (m->layers[i]);
  m->layers_len = 0;
  for (i = 0; i < c->rootfs->diff_ids_len; i++)
    free (c->rootfs->diff_ids[i]);
  c->rootfs->diff_ids_len = 0;
  /* The old history stays, as entries without a layer of their own. */
  for (i = 0; i < c->history_len; i++)
    {
      c->history[i]->empty_layer = true;
      c->history[i]->empty_layer_present = true;
    }
}

struct new_layer
{
  const char *digest; /* NULL: no layer (history_empty, nothing changed) */
  int64_t size;
  const char *diff_id;
  enum img_compress compress;
};

static int
edit_image (const struct img_commit_opts *o, const struct new_layer *l, oci_image_manifest *m,
            oci_image_config *c, berr_t **err)
{
  oci_image_history *h = xzalloc (sizeof *h);
  cleanup_free char *created = NULL;

  if (img_created_time (&created, err) < 0)
    {
      oci_image_history_free (h);
      return -1;
    }
  if (o->squash)
    squash_base (m, c);
  if (l->digest)
    {
      oci_image_descriptor *d = xzalloc (sizeof *d);
      d->media_type = xstrdup (img_compress_media_type (l->compress));
      d->digest = xstrdup (l->digest);
      d->size = l->size;
      d->size_present = true;
      m->layers = xrealloc (m->layers, (m->layers_len + 1) * sizeof *m->layers);
      m->layers[m->layers_len++] = d;
      strv_append (&c->rootfs->diff_ids, &c->rootfs->diff_ids_len, l->diff_id);
    }
  else
    {
      h->empty_layer = true;
      h->empty_layer_present = true;
    }
  h->created = xstrdup (created);
  h->created_by = xstrdup (o->created_by ? o->created_by : o->squash ? "img commit --squash" : "img commit");
  if (o->author)
    h->author = xstrdup (o->author);
  if (o->message)
    h->comment = xstrdup (o->message);
  else if (o->squash)
    h->comment = xstrdup ("squashed: the whole rootfs in one layer");
  history_append (c, h);
  free (c->created);
  c->created = steal_ptr (created);
  if (o->author)
    {
      free (c->author);
      c->author = xstrdup (o->author);
    }
  return 0;
}

struct commit
{
  const struct img_commit_opts *o;
  int bundlefd, rootfd;
  struct img_bundle_meta meta;
  bool has_meta;
  struct img_store *s;
  struct img_image *base;
  struct img_layer_result res;
};

/* img.json and the record change together.  The steps: the old record
 * is kept under a hard link (.img-rootfs.record.old), the journal
 * BUNDLE/.img-commit names the new manifest, the new record is installed,
 * then img.json is written: the commit is complete, in the bundle, once
 * img.json names the new manifest.  The next commit on the bundle finds a
 * journal a killed commit left: when img.json does not name the journal's
 * manifest, the old record is put back (rolled back: the same commit can
 * be run again); otherwise the journal is only removed. */
#define COMMIT_JOURNAL ".img-commit"
#define RECORD_TMP_PREFIX "." IMG_RECORD_NAME "."
#define RECORD_OLD RECORD_TMP_PREFIX "old"

static int
commit_journal_write (int bundlefd, const char *manifest, berr_t **err)
{
  cleanup_free char *data = xasprintf ("%s\n", manifest);

  unlinkat (bundlefd, RECORD_OLD, 0);
  if (linkat (bundlefd, IMG_RECORD_NAME, bundlefd, RECORD_OLD, 0) < 0 && errno != ENOENT)
    return berr_make (err, errno, "keep '%s' as '%s'", IMG_RECORD_NAME, RECORD_OLD);
  if (util_write_file_atomic_at (bundlefd, COMMIT_JOURNAL, data, strlen (data), 0644, err) < 0)
    return -1;
  fsync (bundlefd);
  return 0;
}

/* Under the bundle's lock: finish what a killed commit left. */
static int
commit_recover (int bundlefd, const char *bundle, berr_t **err)
{
  struct img_bundle_meta meta = { 0 };
  cleanup_strv char **names = NULL;
  cleanup_free char *data = NULL;
  size_t len, i, n = 0;
  char *nl;

  if (util_read_file_at (bundlefd, COMMIT_JOURNAL, &data, &len, NULL) == 0
      && (nl = strchr (data, '\n')) != NULL)
    {
      bool done;
      *nl = '\0';
      done = img_bundle_meta_read (bundlefd, &meta, NULL) == 0 && meta.manifest
             && strcmp (meta.manifest, data) == 0;
      img_bundle_meta_clear (&meta);
      if (!done && faccessat (bundlefd, RECORD_OLD, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        {
          fprintf (stderr, "img commit: bundle '%s': rolling back an interrupted commit\n", bundle);
          if (renameat (bundlefd, RECORD_OLD, bundlefd, IMG_RECORD_NAME) < 0)
            return berr_make (err, errno, "bundle '%s': restore '%s'", bundle, IMG_RECORD_NAME);
          fsync (bundlefd);
        }
    }
  if (unlinkat (bundlefd, COMMIT_JOURNAL, 0) < 0 && errno != ENOENT)
    return berr_make (err, errno, "bundle '%s': remove '%s'", bundle, COMMIT_JOURNAL);
  /* new records of killed commits, the old one kept (none is live: the
   * bundle is locked) */
  if (util_dir_names (bundlefd, "", &names, &n, err) < 0)
    return berr_wrap (err, "bundle '%s'", bundle);
  for (i = 0; i < n; i++)
    if (util_str_has_prefix (names[i], RECORD_TMP_PREFIX))
      unlinkat (bundlefd, names[i], 0);
  fsync (bundlefd);
  return 0;
}

static int
commit_open (struct commit *c, const char *store_path, berr_t **err)
{
  const struct img_commit_opts *o = c->o;
  oci_image_descriptor d = { .media_type = (char *)IMG_MT_OCI_MANIFEST };
  cleanup_free char *def = NULL;
  const char *dir = o->bundle ? o->bundle : o->rootfs;

  if (o->bundle)
    {
      c->bundlefd = open (o->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (c->bundlefd < 0)
        return berr_make (err, errno, "open bundle '%s'", o->bundle);
      /* One commit per bundle at a time: both would diff against the same
       * record and the second's img.json would drop the first's layer. */
      if (flock (c->bundlefd, LOCK_EX | LOCK_NB) < 0)
        return berr_make (err, errno == EWOULDBLOCK ? 0 : errno,
                          "bundle '%s' is being committed by another process", o->bundle);
      if (commit_recover (c->bundlefd, o->bundle, err) < 0)
        return -1;
      if (faccessat (c->bundlefd, IMG_BUNDLE_META_NAME, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
        return berr_make (err, 0,
                          "bundle '%s' has no %s (it was not made by img unpack): commit a plain directory "
                          "with --rootfs DIR",
                          o->bundle, IMG_BUNDLE_META_NAME);
      if (img_bundle_meta_read (c->bundlefd, &c->meta, err) < 0)
        return berr_wrap (err, "bundle '%s'", o->bundle);
      c->has_meta = true;
      if (c->meta.manifest == NULL)
        return berr_make (err, 0, "bundle '%s': %s names no manifest", o->bundle, IMG_BUNDLE_META_NAME);
      c->rootfd = openat (c->bundlefd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
  else
    c->rootfd = open (o->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->rootfd < 0)
    return berr_make (err, errno, "open rootfs of '%s'", dir);
  if (store_path == NULL)
    store_path = c->meta.store ? c->meta.store : (def = img_store_default_path ());
  if (img_store_open (store_path, false, &c->s, err) < 0)
    return -1;
  c->s->alg = o->digest;
  /* gc must not sweep the layer between its write and the tag. */
  if (img_gc_writer_lock (c->s, err) < 0)
    return -1;
  if (o->bundle)
    {
      d.digest = c->meta.manifest;
      if (img_image_load_desc (c->s, &d, NULL, &c->base, err) < 0)
        return berr_wrap (err, "the base image of bundle '%s'", o->bundle);
    }
  else if (img_image_load (c->s, o->image, NULL, &c->base, err) < 0)
    {
      cleanup_free char *msg = xstrdup (err && *err ? (*err)->msg : "");
      berr_clear (err);
      return berr_make (err, 0, "%s (--rootfs commits onto an image: create an empty one with `img new %s`)",
                        msg, o->image);
    }
  return 0;
}

static int
commit_layer (struct commit *c, struct new_layer *l, char **digest, berr_t **err)
{
  const struct img_commit_opts *o = c->o;
  struct img_layer_opts lo = { .compress = o->compress };
  cleanup_blob_writer struct img_blob_writer *w = NULL;

  if (img_source_date_epoch (&lo.clamp_mtime, err) < 0)
    return -1;
  lo.rootless = c->has_meta ? c->meta.rootless : geteuid () != 0;
  lo.everything = o->squash || c->bundlefd < 0;
  if (!lo.everything && !img_record_exists (c->bundlefd))
    {
      fprintf (stderr, "img commit: warning: bundle '%s' has no %s: the whole rootfs becomes the layer\n",
               o->bundle, IMG_RECORD_NAME);
      lo.everything = true;
    }
  if (img_blob_writer_new (c->s, c->s->alg, &w, err) < 0)
    return -1;
  if (img_layer_write (c->bundlefd, c->rootfd, &lo, blob_sink, w, &c->res, err) < 0)
    return berr_wrap (err, "commit '%s'", o->bundle ? o->bundle : o->rootfs);
  l->compress = o->compress;
  l->diff_id = c->res.diff_id;
  if (c->res.n_entries == 0 && o->history_empty && !o->squash)
    return 0; /* the writer's temp blob goes with it */
  if (img_blob_writer_commit (w, NULL, -1, digest, &l->size, err) < 0)
    return berr_wrap (err, "store the layer");
  fault_point ("commit.layer-written");
  l->digest = *digest;
  return 0;
}

/* The bundle now describes the new image: the record, then img.json
 * (see commit_recover). */
static int
commit_bundle_update (struct commit *c, const oci_image_descriptor *desc, const oci_image_manifest *m,
                      berr_t **err)
{
  free (c->meta.manifest);
  c->meta.manifest = xstrdup (desc->digest);
  free (c->meta.config);
  c->meta.config = xstrdup (m->config->digest);
  free (c->meta.ref);
  c->meta.ref = xstrdup (c->o->image);
  if (c->meta.store == NULL)
    c->meta.store = xstrdup (c->s->path);
  if (c->res.new_record)
    {
      if (commit_journal_write (c->bundlefd, desc->digest, err) < 0)
        return berr_wrap (err, "bundle '%s'", c->o->bundle);
      fault_point ("commit.journal-written");
      if (img_record_install (c->bundlefd, c->res.new_record, err) < 0)
        return berr_wrap (err, "bundle '%s'", c->o->bundle);
      fault_point ("commit.record-installed");
    }
  if (img_bundle_meta_write (c->bundlefd, &c->meta, err) < 0)
    return berr_wrap (err, "bundle '%s'", c->o->bundle);
  fault_point ("commit.bundle-meta-written");
  if (c->res.new_record)
    {
      unlinkat (c->bundlefd, COMMIT_JOURNAL, 0);
      unlinkat (c->bundlefd, RECORD_OLD, 0);
    }
  free (c->res.new_record);
  c->res.new_record = NULL;
  return 0;
}

static void
commit_clear (struct commit *c)
{
  if (c->res.new_record)
    img_record_discard (c->bundlefd, c->res.new_record);
  img_layer_result_clear (&c->res);
  img_image_free (c->base);
  img_store_close (c->s);
  img_bundle_meta_clear (&c->meta);
  if (c->rootfd >= 0)
    close (c->rootfd);
  if (c->bundlefd >= 0)
    close (c->bundlefd);
}

int
img_commit (const char *store_path, const struct img_commit_opts *o, oci_image_descriptor **desc_out,
            bool quiet, berr_t **err)
{
  struct commit c = { .o = o, .bundlefd = -1, .rootfd = -1 };
  struct new_layer l = { 0 };
  cleanup_free char *digest = NULL;
  oci_image_manifest *m = NULL;
  oci_image_config *cfg = NULL;
  oci_image_descriptor *desc = NULL;
  int r = -1;

  if (commit_open (&c, store_path, err) < 0 || commit_layer (&c, &l, &digest, err) < 0)
    goto out;
  if (!quiet && c.res.n_entries == 0)
    fprintf (stderr, "img commit: warning: no changes in '%s': %s\n", o->bundle ? o->bundle : o->rootfs,
             l.digest ? "the new image has an empty layer" : "only a history entry is added");
  if (copy_base (c.base, &m, &cfg, err) < 0 || edit_image (o, &l, m, cfg, err) < 0)
    goto out;
  if (img_image_write (c.s, m, cfg, o->image, &desc, err) < 0)
    goto out;
  fault_point ("commit.tagged");
  if (c.bundlefd >= 0 && commit_bundle_update (&c, desc, m, err) < 0)
    goto out;
  if (desc_out)
    *desc_out = steal_ptr (desc);
  r = 0;
out:
  oci_image_descriptor_free (desc);
  oci_image_manifest_free (m);
  oci_image_config_free (cfg);
  commit_clear (&c);
  return r;
}

int
img_new_image (struct img_store *s, const char *name, const struct img_platform *p,
               oci_image_descriptor **desc_out, berr_t **err)
{
  oci_image_manifest *m = xzalloc (sizeof *m);
  oci_image_config *c = xzalloc (sizeof *c);
  int r;

  if (img_gc_writer_lock (s, err) < 0 || img_created_time (&c->created, err) < 0)
    {
      oci_image_manifest_free (m);
      oci_image_config_free (c);
      return -1;
    }
  c->os = xstrdup (p->os);
  c->architecture = xstrdup (p->arch);
  if (p->variant)
    c->variant = xstrdup (p->variant);
  c->config = xzalloc (sizeof *c->config);
  c->rootfs = xzalloc (sizeof *c->rootfs);
  c->rootfs->type = xstrdup ("layers");
  /* Non-NULL and empty: written as [] (both are required members). */
  c->rootfs->diff_ids = xzalloc (sizeof (char *));
  m->layers = xzalloc (sizeof (oci_image_descriptor *));
  r = img_image_write (s, m, c, name, desc_out, err);
  oci_image_manifest_free (m);
  oci_image_config_free (c);
  return r;
}
