/* berth kill: option parsing only; the work is in the container library. */
#include <config.h>

#include <stddef.h>

#include "cli.h"
#include "container.h"
#include "signals.h"

#include <signal.h>

static const struct cli_option options[] = {
  { "all", 'a', true, NULL, "send the signal to all processes in the container" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "kill",
  "[command options] <container-id> [signal]",
  "send a signal (default: SIGTERM) to the container's init process",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  *(bool *)data = true;
  return 0;
}

int
cmd_kill (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  bool all = false;
  int sig = SIGTERM;
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &all, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 2, err) < 0)
    return -1;
  if (argc - first == 2 && signal_parse (argv[first + 1], &sig, err) < 0)
    return -1;
  return container_kill (ctx, argv[first], sig, all, err) < 0 ? -1 : 0;
}
