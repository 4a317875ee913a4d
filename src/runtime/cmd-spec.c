/* berth spec: write a default config.json into the bundle directory. */
#include <config.h>

#include <stddef.h>

#include "cli.h"
#include "spec-default.h"

struct spec_opts
{
  const char *bundle;
  bool rootless;
};

static const struct cli_option options[] = {
  { "bundle", 'b', true, "DIR", "path to the root of the bundle directory" },
  { "rootless", 256, false, NULL, "generate a configuration for a rootless container" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "spec", "[command options]", "create a new specification file", options, false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct spec_opts *o = data;
  if (key == 'b')
    o->bundle = arg;
  else
    o->rootless = true;
  return 0;
}

int
cmd_spec (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct spec_opts o = { ".", false };
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &o, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 0, 0, err) < 0)
    return -1;
  return spec_write_default (o.bundle, o.rootless, err) < 0 ? -1 : 0;
}
