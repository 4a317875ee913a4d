/* berth - entry point: global options, the command table, exit status.
 *
 * The global options are runc's (so conmon, podman and go-runc can drive
 * berth unchanged); each subcommand lives in its own cmd-<verb>.c.  This is
 * the only place where an error becomes an exit status. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "context.h"
#include "log.h"
#include "selfexe.h"
#include "userns.h"
#include "util.h"

struct command
{
  const char *name;
  cmd_fn fn;
  const char *summary;
};

static const struct command commands[] = {
  { "checkpoint", cmd_checkpoint, "checkpoint a running container (not implemented yet)" },
  { "create", cmd_create, "create a container" },
  { "delete", cmd_delete, "delete any resources held by the container" },
  { "events", cmd_events, "display container events such as OOM notifications and stats" },
  { "exec", cmd_exec, "execute new process inside the container" },
  { "features", cmd_features, "show the enabled features" },
  { "kill", cmd_kill, "kill sends the specified signal (default: SIGTERM) to the container's init process" },
  { "list", cmd_list, "lists containers started by berth with the given root" },
  { "pause", cmd_pause, "pause suspends all processes inside the container" },
  { "ps", cmd_ps, "ps displays the processes running inside a container" },
  { "restore", cmd_restore, "restore a container from a previous checkpoint (not implemented yet)" },
  { "resume", cmd_resume, "resumes all processes that have been previously paused" },
  { "run", cmd_run, "create and run a container" },
  { "spec", cmd_spec, "create a new specification file" },
  { "start", cmd_start, "executes the user defined process in a created container" },
  { "state", cmd_state, "output the state of a container" },
  { "update", cmd_update, "update container resource constraints" },
  { NULL, NULL, NULL },
};

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_LOG_LEVEL,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_CGROUP_MANAGER,
  OPT_ROOTLESS,
  OPT_CRIU,
  OPT_HELP_DUMP,
};

#define HELP_SUMMARY "shows a list of commands or help for one command"

/* The global options are runc's.  One table gives getopt_long() its
 * options, `berth --help` its GLOBAL OPTIONS and the man page and shell
 * completions theirs (--help-dump, contrib/gen-cli-docs.py). */
static const struct cli_option global_option_table[] = {
  { "debug", OPT_DEBUG, false, NULL, "enable debug logging" },
  { "log", OPT_LOG, false, "PATH", "set the log file to write berth logs to (default is stderr)" },
  { "log-format", OPT_LOG_FORMAT, false, "FORMAT", "set the log format ('text' (default), or 'json')" },
  { "log-level", OPT_LOG_LEVEL, false, "LEVEL", "set the log level (error, warning, info, debug)" },
  { "root", OPT_ROOT, false, "DIR",
    "root directory for storage of container state (default: \"/run/berth\", or \"$XDG_RUNTIME_DIR/berth\" "
    "when not root)" },
  { "systemd-cgroup", OPT_SYSTEMD_CGROUP, false, NULL, "use the systemd cgroup manager (a transient scope)" },
  { "cgroup-manager", OPT_CGROUP_MANAGER, false, "MANAGER", "cgroup manager: cgroupfs, systemd or disabled" },
  { "rootless", OPT_ROOTLESS, false, "BOOL", "ignore cgroup permission errors ('true', 'false', or 'auto')" },
  { "criu", OPT_CRIU, false, "PATH", NULL },
  { "help-dump", OPT_HELP_DUMP, false, NULL, NULL },
  { "version", 'v', true, NULL, "print the version" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command global_command = {
  "",
  "[global options] command [command options] [arguments...]",
  "Open Container Initiative runtime",
  global_option_table,
  true,
};

static void
print_version (void)
{
  printf ("berth version %s\ncommit: %s\nspec: %s\n", PACKAGE_VERSION, GIT_COMMIT, OCI_SPEC_VERSION);
}

static void
print_help (void)
{
  const struct command *c;

  printf ("NAME:\n   berth - %s\n\nUSAGE:\n   berth %s\n\nVERSION:\n   %s\n\nCOMMANDS:\n",
          global_command.summary, global_command.usage, PACKAGE_VERSION);
  for (c = commands; c->name; c++)
    printf ("   %-12s %s\n", c->name, c->summary);
  printf ("   %-12s %s\n", "help", HELP_SUMMARY);
  printf ("\nGLOBAL OPTIONS:\n");
  cli_print_options (stdout, global_option_table);
}

/* --help-dump: every table as records (cliopt.h); each command prints its
 * own through cli_print_help() when asked for --help. */
static int
dump_help (struct berth_ctx *ctx, berr_t **err)
{
  const struct command *c;

  cli_help_dump = true;
  printf ("program\tberth\t%s\t%s\t%s\n", global_command.usage, global_command.summary, PACKAGE_VERSION);
  cli_dump_options ("", global_option_table);
  for (c = commands; c->name; c++)
    {
      char *argv[] = { (char *)c->name, (char *)"--help", NULL };
      fputs ("subcommand\t", stdout);
      cli_dump_field (c->name, '\t');
      cli_dump_field (c->summary, '\n');
      if (c->fn (ctx, 2, argv, err) < 0)
        return -1;
    }
  printf ("subcommand\thelp\t%s\ncommand\thelp\t[command]\t%s\t\n", HELP_SUMMARY, HELP_SUMMARY);
  cli_dump_options ("help", NULL);
  return 0;
}

/* Set when --root defaulted to /tmp/berth-UID (see check_tmp_root). */
static bool root_in_tmp;
/* Set when --root defaulted to $XDG_RUNTIME_DIR/berth (see mark_sticky). */
static bool root_in_xdg;

static char *
default_root (void)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  const char *user = getenv ("USER");

  /* root of a user namespace that a normal user made (unshare -r, rootless
   * podman) cannot write /run: runc's rule takes its XDG_RUNTIME_DIR, also
   * when USER is unset (conmon passes the runtime no USER). */
  if (geteuid () == 0
      && !(xdg && *xdg && (user == NULL || strcmp (user, "root") != 0) && !userns_in_initial ()))
    return xstrdup ("/run/berth");
  if (xdg && *xdg)
    {
      root_in_xdg = true;
      return xasprintf ("%s/berth", xdg);
    }
  root_in_tmp = true;
  return xasprintf ("/tmp/berth-%d", (int)geteuid ());
}

/* Unprivileged without XDG_RUNTIME_DIR the state goes to /tmp/berth-UID,
 * a name any user could have taken first (a symlink to their directory, a
 * directory they can write): use it only when it is our own directory that
 * nobody else may enter. */
static int
check_tmp_root (const char *root, berr_t **err)
{
  struct stat st;

  if (mkdir (root, 0700) < 0 && errno != EEXIST)
    return berr_make (err, errno, "create state root '%s'", root);
  if (lstat (root, &st) < 0)
    return berr_make (err, errno, "state root '%s'", root);
  if (!S_ISDIR (st.st_mode) || st.st_uid != geteuid () || (st.st_mode & 077) != 0)
    return berr_make (err, 0,
                      "state root '%s' is not a private directory of uid %d "
                      "(XDG_RUNTIME_DIR is not set): set XDG_RUNTIME_DIR or pass --root",
                      root, (int)geteuid ());
  return 0;
}

static int
global_option (struct berth_ctx *ctx, int c, const char *arg, berr_t **err)
{
  switch (c)
    {
    case OPT_ROOT:
      root_in_tmp = root_in_xdg = false;
      free (ctx->root);
      ctx->root = xstrdup (arg);
      return 0;
    case OPT_LOG:
      ctx->log_path = arg;
      return 0;
    case OPT_LOG_FORMAT:
      return log_parse_format (arg, &ctx->log_format, err);
    case OPT_LOG_LEVEL:
      return log_parse_level (arg, &ctx->log_level, err);
    case OPT_DEBUG:
      ctx->debug = true;
      return 0;
    case OPT_SYSTEMD_CGROUP:
      ctx->systemd_cgroup = true;
      return 0;
    case OPT_CGROUP_MANAGER:
      if (strcmp (arg, "cgroupfs") != 0 && strcmp (arg, "systemd") != 0 && strcmp (arg, "disabled") != 0)
        return berr_make (err, 0, "invalid --cgroup-manager '%s' (want cgroupfs, systemd or disabled)", arg);
      ctx->cgroup_manager = arg;
      return 0;
    case OPT_ROOTLESS:
      if (strcmp (arg, "true") != 0 && strcmp (arg, "false") != 0 && strcmp (arg, "auto") != 0)
        return berr_make (err, 0, "invalid --rootless '%s' (want true, false or auto)", arg);
      ctx->rootless = arg;
      return 0;
    case OPT_CRIU:
      return 0;
    }
  return berr_make (err, 0, "unhandled global option");
}

/* Returns the index of the command name, 0 when the caller must exit 0
 * (--help/--version printed), negative on error. */
static int
parse_globals (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_free struct option *longs = NULL;
  cleanup_free char *shorts = NULL;
  int c;

  cli_getopt_tables (&global_command, &longs, &shorts);
  opterr = 0;
  while ((c = getopt_long (argc, argv, shorts, longs, NULL)) != -1)
    {
      if (c == 'v')
        {
          print_version ();
          return 0;
        }
      if (c == 'h' || c == CLI_KEY_HELP)
        {
          print_help ();
          return 0;
        }
      if (c == OPT_HELP_DUMP)
        return dump_help (ctx, err) < 0 ? -1 : 0;
      if (c == ':')
        return berr_make (err, 0, "option '%s' requires an argument", argv[optind - 1]);
      if (c == '?')
        return berr_make (err, 0, "unknown global option '%s'", argv[optind - 1]);
      if (global_option (ctx, c, optarg, err) < 0)
        return -1;
    }
  if (optind >= argc)
    {
      print_help ();
      return 0;
    }
  return optind;
}

static const struct command *
find_command (const char *name)
{
  const struct command *c;
  for (c = commands; c->name; c++)
    if (strcmp (c->name, name) == 0)
      return c;
  return NULL;
}

static int
run_help (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  const struct command *c;
  char *help_argv[] = { NULL, (char *)"--help", NULL };

  if (argc < 2)
    {
      print_help ();
      return 0;
    }
  c = find_command (argv[1]);
  if (c == NULL)
    return berr_make (err, 0, "no help topic for '%s'", argv[1]);
  help_argv[0] = argv[1];
  return c->fn (ctx, 2, help_argv, err);
}

/* The XDG base directory spec lets the session manager remove what sits in
 * $XDG_RUNTIME_DIR untouched for 6 hours, unless it has the sticky bit: a
 * long-running container must not lose its state (runc sets it too). */
static void
mark_sticky (const char *root)
{
  struct stat st;

  if (lstat (root, &st) == 0 && S_ISDIR (st.st_mode) && st.st_uid == geteuid () && !(st.st_mode & S_ISVTX))
    chmod (root, (st.st_mode & 07777) | S_ISVTX);
}

static int
dispatch (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  const struct command *c;
  int r;

  if (strcmp (argv[0], "help") == 0 || strcmp (argv[0], "h") == 0)
    return run_help (ctx, argc, argv, err);
  c = find_command (argv[0]);
  if (c == NULL)
    return berr_make (err, 0, "'%s' is not a berth command, see 'berth --help'", argv[0]);
  if (ctx->debug)
    ctx->log_level = LOG_LEVEL_DEBUG;
  if (log_init (ctx->log_path, ctx->log_format, ctx->log_level, err) < 0)
    return -1;
  if (root_in_tmp && check_tmp_root (ctx->root, err) < 0)
    return -1;
  r = c->fn (ctx, argc, argv, err);
  if (root_in_xdg)
    mark_sticky (ctx->root);
  return r;
}

int
main (int argc, char **argv)
{
  struct berth_ctx ctx = { .log_format = LOG_FORMAT_TEXT, .log_level = LOG_LEVEL_WARNING };
  cleanup_berr berr_t *err = NULL;
  int idx, ret;

  log_set_program ("berth");
  ctx.root = default_root ();
  idx = parse_globals (&ctx, argc, argv, &err);
  if (idx == 0)
    ret = 0;
  else if (idx < 0)
    ret = -1;
  else if (selfexe_needed (argv[idx]) && selfexe_ensure_sealed (argv, ctx.root, &err) < 0)
    ret = -1;
  else
    ret = dispatch (&ctx, argc - idx, argv + idx, &err);
  if (ret < 0)
    {
      /* The log may not be open yet when option parsing failed: still honour
       * --log so that conmon finds the message where it looks. */
      if (log_fd () < 0 && ctx.log_path)
        {
          berr_t *ignored = NULL;
          log_init (ctx.log_path, ctx.log_format, ctx.log_level, &ignored);
          berr_free (ignored);
        }
      log_report_error (err);
      ret = 1;
    }
  free (ctx.root);
  return ret;
}
