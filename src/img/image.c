/* img - images in the store: resolving a name to one manifest (through
 * indexes, by platform), reading Docker schema2 manifests as OCI ones, and
 * writing a new config + manifest + tag.
 *
 * Docker schema2 manifests and manifest lists have the same structure as
 * OCI manifests and indexes; only media types differ.  They are parsed with
 * the OCI types and their media types mapped, so everything above this
 * file sees OCI documents only. */
#include <config.h>

#include <string.h>
#include <sys/utsname.h>
#include <yajl/yajl_tree.h>

#include "store.h"
#include "fault.h"
#include "util.h"

#define MAX_INDEX_DEPTH 4

static const struct
{
  const char *docker, *oci;
} media_map[] = {
  { IMG_MT_DOCKER_MANIFEST, IMG_MT_OCI_MANIFEST },
  { IMG_MT_DOCKER_LIST, IMG_MT_OCI_INDEX },
  { IMG_MT_DOCKER_CONFIG, IMG_MT_OCI_CONFIG },
  { IMG_MT_DOCKER_LAYER_GZIP, IMG_MT_OCI_LAYER_GZIP },
  { IMG_MT_DOCKER_LAYER_FOREIGN, IMG_MT_OCI_LAYER_NONDIST_GZIP },
};

const char *
img_media_type_oci (const char *mt)
{
  size_t i;

  if (mt == NULL)
    return NULL;
  for (i = 0; i < sizeof (media_map) / sizeof (media_map[0]); i++)
    if (strcmp (mt, media_map[i].docker) == 0)
      return media_map[i].oci;
  return mt;
}

static void
set_media_type (char **field, const char *mt)
{
  const char *oci = img_media_type_oci (*field ? *field : mt);
  if (oci && (*field == NULL || strcmp (*field, oci) != 0))
    {
      free (*field);
      *field = xstrdup (oci);
    }
}

static const char *
host_arch (const char **variant)
{
  static struct utsname u;
  static const struct
  {
    const char *machine, *arch, *variant;
  } map[] = {
    { "x86_64", "amd64", NULL },    { "aarch64", "arm64", "v8" }, { "armv7l", "arm", "v7" },
    { "armv6l", "arm", "v6" },      { "i686", "386", NULL },      { "i386", "386", NULL },
    { "ppc64le", "ppc64le", NULL }, { "s390x", "s390x", NULL },   { "riscv64", "riscv64", NULL },
  };
  size_t i;

  *variant = NULL;
  if (uname (&u) < 0)
    return "amd64";
  for (i = 0; i < sizeof (map) / sizeof (map[0]); i++)
    if (strcmp (u.machine, map[i].machine) == 0)
      {
        *variant = map[i].variant;
        return map[i].arch;
      }
  return u.machine;
}

int
img_platform_parse (const char *s, struct img_platform *p, berr_t **err)
{
  const char *variant = NULL;
  cleanup_free char *copy = NULL;
  char *a, *b;

  memset (p, 0, sizeof (*p));
  if (s == NULL || s[0] == '\0')
    {
      p->os = xstrdup ("linux");
      p->arch = xstrdup (host_arch (&variant));
      p->variant = variant ? xstrdup (variant) : NULL;
      p->host = true;
      return 0;
    }
  copy = xstrdup (s);
  a = strchr (copy, '/');
  if (a == NULL || a == copy || a[1] == '\0')
    return berr_make (err, 0, "invalid platform '%s': expected OS/ARCH[/VARIANT]", s);
  *a++ = '\0';
  b = strchr (a, '/');
  if (b)
    {
      *b++ = '\0';
      if (*b == '\0' || strchr (b, '/'))
        return berr_make (err, 0, "invalid platform '%s': expected OS/ARCH[/VARIANT]", s);
    }
  p->os = xstrdup (copy);
  p->arch = xstrdup (a);
  p->variant = b ? xstrdup (b) : NULL;
  return 0;
}

void
img_platform_clear (struct img_platform *p)
{
  free (p->os);
  free (p->arch);
  free (p->variant);
  memset (p, 0, sizeof (*p));
}

/* Match: os and architecture equal; a variant asked for must be equal
 * (arm64's "v8" is also matched by no variant); the host's variant is a
 * preference, not a requirement. */
int
img_platform_match (const oci_image_platform *pl, const struct img_platform *want)
{
  if (pl == NULL || pl->os == NULL || pl->architecture == NULL)
    return -1;
  if (strcmp (pl->os, want->os) != 0 || strcmp (pl->architecture, want->arch) != 0)
    return -1;
  if (want->variant == NULL)
    return pl->variant == NULL ? 2 : 1;
  if (pl->variant && strcmp (pl->variant, want->variant) == 0)
    return 2;
  if (pl->variant == NULL && strcmp (want->arch, "arm64") == 0 && strcmp (want->variant, "v8") == 0)
    return 2;
  return want->host ? 1 : -1;
}

static char *
platform_str (const struct img_platform *p)
{
  return xasprintf ("%s/%s%s%s", p->os, p->arch, p->variant ? "/" : "", p->variant ? p->variant : "");
}

void
img_image_free (struct img_image *im)
{
  if (im == NULL)
    return;
  oci_image_descriptor_free (im->desc);
  oci_image_manifest_free (im->manifest);
  oci_image_config_free (im->config);
  free (im->config_json);
  free (im);
}

void
img_image_freep (struct img_image **im)
{
  img_image_free (*im);
}

bool
img_mt_is_index (const char *mt)
{
  return mt && (strcmp (mt, IMG_MT_OCI_INDEX) == 0 || strcmp (mt, IMG_MT_DOCKER_LIST) == 0);
}

bool
img_mt_is_manifest (const char *mt)
{
  return mt && (strcmp (mt, IMG_MT_OCI_MANIFEST) == 0 || strcmp (mt, IMG_MT_DOCKER_MANIFEST) == 0);
}

enum img_doc_kind
img_doc_kind (const char *mt, const char *data, size_t len)
{
  const char *mt_path[] = { "mediaType", NULL };
  const char *m_path[] = { "manifests", NULL };
  const char *c_path[] = { "config", NULL };
  cleanup_free char *copy = NULL;
  enum img_doc_kind k = IMG_DOC_OTHER;
  yajl_val v, own;

  if (img_mt_is_index (mt))
    return IMG_DOC_INDEX;
  if (img_mt_is_manifest (mt))
    return IMG_DOC_MANIFEST;
  if (mt != NULL || data == NULL)
    return IMG_DOC_OTHER;
  copy = xstrndup (data, len);
  v = yajl_tree_parse (copy, NULL, 0);
  if (v == NULL || !YAJL_IS_OBJECT (v))
    goto out;
  own = yajl_tree_get (v, mt_path, yajl_t_string);
  if (own && img_mt_is_index (YAJL_GET_STRING (own)))
    k = IMG_DOC_INDEX;
  else if (own && img_mt_is_manifest (YAJL_GET_STRING (own)))
    k = IMG_DOC_MANIFEST;
  else if (yajl_tree_get (v, m_path, yajl_t_array))
    k = IMG_DOC_INDEX;
  else if (yajl_tree_get (v, c_path, yajl_t_object))
    k = IMG_DOC_MANIFEST;
out:
  yajl_tree_free (v);
  return k;
}

static int load_desc (struct img_store *s, const oci_image_descriptor *desc, const struct img_platform *want,
                      int depth, struct img_image **out, berr_t **err);

static int
load_from_index (struct img_store *s, const char *digest, const char *data, size_t len,
                 const struct img_platform *want, int depth, struct img_image **out, berr_t **err)
{
  cleanup_free char *origin = xasprintf ("index '%s'", digest);
  oci_image_index *idx = oci_image_index_parse_data (data, len, origin, err);
  cleanup_free char *ps = platform_str (want);
  int best = -1, best_score = -1, r;
  size_t i;

  if (idx == NULL)
    return -1;
  for (i = 0; i < idx->manifests_len; i++)
    {
      const oci_image_descriptor *d = idx->manifests[i];
      const char *mt = img_media_type_oci (d->media_type);
      int sc;
      if (mt && strcmp (mt, IMG_MT_OCI_MANIFEST) != 0 && strcmp (mt, IMG_MT_OCI_INDEX) != 0)
        continue;
      sc = img_platform_match (d->platform, want);
      if (sc > best_score)
        {
          best_score = sc;
          best = (int)i;
        }
    }
  if (best < 0)
    {
      oci_image_index_free (idx);
      return berr_make (err, 0, "index '%s' has no image for platform '%s'", digest, ps);
    }
  r = load_desc (s, idx->manifests[best], want, depth + 1, out, err);
  oci_image_index_free (idx);
  return r;
}

static int
load_config (struct img_store *s, struct img_image *im, berr_t **err)
{
  const oci_image_descriptor *c = im->manifest->config;
  cleanup_free char *origin = NULL;

  if (c == NULL || c->digest == NULL)
    return berr_make (err, 0, "manifest '%s' has no config", im->desc->digest);
  if (img_blob_read_all (s, c->digest, c->size_present ? c->size : -1, IMG_JSON_MAX, &im->config_json,
                         &im->config_len, err)
      < 0)
    return berr_wrap (err, "manifest '%s': config", im->desc->digest);
  origin = xasprintf ("config '%s'", c->digest);
  im->config = oci_image_config_parse_data (im->config_json, im->config_len, origin, err);
  if (im->config == NULL)
    return -1;
  return 0;
}

static int
desc_check (const oci_image_descriptor *d, const char *origin, const char *what, int64_t max, berr_t **err)
{
  if (d->digest == NULL || !img_digest_valid (d->digest))
    return berr_make (err, 0, "%s: %s has an invalid digest '%s'", origin, what, d->digest ? d->digest : "");
  if (d->size_present && d->size < 0)
    return berr_make (err, 0, "%s: %s '%s': invalid size %lld", origin, what, d->digest, (long long)d->size);
  if (d->size_present && max > 0 && d->size > max)
    return berr_make (err, 0, "%s: %s '%s': too large (%lld bytes, limit %lld)", origin, what, d->digest,
                      (long long)d->size, (long long)max);
  return 0;
}

int
img_manifest_check (const oci_image_manifest *m, const char *origin, berr_t **err)
{
  size_t i;

  if (m->config == NULL)
    return berr_make (err, 0, "%s has no config", origin);
  if (desc_check (m->config, origin, "config", IMG_JSON_MAX, err) < 0)
    return -1;
  if (m->layers_len > IMG_LAYERS_MAX)
    return berr_make (err, 0, "%s: too many layers (%zu, limit %d)", origin, m->layers_len, IMG_LAYERS_MAX);
  for (i = 0; i < m->layers_len; i++)
    {
      cleanup_free char *what = xasprintf ("layer %zu", i);
      if (desc_check (m->layers[i], origin, what, 0, err) < 0)
        return -1;
    }
  return 0;
}

int
img_image_from_manifest (struct img_store *s, const oci_image_descriptor *desc, const char *data, size_t len,
                         struct img_image **out, berr_t **err)
{
  cleanup_image struct img_image *im = NULL;
  cleanup_free char *origin = NULL;
  size_t i;

  im = xzalloc (sizeof (*im));
  im->desc = img_desc_copy (desc);
  origin = xasprintf ("manifest '%s'", desc->digest);
  im->manifest = oci_image_manifest_parse_data (data, len, origin, err);
  if (im->manifest == NULL)
    return -1;
  if (im->manifest->schema_version != 2)
    return berr_make (err, 0, "manifest '%s': unsupported schemaVersion %d", desc->digest,
                      (int)im->manifest->schema_version);
  set_media_type (&im->desc->media_type, IMG_MT_OCI_MANIFEST);
  set_media_type (&im->manifest->media_type, IMG_MT_OCI_MANIFEST);
  if (im->manifest->config)
    set_media_type (&im->manifest->config->media_type, IMG_MT_OCI_CONFIG);
  if (img_manifest_check (im->manifest, origin, err) < 0)
    return -1;
  for (i = 0; i < im->manifest->layers_len; i++)
    set_media_type (&im->manifest->layers[i]->media_type, IMG_MT_OCI_LAYER_GZIP);
  if (load_config (s, im, err) < 0)
    return -1;
  *out = steal_ptr (im);
  return 0;
}

static int
load_desc (struct img_store *s, const oci_image_descriptor *desc, const struct img_platform *want, int depth,
           struct img_image **out, berr_t **err)
{
  cleanup_free char *data = NULL;
  size_t len;

  if (depth > MAX_INDEX_DEPTH)
    return berr_make (err, 0, "'%s': indexes nested more than %d deep", desc->digest, MAX_INDEX_DEPTH);
  if (desc->digest == NULL)
    return berr_make (err, 0, "a descriptor in image store '%s' has no digest", s->path);
  if (img_blob_read_all (s, desc->digest, desc->size_present ? desc->size : -1, IMG_JSON_MAX, &data, &len,
                         err)
      < 0)
    return -1;
  switch (img_doc_kind (desc->media_type, data, len))
    {
    case IMG_DOC_INDEX:
      return load_from_index (s, desc->digest, data, len, want, depth, out, err);
    case IMG_DOC_MANIFEST:
      break;
    default:
      return berr_make (err, 0, "'%s' has media type '%s', not an image manifest or index", desc->digest,
                        desc->media_type ? desc->media_type : "(none)");
    }
  return img_image_from_manifest (s, desc, data, len, out, err);
}

int
img_image_load_desc (struct img_store *s, const oci_image_descriptor *desc,
                     const struct img_platform *platform, struct img_image **out, berr_t **err)
{
  struct img_platform host = { 0 };
  int r;

  if (platform == NULL)
    {
      img_platform_parse (NULL, &host, NULL);
      platform = &host;
    }
  if (img_store_lock (s, false, err) < 0)
    {
      img_platform_clear (&host);
      return -1;
    }
  r = load_desc (s, desc, platform, 0, out, err);
  img_store_unlock (s);
  img_platform_clear (&host);
  return r;
}

int
img_image_load (struct img_store *s, const char *name, const struct img_platform *platform,
                struct img_image **out, berr_t **err)
{
  oci_image_index *idx = NULL;
  size_t pos;
  int r = -1;

  if (img_store_lock (s, false, err) < 0)
    return -1;
  idx = img_index_load (s, err);
  if (idx && img_index_find (s, idx, name, &pos, err) == 0)
    {
      r = img_image_load_desc (s, idx->manifests[pos], platform, out, err);
      if (r < 0)
        berr_wrap (err, "image '%s'", name);
    }
  oci_image_index_free (idx);
  img_store_unlock (s);
  return r;
}

int
img_image_write (struct img_store *s, oci_image_manifest *manifest, const oci_image_config *config,
                 const char *name, oci_image_descriptor **desc_out, berr_t **err)
{
  cleanup_free char *cjson = NULL;
  cleanup_free char *mjson = NULL;
  cleanup_free char *cdigest = NULL;
  cleanup_free char *mdigest = NULL;
  oci_image_descriptor *desc;
  size_t clen, mlen;
  int r;

  if (oci_image_config_generate (config, &cjson, &clen, err) < 0)
    return berr_wrap (err, "image config");
  if (img_blob_put (s, cjson, clen, &cdigest, err) < 0)
    return berr_wrap (err, "image config");
  fault_point ("image.config-written");
  if (manifest->config == NULL)
    manifest->config = xzalloc (sizeof (*manifest->config));
  free (manifest->config->media_type);
  manifest->config->media_type = xstrdup (IMG_MT_OCI_CONFIG);
  free (manifest->config->digest);
  manifest->config->digest = xstrdup (cdigest);
  manifest->config->size = (int64_t)clen;
  manifest->config->size_present = true;
  manifest->schema_version = 2;
  manifest->schema_version_present = true;
  free (manifest->media_type);
  manifest->media_type = xstrdup (IMG_MT_OCI_MANIFEST);
  if (oci_image_manifest_generate (manifest, &mjson, &mlen, err) < 0)
    return berr_wrap (err, "image manifest");
  if (img_blob_put (s, mjson, mlen, &mdigest, err) < 0)
    return berr_wrap (err, "image manifest");
  fault_point ("image.manifest-written");
  desc = xzalloc (sizeof (*desc));
  desc->media_type = xstrdup (IMG_MT_OCI_MANIFEST);
  desc->digest = xstrdup (mdigest);
  desc->size = (int64_t)mlen;
  desc->size_present = true;
  r = img_index_tag (s, desc, name, err);
  if (r == 0 && desc_out)
    *desc_out = desc;
  else
    oci_image_descriptor_free (desc);
  return r;
}
