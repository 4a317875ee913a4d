/* berth - declarative option tables for the subcommands of berth and img.
 *
 * Each cmd-<verb>.c describes its options once (name, short form, argument,
 * help line); cli_parse() builds the getopt_long tables from that and
 * cli_print_help() prints the same table, so help and parsing never drift. */
#ifndef BERTH_CLIOPT_H
#define BERTH_CLIOPT_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "error.h"

/* The program name help text shows ("berth", "img"); main() sets it. */
extern const char *cli_program_name;

struct cli_option
{
  const char *name; /* long name, without "--" */
  int key;          /* the short letter, or a value >= 256 when there is none */
  bool has_short;
  /* Argument name for help, NULL when the option takes none.  The shell
   * completions (contrib/gen-cli-docs.py) complete DIR, BUNDLE and ROOT as
   * directories and FILE and PATH as files. */
  const char *arg;
  const char *help; /* NULL: accepted but hidden from help, man pages and completions */
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

/* The "   --opt ARG, -o   help" lines of cli_print_help(), and --help, -h. */
void cli_print_options (FILE *f, const struct cli_option *options);

/* getopt_long() tables for cmd's options plus --help (CLI_KEY_HELP) and -h
 * ('h'); the caller frees both. */
#define CLI_KEY_HELP 0x10000
void cli_getopt_tables (const struct cli_command *cmd, struct option **longs, char **shorts);

/* When set (the hidden --help-dump of berth and img), cli_print_help()
 * prints the command's table as tab-separated records instead of help:
 *   command <TAB> NAME <TAB> USAGE <TAB> SUMMARY <TAB> "stop" when stop_at_args
 *   option <TAB> NAME <TAB> LONG <TAB> SHORT <TAB> ARG <TAB> HELP
 * (NAME empty for global options; tab, newline and backslash escaped as
 * \t, \n and \\ by cli_dump_field(), which ends the field with end).  contrib/gen-cli-docs.py turns these
 * into the man pages and the bash and zsh completions, so none of them can drift from --help. */
extern bool cli_help_dump;
void cli_dump_options (const char *cmd_name, const struct cli_option *options);
void cli_dump_field (const char *s, char end);

/* "'create' requires exactly 1 argument" (min == max) or a range. */
int cli_check_nargs (const struct cli_command *cmd, int nargs, int min, int max, berr_t **err);

int cli_parse_int (const char *opt, const char *s, int *out, berr_t **err);

/* "'X' is not implemented yet" -- never fake success. */
int cli_not_implemented (const char *what, berr_t **err);

#endif
