/* berth events: parses runc's options so callers get a clear answer, then
 * reports that the command is not implemented yet (it needs cgroups). */
#include <config.h>

#include <stddef.h>

#include "cli.h"

static const struct cli_option options[] = {
  { "stats", 256, false, NULL, "display the container's stats then exit" },
  { "interval", 257, false, "DURATION", "set the stats collection interval (default: 5s)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "events",
  "[command options] <container-id>",
  "display container events such as OOM notifications and stats",
  options,
  false,
};

int
cmd_events (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  return cli_pending (&command, argc, argv, err);
}
