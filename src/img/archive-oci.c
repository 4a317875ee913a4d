/* img - an OCI layout's images (from a tar or a directory) into the
 * store: every blob an index.json entry reaches is stored and checked
 * (digest by its path, size by its descriptor) before anything is tagged.
 * Docker schema2 manifests and lists found in the layout are rewritten
 * with OCI media types (new manifest blobs, so new digests); OCI
 * documents are kept byte for byte.  A foreign layer (urls) and a
 * referrer's subject may be absent. */
#include <config.h>

#include "archive-internal.h"

#include <string.h>

#include "gc.h"
#include "util.h"

#define IMPORT_MAX_DEPTH 8

/* ---- OCI layouts ---- */

static const char *
role_label (enum img_reach_role role)
{
  switch (role)
    {
    case IMG_REACH_CONFIG:
      return "config";
    case IMG_REACH_LAYER:
      return "layer";
    case IMG_REACH_SUBJECT:
      return "subject";
    default:
      return "manifest";
    }
}

static const char *
oci_leaf_type (const char *mt, enum img_reach_role role)
{
  if (mt == NULL)
    return role == IMG_REACH_CONFIG ? IMG_MT_OCI_CONFIG : NULL;
  return img_media_type_oci (mt);
}

static void
desc_retarget (oci_image_descriptor *d, const char *mt, const char *digest, int64_t size)
{
  if (mt != d->media_type)
    {
      char *copy = mt ? xstrdup (mt) : NULL;
      free (d->media_type);
      d->media_type = copy;
    }
  if (digest)
    {
      free (d->digest);
      d->digest = xstrdup (digest);
      d->size = size;
      d->size_present = true;
    }
}

static int oci_import_desc (struct import *im, const oci_image_descriptor *d, enum img_reach_role role,
                            int depth, oci_image_descriptor **out, berr_t **err);

/* Import a child descriptor in place; *changed when it was rewritten. */
static int
oci_import_child (struct import *im, oci_image_descriptor **slot, enum img_reach_role role, int depth,
                  bool *changed, berr_t **err)
{
  oci_image_descriptor *nd = NULL;

  if (oci_import_desc (im, *slot, role, depth + 1, &nd, err) < 0)
    return -1;
  if (strcmp (nd->digest, (*slot)->digest) != 0
      || (nd->media_type && (!(*slot)->media_type || strcmp (nd->media_type, (*slot)->media_type) != 0)))
    *changed = true;
  oci_image_descriptor_free (*slot);
  *slot = nd;
  return 0;
}

static int
put_rewritten (struct import *im, char *json, size_t len, const char *mt, oci_image_descriptor *out,
               berr_t **err)
{
  cleanup_free char *digest = NULL;
  if (img_blob_put (im->s, json, len, &digest, err) < 0)
    return -1;
  desc_retarget (out, mt, digest, len);
  return 0;
}

static int
oci_import_index (struct import *im, const char *data, size_t len, int depth, oci_image_descriptor *out,
                  berr_t **err)
{
  cleanup_oci_image_index oci_image_index *idx = NULL;
  cleanup_free char *json = NULL;
  bool changed = img_mt_is_index (out->media_type) && strcmp (out->media_type, IMG_MT_OCI_INDEX) != 0;
  size_t i, jlen;

  idx = oci_image_index_parse_data (data, len, out->digest, err);
  if (idx == NULL)
    return -1;
  for (i = 0; i < idx->manifests_len; i++)
    if (oci_import_child (im, &idx->manifests[i], IMG_REACH_MANIFEST, depth, &changed, err) < 0)
      return -1;
  if (idx->subject && oci_import_child (im, &idx->subject, IMG_REACH_SUBJECT, depth, &changed, err) < 0)
    return -1;
  if (!changed)
    return 0;
  free (idx->media_type);
  idx->media_type = xstrdup (IMG_MT_OCI_INDEX);
  if (oci_image_index_generate (idx, &json, &jlen, err) < 0)
    return -1;
  return put_rewritten (im, json, jlen, IMG_MT_OCI_INDEX, out, err);
}

static int
oci_import_manifest (struct import *im, const char *data, size_t len, int depth, oci_image_descriptor *out,
                     berr_t **err)
{
  cleanup_oci_image_manifest oci_image_manifest *m = NULL;
  cleanup_free char *json = NULL;
  bool changed = img_mt_is_manifest (out->media_type) && strcmp (out->media_type, IMG_MT_OCI_MANIFEST) != 0;
  size_t i, jlen;

  m = oci_image_manifest_parse_data (data, len, out->digest, err);
  if (m == NULL)
    return -1;
  if (m->config == NULL)
    return berr_make (err, 0, "manifest '%s' has no config", out->digest);
  if (oci_import_child (im, &m->config, IMG_REACH_CONFIG, depth, &changed, err) < 0)
    return -1;
  for (i = 0; i < m->layers_len; i++)
    if (oci_import_child (im, &m->layers[i], IMG_REACH_LAYER, depth, &changed, err) < 0)
      return -1;
  if (m->subject && oci_import_child (im, &m->subject, IMG_REACH_SUBJECT, depth, &changed, err) < 0)
    return -1;
  if (!changed)
    return 0;
  free (m->media_type);
  m->media_type = xstrdup (IMG_MT_OCI_MANIFEST);
  if (oci_image_manifest_generate (m, &json, &jlen, err) < 0)
    return -1;
  return put_rewritten (im, json, jlen, IMG_MT_OCI_MANIFEST, out, err);
}

/* Is this blob there, in the archive or (already) in the store?  Foreign
 * layers and subjects may be absent. */
static int
oci_import_blob (struct import *im, const oci_image_descriptor *d, enum img_reach_role role, bool *absent,
                 berr_t **err)
{
  cleanup_free char *path = imp_blob_path (d->digest);
  cleanup_free char *digest = NULL;
  int64_t size;

  *absent = false;
  if (!imp_src_has (im, path))
    {
      if (img_blob_exists (im->s, d->digest))
        return 0;
      if ((role == IMG_REACH_LAYER && d->urls_len > 0) || role == IMG_REACH_SUBJECT)
        {
          *absent = true;
          return 0;
        }
      return berr_make (err, 0, "archive '%s': %s blob '%s' is missing", im->origin, role_label (role),
                        d->digest);
    }
  if (imp_src_blob (im, path, d->digest, &digest, &size, err) < 0)
    return -1;
  if (d->size_present && size != d->size)
    return berr_make (err, 0, "archive '%s': blob '%s' is %lld bytes, its descriptor says %lld", im->origin,
                      d->digest, (long long)size, (long long)d->size);
  return 0;
}

static int
oci_import_desc (struct import *im, const oci_image_descriptor *d, enum img_reach_role role, int depth,
                 oci_image_descriptor **out, berr_t **err)
{
  cleanup_oci_image_descriptor oci_image_descriptor *nd = NULL;
  cleanup_free char *data = NULL;
  const char *mt = d->media_type;
  size_t len;
  bool absent;

  if (d->digest == NULL || !img_digest_valid (d->digest))
    return berr_make (err, 0, "archive '%s': descriptor digest '%s' is not valid", im->origin,
                      d->digest ? d->digest : "");
  if (depth > IMPORT_MAX_DEPTH)
    return berr_make (err, 0, "archive '%s': indexes nested deeper than %d", im->origin, IMPORT_MAX_DEPTH);
  if (oci_import_blob (im, d, role, &absent, err) < 0)
    return -1;
  nd = img_desc_copy (d);
  if (role == IMG_REACH_CONFIG || role == IMG_REACH_LAYER)
    {
      desc_retarget (nd, oci_leaf_type (mt, role), NULL, 0);
      *out = steal_ptr (nd);
      return 0;
    }
  if (absent || (mt && !img_mt_is_index (mt) && !img_mt_is_manifest (mt)))
    {
      *out = steal_ptr (nd);
      return 0;
    }
  if (img_blob_read_all (im->s, d->digest, d->size_present ? d->size : -1, IMG_JSON_MAX, &data, &len, err)
      < 0)
    return -1;
  if (img_doc_kind (mt, data, len) == IMG_DOC_INDEX)
    {
      if (oci_import_index (im, data, len, depth, nd, err) < 0)
        return berr_wrap (err, "archive '%s'", im->origin);
    }
  else if (oci_import_manifest (im, data, len, depth, nd, err) < 0)
    return berr_wrap (err, "archive '%s'", im->origin);
  *out = steal_ptr (nd);
  return 0;
}

int
imp_oci (struct import *im, const struct img_import_opts *o, berr_t **err)
{
  cleanup_oci_image_index oci_image_index *idx = NULL;
  cleanup_oci_image_layout oci_image_layout *lay = NULL;
  cleanup_free char *data = NULL;
  size_t len, i;

  if (imp_src_small (im, "oci-layout", &data, &len, err) < 0)
    return berr_wrap (err, "'%s' is not an OCI image layout", im->origin);
  lay = oci_image_layout_parse_data (data, len, "oci-layout", err);
  if (lay == NULL)
    return berr_wrap (err, "archive '%s'", im->origin);
  if (lay->image_layout_version == NULL || !util_str_has_prefix (lay->image_layout_version, "1."))
    return berr_make (err, 0, "archive '%s': image layout version '%s' is not supported", im->origin,
                      lay->image_layout_version ? lay->image_layout_version : "");
  free (steal_ptr (data));
  if (imp_src_small (im, "index.json", &data, &len, err) < 0)
    return -1;
  idx = oci_image_index_parse_data (data, len, "index.json", err);
  if (idx == NULL)
    return berr_wrap (err, "archive '%s'", im->origin);
  if (o->name && idx->manifests_len != 1)
    return berr_make (err, 0, "--name needs an archive with one image: '%s' has %zu", im->origin,
                      idx->manifests_len);
  for (i = 0; i < idx->manifests_len; i++)
    {
      cleanup_oci_image_descriptor oci_image_descriptor *nd = NULL;
      if (oci_import_desc (im, idx->manifests[i], IMG_REACH_ROOT, 0, &nd, err) < 0)
        return -1;
      imp_tag_add (im, nd, o->name ? o->name : img_desc_ref_name (idx->manifests[i]));
    }
  return 0;
}
