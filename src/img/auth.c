/* img - registry authentication helpers: WWW-Authenticate parsing (RFC 7235
 * auth-params, quoted strings with escapes), and credentials in
 * containers-auth.json(5) / docker config.json files, in the search order
 * podman and skopeo use.  The HTTP side (token fetch, retries) is in
 * registry.c. */
#include <config.h>

#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci-spec.h"
#include "util.h"

char *
img_base64_encode (const void *data, size_t len)
{
  char *out = xmalloc (4 * ((len + 2) / 3) + 1);
  EVP_EncodeBlock ((unsigned char *)out, data, (int)len);
  return out;
}

int
img_base64_decode (const char *s, char **out, size_t *len)
{
  size_t n = strlen (s), pad = 0;
  char *buf;
  int r;

  if (n % 4 != 0)
    return -1;
  if (n && s[n - 1] == '=')
    pad++;
  if (n > 1 && s[n - 2] == '=')
    pad++;
  buf = xmalloc (n / 4 * 3 + 1);
  r = EVP_DecodeBlock ((unsigned char *)buf, (const unsigned char *)s, (int)n);
  if (r < 0)
    {
      free (buf);
      return -1;
    }
  *len = (size_t)r - pad;
  buf[*len] = '\0';
  *out = buf;
  return 0;
}

void
img_auth_challenge_clear (struct img_auth_challenge *c)
{
  free (c->scheme);
  free (c->realm);
  free (c->service);
  free (c->scope);
  free (c->error);
  memset (c, 0, sizeof (*c));
}

static const char *
skip_ws (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* token or quoted-string; returns the position after it, NULL if malformed. */
static const char *
parse_value (const char *p, char **out)
{
  if (*p == '"')
    {
      size_t cap = strlen (p) + 1, n = 0;
      char *buf = xmalloc (cap);
      p++;
      while (*p && *p != '"')
        {
          if (*p == '\\' && p[1])
            p++;
          buf[n++] = *p++;
        }
      if (*p != '"')
        {
          free (buf);
          return NULL;
        }
      buf[n] = '\0';
      *out = buf;
      return p + 1;
    }
  else
    {
      const char *s = p;
      while (*p && *p != ',' && *p != ' ' && *p != '\t')
        p++;
      if (p == s)
        return NULL;
      *out = xstrndup (s, (size_t)(p - s));
      return p;
    }
}

int
img_auth_challenge_parse (const char *header, struct img_auth_challenge *c, berr_t **err)
{
  const char *p = skip_ws (header), *s;

  memset (c, 0, sizeof (*c));
  s = p;
  while (*p && !isspace ((unsigned char)*p) && *p != ',')
    p++;
  if (p == s)
    return berr_make (err, 0, "invalid WWW-Authenticate header '%s': no scheme", header);
  c->scheme = xstrndup (s, (size_t)(p - s));
  if (strcasecmp (c->scheme, "Bearer") != 0 && strcasecmp (c->scheme, "Basic") != 0)
    {
      berr_make (err, 0, "unsupported authentication scheme '%s' in WWW-Authenticate header '%s'", c->scheme,
                 header);
      img_auth_challenge_clear (c);
      return -1;
    }
  for (;;)
    {
      cleanup_free char *key = NULL;
      char *val = NULL;

      p = skip_ws (p);
      while (*p == ',')
        p = skip_ws (p + 1);
      if (*p == '\0')
        break;
      s = p;
      while (*p && *p != '=' && *p != ',' && !isspace ((unsigned char)*p))
        p++;
      if (*p != '=' || p == s)
        {
          /* another challenge follows (a new scheme): stop at the first */
          break;
        }
      key = xstrndup (s, (size_t)(p - s));
      p = parse_value (skip_ws (p + 1), &val);
      if (p == NULL)
        {
          berr_make (err, 0, "invalid WWW-Authenticate header '%s': bad value for '%s'", header, key);
          img_auth_challenge_clear (c);
          return -1;
        }
      if (strcasecmp (key, "realm") == 0)
        free (c->realm), c->realm = val;
      else if (strcasecmp (key, "service") == 0)
        free (c->service), c->service = val;
      else if (strcasecmp (key, "scope") == 0)
        free (c->scope), c->scope = val;
      else if (strcasecmp (key, "error") == 0)
        free (c->error), c->error = val;
      else
        free (val);
    }
  if (strcasecmp (c->scheme, "Bearer") == 0 && (c->realm == NULL || c->realm[0] == '\0'))
    {
      berr_make (err, 0, "invalid WWW-Authenticate header '%s': Bearer without a realm", header);
      img_auth_challenge_clear (c);
      return -1;
    }
  return 0;
}

char **
img_auth_files (void)
{
  const char *env = getenv ("REGISTRY_AUTH_FILE");
  const char *rt = getenv ("XDG_RUNTIME_DIR");
  const char *cfg = getenv ("XDG_CONFIG_HOME");
  const char *home = getenv ("HOME");
  char **v = xzalloc (6 * sizeof (char *));
  size_t n = 0;

  if (env && env[0])
    v[n++] = xstrdup (env);
  if (rt && rt[0])
    v[n++] = xasprintf ("%s/containers/auth.json", rt);
  else if (geteuid () == 0)
    v[n++] = xstrdup ("/run/containers/0/auth.json");
  if (cfg && cfg[0])
    v[n++] = xasprintf ("%s/containers/auth.json", cfg);
  else if (home && home[0])
    v[n++] = xasprintf ("%s/.config/containers/auth.json", home);
  if (home && home[0])
    {
      v[n++] = xasprintf ("%s/.docker/config.json", home);
      v[n++] = xasprintf ("%s/.dockercfg", home);
    }
  return v;
}

/* The key of an auths map that matches host/repo best: "host/ns/repo" keys
 * by longest prefix, then "host", then docker.io's legacy URL forms. */
static const oci_auth_entry *
find_entry (const oci_auth_file *f, const char *host, const char *repo)
{
  cleanup_free char *full = repo ? xasprintf ("%s/%s", host, repo) : xstrdup (host);
  const oci_auth_entry *best = NULL;
  size_t best_len = 0, i;
  bool docker = strcmp (host, "docker.io") == 0;

  if (f->auths == NULL)
    return NULL;
  for (i = 0; i < f->auths->len; i++)
    {
      const char *k = f->auths->keys[i];
      size_t kl;
      if (util_str_has_prefix (k, "https://"))
        k += 8;
      else if (util_str_has_prefix (k, "http://"))
        k += 7;
      kl = strlen (k);
      if (docker
          && (strcmp (k, "index.docker.io/v1/") == 0 || strcmp (k, "index.docker.io") == 0
              || strcmp (k, "registry-1.docker.io") == 0))
        {
          if (best == NULL)
            best = f->auths->values[i], best_len = strlen (host);
          continue;
        }
      while (kl > 0 && k[kl - 1] == '/')
        kl--;
      if (strncmp (full, k, kl) == 0 && (full[kl] == '\0' || full[kl] == '/') && kl >= best_len)
        {
          best = f->auths->values[i];
          best_len = kl;
        }
    }
  return best;
}

int
img_auth_lookup (const char *host, const char *repo, char **user, char **pass, berr_t **err)
{
  cleanup_strv char **files = img_auth_files ();
  size_t i;

  for (i = 0; files[i]; i++)
    {
      cleanup_free char *data = NULL;
      cleanup_free char *dec = NULL;
      berr_t *e = NULL;
      oci_auth_file *f;
      const oci_auth_entry *ent;
      size_t len;
      char *colon;

      if (util_str_has_suffix (files[i], "/.dockercfg"))
        continue; /* the legacy format has no "auths" wrapper; not read */
      if (util_read_file (files[i], &data, &len, &e) < 0)
        {
          berr_clear (&e);
          continue;
        }
      f = oci_auth_file_parse_data (data, len, files[i], err);
      if (f == NULL)
        return -1;
      ent = find_entry (f, host, repo);
      if (ent && ent->auth && ent->auth[0])
        {
          if (img_base64_decode (ent->auth, &dec, &len) < 0 || (colon = strchr (dec, ':')) == NULL)
            {
              oci_auth_file_free (f);
              return berr_make (err, 0, "'%s': the credentials for '%s' are not base64 of user:password",
                                files[i], host);
            }
          *colon = '\0';
          *user = xstrdup (dec);
          *pass = xstrdup (colon + 1);
          oci_auth_file_free (f);
          return 1;
        }
      oci_auth_file_free (f);
    }
  return 0;
}

static oci_auth_file *
load_or_new (const char *path, berr_t **err)
{
  cleanup_free char *data = NULL;
  size_t len;
  berr_t *e = NULL;

  if (util_read_file (path, &data, &len, &e) < 0)
    {
      if (e && e->status == ENOENT)
        {
          berr_clear (&e);
          return xzalloc (sizeof (oci_auth_file));
        }
      if (err)
        *err = e;
      else
        berr_clear (&e);
      return NULL;
    }
  return oci_auth_file_parse_data (data, len, path, err);
}

static int
save (const char *path, const oci_auth_file *f, berr_t **err)
{
  cleanup_free char *json = NULL;
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  cleanup_close int dfd = -1;
  size_t len;

  if (oci_auth_file_generate_pretty (f, &json, &len, err) < 0)
    return -1;
  if (slash && slash != dir)
    {
      *slash = '\0';
      if (util_mkdir_p (dir, 0700, err) < 0)
        return -1;
    }
  else if (slash)
    dir[1] = '\0';
  else
    strcpy (dir, ".");
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return berr_make (err, errno, "open '%s'", dir);
  return util_write_file_atomic_at (dfd, strrchr (path, '/') ? strrchr (path, '/') + 1 : path, json, len,
                                    0600, err);
}

int
img_auth_store (const char *path, const char *host, const char *user, const char *pass, berr_t **err)
{
  oci_auth_file *f = load_or_new (path, err);
  cleanup_free char *plain = xasprintf ("%s:%s", user, pass);
  oci_auth_entry *ent = NULL;
  size_t i;
  int r;

  if (f == NULL)
    return -1;
  if (f->auths == NULL)
    f->auths = xzalloc (sizeof (*f->auths));
  for (i = 0; i < f->auths->len; i++)
    if (strcmp (f->auths->keys[i], host) == 0)
      ent = f->auths->values[i];
  if (ent == NULL)
    {
      f->auths->keys = xrealloc (f->auths->keys, (f->auths->len + 1) * sizeof (char *));
      f->auths->values = xrealloc (f->auths->values, (f->auths->len + 1) * sizeof (oci_auth_entry *));
      f->auths->keys[f->auths->len] = xstrdup (host);
      ent = f->auths->values[f->auths->len] = xzalloc (sizeof (oci_auth_entry));
      f->auths->len++;
    }
  free (ent->auth);
  ent->auth = img_base64_encode (plain, strlen (plain));
  r = save (path, f, err);
  oci_auth_file_free (f);
  return r;
}

int
img_auth_remove (const char *path, const char *host, berr_t **err)
{
  oci_auth_file *f = load_or_new (path, err);
  size_t i;
  int r = 1;

  if (f == NULL)
    return -1;
  for (i = 0; f->auths && i < f->auths->len; i++)
    if (strcmp (f->auths->keys[i], host) == 0)
      {
        free (f->auths->keys[i]);
        oci_auth_entry_free (f->auths->values[i]);
        memmove (f->auths->keys + i, f->auths->keys + i + 1, (f->auths->len - i - 1) * sizeof (char *));
        memmove (f->auths->values + i, f->auths->values + i + 1,
                 (f->auths->len - i - 1) * sizeof (oci_auth_entry *));
        f->auths->len--;
        r = save (path, f, err) < 0 ? -1 : 0;
        break;
      }
  oci_auth_file_free (f);
  return r;
}
