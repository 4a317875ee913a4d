/* berth - scope-bound cleanup helpers.
 *
 * `cleanup_free char *p` frees p when it leaves scope; ownership moves only
 * through steal_ptr()/steal_fd(), so every early return leaks nothing. */
#ifndef BERTH_CLEANUP_H
#define BERTH_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
cleanup_freep_ (void *p)
{
  void **pp = (void **)p;
  free (*pp);
}

static inline void
cleanup_closep_ (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

static inline void
cleanup_fclosep_ (FILE **f)
{
  if (*f)
    fclose (*f);
}

static inline void
cleanup_closedirp_ (DIR **d)
{
  if (*d)
    closedir (*d);
}

/* A NULL-terminated vector of strings. */
static inline void
cleanup_strvp_ (char ***v)
{
  char **p;
  if (*v == NULL)
    return;
  for (p = *v; *p; p++)
    free (*p);
  free (*v);
}

#define cleanup_free __attribute__ ((cleanup (cleanup_freep_)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep_)))
#define cleanup_fclose __attribute__ ((cleanup (cleanup_fclosep_)))
#define cleanup_dir __attribute__ ((cleanup (cleanup_closedirp_)))
#define cleanup_strv __attribute__ ((cleanup (cleanup_strvp_)))

static inline void *
steal_ptr_ (void *pp)
{
  void **p = (void **)pp;
  void *r = *p;
  *p = NULL;
  return r;
}

static inline int
steal_fd_ (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

#define steal_ptr(p) steal_ptr_ (&(p))
#define steal_fd(fd) steal_fd_ (&(fd))

#endif
