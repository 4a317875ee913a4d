/* img - export: images from the store as an OCI archive (the layout
 * subset the named images reach, their index.json entries and ref names
 * kept) or as a `docker save` archive (manifest.json with Config, RepoTags
 * and Layers; the config JSON as stored; every layer as an uncompressed
 * tar named by its diff_id, which is checked).
 *
 * Every blob is read through the verified reader.  The output is a tar
 * written with libarchive (pax, mtimes 0, root-owned) to a temp file next
 * to the target, fsync'd and renamed: an interrupted export leaves no
 * half archive under the target's name.  The export holds .berth/gc.lock
 * shared, so a concurrent gc cannot remove what it is reading. */
#include <config.h>

#include "archive-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <yajl/yajl_gen.h>

#include "gc.h"
#include "util.h"

#define EXPORT_BUF (1 << 16)

/* ---- the tar being written ---- */

struct tar_out
{
  struct archive *a;
  int fd;
  char *tmp; /* NULL when writing to stdout */
  const char *target;
};

static int
out_error (struct tar_out *o, berr_t **err)
{
  return berr_make (err, archive_errno (o->a) > 0 ? archive_errno (o->a) : 0, "write '%s'%s%s", o->target,
                    archive_error_string (o->a) ? ": " : "",
                    archive_error_string (o->a) ? archive_error_string (o->a) : "");
}

static int
out_open (struct tar_out *o, const char *path, berr_t **err)
{
  memset (o, 0, sizeof (*o));
  o->fd = -1;
  o->target = path;
  if (strcmp (path, "-") == 0)
    o->fd = STDOUT_FILENO;
  else
    {
      o->tmp = xasprintf ("%s.tmp-XXXXXX", path);
      o->fd = mkostemp (o->tmp, O_CLOEXEC);
      if (o->fd < 0)
        {
          int e = errno;
          free (steal_ptr (o->tmp));
          return berr_make (err, e, "create '%s'", path);
        }
      fchmod (o->fd, 0644);
    }
  o->a = archive_write_new ();
  archive_write_set_format_pax_restricted (o->a);
  archive_write_set_bytes_in_last_block (o->a, 1);
  if (archive_write_open_fd (o->a, o->fd) != ARCHIVE_OK)
    return out_error (o, err);
  return 0;
}

static void
out_abort (struct tar_out *o)
{
  if (o->a)
    archive_write_free (o->a);
  o->a = NULL;
  if (o->tmp)
    {
      unlink (o->tmp);
      free (steal_ptr (o->tmp));
    }
  if (o->fd >= 0 && o->fd != STDOUT_FILENO)
    close (o->fd);
  o->fd = -1;
}

static int
out_close (struct tar_out *o, berr_t **err)
{
  int fd = o->fd;

  if (archive_write_close (o->a) != ARCHIVE_OK)
    {
      out_error (o, err);
      out_abort (o);
      return -1;
    }
  archive_write_free (steal_ptr (o->a));
  if (o->tmp == NULL)
    return 0;
  o->fd = -1;
  if (fsync (fd) < 0 || close (fd) < 0)
    {
      int e = errno;
      out_abort (o);
      return berr_make (err, e, "write '%s'", o->target);
    }
  if (rename (o->tmp, o->target) < 0)
    {
      int e = errno;
      out_abort (o);
      return berr_make (err, e, "rename to '%s'", o->target);
    }
  free (steal_ptr (o->tmp));
  return 0;
}

static int
out_header (struct tar_out *o, const char *name, bool dir, int64_t size, berr_t **err)
{
  struct archive_entry *e = archive_entry_new ();
  int r;

  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, dir ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm (e, dir ? 0755 : 0644);
  archive_entry_set_size (e, dir ? 0 : size);
  archive_entry_set_mtime (e, 0, 0);
  archive_entry_set_uid (e, 0);
  archive_entry_set_gid (e, 0);
  r = archive_write_header (o->a, e);
  archive_entry_free (e);
  return r == ARCHIVE_OK ? 0 : out_error (o, err);
}

static int
out_write (struct tar_out *o, const void *data, size_t len, berr_t **err)
{
  if (len > 0 && archive_write_data (o->a, data, len) != (la_ssize_t)len)
    return out_error (o, err);
  return 0;
}

static int
out_data (struct tar_out *o, const char *name, const void *data, size_t len, berr_t **err)
{
  if (out_header (o, name, false, len, err) < 0)
    return -1;
  return out_write (o, data, len, err);
}

static int
out_blob (struct tar_out *o, const char *name, struct img_store *s, const char *digest, int64_t size,
          berr_t **err)
{
  cleanup_blob_reader struct img_blob_reader *r = NULL;
  cleanup_free char *buf = xmalloc (EXPORT_BUF);
  struct stat st;
  ssize_t n;

  if (img_blob_open (s, digest, size, &r, err) < 0)
    return -1;
  if (fstat (img_blob_reader_fd (r), &st) < 0)
    return berr_make (err, errno, "stat blob '%s'", digest);
  if (out_header (o, name, false, st.st_size, err) < 0)
    return -1;
  while ((n = img_blob_read (r, buf, EXPORT_BUF, err)) > 0)
    if (out_write (o, buf, n, err) < 0)
      return -1;
  return n < 0 ? -1 : 0;
}

/* A layer as its uncompressed tar: one pass to learn its size (the tar
 * header comes first) and check its diff_id, one to write it. */
static int
out_layer_tar (struct tar_out *o, const char *name, struct img_store *s, const oci_image_descriptor *layer,
               const char *diff_id, berr_t **err)
{
  cleanup_layer_stream struct img_layer_stream *ls = NULL;
  cleanup_free char *udigest = NULL, *buf = NULL;
  int64_t size = layer->size_present ? layer->size : -1, usize, total = 0;
  ssize_t n;

  if (strcmp (layer->digest, diff_id) == 0)
    return out_blob (o, name, s, layer->digest, size, err);
  if (img_layer_diff_id (s, layer->digest, size, &udigest, &usize, err) < 0)
    return -1;
  if (strcmp (udigest, diff_id) != 0)
    return berr_make (err, 0, "layer '%s': its uncompressed digest is '%s', the config's diff_id is '%s'",
                      layer->digest, udigest, diff_id);
  if (out_header (o, name, false, usize, err) < 0
      || img_layer_stream_open (s, layer->digest, size, &ls, err) < 0)
    return -1;
  buf = xmalloc (EXPORT_BUF);
  while ((n = img_layer_stream_read (ls, buf, EXPORT_BUF, err)) > 0)
    {
      total += n;
      if (total > usize)
        break;
      if (out_write (o, buf, n, err) < 0)
        return -1;
    }
  if (n < 0)
    return -1;
  if (total != usize)
    return berr_make (err, 0, "layer '%s' changed while it was exported", layer->digest);
  return 0;
}

/* ---- naming the images ---- */

/* The index.json entries for names (no duplicates). */
static int
find_entries (struct img_store *s, char *const *names, size_t n, oci_image_index *out, berr_t **err)
{
  cleanup_oci_image_index oci_image_index *idx = NULL;
  cleanup_free bool *taken = NULL;
  size_t i, pos;
  int ret = 0;

  if (img_store_lock (s, false, err) < 0)
    return -1;
  idx = img_index_load (s, err);
  if (idx == NULL)
    ret = -1;
  if (ret == 0)
    taken = xzalloc ((idx->manifests_len + 1) * sizeof (bool));
  for (i = 0; ret == 0 && i < n; i++)
    {
      ret = img_index_find (s, idx, names[i], &pos, err);
      if (ret == 0 && !taken[pos])
        {
          taken[pos] = true;
          out->manifests = xrealloc (out->manifests, (out->manifests_len + 1) * sizeof (*out->manifests));
          out->manifests[out->manifests_len++] = img_desc_copy (idx->manifests[pos]);
        }
    }
  img_store_unlock (s);
  return ret;
}

/* ---- OCI ---- */

struct oci_blobs
{
  struct img_store *s;
  struct img_digest_set *seen;
  char **digests;
  int64_t *sizes;
  size_t n;
  const char *root;
};

static int
oci_visit (const oci_image_descriptor *d, enum img_reach_role role, void *data, berr_t **err)
{
  struct oci_blobs *b = data;

  if (!img_digest_set_add (b->seen, d->digest))
    return 1;
  if (!img_blob_exists (b->s, d->digest))
    {
      if ((role == IMG_REACH_LAYER && d->urls_len > 0) || role == IMG_REACH_SUBJECT)
        return 1; /* a foreign layer, or a subject kept elsewhere */
      return berr_make (err, ENOENT, "image '%s': blob '%s' is missing from the store", b->root, d->digest);
    }
  b->digests = xrealloc (b->digests, (b->n + 1) * sizeof (char *));
  b->sizes = xrealloc (b->sizes, (b->n + 1) * sizeof (int64_t));
  b->digests[b->n] = xstrdup (d->digest);
  b->sizes[b->n] = d->size_present ? d->size : -1;
  b->n++;
  return 0;
}

static int
export_oci (struct img_store *s, oci_image_index *idx, struct tar_out *o, berr_t **err)
{
  cleanup_digest_set struct img_digest_set *seen = img_digest_set_new ();
  struct oci_blobs b = { s, seen, NULL, NULL, 0, NULL };
  struct img_reach r = { oci_visit, NULL, &b };
  static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
  cleanup_free char *json = NULL;
  bool sha512 = false;
  size_t i, len;
  int ret = -1;

  for (i = 0; i < idx->manifests_len; i++)
    {
      const char *ref = img_desc_ref_name (idx->manifests[i]);
      b.root = ref ? ref : idx->manifests[i]->digest;
      if (img_reach_walk (s, idx->manifests[i], &r, err) < 0)
        goto out;
    }
  for (i = 0; i < b.n; i++)
    sha512 |= util_str_has_prefix (b.digests[i], "sha512:");
  if (oci_image_index_generate (idx, &json, &len, err) < 0
      || out_data (o, "oci-layout", layout, strlen (layout), err) < 0
      || out_data (o, "index.json", json, len, err) < 0 || out_header (o, "blobs", true, 0, err) < 0
      || out_header (o, "blobs/sha256", true, 0, err) < 0
      || (sha512 && out_header (o, "blobs/sha512", true, 0, err) < 0))
    goto out;
  for (i = 0; i < b.n; i++)
    {
      cleanup_free char *path = imp_blob_path (b.digests[i]);
      if (out_blob (o, path, s, b.digests[i], b.sizes[i], err) < 0)
        goto out;
    }
  ret = 0;
out:
  for (i = 0; i < b.n; i++)
    free (b.digests[i]);
  free (b.digests);
  free (b.sizes);
  return ret;
}

/* ---- docker save ---- */

struct docker_out
{
  char *config; /* config digest */
  char *cfile;  /* "<hex>.json" */
  char **tags;
  size_t ntags;
  char **layers; /* "<hex>.tar" */
  size_t nlayers;
};

/* docker's RepoTags want "repo:tag": a bare name gets ":latest", a
 * digest reference has no tag to give. */
static char *
docker_tag (const char *ref)
{
  const char *slash;
  if (ref == NULL || strchr (ref, '@'))
    return NULL;
  slash = strrchr (ref, '/');
  if (strchr (slash ? slash : ref, ':') == NULL)
    return xasprintf ("%s:latest", ref);
  return xstrdup (ref);
}

static const char *
hex_of (const char *digest)
{
  return strchr (digest, ':') + 1;
}

static int
docker_one (struct img_store *s, const oci_image_descriptor *entry, struct tar_out *o,
            struct docker_out **imgs, size_t *nimgs, struct img_digest_set *written, berr_t **err)
{
  cleanup_image struct img_image *im = NULL;
  cleanup_free char *tag = docker_tag (img_desc_ref_name (entry));
  const char *label = img_desc_ref_name (entry) ? img_desc_ref_name (entry) : entry->digest;
  struct docker_out *d = NULL;
  const oci_image_rootfs *rootfs;
  size_t i;

  if (img_image_load_desc (s, entry, NULL, &im, err) < 0)
    return berr_wrap (err, "image '%s'", label);
  rootfs = im->config->rootfs;
  if (rootfs == NULL || rootfs->diff_ids_len != im->manifest->layers_len)
    return berr_make (err, 0, "image '%s': the config lists %zu diff_ids for %zu layers", label,
                      rootfs ? rootfs->diff_ids_len : 0, im->manifest->layers_len);
  for (i = 0; i < *nimgs; i++)
    if (strcmp ((*imgs)[i].config, im->manifest->config->digest) == 0)
      d = &(*imgs)[i];
  if (d == NULL)
    {
      *imgs = xrealloc (*imgs, (*nimgs + 1) * sizeof (**imgs));
      d = &(*imgs)[(*nimgs)++];
      memset (d, 0, sizeof (*d));
      d->config = xstrdup (im->manifest->config->digest);
      d->cfile = xasprintf ("%s.json", hex_of (d->config));
      d->layers = xzalloc ((rootfs->diff_ids_len + 1) * sizeof (char *));
      for (i = 0; i < rootfs->diff_ids_len; i++)
        {
          if (!img_digest_valid (rootfs->diff_ids[i]))
            return berr_make (err, 0, "image '%s': diff_id '%s' is not valid", label, rootfs->diff_ids[i]);
          d->layers[d->nlayers++] = xasprintf ("%s.tar", hex_of (rootfs->diff_ids[i]));
          if (img_digest_set_add (written, d->layers[i])
              && out_layer_tar (o, d->layers[i], s, im->manifest->layers[i], rootfs->diff_ids[i], err) < 0)
            return berr_wrap (err, "image '%s'", label);
        }
      if (img_digest_set_add (written, d->cfile)
          && out_data (o, d->cfile, im->config_json, im->config_len, err) < 0)
        return -1;
    }
  if (tag)
    {
      d->tags = xrealloc (d->tags, (d->ntags + 1) * sizeof (char *));
      d->tags[d->ntags++] = steal_ptr (tag);
    }
  return 0;
}

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

static int
docker_manifest_json (struct docker_out *imgs, size_t n, struct tar_out *o, berr_t **err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len, i, j;
  int ret;

  yajl_gen_array_open (g);
  for (i = 0; i < n; i++)
    {
      yajl_gen_map_open (g);
      gen_str (g, "Config");
      gen_str (g, imgs[i].cfile);
      gen_str (g, "RepoTags");
      yajl_gen_array_open (g);
      for (j = 0; j < imgs[i].ntags; j++)
        gen_str (g, imgs[i].tags[j]);
      yajl_gen_array_close (g);
      gen_str (g, "Layers");
      yajl_gen_array_open (g);
      for (j = 0; j < imgs[i].nlayers; j++)
        gen_str (g, imgs[i].layers[j]);
      yajl_gen_array_close (g);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  yajl_gen_get_buf (g, &buf, &len);
  ret = out_data (o, "manifest.json", buf, len, err);
  yajl_gen_free (g);
  return ret;
}

static int
export_docker (struct img_store *s, oci_image_index *idx, struct tar_out *o, berr_t **err)
{
  cleanup_digest_set struct img_digest_set *written = img_digest_set_new ();
  struct docker_out *imgs = NULL;
  size_t nimgs = 0, i, j;
  int ret = 0;

  for (i = 0; ret == 0 && i < idx->manifests_len; i++)
    ret = docker_one (s, idx->manifests[i], o, &imgs, &nimgs, written, err);
  if (ret == 0)
    ret = docker_manifest_json (imgs, nimgs, o, err);
  for (i = 0; i < nimgs; i++)
    {
      for (j = 0; j < imgs[i].ntags; j++)
        free (imgs[i].tags[j]);
      for (j = 0; j < imgs[i].nlayers; j++)
        free (imgs[i].layers[j]);
      free (imgs[i].tags);
      free (imgs[i].layers);
      free (imgs[i].config);
      free (imgs[i].cfile);
    }
  free (imgs);
  return ret;
}

int
img_archive_export (struct img_store *s, char *const *names, size_t n, enum img_archive_format format,
                    const char *out, berr_t **err)
{
  cleanup_oci_image_index oci_image_index *idx = xzalloc (sizeof (*idx));
  struct tar_out o;
  int ret;

  idx->schema_version = 2;
  idx->schema_version_present = true;
  idx->media_type = xstrdup (IMG_MT_OCI_INDEX);
  idx->manifests = xzalloc (sizeof (*idx->manifests));
  if (img_gc_writer_lock (s, err) < 0 || find_entries (s, names, n, idx, err) < 0)
    return -1;
  if (out_open (&o, out, err) < 0)
    {
      out_abort (&o);
      return -1;
    }
  ret = format == IMG_ARCHIVE_DOCKER ? export_docker (s, idx, &o, err) : export_oci (s, idx, &o, err);
  if (ret < 0)
    {
      out_abort (&o);
      return -1;
    }
  return out_close (&o, err);
}
