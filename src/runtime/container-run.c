/* berth - `run`: create + start, and in the foreground the wait.
 *
 * The signals a terminal or a supervisor sends to berth (SIGINT, SIGTERM,
 * SIGHUP, ...) are forwarded to the container init, as runc does; they are
 * blocked before the init is cloned so none is lost or handled by default
 * in between, and collected with sigwaitinfo() together with SIGCHLD. */
#include <config.h>

#include "container.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "container-internal.h"
#include "util.h"

static const int forwarded[]
  = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,  SIGCONT, SIGTSTP,
      SIGTTIN, SIGTTOU, SIGPIPE, SIGALRM, SIGPWR,  SIGURG,  SIGVTALRM, SIGPROF };

void
container_forward_set (sigset_t *set)
{
  size_t i;
  sigemptyset (set);
  sigaddset (set, SIGCHLD);
  for (i = 0; i < sizeof (forwarded) / sizeof (forwarded[0]); i++)
    sigaddset (set, forwarded[i]);
}

int
container_wait_forwarding (pid_t pid, const sigset_t *set, int *exit_status, berr_t **err)
{
  for (;;)
    {
      siginfo_t si;
      int sig = sigwaitinfo (set, &si);
      if (sig < 0)
        {
          if (errno == EINTR)
            continue;
          return berr_make (err, errno, "wait for signals");
        }
      if (sig != SIGCHLD)
        {
          kill (pid, sig);
          continue;
        }
      for (;;)
        {
          int status;
          pid_t r = waitpid (pid, &status, WNOHANG);
          if (r < 0 && errno == EINTR)
            continue;
          if (r < 0)
            return berr_make (err, errno, "wait for container init");
          if (r == 0)
            break;
          if (WIFEXITED (status))
            *exit_status = WEXITSTATUS (status);
          else if (WIFSIGNALED (status))
            *exit_status = 128 + WTERMSIG (status);
          else
            continue;
          return 0;
        }
    }
}

int
container_run (struct berth_ctx *ctx, const struct create_opts *o, int *exit_status, berr_t **err)
{
  sigset_t set, old;
  pid_t pid;
  int r;

  *exit_status = 0;
  container_forward_set (&set);
  sigprocmask (SIG_BLOCK, &set, &old);
  if (container_create_pid (ctx, o, &pid, err) < 0)
    goto out_err;
  if (container_start (ctx, o->id, err) < 0)
    {
      berr_t *ignored = NULL;
      container_delete (ctx, o->id, true, &ignored);
      berr_free (ignored);
      while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
      goto out_err;
    }
  if (o->detach)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      return 0;
    }
  r = container_wait_forwarding (pid, &set, exit_status, err);
  sigprocmask (SIG_SETMASK, &old, NULL);
  if (r == 0 && !o->keep)
    r = container_delete (ctx, o->id, true, err);
  return r;

out_err:
  sigprocmask (SIG_SETMASK, &old, NULL);
  return -1;
}
