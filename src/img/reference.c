/* img - parsing image references (distribution's reference grammar):
 *
 *   [domain/]path[:tag][@digest]
 *
 * The first path component is a domain when it has a '.' or a ':' or is
 * "localhost" (docker's rule); otherwise the registry is docker.io and a
 * one-component path gets "library/".  Repository components are lowercase
 * alphanumerics joined by '.', '_', '__' or dashes; a tag is at most 128 of
 * [A-Za-z0-9_.-] not starting with '.' or '-'. */
#include <config.h>

#include "berth-limits.h"
#include "reference.h"

#include <ctype.h>
#include <string.h>

#include "digest.h"
#include "util.h"

#define REPO_MAX 255

static bool
valid_component (const char *c, size_t n)
{
  size_t i = 0;

  if (n == 0 || !(islower ((unsigned char)c[0]) || isdigit ((unsigned char)c[0])))
    return false;
  if (!(islower ((unsigned char)c[n - 1]) || isdigit ((unsigned char)c[n - 1])))
    return false;
  while (i < n)
    {
      if (islower ((unsigned char)c[i]) || isdigit ((unsigned char)c[i]))
        {
          i++;
          continue;
        }
      /* a separator: ".", "_", "__" or one or more "-" */
      if (c[i] == '.')
        i++;
      else if (c[i] == '_')
        i += (i + 1 < n && c[i + 1] == '_') ? 2 : 1;
      else if (c[i] == '-')
        while (i < n && c[i] == '-')
          i++;
      else
        return false;
      if (i >= n || !(islower ((unsigned char)c[i]) || isdigit ((unsigned char)c[i])))
        return false;
    }
  return true;
}

static bool
valid_path (const char *p)
{
  const char *s = p;

  for (;;)
    {
      const char *slash = strchr (s, '/');
      size_t n = slash ? (size_t)(slash - s) : strlen (s);
      if (!valid_component (s, n))
        return false;
      if (!slash)
        return true;
      s = slash + 1;
    }
}

static bool
valid_tag (const char *t)
{
  size_t n = strlen (t), i;

  if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
    return false;
  for (i = 0; i < n; i++)
    if (!(isalnum ((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
      return false;
  return true;
}

static bool
valid_domain (const char *d)
{
  size_t i, n = strlen (d);
  const char *colon = strrchr (d, ':');

  if (n == 0 || n > 255)
    return false;
  for (i = 0; i < n; i++)
    {
      char c = d[i];
      if (!(isalnum ((unsigned char)c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
        return false;
    }
  if (colon && d[0] != '[')
    {
      long port;
      if (util_parse_long (colon + 1, &port) < 0 || port <= 0 || port > 65535)
        return false;
    }
  return true;
}

void
img_reference_clear (struct img_reference *r)
{
  free (r->registry);
  free (r->repository);
  free (r->tag);
  free (r->digest);
  memset (r, 0, sizeof (*r));
}

int
img_reference_parse (const char *s, struct img_reference *r, berr_t **err)
{
  cleanup_free char *copy = NULL;
  char *rest, *at, *slash, *colon, *last;

  memset (r, 0, sizeof (*r));
  if (s == NULL || s[0] == '\0')
    return berr_make (err, 0, "invalid image reference '': empty");
  /* Before any message echoes it whole. */
  if (strlen (s) > IMG_NAME_MAX)
    return berr_make (err, 0, "invalid image reference '%.64s...': too long (%zu bytes, limit %d)", s,
                      strlen (s), IMG_NAME_MAX);
  copy = xstrdup (util_str_has_prefix (s, "docker://") ? s + 9 : s);
  rest = copy;

  at = strchr (rest, '@');
  if (at)
    {
      *at = '\0';
      if (img_digest_parse (at + 1, NULL, NULL, NULL) < 0)
        return berr_make (err, 0, "invalid image reference '%s': bad digest '%s'", s, at + 1);
      r->digest = xstrdup (at + 1);
    }

  slash = strchr (rest, '/');
  if (slash
      && (memchr (rest, '.', (size_t)(slash - rest)) || memchr (rest, ':', (size_t)(slash - rest))
          || ((size_t)(slash - rest) == 9 && strncmp (rest, "localhost", 9) == 0)))
    {
      *slash = '\0';
      if (!valid_domain (rest))
        return berr_make (err, 0, "invalid image reference '%s': bad registry '%s'", s, rest);
      r->registry = xstrdup (strcmp (rest, "index.docker.io") == 0 ? IMG_DEFAULT_REGISTRY : rest);
      rest = slash + 1;
    }
  else
    r->registry = xstrdup (IMG_DEFAULT_REGISTRY);

  last = strrchr (rest, '/');
  colon = strchr (last ? last : rest, ':');
  if (colon)
    {
      *colon = '\0';
      if (!valid_tag (colon + 1))
        {
          img_reference_clear (r);
          return berr_make (err, 0, "invalid image reference '%s': bad tag '%s'", s, colon + 1);
        }
      r->tag = xstrdup (colon + 1);
    }
  if (!valid_path (rest))
    {
      img_reference_clear (r);
      return berr_make (
        err, 0,
        "invalid image reference '%s': bad repository name '%s' (lowercase letters, digits and "
        "separators)",
        s, rest);
    }
  if (strcmp (r->registry, IMG_DEFAULT_REGISTRY) == 0 && strchr (rest, '/') == NULL)
    r->repository = xasprintf ("library/%s", rest);
  else
    r->repository = xstrdup (rest);
  /* The limit holds for the normalised name ("library/" included), or the
   * name img prints back would not parse. */
  if (strlen (r->repository) > REPO_MAX)
    {
      img_reference_clear (r);
      return berr_make (err, 0, "invalid image reference '%s': repository name longer than %d characters", s,
                        REPO_MAX);
    }
  if (r->tag == NULL && r->digest == NULL)
    r->tag = xstrdup ("latest");
  return 0;
}

static char *
join (const char *reg, const char *repo, const struct img_reference *r)
{
  return xasprintf ("%s%s%s%s%s%s%s", reg ? reg : "", reg ? "/" : "", repo, r->tag ? ":" : "",
                    r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *
img_reference_string (const struct img_reference *r)
{
  return join (r->registry, r->repository, r);
}

char *
img_reference_familiar (const struct img_reference *r)
{
  if (strcmp (r->registry, IMG_DEFAULT_REGISTRY) == 0)
    return join (NULL, util_str_has_prefix (r->repository, "library/") ? r->repository + 8 : r->repository,
                 r);
  return join (r->registry, r->repository, r);
}

const char *
img_reference_api_host (const struct img_reference *r)
{
  return strcmp (r->registry, IMG_DEFAULT_REGISTRY) == 0 ? "registry-1.docker.io" : r->registry;
}
