/* berth checkpoint: parses runc's options so callers get a clear answer, then
 * reports that the command is not implemented yet (it needs CRIU). */
#include <config.h>

#include <stddef.h>

#include "cli.h"

static const struct cli_option options[] = {
  { "image-path", 256, false, "DIR", "path for saving criu image files" },
  { "work-path", 257, false, "DIR", "path for saving work files and logs" },
  { "leave-running", 258, false, NULL, "leave the process running after checkpointing" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "checkpoint", "[command options] <container-id>", "checkpoint a running container", options, false,
};

int
cmd_checkpoint (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  return cli_pending (&command, argc, argv, err);
}
