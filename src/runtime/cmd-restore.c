/* berth restore: parses runc's options so callers get a clear answer, then
 * reports that the command is not implemented yet (it needs CRIU). */
#include <config.h>

#include <stddef.h>

#include "cli.h"

static const struct cli_option options[] = {
  { "image-path", 256, false, "DIR", "path to criu image files for restoring" },
  { "work-path", 257, false, "DIR", "path for saving work files and logs" },
  { "bundle", 'b', true, "DIR", "path to the root of the bundle directory" },
  { "detach", 'd', true, NULL, "detach from the container's process" },
  { "pid-file", 258, false, "PATH", "file to write the process id to" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "restore", "[command options] <container-id>", "restore a container from a previous checkpoint", options,
  false,
};

int
cmd_restore (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  return cli_pending (&command, argc, argv, err);
}
