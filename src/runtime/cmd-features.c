/* berth features: print the features document. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "features-doc.h"

static const struct cli_option options[] = {
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "features", "", "show the enabled features", options, false,
};

int
cmd_features (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  char *json = NULL;
  int first, r;

  r = cli_parse (&command, argc, argv, NULL, NULL, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 0, 0, err) < 0 || features_json (&json, err) < 0)
    return -1;
  printf ("%s\n", json);
  free (json);
  return 0;
}
