/* Shared bits of the libFuzzer harnesses (tests/fuzz/README.md): the input
 * as a NUL-terminated string, and aborting on a broken invariant so that
 * libFuzzer records the input as a crash. */
#ifndef BERTH_FUZZ_H
#define BERTH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A copy of the input with a NUL at the end (it may hold NULs of its own). */
static inline char *
fuzz_strndup (const uint8_t *data, size_t size)
{
  char *s = malloc (size + 1);

  if (s == NULL)
    abort ();
  memcpy (s, data, size);
  s[size] = '\0';
  return s;
}

#define FUZZ_ASSERT(cond)                                                                                    \
  do                                                                                                         \
    {                                                                                                        \
      if (!(cond))                                                                                           \
        {                                                                                                    \
          fprintf (stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);                      \
          abort ();                                                                                          \
        }                                                                                                    \
    }                                                                                                        \
  while (0)

#endif
