/* berth - `run`: create + start, and in the foreground the wait.
 *
 * The signals a terminal or a supervisor sends to berth (SIGINT, SIGTERM,
 * SIGHUP, ...) are forwarded to the container init, as runc does; they are
 * blocked before the init is cloned so none is lost or handled by default
 * in between, and read from a signalfd together with SIGCHLD.  With
 * process.terminal and no --console-socket, the pty master is proxied to
 * our stdio in the same poll loop (SIGWINCH then resizes the pty instead
 * of being forwarded). */
#include <config.h>

#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container-internal.h"
#include "fault.h"
#include "terminal.h"
#include "util.h"

static const int forwarded[] = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,  SIGCONT,
                                 SIGTSTP, SIGTTIN, SIGTTOU, SIGALRM, SIGPWR,  SIGURG,  SIGVTALRM, SIGPROF };

void
container_forward_set (sigset_t *set)
{
  size_t i;
  sigemptyset (set);
  sigaddset (set, SIGCHLD);
  for (i = 0; i < sizeof (forwarded) / sizeof (forwarded[0]); i++)
    sigaddset (set, forwarded[i]);
}

/* 1 when pid has exited (status stored), 0 when still running. */
static int
reap (pid_t pid, int *exit_status, berr_t **err)
{
  for (;;)
    {
      int status;
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return berr_make (err, errno, "wait for process %d", (int)pid);
      if (r == 0)
        return 0;
      if (WIFEXITED (status))
        *exit_status = WEXITSTATUS (status);
      else if (WIFSIGNALED (status))
        *exit_status = 128 + WTERMSIG (status);
      else
        continue;
      return 1;
    }
}

/* After the process exited: what it wrote is still in the pty. */
static void
drain (int console)
{
  int flags = fcntl (console, F_GETFL);
  fcntl (console, F_SETFL, flags | O_NONBLOCK);
  while (terminal_pump (console, STDOUT_FILENO))
    {
      struct pollfd p = { .fd = console, .events = POLLIN };
      if (poll (&p, 1, 0) <= 0 || !(p.revents & POLLIN))
        break;
    }
}

static int
on_signal (int sfd, pid_t pid, int console, int *exit_status, berr_t **err)
{
  struct signalfd_siginfo si;
  ssize_t n = read (sfd, &si, sizeof (si));

  if (n != (ssize_t)sizeof (si))
    return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : berr_make (err, errno, "read signalfd");
  if (si.ssi_signo == SIGCHLD)
    return reap (pid, exit_status, err);
  if (si.ssi_signo == SIGWINCH && console >= 0)
    terminal_resize (console);
  else
    kill (pid, (int)si.ssi_signo);
  return 0;
}

int
container_wait_forwarding (pid_t pid, const sigset_t *set, int console, int *exit_status, berr_t **err)
{
  cleanup_close int sfd = signalfd (-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
  bool in_open = console >= 0, out_open = console >= 0;
  int r;

  if (sfd < 0)
    return berr_make (err, errno, "signalfd");
  /* SIGCHLD may have arrived before the signalfd existed. */
  if ((r = reap (pid, exit_status, err)) != 0)
    goto done;
  for (;;)
    {
      struct pollfd p[3] = { { sfd, POLLIN, 0 },
                             { out_open ? console : -1, POLLIN, 0 },
                             { in_open ? STDIN_FILENO : -1, POLLIN, 0 } };
      if (poll (p, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return berr_make (err, errno, "poll");
        }
      if (p[1].revents && !terminal_pump (console, STDOUT_FILENO))
        out_open = false;
      if (p[2].revents && !terminal_pump (STDIN_FILENO, console))
        in_open = false;
      if (p[0].revents && (r = on_signal (sfd, pid, console, exit_status, err)) != 0)
        break;
    }
done:
  if (r > 0 && console >= 0)
    drain (console);
  return r < 0 ? -1 : 0;
}

int
container_run (struct berth_ctx *ctx, const struct create_opts *o, int *exit_status, berr_t **err)
{
  struct create_opts opts = *o;
  cleanup_close int console = -1;
  sigset_t set, old;
  pid_t pid;
  int r;

  *exit_status = 0;
  opts.foreground = !o->detach;
  container_forward_set (&set);
  sigprocmask (SIG_BLOCK, &set, &old);
  if (container_create_pid (ctx, &opts, &pid, &console, err) < 0)
    goto out_err;
  /* Raw mode and the caller's window size before the process runs, so
   * that its first look at the terminal sees them. */
  if (console >= 0 && !o->detach)
    terminal_proxy_begin (console);
  if (container_start (ctx, o->id, err) < 0)
    {
      berr_t *ignored = NULL;
      terminal_restore ();
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
  fault_point ("run.started");
  r = container_wait_forwarding (pid, &set, console, exit_status, err);
  terminal_restore ();
  sigprocmask (SIG_SETMASK, &old, NULL);
  if (r == 0)
    fault_point ("run.exited");
  if (r == 0 && !o->keep)
    r = container_delete (ctx, o->id, true, err);
  return r;

out_err:
  sigprocmask (SIG_SETMASK, &old, NULL);
  return -1;
}
