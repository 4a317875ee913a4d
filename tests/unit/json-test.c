/* Helpers shared by the oci-spec unit tests: data files and JSON
 * comparison. */
#include <config.h>

#include "json-test.h"

#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "util.h"

char *
test_slurp (const char *dir, const char *name)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, name);
  char *data = NULL;
  size_t len;
  berr_t *err = NULL;

  if (util_read_file (path, &data, &len, &err) < 0)
    {
      printf ("# %s\n", err->msg);
      berr_free (err);
      return NULL;
    }
  return data;
}

/* JSON equality with objects compared as sets of keys (generate writes known
 * keys in description order); numbers compare by their text. */
bool
test_json_equal (yajl_val a, yajl_val b)
{
  size_t i, j;

  if (a == NULL || b == NULL)
    return a == b;
  if (a->type != b->type)
    return false;
  if (YAJL_IS_STRING (a))
    return strcmp (a->u.string, b->u.string) == 0;
  if (YAJL_IS_NUMBER (a))
    return strcmp (a->u.number.r, b->u.number.r) == 0;
  if (YAJL_IS_ARRAY (a))
    {
      if (a->u.array.len != b->u.array.len)
        return false;
      for (i = 0; i < a->u.array.len; i++)
        if (!test_json_equal (a->u.array.values[i], b->u.array.values[i]))
          return false;
      return true;
    }
  if (!YAJL_IS_OBJECT (a))
    return true;
  if (a->u.object.len != b->u.object.len)
    return false;
  for (i = 0; i < a->u.object.len; i++)
    {
      for (j = 0; j < b->u.object.len; j++)
        if (strcmp (a->u.object.keys[i], b->u.object.keys[j]) == 0)
          break;
      if (j == b->u.object.len || !test_json_equal (a->u.object.values[i], b->u.object.values[j]))
        {
          printf ("# differs at key \"%s\"\n", a->u.object.keys[i]);
          return false;
        }
    }
  return true;
}

bool
test_same_json (const char *x, const char *y)
{
  char e[128];
  yajl_val a = yajl_tree_parse (x, e, sizeof (e)), b = yajl_tree_parse (y, e, sizeof (e));
  bool r = a && b && test_json_equal (a, b);

  yajl_tree_free (a);
  yajl_tree_free (b);
  return r;
}
