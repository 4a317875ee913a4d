/* img - unpacking an image into a runtime bundle.  The layers go into
 * BUNDLE/rootfs in order, then the unpack record, BUNDLE/img.json and,
 * last, config.json: a bundle with a config.json is complete.  On failure
 * what this run created is removed again.  The layers come from the store,
 * or from a caller's source (`img pull --unpack` streams them while they
 * download).
 *
 * The contract under a kill: when BUNDLE is absent, an empty directory or
 * one holding only an empty rootfs (the usual cases), the bundle is built
 * in a staging directory next to it (.NAME.img-unpack-XXXXXX, flock'ed by
 * its builder) and renamed into place once complete, so BUNDLE is at any
 * moment either as it was or complete.  A staging directory a killed
 * unpack left is removed by the next unpack into the same BUNDLE.  A
 * BUNDLE with other files of its own, or in a directory the user cannot
 * write, is unpacked in place (not atomic: without config.json it is
 * incomplete). */
#include <config.h>

#include "unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "fault.h"
#include "layer-apply.h"
#include "record.h"
#include "util.h"

/* What this run made, so that a failure can take it back. */
struct made
{
  const char *bundle; /* where the bundle is built: BUNDLE, or the staging directory */
  bool bundle_dir;
  bool rootfs;
  bool rootfs_existed; /* empty before: emptied, not removed */
  int bundlefd;
  char *stage;  /* the staging directory, NULL when unpacking in place */
  int parentfd; /* BUNDLE's parent, with stage */
  char *base;   /* BUNDLE's last component, with stage */
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

/* A BUNDLE that can be replaced by a rename: absent, an empty directory,
 * or a directory holding only an empty rootfs. */
static bool
replaceable (const char *bundle)
{
  cleanup_strv char **names = NULL;
  struct stat st;
  size_t n = 0;

  if (lstat (bundle, &st) < 0)
    return errno == ENOENT;
  if (!S_ISDIR (st.st_mode) || util_dir_names (AT_FDCWD, bundle, &names, &n, NULL) < 0)
    return false;
  if (n == 0)
    return true;
  if (n == 1 && strcmp (names[0], "rootfs") == 0)
    {
      cleanup_free char *r = xasprintf ("%s/rootfs", bundle);
      return lstat (r, &st) == 0 && S_ISDIR (st.st_mode) && util_dir_is_empty (AT_FDCWD, r);
    }
  return false;
}

/* Make the staging directory for bundle (replaceable): m->bundle then
 * names it; its descriptor stays flock'ed until the process ends. */
static int
stage_open (const char *bundle, struct made *m, int *lockfd, berr_t **err)
{
  cleanup_free char *copy = xstrdup (bundle);
  cleanup_free char *tmpl = NULL;
  const char *parent, *base;
  char *slash;
  mode_t um;
  size_t len = strlen (copy);

  while (len > 1 && copy[len - 1] == '/')
    copy[--len] = '\0';
  slash = strrchr (copy, '/');
  if (slash == NULL)
    parent = ".", base = copy;
  else if (slash == copy)
    parent = "/", base = copy + 1;
  else
    *slash = '\0', parent = copy, base = slash + 1;
  if (base[0] == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    return 0; /* unpack in place */
  m->parentfd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (m->parentfd < 0)
    return berr_make (err, errno, "bundle '%s': open its directory '%s'", bundle, parent);
  m->base = xstrdup (base);
  /* staging directories of killed unpacks into the same bundle */
  {
    cleanup_free char *prefix = xasprintf (".%s.img-unpack-", base);
    util_remove_unlocked_dirs (m->parentfd, prefix, false, img_rootfs_remove);
  }
  tmpl = xasprintf ("%s/.%s.img-unpack-XXXXXX", parent, base);
  if (mkdtemp (tmpl) == NULL)
    {
      /* a bundle the user may fill in a directory they cannot write
       * (rootless): unpacked in place */
      if (errno == EACCES || errno == EPERM || errno == EROFS)
        {
          close (m->parentfd);
          m->parentfd = -1;
          return 0;
        }
      return berr_make (err, errno, "bundle '%s': create a staging directory", bundle);
    }
  m->stage = steal_ptr (tmpl);
  m->bundle = m->stage;
  *lockfd = open (m->stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*lockfd < 0 || flock (*lockfd, LOCK_EX) < 0)
    return berr_make (err, errno, "lock '%s'", m->stage);
  um = umask (0);
  umask (um);
  if (fchmod (*lockfd, 0755 & ~um) < 0)
    return berr_make (err, errno, "chmod '%s'", m->stage);
  return 0;
}

/* The complete staging directory becomes BUNDLE in one step: renamed
 * over an absent BUNDLE, or exchanged with an empty one (which is then
 * removed; were that removal killed, the next unpack into BUNDLE would
 * find it stale and remove it). */
static int
stage_install (const char *bundle, struct made *m, berr_t **err)
{
  const char *stage = strrchr (m->stage, '/') + 1;
  berr_t *ignored = NULL;
  struct stat st;

  fault_point ("unpack.before-rename");
  if (fstatat (m->parentfd, m->base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno != ENOENT)
        return berr_make (err, errno, "bundle '%s'", bundle);
      if (renameat2 (m->parentfd, stage, m->parentfd, m->base, RENAME_NOREPLACE) < 0)
        return berr_make (err, errno, "bundle '%s': rename the unpacked bundle into place", bundle);
    }
  else if (renameat2 (m->parentfd, stage, m->parentfd, m->base, RENAME_EXCHANGE) == 0)
    {
      if (img_rootfs_remove (m->parentfd, stage, &ignored) < 0)
        berr_clear (&ignored); /* the next unpack removes it */
    }
  else
    {
      cleanup_free char *rootfs = xasprintf ("%s/rootfs", m->base);
      /* a file system without RENAME_EXCHANGE: rename(2) replaces only an
       * empty directory, so the user's empty rootfs goes first */
      if (errno != EINVAL && errno != ENOSYS)
        return berr_make (err, errno, "bundle '%s': exchange it with the unpacked bundle", bundle);
      if (unlinkat (m->parentfd, rootfs, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return berr_make (err, errno, "bundle '%s': remove its empty rootfs", bundle);
      if (renameat (m->parentfd, stage, m->parentfd, m->base) < 0)
        return berr_make (err, errno, "bundle '%s': rename the unpacked bundle into place", bundle);
    }
  free (m->stage);
  m->stage = NULL;
  if (fsync (m->parentfd) < 0)
    return berr_make (err, errno, "bundle '%s': fsync its directory", bundle);
  return 0;
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
      fault_point ("unpack.layer-applied");
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
  fault_point ("unpack.before-config");
  /* Last: its presence marks a complete bundle. */
  return img_bundle_write_config (bundlefd, rootfd, im, &bo, err);
}

int
img_unpack (struct img_store *s, const struct img_image *im, const char *name, const char *bundle,
            const struct img_unpack_opts *o, const struct img_unpack_source *src, berr_t **err)
{
  struct img_unpack_opts opts = *o;
  cleanup_close int rootfd = -1;
  cleanup_close int stagefd = -1;
  struct made m = { NULL, false, false, false, -1, NULL, -1, NULL };
  struct stat st;

  if (geteuid () != 0)
    opts.rootless = true;
  /* gc waits while the layers are read */
  if (img_store_writer_lock (s, err) < 0)
    return -1;
  m.bundle = bundle;
  /* refused before anything is made: a file, a bundle with a config.json */
  if (stat (bundle, &st) == 0 && !S_ISDIR (st.st_mode))
    return berr_make (err, 0, "bundle '%s' exists and is not a directory", bundle);
  if (replaceable (bundle) && stage_open (bundle, &m, &stagefd, err) < 0)
    goto fail;
  if (prepare_bundle (m.bundle, &m, err) < 0)
    goto fail;
  rootfd = openat (m.bundlefd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rootfd < 0)
    {
      berr_make (err, errno, "open '%s/rootfs'", bundle);
      goto fail;
    }
  if (apply_layers (s, im, rootfd, &opts, src, err) < 0
      || finish_bundle (s, im, name, m.bundlefd, rootfd, &opts, err) < 0
      || (m.stage && stage_install (bundle, &m, err) < 0))
    {
      berr_wrap (err, "image '%s' into '%s'", name, bundle);
      goto fail;
    }
  close (m.bundlefd);
  if (m.parentfd >= 0)
    close (m.parentfd);
  free (m.base);
  return 0;

fail:
  if (rootfd >= 0)
    close (steal_fd (rootfd));
  if (m.stage)
    {
      berr_t *ignored = NULL;
      img_rootfs_remove (m.parentfd, strrchr (m.stage, '/') + 1, &ignored);
      berr_clear (&ignored);
    }
  /* Only what this run made: a refused bundle is left as it was. */
  else if (m.rootfs || m.bundle_dir)
    undo (&m);
  if (m.bundlefd >= 0)
    close (m.bundlefd);
  if (m.parentfd >= 0)
    close (m.parentfd);
  free (m.stage);
  free (m.base);
  return -1;
}

int
img_unpack_parse_size (const char *arg, int64_t *out, berr_t **err)
{
  static const char units[] = "KMGT";
  unsigned long long v;
  const char *u;
  char *end;

  errno = 0;
  v = strtoull (arg, &end, 10);
  if (end == arg || *arg == '-' || errno == ERANGE)
    return berr_make (err, 0, "--max-layer-size '%s': not a size", arg);
  if (*end)
    {
      if (end[1] || (u = strchr (units, *end)) == NULL)
        return berr_make (err, 0, "--max-layer-size '%s': not a size (suffix K, M, G or T)", arg);
      for (int i = 0; i <= u - units; i++)
        {
          if (v > (unsigned long long)INT64_MAX / 1024)
            return berr_make (err, 0, "--max-layer-size '%s': too large", arg);
          v *= 1024;
        }
    }
  if (v > (unsigned long long)INT64_MAX)
    return berr_make (err, 0, "--max-layer-size '%s': too large", arg);
  *out = v == 0 ? -1 : (int64_t)v;
  return 0;
}
