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

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  return 0;
}

int
cmd_resume (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, NULL, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    return -1;
  return cli_not_implemented ("resume", err);
}
