/* img inspect IMAGE: the manifest, config, layers and history of one image,
 * as text or as one JSON object.  IMAGE is resolved as everywhere
 * (img_index_find); an index entry yields the image for --platform (default:
 * the host's).  Every blob read is verified (digest and size). */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"
#include "util.h"

struct inspect_opts
{
  bool json;
  const char *platform;
};

static const struct cli_option options[] = {
  { "format", 'f', true, "FORMAT", "text or json (default: \"text\")" },
  { "platform", 256, false, "OS/ARCH[/VARIANT]", "the image to show from an index (default: the host's)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "inspect",
  "[command options] IMAGE\n\n"
  "   --format json prints one object: {\"name\": the tag or null, \"digest\": the\n"
  "   manifest's, \"index\": the index digest when IMAGE is an index (else absent),\n"
  "   \"mediaType\", \"size\": the manifest's, \"manifest\": the manifest as loaded\n"
  "   (OCI media types filled in; Docker schema2 converted), \"config\": the\n"
  "   config as stored}.",
  "show an image's manifest, config, layers and history",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct inspect_opts *o = data;

  if (key == 256)
    o->platform = arg;
  else if (strcmp (arg, "json") == 0)
    o->json = true;
  else if (strcmp (arg, "text") == 0)
    o->json = false;
  else
    return berr_make (err, 0, "invalid format '%s' (want text or json)", arg);
  return 0;
}

/* A JSON string literal (quotes included), or null. */
static void
put_json_str (const char *s)
{
  const unsigned char *p;

  if (s == NULL)
    {
      fputs ("null", stdout);
      return;
    }
  putchar ('"');
  for (p = (const unsigned char *)s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        printf ("\\%c", *p);
      else if (*p < 0x20)
        printf ("\\u%04x", *p);
      else
        putchar (*p);
    }
  putchar ('"');
}

static int
print_json (const char *name, const char *index, const struct img_image *im, berr_t **err)
{
  cleanup_free char *manifest = NULL;
  size_t len;

  if (oci_image_manifest_generate (im->manifest, &manifest, &len, err) < 0)
    return berr_wrap (err, "manifest '%s'", im->desc->digest);
  fputs ("{\"name\":", stdout);
  put_json_str (name);
  fputs (",\"digest\":", stdout);
  put_json_str (im->desc->digest);
  if (index)
    {
      fputs (",\"index\":", stdout);
      put_json_str (index);
    }
  fputs (",\"mediaType\":", stdout);
  put_json_str (im->desc->media_type);
  printf (",\"size\":%" PRId64 ",\"manifest\":%s,\"config\":", im->desc->size, manifest);
  /* The config as stored: it parsed as JSON when it was loaded. */
  fwrite (im->config_json, 1, im->config_len, stdout);
  fputs ("}\n", stdout);
  return 0;
}

static void
print_list (const char *label, char **v, size_t n)
{
  size_t i;

  if (v == NULL)
    return;
  printf ("  %s:", label);
  for (i = 0; i < n; i++)
    printf (" %s", v[i]);
  printf ("\n");
}

static void
print_exec_config (const oci_image_exec_config *c)
{
  size_t i;

  if (c == NULL)
    return;
  printf ("Config:\n");
  if (c->user)
    printf ("  User: %s\n", c->user);
  print_list ("Entrypoint", c->entrypoint, c->entrypoint_len);
  print_list ("Cmd", c->cmd, c->cmd_len);
  if (c->working_dir)
    printf ("  WorkingDir: %s\n", c->working_dir);
  for (i = 0; c->env && i < c->env_len; i++)
    printf ("  Env: %s\n", c->env[i]);
  for (i = 0; c->exposed_ports && i < c->exposed_ports->len; i++)
    printf ("  ExposedPort: %s\n", c->exposed_ports->keys[i]);
  for (i = 0; c->volumes && i < c->volumes->len; i++)
    printf ("  Volume: %s\n", c->volumes->keys[i]);
  for (i = 0; c->labels && i < c->labels->len; i++)
    printf ("  Label: %s=%s\n", c->labels->keys[i], c->labels->values[i]);
  if (c->stop_signal)
    printf ("  StopSignal: %s\n", c->stop_signal);
}

static void
print_text (const char *name, const char *index, const struct img_image *im)
{
  const oci_image_config *c = im->config;
  const oci_image_manifest *m = im->manifest;
  int64_t total = im->desc->size;
  size_t i, d = 0;

  for (i = 0; i < m->layers_len; i++)
    total += m->layers[i]->size;
  if (m->config)
    total += m->config->size;
  printf ("Name: %s\n", name ? name : "<none>");
  if (index)
    printf ("Index: %s\n", index);
  printf ("Digest: %s\n", im->desc->digest);
  printf ("MediaType: %s\n", im->desc->media_type ? im->desc->media_type : "");
  printf ("Size: %" PRId64 " (manifest %" PRId64 " + config + layers)\n", total, im->desc->size);
  if (m->config)
    printf ("ConfigDigest: %s (%" PRId64 " bytes)\n", m->config->digest, m->config->size);
  printf ("Platform: %s/%s%s%s\n", c->os ? c->os : "?", c->architecture ? c->architecture : "?",
          c->variant ? "/" : "", c->variant ? c->variant : "");
  if (c->created)
    printf ("Created: %s\n", c->created);
  if (c->author)
    printf ("Author: %s\n", c->author);
  for (i = 0; m->annotations && i < m->annotations->len; i++)
    printf ("Annotation: %s=%s\n", m->annotations->keys[i], m->annotations->values[i]);
  print_exec_config (c->config);
  printf ("Layers:\n");
  for (i = 0; i < m->layers_len; i++)
    {
      const oci_image_descriptor *l = m->layers[i];
      const char *diff = c->rootfs && i < c->rootfs->diff_ids_len ? c->rootfs->diff_ids[i] : "?";
      printf ("  %zu: %s size %" PRId64 " %s\n     diff_id %s\n", i, l->digest, l->size,
              l->media_type ? l->media_type : "", diff);
    }
  printf ("History:\n");
  for (i = 0; c->history && i < c->history_len; i++)
    {
      const oci_image_history *h = c->history[i];
      bool empty = h->empty_layer_present && h->empty_layer;
      if (empty)
        printf ("  %s (empty layer)\n", h->created ? h->created : "-");
      else
        printf ("  %s (layer %zu)\n", h->created ? h->created : "-", d++);
      if (h->created_by)
        printf ("     created_by: %s\n", h->created_by);
      if (h->author)
        printf ("     author: %s\n", h->author);
      if (h->comment)
        printf ("     comment: %s\n", h->comment);
    }
}

int
img_cmd_inspect (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct inspect_opts o = { false, NULL };
  cleanup_store struct img_store *s = NULL;
  cleanup_oci_image_index oci_image_index *idx = NULL;
  cleanup_image struct img_image *im = NULL;
  cleanup_free char *name = NULL, *entry = NULL;
  struct img_platform pl = { 0 };
  const char *image;
  size_t pos;
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &o, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    return -1;
  image = argv[first];
  if (img_platform_parse (o.platform, &pl, err) < 0)
    return -1;
  if (img_ctx_store (ctx, false, &s, err) < 0 || img_store_lock (s, false, err) < 0)
    {
      img_platform_clear (&pl);
      return -1;
    }
  idx = img_index_load (s, err);
  r = -1;
  if (idx && img_index_find (s, idx, image, &pos, err) == 0)
    {
      const char *ref = img_desc_ref_name (idx->manifests[pos]);
      name = ref ? xstrdup (ref) : NULL;
      entry = xstrdup (idx->manifests[pos]->digest);
      r = img_image_load_desc (s, idx->manifests[pos], &pl, &im, err);
      if (r < 0)
        berr_wrap (err, "image '%s'", image);
    }
  img_store_unlock (s);
  img_platform_clear (&pl);
  if (r < 0)
    return -1;
  if (strcmp (entry, im->desc->digest) == 0)
    {
      free (entry);
      entry = NULL;
    }
  if (o.json)
    return print_json (name, entry, im, err);
  print_text (name, entry, im);
  return 0;
}
