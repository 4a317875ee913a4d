/* berth state: print the state of one container as runc does. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "container.h"

static const struct cli_option options[] = {
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "state", "<container-id>", "output the state of a container", options, false,
};

int
cmd_state (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct container_state st;
  enum container_status s;
  char *json = NULL;
  int first, r;

  r = cli_parse (&command, argc, argv, NULL, NULL, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    return -1;
  if (container_load (ctx, argv[first], &st, &s, err) < 0)
    return -1;
  r = state_to_json (&st, s, true, &json, err);
  state_clear (&st);
  if (r < 0)
    return -1;
  printf ("%s\n", json);
  free (json);
  return 0;
}
