/* img ls: every entry of the store's index.json, as a table, JSON or
 * names.  An entry that is an index (several platforms) is shown with the
 * host's image; an entry whose blobs cannot be read is listed with the
 * error instead of ending the listing. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "img.h"
#include "util.h"

struct ls_opts
{
  bool json;
  bool quiet;
};

static const struct cli_option options[] = {
  { "format", 'f', true, "FORMAT", "table or json (default: \"table\")" },
  { "quiet", 'q', true, NULL, "only the names (the manifest digest for an untagged entry)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "ls",
  "[command options]\n\n"
  "   Columns: NAME (<none> when untagged), DIGEST (of the manifest, first 12\n"
  "   hex digits), SIZE (manifest + config + layers, compressed), CREATED and\n"
  "   PLATFORM (from the config).  --format json: an array of {\"name\",\n"
  "   \"digest\", \"mediaType\", \"size\", \"created\", \"platform\"} (\"error\" when\n"
  "   the image cannot be read).",
  "list the images in the store",
  options,
  false,
};

struct row
{
  const char *name; /* NULL: untagged */
  const char *digest;
  const char *media_type;
  int64_t size;
  char *created;
  char *platform;
  char *error;
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct ls_opts *o = data;

  if (key == 'q')
    o->quiet = true;
  else if (strcmp (arg, "json") == 0)
    o->json = true;
  else if (strcmp (arg, "table") == 0)
    o->json = false;
  else
    return berr_make (err, 0, "invalid format '%s' (want table or json)", arg);
  return 0;
}

static void
fill_row (struct img_store *s, const oci_image_descriptor *d, struct row *r)
{
  cleanup_image struct img_image *im = NULL;
  cleanup_berr berr_t *err = NULL;
  const oci_image_config *c;
  size_t i;

  r->name = img_desc_ref_name (d);
  r->digest = d->digest ? d->digest : "";
  r->media_type = d->media_type;
  if (img_image_load_desc (s, d, NULL, &im, &err) < 0)
    {
      r->error = xstrdup (err && err->msg ? err->msg : "unreadable");
      return;
    }
  r->size = im->desc->size;
  if (im->manifest->config)
    r->size += im->manifest->config->size;
  for (i = 0; i < im->manifest->layers_len; i++)
    r->size += im->manifest->layers[i]->size;
  c = im->config;
  r->created = c->created ? xstrdup (c->created) : NULL;
  r->platform = xasprintf ("%s/%s%s%s", c->os ? c->os : "?", c->architecture ? c->architecture : "?",
                           c->variant ? "/" : "", c->variant ? c->variant : "");
}

static void
row_clear (struct row *r)
{
  free (r->created);
  free (r->platform);
  free (r->error);
}

/* 1000-based like docker's: "5.2MB". */
static char *
human_size (int64_t n)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
  double v = (double)n;
  size_t u = 0;

  while (v >= 1000 && u + 1 < sizeof (units) / sizeof (units[0]))
    {
      v /= 1000;
      u++;
    }
  return u == 0 ? xasprintf ("%" PRId64 "B", n) : xasprintf ("%.3g%s", v, units[u]);
}

static void
gen_str (yajl_gen g, const char *k, const char *v)
{
  yajl_gen_string (g, (const unsigned char *)k, strlen (k));
  if (v)
    yajl_gen_string (g, (const unsigned char *)v, strlen (v));
  else
    yajl_gen_null (g);
}

static int
print_json (const struct row *rows, size_t n, berr_t **err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t i, len;

  yajl_gen_array_open (g);
  for (i = 0; i < n; i++)
    {
      const struct row *r = &rows[i];
      yajl_gen_map_open (g);
      gen_str (g, "name", r->name);
      gen_str (g, "digest", r->digest);
      gen_str (g, "mediaType", r->media_type);
      if (r->error)
        gen_str (g, "error", r->error);
      else
        {
          yajl_gen_string (g, (const unsigned char *)"size", 4);
          yajl_gen_integer (g, r->size);
          gen_str (g, "created", r->created);
          gen_str (g, "platform", r->platform);
        }
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  if (yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
    {
      yajl_gen_free (g);
      return berr_make (err, 0, "generate JSON");
    }
  printf ("%s\n", buf);
  yajl_gen_free (g);
  return 0;
}

static char *
short_digest (const char *d)
{
  const char *c = strchr (d, ':');
  return xstrndup (c ? c + 1 : d, 12);
}

static char *
short_time (const char *t)
{
  /* "2024-01-02T03:04:05.123456Z" → "2024-01-02T03:04:05Z" */
  const char *dot = t ? strchr (t, '.') : NULL;
  if (t == NULL)
    return xstrdup ("");
  if (dot == NULL)
    return xstrdup (t);
  return xasprintf ("%.*s%s", (int)(dot - t), t, dot + strspn (dot + 1, "0123456789") + 1);
}

static void
print_table (const struct row *rows, size_t n)
{
  int wn = 4, i;
  size_t k;

  for (k = 0; k < n; k++)
    if (rows[k].name && (i = (int)strlen (rows[k].name)) > wn)
      wn = i;
  printf ("%-*s   %-12s   %-8s   %-20s   %s\n", wn, "NAME", "DIGEST", "SIZE", "CREATED", "PLATFORM");
  for (k = 0; k < n; k++)
    {
      const struct row *r = &rows[k];
      cleanup_free char *d = short_digest (r->digest), *sz = NULL, *t = NULL;
      if (r->error)
        {
          printf ("%-*s   %-12s   %s\n", wn, r->name ? r->name : "<none>", d, r->error);
          continue;
        }
      sz = human_size (r->size);
      t = short_time (r->created);
      printf ("%-*s   %-12s   %-8s   %-20s   %s\n", wn, r->name ? r->name : "<none>", d, sz, t, r->platform);
    }
}

static const struct img_cmd_spec spec = { &command, on_option, 0, 0, false };

int
img_cmd_ls (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct ls_opts o = { false, false };
  cleanup_store struct img_store *s = NULL;
  cleanup_oci_image_index oci_image_index *idx = NULL;
  cleanup_free struct row *rows = NULL;
  size_t i, n;
  int first, r;

  r = img_cmd_begin (ctx, &spec, argc, argv, &o, &first, &s, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  /* One shared lock: a concurrent rm or gc waits until the listing is read. */
  if (img_store_lock (s, false, err) < 0)
    return -1;
  idx = img_index_load (s, err);
  if (idx == NULL)
    {
      img_store_unlock (s);
      return -1;
    }
  n = idx->manifests_len;
  rows = xzalloc ((n ? n : 1) * sizeof (*rows));
  for (i = 0; i < n; i++)
    if (!o.quiet)
      fill_row (s, idx->manifests[i], &rows[i]);
    else
      {
        rows[i].name = img_desc_ref_name (idx->manifests[i]);
        rows[i].digest = idx->manifests[i]->digest ? idx->manifests[i]->digest : "";
      }
  img_store_unlock (s);
  r = 0;
  if (o.quiet)
    for (i = 0; i < n; i++)
      printf ("%s\n", rows[i].name ? rows[i].name : rows[i].digest);
  else if (o.json)
    r = print_json (rows, n, err);
  else
    print_table (rows, n);
  for (i = 0; i < n; i++)
    row_clear (&rows[i]);
  return r;
}
