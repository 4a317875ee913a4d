/* berth - the subcommand table of the runtime.  The option-table parser
 * itself is shared with img (src/common/cliopt.h). */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stdbool.h>

#include "context.h"
#include "cliopt.h"
#include "error.h"

/* One handler per subcommand; returns the exit status (>= 0) or negative
 * with *err set. */
typedef int (*cmd_fn) (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);

int cmd_create (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_start (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_run (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_exec (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_kill (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_delete (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_state (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_list (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_ps (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_pause (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_resume (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_update (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_events (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_spec (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_features (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_checkpoint (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);
int cmd_restore (struct berth_ctx *ctx, int argc, char **argv, berr_t **err);

/* A subcommand berth does not do yet: parse runc's options for it (so
 * --help works and a bad option is named), check for the one container id,
 * then fail with cli_not_implemented(). */
int cli_pending (const struct cli_command *cmd, int argc, char **argv, berr_t **err);

/* The options `create` and `run` share; run adds -d, --keep and
 * --no-subreaper after CREATE_OPT_LAST.  cmd_create_option() fills a
 * struct create_opts (data) from them. */
enum
{
  CREATE_OPT_PID_FILE = 256,
  CREATE_OPT_CONSOLE_SOCKET,
  CREATE_OPT_NO_PIVOT,
  CREATE_OPT_NO_NEW_KEYRING,
  CREATE_OPT_PRESERVE_FDS,
  CREATE_OPT_HOOKS_DIR,
  CREATE_OPT_LAST,
};

#define CREATE_CLI_OPTIONS                                                                                   \
  { "bundle", 'b', true, "DIR", "path to the root of the bundle directory (default: current directory)" },   \
    { "console-socket", CREATE_OPT_CONSOLE_SOCKET, false, "PATH",                                            \
      "unix socket that receives the pty master" },                                                          \
    { "pid-file", CREATE_OPT_PID_FILE, false, "PATH", "file to write the container init's pid to" },         \
    { "no-pivot", CREATE_OPT_NO_PIVOT, false, NULL, "do not use pivot_root (MS_MOVE + chroot)" },            \
    { "no-new-keyring", CREATE_OPT_NO_NEW_KEYRING, false, NULL, "do not create a new session keyring" },     \
    { "preserve-fds", CREATE_OPT_PRESERVE_FDS, false, "N",                                                   \
      "pass N additional descriptors (3..3+N-1) to the container" },                                         \
  {                                                                                                          \
    "hooks-dir", CREATE_OPT_HOOKS_DIR, false, "DIR",                                                         \
      "add the matching hooks of DIR/*.json (oci-hooks(5)); repeatable, a later DIR masks same-named files"  \
  }

int cmd_create_option (int key, const char *arg, void *data, berr_t **err);

#endif
