/* berth - the global options every subcommand sees (runc's global flags). */
#ifndef BERTH_CONTEXT_H
#define BERTH_CONTEXT_H

#include <stdbool.h>

#include "log.h"

struct berth_ctx
{
  char *root; /* state directory: --root, /run/berth or $XDG_RUNTIME_DIR/berth */
  const char *log_path;
  enum log_format log_format;
  enum log_level log_level;
  bool debug;
  bool systemd_cgroup;
  const char *cgroup_manager;
  const char *rootless;
};

#endif
