/* berth exec: parses runc's exec options; running a process in an existing
 * container is not implemented yet. */
#include <config.h>

#include <stddef.h>

#include "cli.h"

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
  { "user", 'u', true, "UID[:GID]", "user id and group id of the process" },
  { "additional-gids", 'g', true, "GID", "additional gids" },
  { "process", 'p', true, "FILE", "path to the process.json" },
  { "detach", 'd', true, NULL, "detach from the container's process" },
  { "pid-file", OPT_PID_FILE, false, "PATH", "file to write the process id to" },
  { "process-label", OPT_PROCESS_LABEL, false, "LABEL", "SELinux label for the process" },
  { "apparmor", OPT_APPARMOR, false, "PROFILE", "AppArmor profile for the process" },
  { "no-new-privs", OPT_NO_NEW_PRIVS, false, NULL, "set the no new privileges value for the process" },
  { "cap", 'c', true, "CAP", "add a capability to the bounding set for the process" },
  { "preserve-fds", OPT_PRESERVE_FDS, false, "N", "pass N additional descriptors to the process" },
  { "ignore-paused", OPT_IGNORE_PAUSED, false, NULL, "allow exec in a paused container" },
  { "cgroup", OPT_CGROUP, false, "PATH", "run the process in a (sub)cgroup" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "exec",
  "[command options] <container-id> <command> [command options]",
  "execute new process inside the container",
  options,
  true,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  return 0;
}

int
cmd_exec (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, NULL, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, -1, err) < 0)
    return -1;
  return cli_not_implemented ("exec", err);
}
