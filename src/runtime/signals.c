/* berth - parse signals given by name or number (runc's `kill` syntax). */
#include <config.h>

#include "signals.h"

#include <ctype.h>
#include <signal.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const struct
{
  const char *name;
  int sig;
} signal_names[] = {
  { "HUP", SIGHUP },       { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
  { "TRAP", SIGTRAP },     { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
  { "FPE", SIGFPE },       { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
  { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
  { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
  { "WINCH", SIGWINCH },   { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },
  { "SYS", SIGSYS },
};

static int
parse_rt (const char *s, int *sig)
{
  long off = 0;
  int base;

  if (strncasecmp (s, "RTMIN", 5) == 0)
    base = SIGRTMIN, s += 5;
  else if (strncasecmp (s, "RTMAX", 5) == 0)
    base = SIGRTMAX, s += 5;
  else
    return -1;
  if (*s && (util_parse_long (s, &off) < 0 || off < -32 || off > 32))
    return -1;
  *sig = base + (int)off;
  return *sig >= SIGRTMIN && *sig <= SIGRTMAX ? 0 : -1;
}

int
signal_parse (const char *s, int *sig, berr_t **err)
{
  const char *name = s;
  long n;
  size_t i;

  if (util_parse_long (s, &n) == 0)
    {
      if (n <= 0 || n > SIGRTMAX)
        return berr_make (err, 0, "invalid signal '%s'", s);
      *sig = (int)n;
      return 0;
    }
  if (strncasecmp (name, "SIG", 3) == 0)
    name += 3;
  for (i = 0; i < sizeof (signal_names) / sizeof (signal_names[0]); i++)
    if (strcasecmp (name, signal_names[i].name) == 0)
      {
        *sig = signal_names[i].sig;
        return 0;
      }
  if (parse_rt (name, sig) == 0)
    return 0;
  return berr_make (err, 0, "unknown signal '%s'", s);
}
