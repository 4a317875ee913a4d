/* img - the command table and what every img subcommand shares.
 *
 * Each cmd-<verb>.c parses its options (src/common/cliopt.h) and calls the
 * library files (store, layer-apply, bundle, record, commit, gc, archive);
 * only main() turns an error into an exit status. */
#ifndef IMG_IMG_H
#define IMG_IMG_H

#include <stdbool.h>

#include "cliopt.h"
#include "error.h"
#include "store.h"

struct img_ctx
{
  const char *store_path; /* --store, or NULL for the default */
  bool debug;
  bool quiet;
  enum img_digest_alg digest; /* --digest: for the blobs this run writes */
};

/* Open the store the global options name.  create: make a missing layout. */
int img_ctx_store (struct img_ctx *ctx, bool create, struct img_store **out, berr_t **err);

/* How a command that works on the store starts: its option table and
 * handler, how many operands it takes, and whether a missing store is made. */
struct img_cmd_spec
{
  const struct cli_command *command;
  cli_handler on_option;
  int min_args, max_args; /* operands after the options; max -1: no limit */
  bool create_store;
};

/* Parse argv's options (spec->on_option gets data), check the number of
 * operands and open the store.  Returns 0 with *first (argv's first
 * operand) and *store set; 1 when --help was printed and the command is
 * done; -1 with err. */
int img_cmd_begin (struct img_ctx *ctx, const struct img_cmd_spec *spec, int argc, char **argv, void *data,
                   int *first, struct img_store **store, berr_t **err);

typedef int (*img_cmd_fn) (struct img_ctx *ctx, int argc, char **argv, berr_t **err);

int img_cmd_ls (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_inspect (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_tag (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_rm (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_gc (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_fsck (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_import (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_export (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_unpack (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_commit (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_config (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_copy (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_pull (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_push (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_login (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_logout (struct img_ctx *ctx, int argc, char **argv, berr_t **err);
int img_cmd_new (struct img_ctx *ctx, int argc, char **argv, berr_t **err);

#endif
