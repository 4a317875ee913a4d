/* berth - runc's subcommands berth does not do yet parse their options and
 * fail clearly (the generic option parser is src/common/cliopt.c). */
#include <config.h>

#include "cli.h"

#include <stddef.h>

static int
ignore_option (int key, const char *arg, void *data, berr_t **err)
{
  return 0;
}

int
cli_pending (const struct cli_command *cmd, int argc, char **argv, berr_t **err)
{
  int first, r;

  r = cli_parse (cmd, argc, argv, ignore_option, NULL, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (cmd, argc - first, 1, 1, err) < 0)
    return -1;
  return cli_not_implemented (cmd->name, err);
}
