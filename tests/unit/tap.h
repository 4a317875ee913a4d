/* berth - a minimal TAP producer for the unit tests (one program per module).
 *
 *   ok (cond, "name %d", i);   -- prints "ok N - name" or "not ok N - name"
 *   is_str (got, want, "name"); is_int (got, want, "name");
 *   return tap_done ();        -- prints the plan, exits 1 if anything failed
 * Exit 77 to skip the whole program (automake's convention). */
#ifndef BERTH_TAP_H
#define BERTH_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int __attribute__ ((format (printf, 2, 3))) ok (int cond, const char *fmt, ...)
{
  va_list ap;
  tap_n++;
  printf ("%sok %d - ", cond ? "" : "not ", tap_n);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  if (!cond)
    tap_failed++;
  fflush (stdout);
  return cond;
}

#define is_str(got, want, ...)                                                                               \
  do                                                                                                         \
    {                                                                                                        \
      const char *g_ = (got), *w_ = (want);                                                                  \
      if (!ok ((g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp (g_, w_) == 0), __VA_ARGS__))               \
        printf ("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)");                 \
    }                                                                                                        \
  while (0)

#define is_int(got, want, ...)                                                                               \
  do                                                                                                         \
    {                                                                                                        \
      long long g_ = (long long)(got), w_ = (long long)(want);                                               \
      if (!ok (g_ == w_, __VA_ARGS__))                                                                       \
        printf ("#   got:  %lld\n#   want: %lld\n", g_, w_);                                                 \
    }                                                                                                        \
  while (0)

static inline void
diag (const char *msg)
{
  printf ("# %s\n", msg);
}

static inline int
tap_done (void)
{
  printf ("1..%d\n", tap_n);
  return tap_failed ? 1 : 0;
}

#endif
