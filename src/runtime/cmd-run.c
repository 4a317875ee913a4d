/* berth run: option parsing only; the work is container_run(). */
#include <config.h>

#include <stddef.h>

#include <string.h>

#include "cli.h"
#include "container.h"

enum
{
  OPT_PID_FILE = 256,
  OPT_CONSOLE_SOCKET,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_PRESERVE_FDS,
  OPT_KEEP,
  OPT_NO_SUBREAPER,
};

static const struct cli_option options[] = {
  { "bundle", 'b', true, "DIR", "path to the root of the bundle directory (default: current directory)" },
  { "console-socket", OPT_CONSOLE_SOCKET, false, "PATH", "unix socket that receives the pty master" },
  { "pid-file", OPT_PID_FILE, false, "PATH", "file to write the container init's pid to" },
  { "no-pivot", OPT_NO_PIVOT, false, NULL, "do not use pivot_root (MS_MOVE + chroot)" },
  { "no-new-keyring", OPT_NO_NEW_KEYRING, false, NULL, "do not create a new session keyring" },
  { "detach", 'd', true, NULL, "detach from the container's process" },
  { "no-subreaper", OPT_NO_SUBREAPER, false, NULL,
    "accepted for runc compatibility: berth never uses a subreaper" },
  { "keep", OPT_KEEP, false, NULL, "do not delete the container after it exits" },
  { "preserve-fds", OPT_PRESERVE_FDS, false, "N",
    "pass N additional descriptors (3..3+N-1) to the container" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "run", "[command options] <container-id>", "create and run a container", options, false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct create_opts *o = data;

  switch (key)
    {
    case 'b':
      o->bundle = arg;
      break;
    case OPT_CONSOLE_SOCKET:
      o->console_socket = arg;
      break;
    case OPT_PID_FILE:
      o->pid_file = arg;
      break;
    case OPT_NO_PIVOT:
      o->no_pivot = true;
      break;
    case OPT_NO_NEW_KEYRING:
      o->no_new_keyring = true;
      break;
    case 'd':
      o->detach = true;
      break;
    case OPT_KEEP:
      o->keep = true;
      break;
    case OPT_PRESERVE_FDS:
      return cli_parse_int ("preserve-fds", arg, &o->preserve_fds, err);
    }
  return 0;
}

int
cmd_run (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct create_opts o = { 0 };
  int first, r, status;

  r = cli_parse (&command, argc, argv, on_option, &o, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    return -1;
  o.id = argv[first];
  if (container_run (ctx, &o, &status, err) < 0)
    return -1;
  return status;
}
