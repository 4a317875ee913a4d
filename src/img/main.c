/* img - entry point: global options, the command table, exit status.
 *
 * img is berth's image tool: an OCI image layout store, layer unpack into a
 * runtime bundle and commit of a bundle's changes.  This is the only place
 * where an error becomes an exit status. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"
#include "log.h"
#include "util.h"

struct command
{
  const char *name;
  img_cmd_fn fn;
  const char *summary;
};

static const struct command commands[] = {
  { "commit", img_cmd_commit, "turn a bundle's changes into a new layer and image" },
  { "config", img_cmd_config, "change an image's default command, environment, user, labels" },
  { "copy", img_cmd_copy, "copy an image between registries, OCI layouts and the store" },
  { "export", img_cmd_export, "write images to an OCI archive or a docker-save archive" },
  { "fsck", img_cmd_fsck, "verify the store: blobs, images, debris of interrupted commands" },
  { "gc", img_cmd_gc, "remove blobs no image references" },
  { "import", img_cmd_import, "read images from an OCI archive, a layout or a docker-save archive" },
  { "inspect", img_cmd_inspect, "show an image's manifest, config, layers and history" },
  { "login", img_cmd_login, "store credentials for a registry" },
  { "logout", img_cmd_logout, "remove stored credentials for a registry" },
  { "ls", img_cmd_ls, "list the images in the store" },
  { "new", img_cmd_new, "create an empty image (no layers) to commit into" },
  { "pull", img_cmd_pull, "copy an image from a registry into the store" },
  { "push", img_cmd_push, "copy an image from the store to a registry" },
  { "rm", img_cmd_rm, "remove image tags from the store" },
  { "tag", img_cmd_tag, "give an image another name" },
  { "unpack", img_cmd_unpack, "unpack an image into a runtime bundle" },
  { NULL, NULL, NULL },
};

enum
{
  OPT_STORE = 256,
  OPT_DEBUG,
  OPT_DIGEST,
  OPT_HELP_DUMP,
};

/* One table gives getopt_long() the global options, `img --help` its
 * GLOBAL OPTIONS and the man page and completions theirs (--help-dump,
 * contrib/gen-cli-docs.py). */
static const struct cli_option global_option_table[] = {
  { "store", OPT_STORE, false, "DIR",
    "the image store (default: /var/lib/berth/images as root, $XDG_DATA_HOME/berth/images otherwise)" },
  { "digest", OPT_DIGEST, false, "ALG", "digest algorithm of new blobs: sha256 (default), sha512" },
  { "quiet", 'q', true, NULL, "no progress output" },
  { "debug", OPT_DEBUG, false, NULL, "debug output" },
  { "help-dump", OPT_HELP_DUMP, false, NULL, NULL },
  { "version", 'v', true, NULL, "print the version" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command global_command = {
  "",
  "[global options] command [command options] [arguments...]",
  "OCI images: a layout store, unpack into bundles, commit",
  global_option_table,
  true,
};

static void
print_usage (FILE *f)
{
  const struct command *c;

  fprintf (f, "NAME:\n   img - %s\n\nUSAGE:\n   img %s\n\nCOMMANDS:\n", global_command.summary,
           global_command.usage);
  for (c = commands; c->name; c++)
    fprintf (f, "   %-10s %s\n", c->name, c->summary);
  fprintf (f, "\nGLOBAL OPTIONS:\n");
  cli_print_options (f, global_option_table);
}

/* --help-dump: every table as records (cliopt.h); each command prints its
 * own through cli_print_help() when asked for --help. */
static int
dump_help (struct img_ctx *ctx, berr_t **err)
{
  const struct command *c;

  cli_help_dump = true;
  printf ("program\timg\t%s\t%s\t%s\n", global_command.usage, global_command.summary, PACKAGE_VERSION);
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
  return 0;
}

int
img_ctx_store (struct img_ctx *ctx, bool create, struct img_store **out, berr_t **err)
{
  cleanup_free char *def = NULL;
  const char *path = ctx->store_path;

  if (path == NULL)
    path = def = img_store_default_path ();
  if (img_store_open (path, create, out, err) < 0)
    return -1;
  (*out)->alg = ctx->digest;
  return 0;
}

int
img_cmd_begin (struct img_ctx *ctx, const struct img_cmd_spec *spec, int argc, char **argv, void *data,
               int *first, struct img_store **store, berr_t **err)
{
  int r = cli_parse (spec->command, argc, argv, spec->on_option, data, first, err);

  if (r != 0)
    return r < 0 ? -1 : 1;
  if (cli_check_nargs (spec->command, argc - *first, spec->min_args, spec->max_args, err) < 0)
    return -1;
  return img_ctx_store (ctx, spec->create_store, store, err);
}

int
main (int argc, char **argv)
{
  struct img_ctx ctx = { 0 };
  cleanup_berr berr_t *err = NULL;
  cleanup_free struct option *longs = NULL;
  cleanup_free char *shorts = NULL;
  const struct command *c;
  int opt, r;

  cli_program_name = "img";
  log_set_program ("img");
  cli_getopt_tables (&global_command, &longs, &shorts);
  opterr = 0;
  while ((opt = getopt_long (argc, argv, shorts, longs, NULL)) != -1)
    {
      switch (opt)
        {
        case OPT_STORE:
          ctx.store_path = optarg;
          break;
        case OPT_DEBUG:
          ctx.debug = true;
          break;
        case OPT_DIGEST:
          if (img_digest_alg_parse (optarg, &ctx.digest, &err) < 0)
            {
              fprintf (stderr, "img: %s\n", err->msg);
              return 1;
            }
          break;
        case 'q':
          ctx.quiet = true;
          break;
        case 'v':
          printf ("img version %s\ncommit: %s\n", PACKAGE_VERSION, GIT_COMMIT);
          return 0;
        case 'h':
        case CLI_KEY_HELP:
          print_usage (stdout);
          return 0;
        case OPT_HELP_DUMP:
          if (dump_help (&ctx, &err) < 0)
            {
              fprintf (stderr, "img: %s\n", err && err->msg ? err->msg : "unknown error");
              return 1;
            }
          return 0;
        case ':':
          fprintf (stderr, "img: option '%s' requires an argument\n", argv[optind - 1]);
          return 1;
        default:
          fprintf (stderr, "img: unknown global option '%s'\n", argv[optind - 1]);
          return 1;
        }
    }
  /* img's warnings (a layer entry skipped, an image without a command)
   * are for the user at the shell: shown unless --quiet */
  log_init (NULL, LOG_FORMAT_TEXT,
            ctx.debug   ? LOG_LEVEL_DEBUG
            : ctx.quiet ? LOG_LEVEL_ERROR
                        : LOG_LEVEL_WARNING,
            NULL);
  if (optind >= argc)
    {
      print_usage (stderr);
      return 1;
    }
  for (c = commands; c->name; c++)
    if (strcmp (c->name, argv[optind]) == 0)
      break;
  if (c->name == NULL)
    {
      fprintf (stderr, "img: unknown command '%s' (see img --help)\n", argv[optind]);
      return 1;
    }
  r = c->fn (&ctx, argc - optind, argv + optind, &err);
  if (r < 0)
    {
      fprintf (stderr, "img %s: %s\n", c->name, err && err->msg ? err->msg : "unknown error");
      return 1;
    }
  return r;
}
