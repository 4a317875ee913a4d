/* berth - error values that travel up the call stack.
 *
 * A function that can fail takes `berr_t **err` as its last parameter and
 * returns a negative int (or NULL).  The error carries errno (0 if none) and
 * a message; callers add context with berr_wrap() as it travels up.  Only
 * main() turns an error into an exit status. */
#ifndef BERTH_ERROR_H
#define BERTH_ERROR_H

#include <stdarg.h>

typedef struct berr
{
  int status; /* errno, or 0 */
  char *msg;
} berr_t;

/* Fill *err (if err != NULL and *err == NULL) and return -1.  When errno_ is
 * non-zero, ": strerror(errno_)" is appended to the message. */
int berr_make (berr_t **err, int errno_, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
int berr_makev (berr_t **err, int errno_, const char *fmt, va_list ap);

/* Prefix the existing message with "context: " and return -1. */
int berr_wrap (berr_t **err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

void berr_free (berr_t *e);
void berr_freep (berr_t **e);
/* Drop an error that the caller decided to ignore. */
void berr_clear (berr_t **e);

#define cleanup_berr __attribute__ ((cleanup (berr_freep)))

/* clang's static analyzer looks at one file at a time: it cannot see that
 * these always return -1, so every `return berr_make (...)` path looked
 * as if it could go on with an unset out-parameter (scan-build's
 * NullDereference and garbage-value reports).  Only for the analyzer,
 * the macros say so; compiled code calls the functions as declared. */
#if defined(__clang_analyzer__) && !defined(BERTH_ERROR_IMPL)
#define berr_make(...) (berr_make (__VA_ARGS__), -1)
#define berr_makev(...) (berr_makev (__VA_ARGS__), -1)
#define berr_wrap(...) (berr_wrap (__VA_ARGS__), -1)
#endif

#endif
