/* berth - construction and decoration of berr_t error values. */
#include <config.h>

#define BERTH_ERROR_IMPL 1 /* error.h: the definitions, not the analyzer macros */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
berr_makev (berr_t **err, int errno_, const char *fmt, va_list ap)
{
  char *msg = NULL, *full = NULL;
  berr_t *e;

  if (err == NULL || *err != NULL)
    return -1;
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  if (msg && errno_ != 0 && asprintf (&full, "%s: %s", msg, strerror (errno_)) >= 0)
    {
      free (msg);
      msg = full;
    }
  e = calloc (1, sizeof (*e));
  if (e == NULL)
    {
      free (msg);
      return -1;
    }
  e->status = errno_;
  e->msg = msg ? msg : strdup ("out of memory");
  *err = e;
  return -1;
}

int
berr_make (berr_t **err, int errno_, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  berr_makev (err, errno_, fmt, ap);
  va_end (ap);
  return -1;
}

int
berr_wrap (berr_t **err, const char *fmt, ...)
{
  char *ctx = NULL, *full = NULL;
  va_list ap;

  if (err == NULL || *err == NULL)
    return -1;
  va_start (ap, fmt);
  if (vasprintf (&ctx, fmt, ap) < 0)
    ctx = NULL;
  va_end (ap);
  if (ctx && asprintf (&full, "%s: %s", ctx, (*err)->msg ? (*err)->msg : "") >= 0)
    {
      free ((*err)->msg);
      (*err)->msg = full;
    }
  free (ctx);
  return -1;
}

void
berr_free (berr_t *e)
{
  if (e == NULL)
    return;
  free (e->msg);
  free (e);
}

void
berr_freep (berr_t **e)
{
  berr_free (*e);
}

void
berr_clear (berr_t **e)
{
  berr_free (*e);
  *e = NULL;
}
