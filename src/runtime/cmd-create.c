/* berth create: option parsing only; the work is container_create(). */
#include <config.h>

#include <stddef.h>
#include <stdlib.h>

#include <string.h>

#include "cli.h"
#include "container.h"
#include "util.h"

static const struct cli_option options[] = {
  CREATE_CLI_OPTIONS,
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "create", "[command options] <container-id>", "create a container", options, false,
};

int
cmd_create_option (int key, const char *arg, void *data, berr_t **err)
{
  struct create_opts *o = data;

  switch (key)
    {
    case 'b':
      o->bundle = arg;
      break;
    case CREATE_OPT_CONSOLE_SOCKET:
      o->console_socket = arg;
      break;
    case CREATE_OPT_PID_FILE:
      o->pid_file = arg;
      break;
    case CREATE_OPT_NO_PIVOT:
      o->no_pivot = true;
      break;
    case CREATE_OPT_NO_NEW_KEYRING:
      o->no_new_keyring = true;
      break;
    case CREATE_OPT_HOOKS_DIR:
      o->hooks_dirs = xrealloc (o->hooks_dirs, (o->n_hooks_dirs + 1) * sizeof (char *));
      o->hooks_dirs[o->n_hooks_dirs++] = arg;
      break;
    case CREATE_OPT_PRESERVE_FDS:
      return cli_parse_int ("preserve-fds", arg, &o->preserve_fds, err);
    }
  return 0;
}

int
cmd_create (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct create_opts o = { 0 };
  int first, r;

  r = cli_parse (&command, argc, argv, cmd_create_option, &o, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    return -1;
  o.id = argv[first];
  r = container_create (ctx, &o, err);
  free (o.hooks_dirs);
  return r < 0 ? -1 : 0;
}
