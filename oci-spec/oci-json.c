/* berth - parse and free for the generated oci-spec types.
 *
 * The generated code is only data: a `struct oci_type` per struct with the
 * JSON key, kind and offsets of every field.  This file walks a yajl tree
 * against those tables.  Rules, documented in oci-spec/README.md:
 *   - errors name the origin and the JSON path (".process.args[2]");
 *   - a key given twice: the last one wins (as Go's encoding/json, so a config
 *     means to berth what it means to runc; json-tree.c merges them, and
 *     enforces the limits of berth-limits.h while reading);
 *   - null for a known key means "absent"; unknown keys (null included) are
 *     kept verbatim in `extra` and written back by generate;
 *   - integers must be integral and fit the field's Go type.
 * Generation lives in oci-json-gen.c. */
#include <config.h>

#include "oci-json.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "berth-limits.h"
#include "json-path.h"
#include "json-tree.h"
#include "util.h"

struct pctx
{
  const char *origin;
  struct oci_json_path path; /* ".linux.namespaces[3].type" */
  berr_t **err;
};

static int __attribute__ ((format (printf, 2, 3))) pctx_fail (struct pctx *c, const char *fmt, ...)
{
  va_list ap;
  int r;

  va_start (ap, fmt);
  r = oci_json_path_failv (c->err, c->origin, &c->path, fmt, ap);
  va_end (ap);
  return r;
}

static const char *
json_type_name (yajl_val v)
{
  if (v == NULL || YAJL_IS_NULL (v))
    return "null";
  if (YAJL_IS_STRING (v))
    return "string";
  if (YAJL_IS_NUMBER (v))
    return "number";
  if (YAJL_IS_OBJECT (v))
    return "object";
  if (YAJL_IS_ARRAY (v))
    return "array";
  return "boolean";
}

static int
type_error (struct pctx *c, const char *want, yajl_val v)
{
  return pctx_fail (c, "expected %s, got %s", want, json_type_name (v));
}

static const char *
int_type_name (bool is_signed, unsigned size)
{
  static const char *const s[] = { "int8", "int16", "int32", "int64" };
  static const char *const u[] = { "uint8", "uint16", "uint32", "uint64" };
  unsigned i = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
  return is_signed ? s[i] : u[i];
}

/* Integers are read from yajl's raw text, not its long long, so that the full
 * uint64 range works and 1.5 or 1e3 are refused rather than truncated. */
static int
parse_integer (yajl_val v, struct pctx *c, bool is_signed, unsigned size, void *dst)
{
  const char *r, *p;
  char *end = NULL;

  if (!YAJL_IS_NUMBER (v))
    return type_error (c, "integer", v);
  r = YAJL_GET_NUMBER (v);
  for (p = (*r == '-') ? r + 1 : r; *p; p++)
    if (*p < '0' || *p > '9')
      return pctx_fail (c, "expected integer, got number %s", r);
  errno = 0;
  if (is_signed)
    {
      long long x = strtoll (r, &end, 10);
      long long max = size == 8 ? INT64_MAX : (1LL << (size * 8 - 1)) - 1;
      if (errno == ERANGE || x > max || x < -max - 1)
        return pctx_fail (c, "integer %s out of range for %s", r, int_type_name (true, size));
      if (size == 1)
        *(int8_t *)dst = (int8_t)x;
      else if (size == 2)
        *(int16_t *)dst = (int16_t)x;
      else if (size == 4)
        *(int32_t *)dst = (int32_t)x;
      else
        *(int64_t *)dst = (int64_t)x;
      return 0;
    }
  {
    unsigned long long x = strtoull (r, &end, 10);
    unsigned long long max = size == 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
    if (*r == '-' || errno == ERANGE || x > max)
      return pctx_fail (c, "integer %s out of range for %s", r, int_type_name (false, size));
    if (size == 1)
      *(uint8_t *)dst = (uint8_t)x;
    else if (size == 2)
      *(uint16_t *)dst = (uint16_t)x;
    else if (size == 4)
      *(uint32_t *)dst = (uint32_t)x;
    else
      *(uint64_t *)dst = (uint64_t)x;
  }
  return 0;
}

static void *parse_object (const struct oci_type *t, yajl_val v, struct pctx *c);

static void
string_map_put (oci_string_map *m, const char *key, char *value)
{
  size_t i;

  for (i = 0; i < m->len; i++)
    if (strcmp (m->keys[i], key) == 0)
      {
        free (m->values[i]);
        m->values[i] = value;
        return;
      }
  m->keys = xrealloc (m->keys, (m->len + 1) * sizeof (char *));
  m->values = xrealloc (m->values, (m->len + 1) * sizeof (char *));
  m->keys[m->len] = xstrdup (key);
  m->values[m->len] = value;
  m->len++;
}

static oci_string_map *
parse_string_map (yajl_val v, struct pctx *c)
{
  oci_string_map *m;
  size_t i;

  if (!YAJL_IS_OBJECT (v))
    return type_error (c, "object", v), NULL;
  /* the whole size at once: growing by one entry per key is quadratic
   * where realloc copies (ASan's always does: 100,000 annotations took
   * 85 s) */
  m = xzalloc (sizeof (*m));
  m->keys = xzalloc ((v->u.object.len + 1) * sizeof (char *));
  m->values = xzalloc ((v->u.object.len + 1) * sizeof (char *));
  for (i = 0; i < v->u.object.len; i++)
    {
      yajl_val e = v->u.object.values[i];
      if (!YAJL_IS_STRING (e))
        {
          size_t mark = oci_json_path_push_key (&c->path, v->u.object.keys[i]);
          type_error (c, "string", e);
          oci_json_path_pop (&c->path, mark);
          oci_string_map_free (m);
          return NULL;
        }
      m->keys[m->len] = xstrdup (v->u.object.keys[i]);
      m->values[m->len++] = xstrdup (YAJL_GET_STRING (e));
    }
  return m;
}

/* Every object map has the layout { char **keys; oci_X **values; size_t len; }. */
struct object_map
{
  char **keys;
  void **values;
  size_t len;
};

static void
object_map_free (const struct oci_type *t, struct object_map *m)
{
  size_t i;

  if (m == NULL)
    return;
  for (i = 0; i < m->len; i++)
    {
      free (m->keys[i]);
      oci_json_free (t, m->values[i]);
    }
  free (m->keys);
  free (m->values);
  free (m);
}

static struct object_map *
parse_object_map (const struct oci_type *t, yajl_val v, struct pctx *c)
{
  struct object_map *m;
  size_t i;

  if (!YAJL_IS_OBJECT (v))
    return type_error (c, "object", v), NULL;
  /* sized at once, as parse_string_map; keys are unique (json-tree.c
   * merged duplicates) */
  m = xzalloc (sizeof (*m));
  m->keys = xzalloc ((v->u.object.len + 1) * sizeof (char *));
  m->values = xzalloc ((v->u.object.len + 1) * sizeof (void *));
  for (i = 0; i < v->u.object.len; i++)
    {
      size_t mark = oci_json_path_push_key (&c->path, v->u.object.keys[i]);
      void *e = parse_object (t, v->u.object.values[i], c);
      oci_json_path_pop (&c->path, mark);
      if (e == NULL)
        {
          object_map_free (t, m);
          return NULL;
        }
      m->keys[m->len] = xstrdup (v->u.object.keys[i]);
      m->values[m->len++] = e;
    }
  return m;
}

static size_t
elem_size (const struct oci_field *f)
{
  switch (f->kind)
    {
    case OCI_KIND_BOOL:
      return sizeof (bool);
    case OCI_KIND_INT:
    case OCI_KIND_UINT:
      return f->size;
    default:
      return sizeof (void *);
    }
}

/* Free one value of f's kind stored at dst and zero it. */
static void
free_value (const struct oci_field *f, void *dst)
{
  switch (f->kind)
    {
    case OCI_KIND_STRING:
      free (*(char **)dst);
      break;
    case OCI_KIND_OBJECT:
      oci_json_free (f->type, *(void **)dst);
      break;
    case OCI_KIND_STRING_MAP:
      oci_string_map_free (*(oci_string_map **)dst);
      break;
    case OCI_KIND_OBJECT_MAP:
      object_map_free (f->type, *(struct object_map **)dst);
      break;
    case OCI_KIND_ANY:
      yajl_tree_free (*(yajl_val *)dst);
      break;
    default:
      break;
    }
  memset (dst, 0, elem_size (f));
}

/* Parse one value of f's kind from *slot into dst.  ANY steals the subtree
 * from the document (the slot is cleared so the tree's free skips it). */
static int
parse_value (const struct oci_field *f, yajl_val *slot, void *dst, struct pctx *c)
{
  yajl_val v = *slot;
  void *p = NULL;

  switch (f->kind)
    {
    case OCI_KIND_STRING:
      if (!YAJL_IS_STRING (v))
        return type_error (c, "string", v);
      *(char **)dst = xstrdup (YAJL_GET_STRING (v));
      return 0;
    case OCI_KIND_BOOL:
      if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
        return type_error (c, "boolean", v);
      *(bool *)dst = YAJL_IS_TRUE (v);
      return 0;
    case OCI_KIND_INT:
    case OCI_KIND_UINT:
      return parse_integer (v, c, f->kind == OCI_KIND_INT, f->size, dst);
    case OCI_KIND_OBJECT:
      p = parse_object (f->type, v, c);
      break;
    case OCI_KIND_STRING_MAP:
      p = parse_string_map (v, c);
      break;
    case OCI_KIND_OBJECT_MAP:
      p = parse_object_map (f->type, v, c);
      break;
    case OCI_KIND_ANY:
      p = v;
      *slot = NULL;
      break;
    }
  if (p == NULL)
    return -1;
  *(void **)dst = p;
  return 0;
}

static void
free_field (const struct oci_field *f, char *obj)
{
  if (f->array)
    {
      char *arr = *(char **)(obj + f->offset);
      size_t *n = (size_t *)(obj + f->aux_offset);
      size_t i, sz = elem_size (f);
      for (i = 0; arr && i < *n; i++)
        free_value (f, arr + i * sz);
      free (arr);
      *(char **)(obj + f->offset) = NULL;
      *n = 0;
      return;
    }
  free_value (f, obj + f->offset);
  if (f->kind == OCI_KIND_BOOL || f->kind == OCI_KIND_INT || f->kind == OCI_KIND_UINT)
    *(bool *)(obj + f->aux_offset) = false;
}

static int
parse_array (const struct oci_field *f, yajl_val v, char *obj, struct pctx *c)
{
  size_t i, n, sz = elem_size (f);
  char *arr;

  if (!YAJL_IS_ARRAY (v))
    return type_error (c, "array", v);
  n = v->u.array.len;
  /* Non-NULL even when empty: "present as []" differs from "absent". */
  arr = xzalloc (n * sz);
  *(char **)(obj + f->offset) = arr;
  for (i = 0; i < n; i++)
    {
      size_t mark = oci_json_path_push_index (&c->path, i);
      int ret = parse_value (f, &v->u.array.values[i], arr + i * sz, c);
      oci_json_path_pop (&c->path, mark);
      if (ret < 0)
        return -1;
      /* Count as we go so a failure frees exactly what was parsed. */
      *(size_t *)(obj + f->aux_offset) = i + 1;
    }
  return 0;
}

static int
parse_field (const struct oci_field *f, yajl_val *slot, char *obj, struct pctx *c)
{
  /* Last key wins: drop what an earlier duplicate left. */
  free_field (f, obj);
  if (*slot == NULL || YAJL_IS_NULL (*slot))
    return 0;
  if (f->array)
    return parse_array (f, *slot, obj, c);
  if (parse_value (f, slot, obj + f->offset, c) < 0)
    return -1;
  if (f->kind == OCI_KIND_BOOL || f->kind == OCI_KIND_INT || f->kind == OCI_KIND_UINT)
    *(bool *)(obj + f->aux_offset) = true;
  return 0;
}

/* Keep an unknown member (taken from *slot) in *xp, sized on first use for
 * every one of the object's nkeys members: no growth step per key. */
static void
extra_put (oci_extra **xp, size_t nkeys, const char *key, yajl_val *slot)
{
  oci_extra *x = *xp;

  /* keys are unique: json-tree.c merged duplicates */
  if (x == NULL)
    {
      x = *xp = xzalloc (sizeof (*x));
      x->keys = xzalloc (nkeys * sizeof (char *));
      x->values = xzalloc (nkeys * sizeof (yajl_val));
    }
  x->keys[x->len] = xstrdup (key);
  x->values[x->len] = *slot;
  *slot = NULL;
  x->len++;
}

static const struct oci_field *
find_field (const struct oci_type *t, const char *key)
{
  size_t i;

  for (i = 0; i < t->n_fields; i++)
    if (strcmp (t->fields[i].json_name, key) == 0)
      return &t->fields[i];
  return NULL;
}

static void *
parse_object (const struct oci_type *t, yajl_val v, struct pctx *c)
{
  char *obj;
  size_t i;

  if (!YAJL_IS_OBJECT (v))
    return type_error (c, "object", v), NULL;
  obj = xzalloc (t->size);
  for (i = 0; i < v->u.object.len; i++)
    {
      const char *key = v->u.object.keys[i];
      const struct oci_field *f = find_field (t, key);
      size_t mark;
      int ret;

      if (f == NULL)
        {
          extra_put ((oci_extra **)(obj + t->extra_offset), v->u.object.len, key, &v->u.object.values[i]);
          continue;
        }
      mark = oci_json_path_push_key (&c->path, key);
      ret = parse_field (f, &v->u.object.values[i], obj, c);
      oci_json_path_pop (&c->path, mark);
      if (ret < 0)
        {
          oci_json_free (t, obj);
          return NULL;
        }
    }
  return obj;
}

void *
oci_json_parse_data (const struct oci_type *t, const char *data, size_t len, const char *origin, berr_t **err)
{
  struct pctx c = { .origin = origin ? origin : "json", .err = err };
  yajl_val root;
  void *obj;

  if (data == NULL)
    return berr_make (err, EINVAL, "%s: no data", c.origin), NULL;
  root = oci_json_tree_parse (data, len, c.origin, err);
  if (root == NULL)
    return NULL;
  if (!YAJL_IS_OBJECT (root))
    obj = (pctx_fail (&c, "top-level value must be an object, got %s", json_type_name (root)), NULL);
  else
    obj = parse_object (t, root, &c);
  yajl_tree_free (root);
  oci_json_path_clear (&c.path);
  return obj;
}

void *
oci_json_parse_file (const struct oci_type *t, const char *path, berr_t **err)
{
  cleanup_free char *data = NULL;
  size_t len = 0;

  if (util_read_file_max_at (AT_FDCWD, path, OCI_JSON_MAX_BYTES, &data, &len, err) < 0)
    return NULL;
  return oci_json_parse_data (t, data, len, path, err);
}

void
oci_json_free (const struct oci_type *t, void *obj)
{
  size_t i;

  if (obj == NULL)
    return;
  for (i = 0; i < t->n_fields; i++)
    free_field (&t->fields[i], obj);
  oci_extra_free (*(oci_extra **)((char *)obj + t->extra_offset));
  free (obj);
}

void
oci_string_map_free (oci_string_map *m)
{
  size_t i;

  if (m == NULL)
    return;
  for (i = 0; i < m->len; i++)
    {
      free (m->keys[i]);
      free (m->values[i]);
    }
  free (m->keys);
  free (m->values);
  free (m);
}

void
oci_string_map_set (oci_string_map *m, const char *key, const char *value)
{
  string_map_put (m, key, xstrdup (value));
}

const char *
oci_string_map_get (const oci_string_map *m, const char *key)
{
  size_t i;

  for (i = 0; m && i < m->len; i++)
    if (strcmp (m->keys[i], key) == 0)
      return m->values[i];
  return NULL;
}

void
oci_extra_free (oci_extra *x)
{
  size_t i;

  if (x == NULL)
    return;
  for (i = 0; i < x->len; i++)
    {
      free (x->keys[i]);
      yajl_tree_free (x->values[i]);
    }
  free (x->keys);
  free (x->values);
  free (x);
}
