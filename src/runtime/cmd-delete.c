/* berth delete: option parsing only; the work is in the container library. */
#include <config.h>

#include <stddef.h>

#include "cli.h"
#include "container.h"

static const struct cli_option options[] = {
  { "force", 'f', true, NULL, "forcibly delete the container if it is still running (uses SIGKILL)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "delete", "[command options] <container-id>", "delete any resources held by the container", options, false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  *(bool *)data = true;
  return 0;
}

int
cmd_delete (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  bool force = false;
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &force, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    return -1;
  return container_delete (ctx, argv[first], force, err) < 0 ? -1 : 0;
}
