/* img - a `docker save` archive's images as OCI images.
 *
 * manifest.json lists each image: Config (the image config, whose sha256
 * is docker's image id), RepoTags and Layers (paths of uncompressed layer
 * tars: "<id>/layer.tar" in the legacy form, "<hex>.tar" as skopeo writes,
 * "blobs/sha256/<hex>" since docker 25).  The config is kept byte for
 * byte as the OCI config blob (docker's config is image-spec's); each
 * layer is stored as it is, so an uncompressed tar's digest is its
 * diff_id, which is checked; a compressed one (some tools write those) is
 * decompressed once to check its diff_id and keeps its gzip/zstd media
 * type.  A new OCI manifest points at them and is tagged with RepoTags in
 * docker's familiar form ("busybox:latest"). */
#include <config.h>

#include "archive-internal.h"

#include <errno.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "util.h"

struct docker_image
{
  const char *config; /* archive path */
  const char **tags;  /* RepoTags */
  size_t ntags;
  const char **layers; /* archive paths */
  size_t nlayers;
};

static const char *
docker_label (const struct docker_image *di)
{
  return di->ntags > 0 ? di->tags[0] : di->config;
}

/* "sha256:<hex>" when the path's last component names the content:
 * "<hex>.json", "<hex>.tar", "blobs/sha256/<hex>". */
static char *
path_expected (const char *path)
{
  const char *base = strrchr (path, '/');
  size_t n;
  char *d;

  base = base ? base + 1 : path;
  n = strcspn (base, ".");
  if (n != 64 || (base[n] != '\0' && strcmp (base + n, ".json") != 0 && strcmp (base + n, ".tar") != 0))
    return NULL;
  if (base[n] == '\0' && !util_str_has_prefix (path, "blobs/sha256/"))
    return NULL;
  d = xasprintf ("sha256:%.*s", (int)n, base);
  if (!img_digest_valid (d))
    {
      free (d);
      return NULL;
    }
  return d;
}

static int
layer_media_type (struct import *im, const char *digest, int64_t size, const char **mt, berr_t **err)
{
  cleanup_blob_reader struct img_blob_reader *r = NULL;
  unsigned char magic[4] = { 0 };
  ssize_t n;

  if (img_blob_open (im->s, digest, size, &r, err) < 0)
    return -1;
  n = util_read_all (img_blob_reader_fd (r), magic, sizeof (magic));
  if (n < 0)
    return berr_make (err, errno, "read blob '%s'", digest);
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
    *mt = IMG_MT_OCI_LAYER_GZIP;
  else if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    *mt = IMG_MT_OCI_LAYER_ZSTD;
  else
    *mt = IMG_MT_OCI_LAYER;
  return 0;
}

static oci_image_descriptor *
new_desc (const char *mt, const char *digest, int64_t size)
{
  oci_image_descriptor *d = xzalloc (sizeof (*d));
  d->media_type = xstrdup (mt);
  d->digest = xstrdup (digest);
  d->size = size;
  d->size_present = true;
  return d;
}

static int
docker_layer (struct import *im, const struct docker_image *di, size_t i, const char *diff_id,
              oci_image_descriptor **out, berr_t **err)
{
  cleanup_free char *digest = NULL, *expected = path_expected (di->layers[i]), *udigest = NULL;
  const char *mt = IMG_MT_OCI_LAYER;
  int64_t size;

  /* skopeo names layer tars by diff_id and docker by layer id: only a
   * blobs/ path promises the content's digest. */
  if (imp_src_blob (im, di->layers[i], util_str_has_prefix (di->layers[i], "blobs/") ? expected : NULL,
                    &digest, &size, err)
      < 0)
    return berr_wrap (err, "image '%s': layer %zu", docker_label (di), i + 1);
  if (strcmp (digest, diff_id) != 0)
    {
      if (layer_media_type (im, digest, size, &mt, err) < 0
          || img_layer_diff_id (im->s, digest, size, &udigest, NULL, err) < 0)
        return berr_wrap (err, "image '%s': layer '%s'", docker_label (di), di->layers[i]);
      bool plain = strcmp (mt, IMG_MT_OCI_LAYER) == 0;
      if (plain || strcmp (udigest, diff_id) != 0)
        return berr_make (
          err, 0,
          "archive '%s': image '%s': layer '%s' is corrupt: its content is '%s', the config's "
          "diff_id is '%s'",
          im->origin, docker_label (di), di->layers[i], plain ? digest : udigest, diff_id);
    }
  *out = new_desc (mt, digest, size);
  return 0;
}

static int
docker_image_import (struct import *im, const struct docker_image *di, const struct img_import_opts *o,
                     berr_t **err)
{
  cleanup_free char *cdigest = NULL, *cdata = NULL, *mjson = NULL, *mdigest = NULL;
  cleanup_free char *expected = path_expected (di->config);
  cleanup_oci_image_config oci_image_config *cfg = NULL;
  cleanup_oci_image_manifest oci_image_manifest *m = NULL;
  cleanup_oci_image_descriptor oci_image_descriptor *md = NULL;
  int64_t csize;
  size_t clen, mlen, i;

  if (imp_src_blob (im, di->config, expected, &cdigest, &csize, err) < 0)
    return berr_wrap (err, "image '%s': config", docker_label (di));
  if (img_blob_read_all (im->s, cdigest, csize, IMG_JSON_MAX, &cdata, &clen, err) < 0)
    return -1;
  cfg = oci_image_config_parse_data (cdata, clen, di->config, err);
  if (cfg == NULL)
    return berr_wrap (err, "archive '%s': image '%s'", im->origin, docker_label (di));
  if (cfg->rootfs == NULL || cfg->rootfs->diff_ids_len != di->nlayers)
    return berr_make (err, 0, "archive '%s': image '%s': the config lists %zu diff_ids for %zu layers",
                      im->origin, docker_label (di), cfg->rootfs ? cfg->rootfs->diff_ids_len : 0,
                      di->nlayers);
  m = xzalloc (sizeof (*m));
  m->schema_version = 2;
  m->schema_version_present = true;
  m->media_type = xstrdup (IMG_MT_OCI_MANIFEST);
  m->config = new_desc (IMG_MT_OCI_CONFIG, cdigest, csize);
  m->layers = xzalloc ((di->nlayers + 1) * sizeof (*m->layers));
  for (i = 0; i < di->nlayers; i++, m->layers_len++)
    if (docker_layer (im, di, i, cfg->rootfs->diff_ids[i], &m->layers[i], err) < 0)
      return -1;
  if (oci_image_manifest_generate (m, &mjson, &mlen, err) < 0
      || img_blob_put (im->s, mjson, mlen, &mdigest, err) < 0)
    return -1;
  md = new_desc (IMG_MT_OCI_MANIFEST, mdigest, mlen);
  if (o->name)
    imp_tag_add (im, md, o->name);
  else if (di->ntags == 0)
    imp_tag_add (im, md, NULL);
  for (i = 0; !o->name && i < di->ntags; i++)
    {
      cleanup_free char *name = img_archive_familiar_name (di->tags[i]);
      imp_tag_add (im, md, name);
    }
  return 0;
}

/* One element of manifest.json; the strings point into the yajl tree. */
static int
docker_parse_one (struct import *im, yajl_val v, size_t n, struct docker_image *di, berr_t **err)
{
  const char *cpath[] = { "Config", NULL }, *tpath[] = { "RepoTags", NULL }, *lpath[] = { "Layers", NULL };
  yajl_val c = yajl_tree_get (v, cpath, yajl_t_string), t = yajl_tree_get (v, tpath, yajl_t_any),
           l = yajl_tree_get (v, lpath, yajl_t_array);
  size_t i;

  if (!YAJL_IS_OBJECT (v) || c == NULL || l == NULL || (t && !YAJL_IS_ARRAY (t) && !YAJL_IS_NULL (t)))
    return berr_make (err, 0,
                      "archive '%s': manifest.json[%zu]: expected {\"Config\", \"RepoTags\", \"Layers\"}",
                      im->origin, n);
  di->config = YAJL_GET_STRING (c);
  di->nlayers = l->u.array.len; /* yajl_tree_get checked the type */
  di->layers = xzalloc ((di->nlayers + 1) * sizeof (char *));
  for (i = 0; i < di->nlayers; i++)
    {
      yajl_val s = l->u.array.values[i];
      if (!YAJL_IS_STRING (s))
        return berr_make (err, 0, "archive '%s': manifest.json[%zu].Layers[%zu]: expected a string",
                          im->origin, n, i);
      di->layers[i] = YAJL_GET_STRING (s);
    }
  di->ntags = t && YAJL_IS_ARRAY (t) ? YAJL_GET_ARRAY (t)->len : 0;
  di->tags = xzalloc ((di->ntags + 1) * sizeof (char *));
  for (i = 0; i < di->ntags; i++)
    {
      yajl_val s = YAJL_GET_ARRAY (t)->values[i];
      if (!YAJL_IS_STRING (s))
        return berr_make (err, 0, "archive '%s': manifest.json[%zu].RepoTags[%zu]: expected a string",
                          im->origin, n, i);
      di->tags[i] = YAJL_GET_STRING (s);
    }
  return 0;
}

int
imp_docker (struct import *im, const struct img_import_opts *o, berr_t **err)
{
  cleanup_free char *data = NULL;
  char ebuf[256] = "";
  yajl_val v;
  size_t len, i, n;
  int ret = 0;

  if (imp_src_small (im, "manifest.json", &data, &len, err) < 0)
    return -1;
  v = yajl_tree_parse (data, ebuf, sizeof (ebuf));
  if (v == NULL || !YAJL_IS_ARRAY (v))
    {
      yajl_tree_free (v);
      return berr_make (err, 0, "archive '%s': manifest.json: %s", im->origin,
                        v         ? "expected an array"
                        : ebuf[0] ? ebuf
                                  : "not JSON");
    }
  n = YAJL_GET_ARRAY (v)->len;
  if (o->name && n != 1)
    ret = berr_make (err, 0, "--name needs an archive with one image: '%s' has %zu", im->origin, n);
  for (i = 0; ret == 0 && i < n; i++)
    {
      struct docker_image di = { 0 };
      ret = docker_parse_one (im, YAJL_GET_ARRAY (v)->values[i], i, &di, err);
      if (ret == 0)
        ret = docker_image_import (im, &di, o, err);
      free (di.layers);
      free (di.tags);
    }
  yajl_tree_free (v);
  return ret;
}
