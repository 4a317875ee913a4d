/* berth - declarative option tables for the subcommands of berth and img.
 *
 * Each cmd-<verb>.c describes its options once (name, short form, argument,
 * help line); cli_parse() builds the getopt_long tables from that and
 * cli_print_help() prints the same table, so help and parsing never drift. */
#ifndef BERTH_CLIOPT_H
#define BERTH_CLIOPT_H

#include <stdbool.h>

#include "error.h"

/* The program name help text shows ("berth", "img"); main() sets it. */
extern const char *cli_program_name;

struct cli_option
{
  const char *name; /* long name, without "--" */
  int key;          /* the short letter, or a value >= 256 when there is none */
  bool has_short;
  const char *arg; /* argument name for help, NULL when the option takes none */
  const char *help;
};

struct cli_command
{
  const char *name;
  const char *usage;   /* "[command options] <container-id>" */
  const char *summary; /* one line */
  const struct cli_option *options;
  bool stop_at_args; /* options end at the first positional argument (exec) */
};

/* Called once per option found; arg is NULL for flags. */
typedef int (*cli_handler) (int key, const char *arg, void *data, berr_t **err);

/* Parse argv (argv[0] is the command name).  Returns 1 when --help was
 * printed, 0 on success with *first_arg the index of the first positional
 * argument, negative on error. */
int cli_parse (const struct cli_command *cmd, int argc, char **argv, cli_handler h, void *data,
               int *first_arg, berr_t **err);

void cli_print_help (const struct cli_command *cmd);

/* "'create' requires exactly 1 argument" (min == max) or a range. */
int cli_check_nargs (const struct cli_command *cmd, int nargs, int min, int max, berr_t **err);

int cli_parse_int (const char *opt, const char *s, int *out, berr_t **err);

/* "'X' is not implemented yet" -- never fake success. */
int cli_not_implemented (const char *what, berr_t **err);

#endif
