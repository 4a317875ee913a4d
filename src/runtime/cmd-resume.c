/* berth resume: parses runc's options so callers get a clear answer, then
 * reports that the command is not implemented yet (it needs the cgroup freezer). */
#include <config.h>

#include <stddef.h>

#include "cli.h"

static const struct cli_option options[] = {

  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "resume", "<container-id>", "resumes all processes that have been previously paused", options, false,
};

int
cmd_resume (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  return cli_pending (&command, argc, argv, err);
}
