/* berth list: every container under --root, as a table, JSON or ids. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "container.h"
#include "util.h"

struct list_opts
{
  bool json;
  bool quiet;
};

static const struct cli_option options[] = {
  { "format", 'f', true, "FORMAT", "select one of: table or json (default: \"table\")" },
  { "quiet", 'q', true, NULL, "display only container IDs" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "list", "[command options]", "lists containers started by berth with the given root", options, false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct list_opts *o = data;

  if (key == 'q')
    o->quiet = true;
  else if (strcmp (arg, "json") == 0)
    o->json = true;
  else if (strcmp (arg, "table") == 0)
    o->json = false;
  else
    return berr_make (err, 0, "invalid format option '%s' (want table or json)", arg);
  return 0;
}

static void
print_row (const struct container_state *st, enum container_status s, int *w)
{
  printf ("%-*s%-*d%-*s%-*s%-*s%s\n", w[0], st->id, w[1], s == STATUS_STOPPED ? 0 : (int)st->pid, w[2],
          state_status_name (s), w[3], st->bundle ? st->bundle : "", w[4], st->created ? st->created : "",
          st->owner ? st->owner : "");
}

/* Column widths as runc's tabwriter computes them: at least 12, else the
 * longest cell plus 3 spaces of padding. */
static void
widths (struct container_state *sts, enum container_status *ss, size_t n, int *w)
{
  size_t i;
  for (i = 0; i < 5; i++)
    w[i] = 12;
  for (i = 0; i < n; i++)
    {
      char pid[32];
      int l[5];
      size_t k;
      snprintf (pid, sizeof (pid), "%d", (int)sts[i].pid);
      l[0] = (int)strlen (sts[i].id);
      l[1] = (int)strlen (pid);
      l[2] = (int)strlen (state_status_name (ss[i]));
      l[3] = sts[i].bundle ? (int)strlen (sts[i].bundle) : 0;
      l[4] = sts[i].created ? (int)strlen (sts[i].created) : 0;
      for (k = 0; k < 5; k++)
        if (l[k] + 3 > w[k])
          w[k] = l[k] + 3;
    }
}

static int
print_all (const struct list_opts *o, struct container_state *sts, enum container_status *ss, size_t n,
           berr_t **err)
{
  size_t i;
  int w[5];

  if (o->quiet)
    {
      for (i = 0; i < n; i++)
        printf ("%s\n", sts[i].id);
      return 0;
    }
  if (o->json)
    {
      cleanup_free char *json = NULL;
      size_t len;
      if (state_list_to_json (sts, ss, n, &json, &len, err) < 0)
        return -1;
      fwrite (json, 1, len, stdout);
      putchar ('\n');
      return 0;
    }
  widths (sts, ss, n, w);
  printf ("%-*s%-*s%-*s%-*s%-*s%s\n", w[0], "ID", w[1], "PID", w[2], "STATUS", w[3], "BUNDLE", w[4],
          "CREATED", "OWNER");
  for (i = 0; i < n; i++)
    print_row (&sts[i], ss[i], w);
  return 0;
}

int
cmd_list (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  static char obuf[1 << 16];
  struct list_opts o = { false, false };
  struct container_state *sts = NULL;
  enum container_status *ss = NULL;
  size_t n;
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &o, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 0, 0, err) < 0)
    return -1;
  if (container_list_load (ctx, &sts, &ss, &n, err) < 0)
    return -1;
  /* A thousand rows: a few large writes rather than one per 4 KiB. */
  setvbuf (stdout, obuf, _IOFBF, sizeof (obuf));
  r = print_all (&o, sts, ss, n, err);
  state_list_free (sts, ss, n);
  return r < 0 ? -1 : 0;
}
