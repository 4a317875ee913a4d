/* berth - fault injection points (see fault.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"

static struct
{
  bool loaded;
  const char *log;  /* BERTH_FAULT_LOG */
  const char *name; /* BERTH_FAULT_AT, name part; NULL when a number */
  size_t name_len;
  long nth;   /* occurrence of name, or the global step, to die at */
  long steps; /* points reached so far */
  long hits;  /* occurrences of name so far */
  pid_t pid;  /* counts restart in a forked child */
} fault;

static void
fault_load (void)
{
  const char *at = getenv ("BERTH_FAULT_AT");

  fault.loaded = true;
  fault.pid = getpid ();
  fault.log = getenv ("BERTH_FAULT_LOG");
  if (fault.log && fault.log[0] == '\0')
    fault.log = NULL;
  if (at == NULL || at[0] == '\0')
    return;

  char *end;
  errno = 0;
  long n = strtol (at, &end, 10);
  if (end != at && *end == '\0' && errno == 0 && n > 0)
    {
      fault.nth = n;
      return;
    }
  const char *colon = strrchr (at, ':');
  fault.name = at;
  fault.name_len = strlen (at);
  fault.nth = 1;
  if (colon)
    {
      errno = 0;
      n = strtol (colon + 1, &end, 10);
      if (end != colon + 1 && *end == '\0' && errno == 0 && n > 0)
        {
          fault.name_len = (size_t)(colon - at);
          fault.nth = n;
        }
    }
}

void
fault_point (const char *name)
{
  if (!fault.loaded)
    fault_load ();
  if (fault.log == NULL && fault.nth == 0)
    return;

  int saved_errno = errno;
  pid_t pid = getpid ();
  if (pid != fault.pid)
    {
      /* a forked child counts its own steps from here */
      fault.pid = pid;
      fault.steps = 0;
      fault.hits = 0;
    }
  if (fault.log)
    {
      int fd = open (fault.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd >= 0)
        {
          char line[256];
          int len = snprintf (line, sizeof line, "%ld %s\n", (long)pid, name);
          if (len > 0 && (size_t)len < sizeof line && write (fd, line, (size_t)len) < 0)
            {
              /* best effort: a test notices a missing line */
            }
          close (fd);
        }
    }
  fault.steps++;
  bool die = false;
  if (fault.name == NULL)
    die = fault.nth > 0 && fault.steps == fault.nth;
  else if (strlen (name) == fault.name_len && memcmp (name, fault.name, fault.name_len) == 0)
    die = ++fault.hits == fault.nth;
  if (die)
    {
      raise (SIGKILL);
      _exit (137); /* not reached */
    }
  errno = saved_errno;
}
