/* berth - logging to stderr or the --log file, in text or JSON format. */
#include <config.h>

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *program = "berth";
static int log_file_fd = -1;
static enum log_format log_fmt = LOG_FORMAT_TEXT;
static enum log_level log_lvl = LOG_LEVEL_ERROR;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void
log_set_program (const char *name)
{
  program = name;
}

const char *
log_program (void)
{
  return program;
}

int
log_fd (void)
{
  return log_file_fd;
}

int
log_parse_level (const char *s, enum log_level *out, berr_t **err)
{
  static const struct
  {
    const char *name;
    enum log_level level;
  } names[] = {
    { "error", LOG_LEVEL_ERROR },     { "fatal", LOG_LEVEL_ERROR },  { "panic", LOG_LEVEL_ERROR },
    { "warning", LOG_LEVEL_WARNING }, { "warn", LOG_LEVEL_WARNING }, { "info", LOG_LEVEL_INFO },
    { "debug", LOG_LEVEL_DEBUG },     { "trace", LOG_LEVEL_DEBUG },
  };
  size_t i;

  for (i = 0; i < sizeof (names) / sizeof (names[0]); i++)
    if (strcmp (s, names[i].name) == 0)
      {
        *out = names[i].level;
        return 0;
      }
  return berr_make (err, 0, "unknown log level '%s'", s);
}

int
log_parse_format (const char *s, enum log_format *out, berr_t **err)
{
  if (strcmp (s, "text") == 0)
    *out = LOG_FORMAT_TEXT;
  else if (strcmp (s, "json") == 0)
    *out = LOG_FORMAT_JSON;
  else
    return berr_make (err, 0, "unknown log format '%s' (want text or json)", s);
  return 0;
}

int
log_init (const char *path, enum log_format fmt, enum log_level level, berr_t **err)
{
  log_fmt = fmt;
  log_lvl = level;
  if (path == NULL || *path == '\0')
    return 0;
  log_file_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_file_fd < 0)
    return berr_make (err, errno, "open log file '%s'", path);
  return 0;
}

char *
log_json_escape (const char *s)
{
  size_t len = strlen (s), i, o = 0;
  char *out = malloc (len * 6 + 3);

  if (out == NULL)
    return NULL;
  out[o++] = '"';
  for (i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char)s[i];
      switch (c)
        {
        case '"':
        case '\\':
          out[o++] = '\\';
          out[o++] = (char)c;
          break;
        case '\n':
          out[o++] = '\\';
          out[o++] = 'n';
          break;
        case '\t':
          out[o++] = '\\';
          out[o++] = 't';
          break;
        case '\r':
          out[o++] = '\\';
          out[o++] = 'r';
          break;
        default:
          if (c < 0x20)
            o += (size_t)sprintf (out + o, "\\u%04x", c);
          else
            out[o++] = (char)c;
        }
    }
  out[o++] = '"';
  out[o] = '\0';
  return out;
}

static void
format_time (char *buf, size_t size)
{
  struct timespec ts;
  struct tm tm;
  size_t n;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  n = strftime (buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

static void
write_all (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t r = write (fd, buf, len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return;
      buf += r;
      len -= (size_t)r;
    }
}

static void
log_write (int fd, enum log_level level, const char *msg)
{
  char tbuf[64], *line = NULL;
  int n;

  if (log_fmt == LOG_FORMAT_JSON)
    {
      char *m = log_json_escape (msg);
      format_time (tbuf, sizeof (tbuf));
      n = asprintf (&line, "{\"level\":\"%s\",\"msg\":%s,\"time\":\"%s\"}\n", level_names[level],
                    m ? m : "\"\"", tbuf);
      free (m);
    }
  else if (fd == STDERR_FILENO)
    n = asprintf (&line, "%s: %s\n", program, msg);
  else
    {
      format_time (tbuf, sizeof (tbuf));
      n = asprintf (&line, "time=\"%s\" level=%s msg=\"%s\"\n", tbuf, level_names[level], msg);
    }
  if (n > 0)
    write_all (fd, line, (size_t)n);
  free (line);
}

void
log_msg (enum log_level level, const char *fmt, ...)
{
  char *msg = NULL;
  va_list ap;
  int saved = errno;

  if (level > log_lvl)
    return;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  if (msg)
    log_write (log_file_fd >= 0 ? log_file_fd : STDERR_FILENO, level, msg);
  free (msg);
  errno = saved;
}

void
log_report_error (const berr_t *err)
{
  const char *msg = err && err->msg ? err->msg : "unknown error";

  if (log_file_fd >= 0)
    {
      log_write (log_file_fd, LOG_LEVEL_ERROR, msg);
      fprintf (stderr, "%s: %s\n", program, msg);
    }
  else
    log_write (STDERR_FILENO, LOG_LEVEL_ERROR, msg);
}
