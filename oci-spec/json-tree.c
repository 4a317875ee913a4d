/* berth - the bounded JSON reader: yajl's event parser building the tree
 * yajl_tree_parse would, within the limits of berth-limits.h.
 *
 * yajl_tree_parse has no limit but memory: a config.json of a million
 * env entries took 130 MiB, and it keeps only C strings, so "\u0000"
 * would silently cut a path short ("/etc\u0000/x" read as "/etc").  Here
 * every value is counted as it arrives, so a hostile document is refused
 * at the first value past a limit, having built no more than the limit;
 * an array or object past OCI_JSON_MAX_ENTRIES is then only counted (no
 * allocation) to its end, so the error gives its true size.  Duplicate keys
 * are merged here, with a hash, once per object (first place, last value:
 * Go's encoding/json, so a config means to berth what it means to runc),
 * which leaves the walkers in oci-json.c free of quadratic lookups. */
#include <config.h>

#include "json-tree.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "berth-limits.h"
#include "json-path.h"
#include "util.h"

struct tctx
{
  const char *origin;
  berr_t **err;
  yajl_val root;
  yajl_val stack[OCI_JSON_MAX_DEPTH + 1]; /* open arrays and objects */
  size_t caps[OCI_JSON_MAX_DEPTH + 1];
  size_t depth;
  size_t values;
  size_t skip_level; /* >0: counting the children of stack[skip_level - 1] */
  size_t skip_depth; /* depth below that container while counting */
  size_t skip_count;
  yajl_handle h;
};

/* The path of the value being read: ".process.env[3]", the same
 * spelling as oci-json.c's messages (json-path.c). */
static void
tctx_path (struct tctx *t, bool want_next, struct oci_json_path *path)
{
  size_t i;

  for (i = 0; i < t->depth; i++)
    {
      yajl_val v = t->stack[i];
      if (YAJL_IS_OBJECT (v) && v->u.object.len > 0)
        oci_json_path_push_key (path, v->u.object.keys[v->u.object.len - 1]);
      else if (YAJL_IS_ARRAY (v) && want_next && i + 1 == t->depth)
        oci_json_path_push_index (path, v->u.array.len);
      else if (YAJL_IS_ARRAY (v) && v->u.array.len > 0)
        oci_json_path_push_index (path, v->u.array.len - 1);
    }
}

/* Fail naming the path through the first `upto` open containers (the
 * last value added in each; with `next`, the one about to be added in the
 * innermost array); returns 0 so yajl stops. */
static int __attribute__ ((format (printf, 4, 5)))
tctx_fail (struct tctx *t, size_t upto, bool next, const char *fmt, ...)
{
  struct oci_json_path path = { 0 };
  size_t saved = t->depth;
  va_list ap;

  t->depth = upto;
  tctx_path (t, next, &path);
  t->depth = saved;
  va_start (ap, fmt);
  oci_json_path_failv (t->err, t->origin, &path, fmt, ap);
  va_end (ap);
  oci_json_path_clear (&path);
  return 0;
}

static yajl_val
node_new (yajl_type type)
{
  yajl_val v = xzalloc (sizeof (*v));
  v->type = type;
  return v;
}

/* A child of the innermost open container starts: count it against that
 * container's entries.  Returns 1 to build it, 2 to count it only (the
 * container is past its limit), 0 to stop. */
static int
child_begin (struct tctx *t, bool is_key)
{
  yajl_val p;
  size_t n;

  if (t->skip_level)
    {
      if (t->depth == t->skip_level && (is_key || YAJL_IS_ARRAY (t->stack[t->depth - 1])))
        t->skip_count++;
      return 2;
    }
  if (t->depth == 0)
    return 1;
  p = t->stack[t->depth - 1];
  if (YAJL_IS_OBJECT (p) && !is_key)
    return 1; /* the value of a key already counted */
  n = YAJL_IS_OBJECT (p) ? p->u.object.len : p->u.array.len;
  if (n >= OCI_JSON_MAX_ENTRIES)
    {
      t->skip_level = t->depth;
      t->skip_count = n + 1;
      return 2;
    }
  return 1;
}

static int
add_value (struct tctx *t, yajl_val v)
{
  yajl_val p;

  if (++t->values > OCI_JSON_MAX_VALUES)
    {
      yajl_tree_free (v);
      return tctx_fail (t, t->depth, true, "more than %d values in the document", OCI_JSON_MAX_VALUES);
    }
  if (t->depth == 0)
    {
      t->root = v;
      return 1;
    }
  p = t->stack[t->depth - 1];
  if (YAJL_IS_OBJECT (p))
    {
      p->u.object.values[p->u.object.len - 1] = v;
      return 1;
    }
  if (p->u.array.len == t->caps[t->depth - 1])
    {
      t->caps[t->depth - 1] = t->caps[t->depth - 1] ? t->caps[t->depth - 1] * 2 : 8;
      p->u.array.values = xrealloc (p->u.array.values, t->caps[t->depth - 1] * sizeof (yajl_val));
    }
  p->u.array.values[p->u.array.len++] = v;
  return 1;
}

static int
scalar (struct tctx *t, yajl_val v)
{
  int r = child_begin (t, false);

  if (r != 1)
    {
      yajl_tree_free (v);
      return r == 2;
    }
  return add_value (t, v);
}

static int
on_null (void *ctx)
{
  return scalar (ctx, node_new (yajl_t_null));
}

static int
on_boolean (void *ctx, int b)
{
  return scalar (ctx, node_new (b ? yajl_t_true : yajl_t_false));
}

static int
on_number (void *ctx, const char *s, size_t l)
{
  yajl_val v = node_new (yajl_t_number);
  char *end;

  v->u.number.r = xstrndup (s, l);
  errno = 0;
  v->u.number.i = strtoll (v->u.number.r, &end, 10);
  if (errno == 0 && *end == '\0')
    v->u.number.flags |= YAJL_NUMBER_INT_VALID;
  errno = 0;
  v->u.number.d = strtod (v->u.number.r, &end);
  if (errno == 0 && *end == '\0')
    v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
  return scalar (ctx, v);
}

static int
on_string (void *ctx, const unsigned char *s, size_t l)
{
  struct tctx *t = ctx;
  yajl_val v;

  if (memchr (s, '\0', l) != NULL)
    {
      /* Added as a null first, so the path names this element. */
      if (!scalar (t, node_new (yajl_t_null)))
        return 0;
      return tctx_fail (t, t->depth, false, "string contains a NUL byte (\\u0000)");
    }
  v = node_new (yajl_t_string);
  v->u.string = xstrndup ((const char *)s, l);
  return scalar (t, v);
}

static int
open_container (struct tctx *t, yajl_type type)
{
  int r = child_begin (t, false);
  yajl_val v;

  if (r == 0)
    return 0;
  /* By offset: the path would be a hundred levels long. */
  if (t->depth >= OCI_JSON_MAX_DEPTH)
    return berr_make (t->err, 0, "%s: byte %zu: nested deeper than %d levels", t->origin,
                      yajl_get_bytes_consumed (t->h) - 1, OCI_JSON_MAX_DEPTH),
           0;
  if (r == 2)
    {
      t->skip_depth++;
      t->depth++;
      return 1;
    }
  v = node_new (type);
  if (!add_value (t, v))
    return 0;
  t->stack[t->depth] = v;
  t->caps[t->depth] = 0;
  t->depth++;
  return 1;
}

static int
on_start_map (void *ctx)
{
  return open_container (ctx, yajl_t_object);
}

static int
on_start_array (void *ctx)
{
  return open_container (ctx, yajl_t_array);
}

static int
on_map_key (void *ctx, const unsigned char *s, size_t l)
{
  struct tctx *t = ctx;
  yajl_val p = t->stack[t->depth - 1];
  int r = child_begin (t, true);
  size_t *cap = &t->caps[t->depth - 1];

  if (r != 1)
    return r == 2;
  if (p->u.object.len == *cap)
    {
      *cap = *cap ? *cap * 2 : 8;
      p->u.object.keys = xrealloc (p->u.object.keys, *cap * sizeof (char *));
      p->u.object.values = xrealloc (p->u.object.values, *cap * sizeof (yajl_val));
    }
  p->u.object.keys[p->u.object.len] = xstrndup ((const char *)s, l);
  p->u.object.values[p->u.object.len] = NULL;
  p->u.object.len++;
  if (memchr (s, '\0', l) != NULL)
    return tctx_fail (t, t->depth - 1, false, "key %zu contains a NUL byte (\\u0000)", p->u.object.len - 1);
  return 1;
}

static uint64_t
key_hash (const char *k)
{
  uint64_t h = 1469598103934665603ULL;

  for (; *k; k++)
    h = (h ^ (unsigned char)*k) * 1099511628211ULL;
  return h;
}

/* Merge duplicate keys: the first occurrence keeps its place and takes
 * the last value. */
static void
object_dedup (yajl_val o)
{
  size_t n = o->u.object.len, size = 16, i, out = 0;
  cleanup_free size_t *slots = NULL; /* index + 1, 0 = empty */

  if (n < 2)
    return;
  while (size < n * 2)
    size *= 2;
  slots = xzalloc (size * sizeof (size_t));
  for (i = 0; i < n; i++)
    {
      const char *k = o->u.object.keys[i];
      size_t h = (size_t)key_hash (k) & (size - 1);
      for (; slots[h]; h = (h + 1) & (size - 1))
        if (strcmp (o->u.object.keys[slots[h] - 1], k) == 0)
          break;
      if (slots[h])
        {
          size_t first = slots[h] - 1;
          yajl_tree_free (o->u.object.values[first]);
          o->u.object.values[first] = o->u.object.values[i];
          free ((char *)k);
          continue;
        }
      o->u.object.keys[out] = k;
      o->u.object.values[out] = o->u.object.values[i];
      slots[h] = ++out;
    }
  o->u.object.len = out;
}

static int
close_container (struct tctx *t)
{
  if (t->skip_level)
    {
      t->depth--;
      if (t->skip_depth > 0)
        {
          t->skip_depth--;
          return 1;
        }
      return tctx_fail (t, t->depth, false, "too many entries (%zu, limit %d)", t->skip_count,
                        OCI_JSON_MAX_ENTRIES);
    }
  t->depth--;
  if (YAJL_IS_OBJECT (t->stack[t->depth]))
    object_dedup (t->stack[t->depth]);
  return 1;
}

static int
on_end (void *ctx)
{
  return close_container (ctx);
}

static const yajl_callbacks callbacks = {
  .yajl_null = on_null,
  .yajl_boolean = on_boolean,
  .yajl_number = on_number,
  .yajl_string = on_string,
  .yajl_start_map = on_start_map,
  .yajl_map_key = on_map_key,
  .yajl_end_map = on_end,
  .yajl_start_array = on_start_array,
  .yajl_end_array = on_end,
};

/* A syntax error with its byte offset, line and column. */
static void
syntax_error (yajl_handle h, yajl_status st, const char *data, size_t len, const char *origin, berr_t **err)
{
  size_t off = st == yajl_status_ok ? len : yajl_get_bytes_consumed (h), i, line = 1, col = 1;
  unsigned char *m = yajl_get_error (h, 0, (const unsigned char *)data, len);
  cleanup_free char *msg = xstrdup (m ? (const char *)m : "parse error");

  if (m)
    yajl_free_error (h, m);
  if (off > len)
    off = len;
  for (i = 0; i < off; i++)
    if (data[i] == '\n')
      line++, col = 1;
    else
      col++;
  if (msg[0] && msg[strlen (msg) - 1] == '\n')
    msg[strlen (msg) - 1] = '\0';
  berr_make (err, 0, "%s: invalid JSON at byte %zu (line %zu, column %zu): %s", origin, off, line, col, msg);
}

yajl_val
oci_json_tree_parse (const char *data, size_t len, const char *origin, berr_t **err)
{
  struct tctx *t = xzalloc (sizeof (*t));
  berr_t *mine = NULL;
  yajl_handle h;
  yajl_status st;
  yajl_val root;

  t->origin = origin;
  t->err = &mine;
  h = t->h = yajl_alloc (&callbacks, NULL, t);
  yajl_config (h, yajl_allow_comments, 1);
  st = yajl_parse (h, (const unsigned char *)data, len);
  if (st == yajl_status_ok)
    {
      /* The whole buffer was fine: an error now is the document's end. */
      st = yajl_complete_parse (h);
      if (st != yajl_status_ok && mine == NULL)
        syntax_error (h, yajl_status_ok, data, len, origin, &mine);
    }
  else if (mine == NULL)
    syntax_error (h, st, data, len, origin, &mine);
  yajl_free (h);
  root = t->root;
  free (t);
  if (mine)
    {
      yajl_tree_free (root);
      if (err)
        *err = mine;
      else
        berr_free (mine);
      return NULL;
    }
  return root;
}
