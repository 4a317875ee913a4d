/* berth resume: option parsing only; the work is in container-cgroup.c. */
#include <config.h>

#include <stddef.h>

#include "cli.h"
#include "container.h"

static const struct cli_option options[] = {
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "resume", "<container-id>", "resumes all processes that have been previously paused", options, false,
};

int
cmd_resume (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  int first, r;

  r = cli_parse (&command, argc, argv, NULL, NULL, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    return -1;
  return container_resume (ctx, argv[first], err) < 0 ? -1 : 0;
}
