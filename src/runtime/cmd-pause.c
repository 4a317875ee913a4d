/* berth pause: parses runc's options so callers get a clear answer, then
 * reports that the command is not implemented yet (it needs the cgroup freezer). */
#include <config.h>

#include <stddef.h>

#include "cli.h"

static const struct cli_option options[] = {

  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "pause", "<container-id>", "pause suspends all processes inside the container", options, false,
};

int
cmd_pause (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  return cli_pending (&command, argc, argv, err);
}
