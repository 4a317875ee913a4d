/* berth - the JSON path in oci-spec's errors: how a key and an index are
 * spelled, and the "ORIGIN: PATH: message" form.  json-tree.c names the
 * value a limit stopped at, oci-json.c the value of the wrong type; a user
 * reads both in the same messages, so there is one spelling (json-path.h). */
#include <config.h>

#include "json-path.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Keys that are not identifiers (sysctl names, annotation keys) are shown
 * quoted, so ".linux.sysctl[\"net.ipv4.ip_forward\"]" stays unambiguous. */
static bool
is_plain_key (const char *k)
{
  if (*k == '\0')
    return false;
  for (; *k; k++)
    if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '_'
          || *k == '-'))
      return false;
  return true;
}

static size_t
path_append (struct oci_json_path *p, const char *s)
{
  size_t mark = p->len, n = strlen (s);

  if (p->len + n + 1 > p->cap)
    {
      p->cap = (p->len + n + 1) * 2;
      p->buf = xrealloc (p->buf, p->cap);
    }
  memcpy (p->buf + p->len, s, n + 1);
  p->len += n;
  return mark;
}

size_t
oci_json_path_push_key (struct oci_json_path *p, const char *key)
{
  cleanup_free char *s = is_plain_key (key) ? xasprintf (".%s", key) : xasprintf ("[\"%s\"]", key);

  return path_append (p, s);
}

size_t
oci_json_path_push_index (struct oci_json_path *p, size_t i)
{
  char buf[32];

  snprintf (buf, sizeof (buf), "[%zu]", i);
  return path_append (p, buf);
}

void
oci_json_path_pop (struct oci_json_path *p, size_t mark)
{
  p->len = mark;
  if (p->buf)
    p->buf[mark] = '\0';
}

void
oci_json_path_clear (struct oci_json_path *p)
{
  free (p->buf);
  p->buf = NULL;
  p->len = p->cap = 0;
}

int
oci_json_path_failv (berr_t **err, const char *origin, const struct oci_json_path *p, const char *fmt,
                     va_list ap)
{
  cleanup_free char *msg = NULL;

  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  if (p->len == 0)
    return berr_make (err, 0, "%s: %s", origin, msg ? msg : "out of memory");
  return berr_make (err, 0, "%s: %s: %s", origin, p->buf, msg ? msg : "out of memory");
}
