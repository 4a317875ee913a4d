/* berth run: option parsing only; the work is container_run(). */
#include <config.h>

#include <stddef.h>
#include <stdlib.h>

#include <string.h>

#include "cli.h"
#include "container.h"

enum
{
  OPT_KEEP = CREATE_OPT_LAST,
  OPT_NO_SUBREAPER,
};

static const struct cli_option options[] = {
  CREATE_CLI_OPTIONS,
  { "detach", 'd', true, NULL, "detach from the container's process" },
  { "no-subreaper", OPT_NO_SUBREAPER, false, NULL,
    "accepted for runc compatibility: berth never uses a subreaper" },
  { "keep", OPT_KEEP, false, NULL, "do not delete the container after it exits" },
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
    case 'd':
      o->detach = true;
      return 0;
    case OPT_KEEP:
      o->keep = true;
      return 0;
    case OPT_NO_SUBREAPER:
      return 0;
    default:
      return cmd_create_option (key, arg, data, err);
    }
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
  r = container_run (ctx, &o, &status, err);
  free (o.hooks_dirs);
  return r < 0 ? -1 : status;
}
