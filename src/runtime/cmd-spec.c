/* berth spec: write a default config.json into the bundle directory. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "spec-default.h"
#include "util.h"

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

/* Write <dir>/config.json, refusing to replace an existing file. */
static int
spec_write_default (const char *dir, bool rootless, berr_t **err)
{
  cleanup_free char *path = xasprintf ("%s/config.json", dir);
  cleanup_free char *json = oci_spec_default_json (rootless, geteuid (), getegid ());
  cleanup_close int fd = -1;

  /* O_EXCL: refuse to overwrite, as runc does ("File config.json exists"). */
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      if (errno == EEXIST)
        return berr_make (err, 0, "file '%s' exists, remove it first", path);
      return berr_make (err, errno, "create '%s'", path);
    }
  if (util_write_all (fd, json, strlen (json), err) < 0)
    return berr_wrap (err, "write '%s'", path);
  if (close (steal_fd (fd)) < 0)
    return berr_make (err, errno, "close '%s'", path);
  return 0;
}

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
