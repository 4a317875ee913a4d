/* berth exec: option parsing only; the work is container_exec(). */
#include <config.h>

#include <stddef.h>
#include <stdlib.h>

#include "cli.h"
#include "container.h"
#include "util.h"

enum
{
  OPT_CONSOLE_SOCKET = 256,
  OPT_CWD,
  OPT_NO_NEW_PRIVS,
  OPT_PROCESS_LABEL,
  OPT_APPARMOR,
  OPT_PRESERVE_FDS,
  OPT_PID_FILE,
  OPT_IGNORE_PAUSED,
  OPT_CGROUP,
};

static const struct cli_option options[] = {
  { "console-socket", OPT_CONSOLE_SOCKET, false, "PATH", "unix socket that receives the pty master" },
  { "cwd", OPT_CWD, false, "DIR", "current working directory in the container" },
  { "env", 'e', true, "VAR=VALUE", "set environment variables" },
  { "tty", 't', true, NULL, "allocate a pseudo-TTY" },
  { "user", 'u', true, "USER[:GROUP]",
    "user and group of the process, ids or names from the container's /etc/passwd, /etc/group" },
  { "additional-gids", 'g', true, "GID", "an additional gid, added to the config's (repeatable)" },
  { "process", 'p', true, "FILE", "path to the process.json" },
  { "detach", 'd', true, NULL, "detach from the container's process" },
  { "pid-file", OPT_PID_FILE, false, "PATH", "file to write the process id to" },
  { "process-label", OPT_PROCESS_LABEL, false, "LABEL", "SELinux label for the process" },
  { "apparmor", OPT_APPARMOR, false, "PROFILE", "AppArmor profile for the process" },
  { "no-new-privs", OPT_NO_NEW_PRIVS, false, NULL, "set the no new privileges value for the process" },
  { "cap", 'c', true, "CAP", "add a capability to the bounding set for the process" },
  { "preserve-fds", OPT_PRESERVE_FDS, false, "N", "pass N additional descriptors to the process" },
  { "ignore-paused", OPT_IGNORE_PAUSED, false, NULL, "allow exec in a paused container" },
  { "cgroup", OPT_CGROUP, false, "[CONTROLLER:]PATH",
    "run the process in an existing sub-cgroup of the container's cgroup" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "exec",
  "[command options] <container-id> <command> [command options]",
  "execute new process inside the container",
  options,
  true,
};

static void
push (char ***v, size_t *n, const char *s)
{
  *v = xrealloc (*v, (*n + 2) * sizeof (char *));
  (*v)[(*n)++] = (char *)s;
  (*v)[*n] = NULL;
}

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct exec_opts *o = data;

  switch (key)
    {
    case OPT_CONSOLE_SOCKET:
      o->console_socket = arg;
      break;
    case OPT_CWD:
      o->cwd = arg;
      break;
    case 'e':
      push (&o->env, &o->n_env, arg);
      break;
    case 't':
      o->tty = true;
      break;
    case 'u':
      o->user = arg;
      break;
    case 'g':
      push (&o->gids, &o->n_gids, arg);
      break;
    case 'p':
      o->process_file = arg;
      break;
    case 'd':
      o->detach = true;
      break;
    case OPT_PID_FILE:
      o->pid_file = arg;
      break;
    case OPT_PROCESS_LABEL:
      o->process_label = arg;
      break;
    case OPT_APPARMOR:
      o->apparmor = arg;
      break;
    case OPT_NO_NEW_PRIVS:
      o->no_new_privs = true;
      break;
    case 'c':
      push (&o->caps, &o->n_caps, arg);
      break;
    case OPT_IGNORE_PAUSED:
      o->ignore_paused = true;
      break;
    case OPT_PRESERVE_FDS:
      return cli_parse_int ("preserve-fds", arg, &o->preserve_fds, err);
    case OPT_CGROUP:
      push (&o->cgroups, &o->n_cgroups, arg);
      break;
    }
  return 0;
}

int
cmd_exec (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct exec_opts o = { 0 };
  int first, r, status = 0;

  r = cli_parse (&command, argc, argv, on_option, &o, &first, err);
  if (r == 0)
    r = cli_check_nargs (&command, argc - first, o.process_file ? 1 : 2, o.process_file ? 1 : -1, err);
  if (r == 0)
    {
      o.id = argv[first];
      o.args = argv + first + 1;
      o.n_args = (size_t)(argc - first - 1);
      r = container_exec (ctx, &o, &status, err);
    }
  free (o.env);
  free (o.gids);
  free (o.caps);
  free (o.cgroups);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return status;
}
