/* img - unpacking an image into a runtime bundle.  The layers go into
 * BUNDLE/rootfs in order, then the unpack record, BUNDLE/img.json and,
 * last, config.json: a bundle with a config.json is complete.  On failure
 * what this run created is removed again.  The layers come from the store,
 * or from a caller's source (`img pull --unpack` streams them while they
 * download). */
#include <config.h>

#include "unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "layer-apply.h"
#include "record.h"
#include "util.h"

/* What this run made, so that a failure can take it back. */
struct made
{
  const char *bundle;
  bool bundle_dir;
  bool rootfs;
  bool rootfs_existed; /* empty before: emptied, not removed */
  int bundlefd;
};

static void
empty_dir (int parentfd, const char *name)
{
  cleanup_close int fd = openat (parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_strv char **names = NULL;
  berr_t *ignored = NULL;
  size_t i, n = 0;

  if (fd < 0 || util_dir_names (fd, "", &names, &n, NULL) < 0)
    return;
  for (i = 0; i < n; i++)
    {
      img_rootfs_remove (fd, names[i], &ignored);
      berr_clear (&ignored);
    }
}

static void
undo (struct made *m)
{
  berr_t *ignored = NULL;

  if (m->bundlefd >= 0)
    {
      unlinkat (m->bundlefd, "config.json", 0);
      unlinkat (m->bundlefd, IMG_BUNDLE_META_NAME, 0);
      unlinkat (m->bundlefd, IMG_RECORD_NAME, 0);
      if (m->rootfs && m->rootfs_existed)
        empty_dir (m->bundlefd, "rootfs");
      else if (m->rootfs)
        img_rootfs_remove (m->bundlefd, "rootfs", &ignored);
      berr_clear (&ignored);
    }
  if (m->bundle_dir)
    rmdir (m->bundle);
}

/* BUNDLE may exist as an empty directory, or one with an empty rootfs and
 * no config.json; anything else is refused before the store is touched. */
static int
prepare_bundle (const char *bundle, struct made *m, berr_t **err)
{
  struct stat st;

  if (stat (bundle, &st) < 0)
    {
      if (errno != ENOENT)
        return berr_make (err, errno, "bundle '%s'", bundle);
      if (mkdir (bundle, 0755) < 0)
        return berr_make (err, errno, "create bundle '%s'", bundle);
      m->bundle_dir = true;
    }
  else if (!S_ISDIR (st.st_mode))
    return berr_make (err, 0, "bundle '%s' exists and is not a directory", bundle);
  m->bundlefd = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (m->bundlefd < 0)
    return berr_make (err, errno, "open bundle '%s'", bundle);
  if (fstatat (m->bundlefd, "config.json", &st, AT_SYMLINK_NOFOLLOW) == 0)
    return berr_make (err, 0, "bundle '%s' already has a config.json: refusing to unpack over it", bundle);
  if (fstatat (m->bundlefd, "rootfs", &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if (!S_ISDIR (st.st_mode))
        return berr_make (err, 0, "'%s/rootfs' exists and is not a directory", bundle);
      if (!util_dir_is_empty (m->bundlefd, "rootfs"))
        return berr_make (err, 0, "'%s/rootfs' exists and is not empty", bundle);
      m->rootfs_existed = true;
    }
  else if (mkdirat (m->bundlefd, "rootfs", 0755) < 0)
    return berr_make (err, errno, "create '%s/rootfs'", bundle);
  m->rootfs = true;
  return 0;
}

static int
apply_layers (struct img_store *s, const struct img_image *im, int rootfd, const struct img_unpack_opts *o,
              const struct img_unpack_source *src, berr_t **err)
{
  const oci_image_manifest *mf = im->manifest;
  const oci_image_rootfs *rf = im->config->rootfs;
  struct img_apply_opts ao = { o->rootless, o->quiet, o->max_layer_size };
  size_t i;

  if (rf == NULL || rf->diff_ids_len != mf->layers_len)
    return berr_make (err, 0, "image config lists %zu diff_ids for %zu layers", rf ? rf->diff_ids_len : 0,
                      mf->layers_len);
  for (i = 0; i < mf->layers_len; i++)
    {
      const oci_image_descriptor *l = mf->layers[i];
      struct img_apply_stats st;

      int r;

      if (!o->quiet && src == NULL)
        fprintf (stderr, "unpacking layer %s (%lld bytes)\n", l->digest, (long long)l->size);
      if (src)
        {
          struct img_layer_src ls
            = { .media_type = l->media_type, .diff_id = rf->diff_ids[i], .name = l->digest };
          r = src->open (src->data, i, &ls, err);
          if (r == 0)
            r = img_layer_apply_stream (&ls, rootfd, &ao, &st, err);
          if (src->close)
            src->close (src->data, i, r == 0);
        }
      else
        r = img_layer_apply (s, l, rf->diff_ids[i], rootfd, &ao, &st, err);
      if (r < 0)
        return berr_wrap (err, "unpack layer %zu of %zu", i + 1, mf->layers_len);
    }
  return 0;
}

static int
finish_bundle (struct img_store *s, const struct img_image *im, const char *name, int bundlefd, int rootfd,
               const struct img_unpack_opts *o, berr_t **err)
{
  struct img_bundle_opts bo = { .tty = o->tty, .rootless = o->rootless, .image_name = name };
  cleanup_free char *store = realpath (s->path, NULL);
  struct img_bundle_meta meta = { 0 };

  if (img_record_write (bundlefd, rootfd, err) < 0)
    return berr_wrap (err, "write the unpack record");
  meta.store = store ? store : s->path;
  meta.ref = (char *)name;
  meta.manifest = im->desc->digest;
  meta.config = im->manifest->config->digest;
  meta.rootless = o->rootless;
  if (img_bundle_meta_write (bundlefd, &meta, err) < 0)
    return -1;
  /* Last: its presence marks a complete bundle. */
  return img_bundle_write_config (bundlefd, rootfd, im, &bo, err);
}

int
img_unpack (struct img_store *s, const struct img_image *im, const char *name, const char *bundle,
            const struct img_unpack_opts *o, const struct img_unpack_source *src, berr_t **err)
{
  struct img_unpack_opts opts = *o;
  cleanup_close int rootfd = -1;
  struct made m = { NULL, false, false, false, -1 };

  if (geteuid () != 0)
    opts.rootless = true;
  /* gc waits while the layers are read */
  if (img_store_writer_lock (s, err) < 0)
    return -1;
  m.bundle = bundle;
  if (prepare_bundle (bundle, &m, err) < 0)
    goto fail;
  rootfd = openat (m.bundlefd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rootfd < 0)
    {
      berr_make (err, errno, "open '%s/rootfs'", bundle);
      goto fail;
    }
  if (apply_layers (s, im, rootfd, &opts, src, err) < 0
      || finish_bundle (s, im, name, m.bundlefd, rootfd, &opts, err) < 0)
    {
      berr_wrap (err, "image '%s' into '%s'", name, bundle);
      goto fail;
    }
  close (m.bundlefd);
  return 0;

fail:
  if (rootfd >= 0)
    close (steal_fd (rootfd));
  /* Only what this run made: a refused bundle is left as it was. */
  if (m.rootfs || m.bundle_dir)
    undo (&m);
  if (m.bundlefd >= 0)
    close (m.bundlefd);
  return -1;
}
