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

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  return 0;
}

int
cmd_restore (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, NULL, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    return -1;
  return cli_not_implemented ("restore", err);
}
