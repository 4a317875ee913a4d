/* img - parsing the transfer options pull, push and copy share. */
#include <config.h>

#include "transfer-opts.h"

#include <string.h>

#include "util.h"

void
xfer_cli_init (struct xfer_cli *x, bool quiet)
{
  memset (x, 0, sizeof (*x));
  x->o.reg.tls_verify = true;
  x->o.progress = quiet ? IMG_PROGRESS_QUIET : IMG_PROGRESS_AUTO;
}

static int
parse_bool (const char *opt, const char *s, bool *out, berr_t **err)
{
  if (strcmp (s, "true") == 0 || strcmp (s, "1") == 0)
    *out = true;
  else if (strcmp (s, "false") == 0 || strcmp (s, "0") == 0)
    *out = false;
  else
    return berr_make (err, 0, "invalid value '%s' for '--%s': expected true or false", s, opt);
  return 0;
}

int
xfer_cli_option (struct xfer_cli *x, int key, const char *arg, berr_t **err)
{
  long l;
  char *colon;

  switch (key)
    {
    case XFER_OPT_TLS_VERIFY:
      return parse_bool ("tls-verify", arg, &x->o.reg.tls_verify, err) < 0 ? -1 : 1;
    case XFER_OPT_CREDS:
      free (x->user);
      x->user = xstrdup (arg);
      colon = strchr (x->user, ':');
      if (colon)
        *colon++ = '\0';
      x->o.reg.user = x->user;
      x->o.reg.pass = colon ? colon : "";
      return 1;
    case XFER_OPT_PLATFORM:
      img_platform_clear (&x->platform);
      if (img_platform_parse (arg, &x->platform, err) < 0)
        return -1;
      x->o.platform = &x->platform;
      return 1;
    case XFER_OPT_JOBS:
      if (util_parse_long (arg, &l) < 0 || l < 1 || l > 16)
        return berr_make (err, 0, "invalid value '%s' for '--jobs': 1 to 16", arg);
      x->o.jobs = (int)l;
      return 1;
    case XFER_OPT_FORMAT:
      if (strcmp (arg, "json") == 0)
        x->o.progress = IMG_PROGRESS_JSON;
      else if (strcmp (arg, "text") != 0)
        return berr_make (err, 0, "invalid value '%s' for '--format': text or json", arg);
      return 1;
    case 'q':
      x->o.progress = IMG_PROGRESS_QUIET;
      return 1;
    case XFER_OPT_CHUNK:
      if (util_parse_long (arg, &l) < 0 || l < 1)
        return berr_make (err, 0, "invalid value '%s' for '--chunk-size'", arg);
      x->o.reg.chunk_size = l;
      return 1;
    case XFER_OPT_RETRIES:
      if (util_parse_long (arg, &l) < 0 || l < 1 || l > 100)
        return berr_make (err, 0, "invalid value '%s' for '--retries': 1 to 100", arg);
      x->o.reg.retries = (int)l;
      return 1;
    case XFER_OPT_CONNECT_TIMEOUT:
    case XFER_OPT_STALL_TIMEOUT:
      if (util_parse_long (arg, &l) < 0 || l < 1 || l > 3600)
        return berr_make (err, 0, "invalid value '%s' for '--%s': 1 to 3600 seconds", arg,
                          key == XFER_OPT_CONNECT_TIMEOUT ? "connect-timeout" : "stall-timeout");
      if (key == XFER_OPT_CONNECT_TIMEOUT)
        x->o.reg.connect_timeout = (int)l;
      else
        x->o.reg.stall_timeout = (int)l;
      return 1;
    }
  return 0;
}

void
xfer_cli_clear (struct xfer_cli *x)
{
  img_platform_clear (&x->platform);
  free (x->user);
}
