/* berth - running OCI hooks.
 *
 * Where each stage runs (the callers decide): prestart and createRuntime
 * in berth after the namespaces exist, before pivot_root; createContainer
 * in the init before pivot_root; startContainer in the init after `start`,
 * just before execve; poststart in `berth start`; poststop in `berth
 * delete`.  A hook gets the state JSON on stdin, its own args and env (no
 * environment when none is given), and `timeout` seconds if set, after
 * which its whole process group is killed. */
#include <config.h>

#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oci-spec.h"
#include "log.h"
#include "process.h"
#include "state.h"
#include "util.h"

bool
hooks_any (const oci_spec *spec)
{
  const oci_hooks *h = spec->hooks;
  return h
         && h->prestart_len + h->create_runtime_len + h->create_container_len + h->start_container_len
                + h->poststart_len + h->poststop_len
              > 0;
}

static void __attribute__ ((noreturn)) hook_child (const oci_hook *h, int in)
{
  cleanup_free char **argv = xzalloc ((h->args_len + 2) * sizeof (char *));
  cleanup_free char **envp = xzalloc ((h->env_len + 1) * sizeof (char *));
  size_t i;

  for (i = 0; i < h->args_len; i++)
    argv[i] = h->args[i];
  if (h->args_len == 0)
    argv[0] = h->path;
  for (i = 0; i < h->env_len; i++)
    envp[i] = h->env[i];
  /* Its own process group, so that a timeout kills what it started too. */
  setpgid (0, 0);
  if (dup2 (in, STDIN_FILENO) < 0)
    _exit (127);
  process_reset_signals ();
  execve (h->path, argv, envp);
  _exit (127);
}

/* Wait for pid, at most timeout seconds when timeout > 0. */
static int
hook_wait (pid_t pid, int timeout, int *status)
{
  struct timespec step = { 0, 10 * 1000 * 1000 };
  long waited_ms = 0;

  for (;;)
    {
      pid_t r = waitpid (pid, status, timeout > 0 ? WNOHANG : 0);
      if (r == pid)
        return 0;
      if (r < 0 && errno != EINTR)
        return -1;
      if (r == 0)
        {
          if (waited_ms >= (long)timeout * 1000)
            {
              kill (-pid, SIGKILL);
              kill (pid, SIGKILL);
              while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
                ;
              errno = ETIMEDOUT;
              return -1;
            }
          nanosleep (&step, NULL);
          waited_ms += 10;
        }
    }
}

static int
run_one (const oci_hook *h, const char *stage, size_t idx, const char *state_json, berr_t **err)
{
  int p[2], status = 0;
  pid_t pid;
  berr_t *ignored = NULL;

  if (h->path == NULL || h->path[0] != '/')
    return berr_make (err, 0, "%s hook %zu: path must be absolute", stage, idx);
  if (pipe2 (p, O_CLOEXEC) < 0)
    return berr_make (err, errno, "%s hook '%s': pipe", stage, h->path);
  pid = fork ();
  if (pid < 0)
    return berr_make (err, errno, "%s hook '%s': fork", stage, h->path);
  if (pid == 0)
    {
      close (p[1]);
      hook_child (h, p[0]);
    }
  close (p[0]);
  /* A hook that does not read its stdin must not make us fail. */
  signal (SIGPIPE, SIG_IGN);
  util_write_all (p[1], state_json, strlen (state_json), &ignored);
  berr_free (ignored);
  close (p[1]);
  if (hook_wait (pid, h->timeout_present ? h->timeout : 0, &status) < 0)
    {
      if (errno == ETIMEDOUT)
        return berr_make (err, 0, "%s hook '%s' timed out after %d seconds", stage, h->path, (int)h->timeout);
      return berr_make (err, errno, "%s hook '%s'", stage, h->path);
    }
  if (WIFSIGNALED (status))
    return berr_make (err, 0, "%s hook '%s' killed by signal %d", stage, h->path, WTERMSIG (status));
  if (WEXITSTATUS (status) != 0)
    return berr_make (err, 0, "%s hook '%s' exited with status %d", stage, h->path, WEXITSTATUS (status));
  return 0;
}

oci_spec *
hooks_load_spec (const struct container_state *st, const char *stage)
{
  berr_t *err = NULL;
  oci_spec *spec = NULL;

  if (st->config_path == NULL || (spec = oci_spec_parse_file (st->config_path, &err)) == NULL)
    log_warning ("%s hooks of container '%s' not run: %s", stage, st->id, err ? err->msg : "no config");
  berr_free (err);
  return spec;
}

void
hooks_run_logged (const struct container_state *st, const char *status, const char *stage)
{
  oci_spec *spec = hooks_load_spec (st, stage);

  if (spec)
    hooks_run_logged_spec (spec, st, status, stage);
  oci_spec_free (spec);
}

void
hooks_run_logged_spec (const oci_spec *spec, const struct container_state *st, const char *status,
                       const char *stage)
{
  cleanup_free char *json = NULL;
  berr_t *err = NULL;

  if (spec->hooks && state_to_json_status (st, status, &json, &err) == 0)
    {
      oci_hook **hooks = spec->hooks->poststop;
      size_t i, n = spec->hooks->poststop_len;

      if (strcmp (stage, "poststart") == 0)
        {
          hooks = spec->hooks->poststart;
          n = spec->hooks->poststart_len;
        }
      /* The spec: a failing poststart or poststop hook is a warning, and
       * the remaining hooks and the lifecycle go on. */
      for (i = 0; i < n; i++)
        if (run_one (hooks[i], stage, i, json, &err) < 0)
          {
            log_warning ("container '%s': %s", st->id, err ? err->msg : "hook failed");
            berr_clear (&err);
          }
    }
  else if (err)
    log_warning ("container '%s': %s hooks: %s", st->id, stage, err->msg);
  berr_free (err);
}

int
hooks_run (oci_hook **hooks, size_t n, const char *stage, const char *state_json, berr_t **err)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (run_one (hooks[i], stage, i, state_json, err) < 0)
      return -1;
  return 0;
}
