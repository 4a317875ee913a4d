/* berth - JSON generation for the generated oci-spec types.
 *
 * Walks the same `struct oci_type` tables as oci-json.c and writes the known
 * fields in description order, then the unknown keys kept at parse time, so a
 * parse/generate round trip loses nothing.  Absent fields (NULL pointers,
 * `_present == false`) are omitted; an array whose pointer is set is written
 * even when empty.  Output is compact, or with OCI_GEN_PRETTY indented with
 * tabs and ending in a newline, the shape `runc spec` writes. */
#include <config.h>

#include "oci-json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "util.h"

static int gen_object (const struct oci_type *t, const void *obj, yajl_gen g);

static int
gen_string (yajl_gen g, const char *s)
{
  return yajl_gen_string (g, (const unsigned char *)s, strlen (s)) == yajl_gen_status_ok ? 0 : -1;
}

/* Any yajl tree kept from the input; numbers keep their original text. */
static int
gen_any (yajl_gen g, yajl_val v)
{
  size_t i;

  if (v == NULL || YAJL_IS_NULL (v))
    return yajl_gen_null (g) == yajl_gen_status_ok ? 0 : -1;
  if (YAJL_IS_STRING (v))
    return gen_string (g, YAJL_GET_STRING (v));
  if (YAJL_IS_NUMBER (v))
    {
      const char *r = YAJL_GET_NUMBER (v);
      return yajl_gen_number (g, r, strlen (r)) == yajl_gen_status_ok ? 0 : -1;
    }
  if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    return yajl_gen_bool (g, YAJL_IS_TRUE (v)) == yajl_gen_status_ok ? 0 : -1;
  if (YAJL_IS_ARRAY (v))
    {
      if (yajl_gen_array_open (g) != yajl_gen_status_ok)
        return -1;
      for (i = 0; i < v->u.array.len; i++)
        if (gen_any (g, v->u.array.values[i]) < 0)
          return -1;
      return yajl_gen_array_close (g) == yajl_gen_status_ok ? 0 : -1;
    }
  if (yajl_gen_map_open (g) != yajl_gen_status_ok)
    return -1;
  for (i = 0; i < v->u.object.len; i++)
    if (gen_string (g, v->u.object.keys[i]) < 0 || gen_any (g, v->u.object.values[i]) < 0)
      return -1;
  return yajl_gen_map_close (g) == yajl_gen_status_ok ? 0 : -1;
}

static int
gen_integer (yajl_gen g, bool is_signed, unsigned size, const void *src)
{
  char buf[32];
  int n;

  if (is_signed)
    {
      int64_t x = size == 1   ? *(const int8_t *)src
                  : size == 2 ? *(const int16_t *)src
                  : size == 4 ? *(const int32_t *)src
                              : *(const int64_t *)src;
      n = snprintf (buf, sizeof (buf), "%" PRId64, x);
    }
  else
    {
      uint64_t x = size == 1   ? *(const uint8_t *)src
                   : size == 2 ? *(const uint16_t *)src
                   : size == 4 ? *(const uint32_t *)src
                               : *(const uint64_t *)src;
      n = snprintf (buf, sizeof (buf), "%" PRIu64, x);
    }
  return yajl_gen_number (g, buf, (size_t)n) == yajl_gen_status_ok ? 0 : -1;
}

static int
gen_string_map (yajl_gen g, const oci_string_map *m)
{
  size_t i;

  if (yajl_gen_map_open (g) != yajl_gen_status_ok)
    return -1;
  for (i = 0; i < m->len; i++)
    if (gen_string (g, m->keys[i]) < 0 || gen_string (g, m->values[i] ? m->values[i] : "") < 0)
      return -1;
  return yajl_gen_map_close (g) == yajl_gen_status_ok ? 0 : -1;
}

struct object_map
{
  char **keys;
  void **values;
  size_t len;
};

static int
gen_object_map (yajl_gen g, const struct oci_type *t, const struct object_map *m)
{
  size_t i;

  if (yajl_gen_map_open (g) != yajl_gen_status_ok)
    return -1;
  for (i = 0; i < m->len; i++)
    if (gen_string (g, m->keys[i]) < 0 || gen_object (t, m->values[i], g) < 0)
      return -1;
  return yajl_gen_map_close (g) == yajl_gen_status_ok ? 0 : -1;
}

static int
gen_value (const struct oci_field *f, const void *src, yajl_gen g)
{
  const void *p;

  if (f->kind == OCI_KIND_BOOL)
    return yajl_gen_bool (g, *(const bool *)src) == yajl_gen_status_ok ? 0 : -1;
  if (f->kind == OCI_KIND_INT || f->kind == OCI_KIND_UINT)
    return gen_integer (g, f->kind == OCI_KIND_INT, f->size, src);
  /* Every other kind is stored as a pointer; a NULL one inside an array
   * (only a hand-built value can have it) is written as null. */
  p = *(void *const *)src;
  if (p == NULL && f->kind != OCI_KIND_STRING)
    return yajl_gen_null (g) == yajl_gen_status_ok ? 0 : -1;
  switch (f->kind)
    {
    case OCI_KIND_STRING:
      return gen_string (g, p ? p : "");
    case OCI_KIND_OBJECT:
      return gen_object (f->type, p, g);
    case OCI_KIND_STRING_MAP:
      return gen_string_map (g, p);
    case OCI_KIND_OBJECT_MAP:
      return gen_object_map (g, f->type, p);
    case OCI_KIND_ANY:
      return gen_any (g, (yajl_val)p);
    default:
      return -1;
    }
}

static size_t
elem_size (const struct oci_field *f)
{
  if (f->kind == OCI_KIND_BOOL)
    return sizeof (bool);
  if (f->kind == OCI_KIND_INT || f->kind == OCI_KIND_UINT)
    return f->size;
  return sizeof (void *);
}

static bool
field_present (const struct oci_field *f, const char *obj)
{
  if (f->array)
    return *(char *const *)(obj + f->offset) != NULL;
  if (f->kind == OCI_KIND_BOOL || f->kind == OCI_KIND_INT || f->kind == OCI_KIND_UINT)
    return *(const bool *)(obj + f->aux_offset);
  return *(void *const *)(obj + f->offset) != NULL;
}

static int
gen_field (const struct oci_field *f, const char *obj, yajl_gen g)
{
  const char *arr;
  size_t i, n, sz;

  if (gen_string (g, f->json_name) < 0)
    return -1;
  if (!f->array)
    return gen_value (f, obj + f->offset, g);
  arr = *(char *const *)(obj + f->offset);
  n = *(const size_t *)(obj + f->aux_offset);
  sz = elem_size (f);
  if (yajl_gen_array_open (g) != yajl_gen_status_ok)
    return -1;
  for (i = 0; i < n; i++)
    if (gen_value (f, arr + i * sz, g) < 0)
      return -1;
  return yajl_gen_array_close (g) == yajl_gen_status_ok ? 0 : -1;
}

static int
gen_object (const struct oci_type *t, const void *obj, yajl_gen g)
{
  const char *o = obj;
  const oci_extra *x = *(oci_extra *const *)(o + t->extra_offset);
  size_t i;

  if (yajl_gen_map_open (g) != yajl_gen_status_ok)
    return -1;
  for (i = 0; i < t->n_fields; i++)
    if (field_present (&t->fields[i], o) && gen_field (&t->fields[i], o, g) < 0)
      return -1;
  for (i = 0; x && i < x->len; i++)
    {
      /* A caller may have set a known field by hand that also came in as
       * unknown under the same key; the typed value wins. */
      bool shadowed = false;
      size_t j;
      for (j = 0; j < t->n_fields && !shadowed; j++)
        shadowed = strcmp (t->fields[j].json_name, x->keys[i]) == 0;
      if (shadowed)
        continue;
      if (gen_string (g, x->keys[i]) < 0 || gen_any (g, x->values[i]) < 0)
        return -1;
    }
  return yajl_gen_map_close (g) == yajl_gen_status_ok ? 0 : -1;
}

int
oci_json_generate (const struct oci_type *t, const void *obj, unsigned flags, char **json, size_t *len,
                   berr_t **err)
{
  yajl_gen g;
  const unsigned char *buf = NULL;
  size_t n = 0;
  int ret;

  if (obj == NULL)
    return berr_make (err, 0, "generate %s: no value", t->name);
  g = yajl_gen_alloc (NULL);
  if (g == NULL)
    return berr_make (err, ENOMEM, "generate %s", t->name);
  if (flags & OCI_GEN_PRETTY)
    {
      yajl_gen_config (g, yajl_gen_beautify, 1);
      yajl_gen_config (g, yajl_gen_indent_string, "\t");
    }
  ret = gen_object (t, obj, g);
  if (ret == 0 && yajl_gen_get_buf (g, &buf, &n) == yajl_gen_status_ok)
    {
      *json = xstrndup ((const char *)buf, n);
      if (len)
        *len = n;
    }
  else
    ret = berr_make (err, 0, "generate %s: yajl cannot write the value (nesting deeper than 128?)", t->name);
  yajl_gen_free (g);
  return ret;
}
