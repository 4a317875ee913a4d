/* img login / img logout: credentials in containers-auth.json(5), checked
 * against the registry before they are stored. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "img.h"
#include "reference.h"
#include "registry.h"
#include "util.h"

enum
{
  OPT_USERNAME = 256,
  OPT_PASSWORD,
  OPT_PASSWORD_STDIN,
  OPT_AUTHFILE,
  OPT_TLS_VERIFY,
};

static const struct cli_option login_options[] = {
  { "username", 'u', true, "USER", "the user name" },
  { "password", 'p', true, "PASS", "the password (prefer --password-stdin)" },
  { "password-stdin", OPT_PASSWORD_STDIN, false, NULL, "read the password from standard input" },
  { "authfile", OPT_AUTHFILE, false, "FILE", "the auth file (default: the first of the podman search path)" },
  { "tls-verify", OPT_TLS_VERIFY, false, "BOOL", "verify the registry's certificate (default true)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command login_command = {
  "login",
  "[command options] <registry>",
  "store credentials for a registry after checking them",
  login_options,
  false,
};

static const struct cli_option logout_options[] = {
  { "authfile", OPT_AUTHFILE, false, "FILE", "the auth file (default: the first of the podman search path)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command logout_command = {
  "logout", "[command options] <registry>", "remove the stored credentials for a registry", logout_options,
  false,
};

struct login_opts
{
  const char *user, *pass, *authfile;
  bool pass_stdin, tls_verify;
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct login_opts *o = data;

  switch (key)
    {
    case 'u':
      o->user = arg;
      break;
    case 'p':
      o->pass = arg;
      break;
    case OPT_PASSWORD_STDIN:
      o->pass_stdin = true;
      break;
    case OPT_AUTHFILE:
      o->authfile = arg;
      break;
    case OPT_TLS_VERIFY:
      if (strcmp (arg, "true") != 0 && strcmp (arg, "false") != 0)
        return berr_make (err, 0, "invalid value '%s' for '--tls-verify': expected true or false", arg);
      o->tls_verify = strcmp (arg, "true") == 0;
      break;
    }
  return 0;
}

/* "docker.io", "localhost:5000" from what the user typed (a bare host, or
 * a reference whose registry part is meant). */
static char *
registry_key (const char *s)
{
  const char *p = util_str_has_prefix (s, "https://")  ? s + 8
                  : util_str_has_prefix (s, "http://") ? s + 7
                                                       : s;
  char *k = xstrdup (p);
  size_t n = strlen (k);
  while (n > 0 && k[n - 1] == '/')
    k[--n] = '\0';
  if (strcmp (k, "index.docker.io") == 0 || strcmp (k, "registry-1.docker.io") == 0)
    {
      free (k);
      k = xstrdup ("docker.io");
    }
  return k;
}

static char *
default_authfile (void)
{
  cleanup_strv char **files = img_auth_files ();
  return xstrdup (files[0]);
}

int
img_cmd_login (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct login_opts o = { .tls_verify = true };
  cleanup_free char *key = NULL;
  cleanup_free char *path = NULL;
  cleanup_free char *pass = NULL;
  cleanup_registry struct img_registry *r = NULL;
  struct img_registry_opts ro = { 0 };
  int first, rc;

  rc = cli_parse (&login_command, argc, argv, on_option, &o, &first, err);
  if (rc != 0)
    return rc < 0 ? -1 : 0;
  if (cli_check_nargs (&login_command, argc - first, 1, 1, err) < 0)
    return -1;
  if (o.user == NULL)
    return berr_make (err, 0, "login: --username is required");
  if (o.pass_stdin)
    {
      char buf[4096];
      size_t n = fread (buf, 1, sizeof (buf) - 1, stdin);
      buf[n] = '\0';
      buf[strcspn (buf, "\r\n")] = '\0';
      pass = xstrdup (buf);
    }
  else if (o.pass)
    pass = xstrdup (o.pass);
  else
    return berr_make (err, 0, "login: give the password with --password-stdin (or --password)");
  key = registry_key (argv[first]);
  ro.tls_verify = o.tls_verify;
  ro.user = o.user;
  ro.pass = pass;
  if (img_registry_new (strcmp (key, "docker.io") == 0 ? "registry-1.docker.io" : key, &ro, &r, err) < 0
      || img_registry_check (r, err) < 0)
    return berr_wrap (err, "login to '%s'", key);
  path = o.authfile ? xstrdup (o.authfile) : default_authfile ();
  if (img_auth_store (path, key, o.user, pass, err) < 0)
    return berr_wrap (err, "login to '%s': save credentials in '%s'", key, path);
  if (!ctx->quiet)
    printf ("Login Succeeded!\n");
  return 0;
}

int
img_cmd_logout (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct login_opts o = { .tls_verify = true };
  cleanup_free char *key = NULL;
  cleanup_free char *path = NULL;
  int first, rc;

  rc = cli_parse (&logout_command, argc, argv, on_option, &o, &first, err);
  if (rc != 0)
    return rc < 0 ? -1 : 0;
  if (cli_check_nargs (&logout_command, argc - first, 1, 1, err) < 0)
    return -1;
  key = registry_key (argv[first]);
  path = o.authfile ? xstrdup (o.authfile) : default_authfile ();
  rc = img_auth_remove (path, key, err);
  if (rc < 0)
    return -1;
  if (rc == 1)
    return berr_make (err, 0, "not logged in to '%s' (no entry in '%s')", key, path);
  if (!ctx->quiet)
    printf ("Removed login credentials for %s\n", key);
  return 0;
}
