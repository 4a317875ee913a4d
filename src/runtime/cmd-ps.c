/* berth ps: the processes of a container, as a ps(1) table or JSON pids. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "container.h"
#include "ps.h"
#include "util.h"

static const struct cli_option options[] = {
  { "format", 'f', true, "FORMAT", "select one of: table or json (default: \"table\")" },
  { NULL, 0, false, NULL, NULL },
};

/* Options end at the id: what follows is passed to ps(1). */
static const struct cli_command command = {
  "ps",
  "[command options] <container-id> [ps options]",
  "ps displays the processes running inside a container",
  options,
  true,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  if (strcmp (arg, "json") == 0)
    *(bool *)data = true;
  else if (strcmp (arg, "table") == 0)
    *(bool *)data = false;
  else
    return berr_make (err, 0, "invalid format option '%s' (want table or json)", arg);
  return 0;
}

int
cmd_ps (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_free pid_t *pids = NULL;
  bool json = false;
  size_t n, i;
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &json, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, -1, err) < 0)
    return -1;
  if (container_pids (ctx, argv[first], &pids, &n, err) < 0)
    return -1;
  if (!json)
    return ps_print_table (stdout, argv + first + 1, argc - first - 1, pids, n, err) < 0 ? -1 : 0;
  printf ("[");
  for (i = 0; i < n; i++)
    printf ("%s%d", i ? "," : "", (int)pids[i]);
  printf ("]\n");
  return 0;
}
