/* berth - logging to stderr or to the --log file, as text or JSON.
 *
 * With --log-format json every record is one line
 * {"level":"error","msg":"...","time":"2026-01-01T00:00:00Z"}, the form
 * conmon and containerd's shim parse from runc and crun. */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include "error.h"

enum log_level
{
  LOG_LEVEL_ERROR = 0,
  LOG_LEVEL_WARNING,
  LOG_LEVEL_INFO,
  LOG_LEVEL_DEBUG,
};

enum log_format
{
  LOG_FORMAT_TEXT = 0,
  LOG_FORMAT_JSON,
};

/* Program name used as the prefix of plain stderr messages ("berth: ..."). */
void log_set_program (const char *name);
const char *log_program (void);

/* path may be NULL (log to stderr).  Opens the file O_APPEND|O_CLOEXEC. */
int log_init (const char *path, enum log_format fmt, enum log_level level, berr_t **err);
int log_parse_level (const char *s, enum log_level *out, berr_t **err);
int log_parse_format (const char *s, enum log_format *out, berr_t **err);
/* The fd of the log file, or -1; a child that must keep logging keeps it. */
int log_fd (void);

void log_msg (enum log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
#define log_error(...) log_msg (LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg (LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) log_msg (LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg (LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Report a fatal error: to the log (in its format) and, when the log is a
 * file, also to stderr as "prog: msg". */
void log_report_error (const berr_t *err);

/* Append the JSON string literal for s (with quotes) to a growing buffer. */
char *log_json_escape (const char *s);

#endif
