/* berth - option parsing and help output shared by every subcommand of
 * berth and img.
 *
 * The option tables live in the cmd-<verb>.c files; this file turns them into
 * getopt_long() tables (so both `--opt=val` and `--opt val` work, and the
 * short forms runc has) and into `PROG CMD --help` text. */
#include <config.h>

#include "cliopt.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *cli_program_name = "berth";
bool cli_help_dump;

static size_t
count_options (const struct cli_option *o)
{
  size_t n = 0;
  while (o && o[n].name)
    n++;
  return n;
}

void
cli_getopt_tables (const struct cli_command *cmd, struct option **longsp, char **shortsp)
{
  const struct cli_option *o = cmd->options;
  size_t i, n = count_options (o), s = 0;
  struct option *longs = xzalloc ((n + 2) * sizeof (*longs));
  char *shorts = xzalloc (n * 2 + 8);

  /* '+' stops at the first positional argument; ':' makes getopt report a
   * missing argument distinctly so our message can say which. */
  if (cmd->stop_at_args)
    shorts[s++] = '+';
  shorts[s++] = ':';
  shorts[s++] = 'h';
  for (i = 0; i < n; i++)
    {
      longs[i].name = o[i].name;
      longs[i].has_arg = o[i].arg ? required_argument : no_argument;
      longs[i].flag = NULL;
      longs[i].val = o[i].key;
      if (o[i].has_short)
        {
          shorts[s++] = (char)o[i].key;
          if (o[i].arg)
            shorts[s++] = ':';
        }
    }
  longs[n] = (struct option){ "help", no_argument, NULL, CLI_KEY_HELP };
  longs[n + 1] = (struct option){ NULL, 0, NULL, 0 };
  shorts[s] = '\0';
  *longsp = longs;
  *shortsp = shorts;
}

static int
bad_option (const struct cli_command *cmd, int c, char **argv, berr_t **err)
{
  const char *what = argv[optind - 1];

  if (c == ':')
    return berr_make (err, 0, "%s: option '%s' requires an argument", cmd->name, what);
  if (optopt > 0 && optopt < 256 && !util_str_has_prefix (what, "--"))
    return berr_make (err, 0, "%s: unknown option '-%c'", cmd->name, optopt);
  return berr_make (err, 0, "%s: unknown option '%s'", cmd->name, what);
}

int
cli_parse (const struct cli_command *cmd, int argc, char **argv, cli_handler h, void *data, int *first_arg,
           berr_t **err)
{
  cleanup_free struct option *longs = NULL;
  cleanup_free char *shorts = NULL;
  int c;

  cli_getopt_tables (cmd, &longs, &shorts);
  optind = 0; /* glibc: full re-initialisation, argv differs from the global parse */
  opterr = 0;
  while ((c = getopt_long (argc, argv, shorts, longs, NULL)) != -1)
    {
      if (c == 'h' || c == CLI_KEY_HELP)
        {
          cli_print_help (cmd);
          return 1;
        }
      if (c == '?' || c == ':')
        return bad_option (cmd, c, argv, err);
      if (h (c, optarg, data, err) < 0)
        return -1;
    }
  *first_arg = optind;
  return 0;
}

void
cli_print_options (FILE *f, const struct cli_option *options)
{
  const struct cli_option *o;

  for (o = options; o && o->name; o++)
    {
      char lhs[96];
      if (o->help == NULL)
        continue;
      if (o->has_short)
        snprintf (lhs, sizeof (lhs), "--%s%s%s, -%c", o->name, o->arg ? " " : "", o->arg ? o->arg : "",
                  o->key);
      else
        snprintf (lhs, sizeof (lhs), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
      fprintf (f, "   %-34s %s\n", lhs, o->help);
    }
  fprintf (f, "   %-34s %s\n", "--help, -h", "show help");
}

/* A field of a --help-dump record: tab, newline and backslash escaped. */
void
cli_dump_field (const char *s, char end)
{
  for (; s && *s; s++)
    if (*s == '\n')
      fputs ("\\n", stdout);
    else if (*s == '\t')
      fputs ("\\t", stdout);
    else if (*s == '\\')
      fputs ("\\\\", stdout);
    else
      putchar (*s);
  putchar (end);
}

void
cli_dump_options (const char *cmd_name, const struct cli_option *options)
{
  const struct cli_option *o;
  char shortname[2] = { 0, 0 };

  for (o = options; o && o->name; o++)
    if (o->help)
      {
        shortname[0] = o->has_short ? (char)o->key : '-';
        fputs ("option\t", stdout);
        cli_dump_field (cmd_name, '\t');
        cli_dump_field (o->name, '\t');
        cli_dump_field (shortname, '\t');
        cli_dump_field (o->arg, '\t');
        cli_dump_field (o->help, '\n');
      }
  printf ("option\t%s\thelp\th\t\tshow help\n", cmd_name);
}

void
cli_print_help (const struct cli_command *cmd)
{
  if (cli_help_dump)
    {
      fputs ("command\t", stdout);
      cli_dump_field (cmd->name, '\t');
      cli_dump_field (cmd->usage, '\t');
      cli_dump_field (cmd->summary, '\t');
      cli_dump_field (cmd->stop_at_args ? "stop" : "", '\n');
      cli_dump_options (cmd->name, cmd->options);
      return;
    }
  printf ("NAME:\n   %s %s - %s\n\nUSAGE:\n   %s %s %s\n\nOPTIONS:\n", cli_program_name, cmd->name,
          cmd->summary, cli_program_name, cmd->name, cmd->usage);
  cli_print_options (stdout, cmd->options);
}

int
cli_check_nargs (const struct cli_command *cmd, int nargs, int min, int max, berr_t **err)
{
  if (nargs >= min && (max < 0 || nargs <= max))
    return 0;
  if (min == max)
    return berr_make (err, 0, "'%s' requires exactly %d argument%s", cmd->name, min, min == 1 ? "" : "s");
  if (max < 0)
    return berr_make (err, 0, "'%s' requires at least %d argument%s", cmd->name, min, min == 1 ? "" : "s");
  return berr_make (err, 0, "'%s' requires between %d and %d arguments", cmd->name, min, max);
}

int
cli_parse_int (const char *opt, const char *s, int *out, berr_t **err)
{
  long v;
  if (util_parse_long (s, &v) < 0 || v < 0 || v > 1 << 20)
    return berr_make (err, 0, "invalid value '%s' for '--%s'", s, opt);
  *out = (int)v;
  return 0;
}

int
cli_not_implemented (const char *what, berr_t **err)
{
  return berr_make (err, 0, "'%s' is not implemented yet", what);
}
