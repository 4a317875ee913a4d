/* img config: change an image's configuration (what a container of it runs
 * with) without a layer, as `umoci config` does: a new config blob, a new
 * manifest, the tag moved (or --tag NEW), and a history entry marked
 * empty_layer.  Repeatable options (--cmd, --entrypoint) build the list in
 * order; the first occurrence replaces what the image had. */
#include <config.h>

#include <string.h>

#include "commit.h"
#include "gc.h"
#include "img.h"
#include "util.h"

enum
{
  OPT_CMD = 256,
  OPT_ENTRYPOINT,
  OPT_ENV,
  OPT_WORKDIR,
  OPT_USER,
  OPT_LABEL,
  OPT_VOLUME,
  OPT_PORT,
  OPT_STOP_SIGNAL,
  OPT_AUTHOR,
  OPT_TAG,
  OPT_CLEAR,
};

static const struct cli_option options[] = {
  { "cmd", OPT_CMD, false, "ARG", "an element of Cmd (repeat for each; the first replaces the image's)" },
  { "entrypoint", OPT_ENTRYPOINT, false, "ARG", "an element of Entrypoint (repeat; the first replaces)" },
  { "env", OPT_ENV, false, "KEY=VALUE", "set an environment variable (replaces the same KEY)" },
  { "workdir", OPT_WORKDIR, false, "DIR", "the working directory" },
  { "user", OPT_USER, false, "USER[:GROUP]", "the user (name or id) the process runs as" },
  { "label", OPT_LABEL, false, "KEY=VALUE", "set a label" },
  { "volume", OPT_VOLUME, false, "PATH", "add a volume" },
  { "port", OPT_PORT, false, "PORT/PROTO", "add an exposed port (80/tcp)" },
  { "stop-signal", OPT_STOP_SIGNAL, false, "SIG", "the signal that stops a container of the image" },
  { "author", OPT_AUTHOR, false, "NAME", "the image's author" },
  { "clear", OPT_CLEAR, false, "FIELD", "empty a field first: cmd, entrypoint, env, labels, volumes, ports" },
  { "tag", OPT_TAG, false, "NAME", "tag the result NAME instead of moving IMAGE's tag" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "config",
  "[command options] <image>",
  "change an image's default command, environment, user, working directory, labels (no new layer)",
  options,
  false,
};

struct opts
{
  oci_image_config *c;
  bool cmd_set, ep_set;
  const char *author, *tag;
};

static oci_image_exec_config *
ec (struct opts *o)
{
  if (o->c->config == NULL)
    o->c->config = xzalloc (sizeof (*o->c->config));
  return o->c->config;
}

static void
strv_push (char ***v, size_t *n, const char *s)
{
  *v = xrealloc (*v, (*n + 2) * sizeof (char *));
  (*v)[(*n)++] = xstrdup (s);
  (*v)[*n] = NULL;
}

static void
strv_clear (char ***v, size_t *n)
{
  size_t i;
  for (i = 0; *v && i < *n; i++)
    free ((*v)[i]);
  free (*v);
  *v = NULL;
  *n = 0;
}

static void
empty_map_add (oci_image_empty_map **m, const char *key)
{
  size_t i;
  if (*m == NULL)
    *m = xzalloc (sizeof (**m));
  for (i = 0; i < (*m)->len; i++)
    if (strcmp ((*m)->keys[i], key) == 0)
      return;
  (*m)->keys = xrealloc ((*m)->keys, ((*m)->len + 1) * sizeof (char *));
  (*m)->values = xrealloc ((*m)->values, ((*m)->len + 1) * sizeof (oci_image_empty *));
  (*m)->keys[(*m)->len] = xstrdup (key);
  (*m)->values[(*m)->len] = xzalloc (sizeof (oci_image_empty));
  (*m)->len++;
}

static void
set_str (char **f, const char *v)
{
  free (*f);
  *f = xstrdup (v);
}

static int
apply_option (struct opts *o, int key, const char *arg, berr_t **err)
{
  oci_image_exec_config *e = ec (o);
  const char *eq;
  size_t i;

  switch (key)
    {
    case OPT_CMD:
      if (!o->cmd_set)
        strv_clear (&e->cmd, &e->cmd_len);
      o->cmd_set = true;
      strv_push (&e->cmd, &e->cmd_len, arg);
      break;
    case OPT_ENTRYPOINT:
      if (!o->ep_set)
        strv_clear (&e->entrypoint, &e->entrypoint_len);
      o->ep_set = true;
      strv_push (&e->entrypoint, &e->entrypoint_len, arg);
      break;
    case OPT_ENV:
      eq = strchr (arg, '=');
      if (eq == NULL || eq == arg)
        return berr_make (err, 0, "invalid value '%s' for '--env': expected KEY=VALUE", arg);
      for (i = 0; i < e->env_len; i++)
        if (strncmp (e->env[i], arg, (size_t)(eq - arg + 1)) == 0)
          {
            set_str (&e->env[i], arg);
            return 0;
          }
      strv_push (&e->env, &e->env_len, arg);
      break;
    case OPT_WORKDIR:
      if (arg[0] != '/')
        return berr_make (err, 0, "invalid value '%s' for '--workdir': not an absolute path", arg);
      set_str (&e->working_dir, arg);
      break;
    case OPT_USER:
      set_str (&e->user, arg);
      break;
    case OPT_LABEL:
      eq = strchr (arg, '=');
      if (eq == NULL || eq == arg)
        return berr_make (err, 0, "invalid value '%s' for '--label': expected KEY=VALUE", arg);
      {
        cleanup_free char *k = xstrndup (arg, (size_t)(eq - arg));
        if (e->labels == NULL)
          e->labels = xzalloc (sizeof (*e->labels));
        oci_string_map_set (e->labels, k, eq + 1);
      }
      break;
    case OPT_VOLUME:
      if (arg[0] != '/')
        return berr_make (err, 0, "invalid value '%s' for '--volume': not an absolute path", arg);
      empty_map_add (&e->volumes, arg);
      break;
    case OPT_PORT:
      {
        cleanup_free char *p = strchr (arg, '/') ? xstrdup (arg) : xasprintf ("%s/tcp", arg);
        empty_map_add (&e->exposed_ports, p);
      }
      break;
    case OPT_STOP_SIGNAL:
      set_str (&e->stop_signal, arg);
      break;
    case OPT_AUTHOR:
      set_str (&o->c->author, arg);
      break;
    case OPT_TAG:
      o->tag = arg;
      break;
    case OPT_CLEAR:
      if (strcmp (arg, "cmd") == 0)
        strv_clear (&e->cmd, &e->cmd_len);
      else if (strcmp (arg, "entrypoint") == 0)
        strv_clear (&e->entrypoint, &e->entrypoint_len);
      else if (strcmp (arg, "env") == 0)
        strv_clear (&e->env, &e->env_len);
      else if (strcmp (arg, "labels") == 0)
        oci_string_map_free (e->labels), e->labels = NULL;
      else if (strcmp (arg, "volumes") == 0 || strcmp (arg, "ports") == 0)
        {
          oci_image_empty_map **m = arg[0] == 'v' ? &e->volumes : &e->exposed_ports;
          if (*m)
            {
              for (i = 0; i < (*m)->len; i++)
                free ((*m)->keys[i]), free ((*m)->values[i]);
              free ((*m)->keys);
              free ((*m)->values);
              free (*m);
              *m = NULL;
            }
        }
      else
        return berr_make (
          err, 0, "invalid value '%s' for '--clear': cmd, entrypoint, env, labels, volumes, ports", arg);
      break;
    }
  return 0;
}

static void
add_history (oci_image_config *c, const char *created)
{
  oci_image_history *h = xzalloc (sizeof (*h));

  h->created = xstrdup (created);
  h->created_by = xstrdup ("img config");
  h->empty_layer = true;
  h->empty_layer_present = true;
  c->history = xrealloc (c->history, (c->history_len + 1) * sizeof (*c->history));
  c->history[c->history_len++] = h;
}

/* Options are recorded while parsing and applied, in order, once the
 * image is loaded. */
struct recorded
{
  int *keys;
  const char **args;
  size_t n;
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct recorded *rec = data;

  rec->keys = xrealloc (rec->keys, (rec->n + 1) * sizeof (int));
  rec->args = xrealloc (rec->args, (rec->n + 1) * sizeof (char *));
  rec->keys[rec->n] = key;
  rec->args[rec->n++] = arg;
  return 0;
}

int
img_cmd_config (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_store struct img_store *s = NULL;
  cleanup_image struct img_image *im = NULL;
  cleanup_free char *created = NULL;
  struct recorded rec = { 0 };
  struct opts o = { 0 };
  size_t i;
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &rec, &first, err);
  if (r == 0 && cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    r = -1;
  if (r == 0 && rec.n == 0)
    r = berr_make (err, 0, "config: nothing to change (see img config --help)");
  if (r == 0
      && (img_ctx_store (ctx, false, &s, err) < 0 || img_gc_writer_lock (s, err) < 0
          || img_image_load (s, argv[first], NULL, &im, err) < 0))
    r = -1;
  if (r == 0)
    {
      o.c = im->config;
      for (i = 0; i < rec.n && r == 0; i++)
        r = apply_option (&o, rec.keys[i], rec.args[i], err);
    }
  if (r == 0 && img_created_time (&created, err) < 0)
    r = -1;
  if (r == 0)
    {
      add_history (im->config, created);
      if (img_image_write (s, im->manifest, im->config, o.tag ? o.tag : argv[first], NULL, err) < 0)
        r = berr_wrap (err, "config '%s'", argv[first]);
    }
  free (rec.keys);
  free (rec.args);
  return r < 0 ? -1 : 0;
}
