/* Unit tests for the image-spec and Docker schema2 types (image-spec.types,
 * docker-schema2.types): round trips of a real-looking index, manifest,
 * image config, oci-layout file, Docker manifest and manifest list; the
 * values a caller reads; parse errors naming the JSON path; wrong types
 * refused; unknown keys kept. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "oci-spec.h"
#include "json-test.h"
#include "tap.h"
#include "util.h"

#ifndef DATADIR
#define DATADIR "tests/unit/data"
#endif

#define slurp(name) test_slurp (DATADIR "/image", name)

/* parse -> generate -> parse -> generate through the type's table: both
 * outputs identical and the same document as the input, compact and pretty. */
static void
roundtrip (const struct oci_type *t, const char *name)
{
  cleanup_free char *orig = slurp (name);
  cleanup_free char *j1 = NULL, *j2 = NULL, *pretty = NULL;
  void *v1 = NULL, *v2 = NULL;
  berr_t *err = NULL;
  size_t n1 = 0, n2 = 0, np = 0;

  v1 = orig ? oci_json_parse_data (t, orig, strlen (orig), name, &err) : NULL;
  if (!ok (v1 != NULL, "%s as %s: parses", name, t->name))
    {
      if (err)
        printf ("# %s\n", err->msg);
      berr_clear (&err);
      return;
    }
  ok (oci_json_generate (t, v1, 0, &j1, &n1, &err) == 0 && n1 == strlen (j1), "%s: generates", name);
  v2 = j1 ? oci_json_parse_data (t, j1, n1, "generated", &err) : NULL;
  ok (v2 != NULL && oci_json_generate (t, v2, 0, &j2, &n2, &err) == 0, "%s: output parses and generates",
      name);
  ok (j2 && strcmp (j1, j2) == 0, "%s: second generation is identical", name);
  ok (j1 && test_same_json (orig, j1), "%s: output is the same document as the input", name);
  ok (oci_json_generate (t, v1, OCI_GEN_PRETTY, &pretty, &np, &err) == 0 && test_same_json (orig, pretty)
        && pretty[np - 1] == '\n',
      "%s: pretty output is the same document", name);
  if (err)
    printf ("# %s\n", err->msg);
  berr_clear (&err);
  oci_json_free (t, v1);
  oci_json_free (t, v2);
}

static void
test_index_values (void)
{
  cleanup_free char *path = xasprintf ("%s/image/index.json", DATADIR);
  berr_t *err = NULL;
  cleanup_oci_image_index oci_image_index *x = oci_image_index_parse_file (path, &err);
  const oci_image_platform *p;

  if (!ok (x != NULL, "index.json parses as oci_image_index"))
    {
      printf ("# %s\n", err->msg);
      berr_clear (&err);
      return;
    }
  ok (x->schema_version_present && x->schema_version == 2
        && strcmp (x->media_type, "application/vnd.oci.image.index.v1+json") == 0 && x->manifests_len == 4,
      "index: schemaVersion, mediaType, 4 manifests");
  ok (x->manifests[0]->size == 1018
        && strcmp (x->manifests[0]->digest,
                   "sha256:9b7a2e6d2f1c4a8e5d3b0c1f7e6a9d8c2b4f3e1a0d9c8b7a6f5e4d3c2b1a0f9e")
             == 0
        && strcmp (x->manifests[0]->platform->architecture, "amd64") == 0
        && strcmp (x->manifests[0]->platform->os, "linux") == 0 && x->manifests[0]->platform->variant == NULL,
      "index: first descriptor's digest, size and platform");
  p = x->manifests[1]->platform;
  ok (strcmp (p->variant, "v7") == 0 && p->features_len == 1 && strcmp (p->features[0], "sse4") == 0,
      "platform: variant and features");
  is_str (oci_string_map_get (x->manifests[1]->annotations, "org.opencontainers.image.ref.name"),
          "3.19-armv7", "descriptor annotation by key");
  p = x->manifests[2]->platform;
  ok (strcmp (p->os_version, "10.0.17763.5458") == 0 && p->os_features_len == 1
        && strcmp (p->os_features[0], "win32k") == 0,
      "platform: os.version and os.features");
  ok (x->manifests[3]->platform == NULL
        && strcmp (x->manifests[3]->artifact_type, "application/vnd.dev.sigstore.bundle.v0.3+json") == 0,
      "descriptor: artifactType, no platform");
  ok (x->annotations->len == 2 && x->subject == NULL && x->artifact_type == NULL,
      "index: annotations; subject and artifactType absent");
}

static void
test_manifest_values (void)
{
  cleanup_free char *data = slurp ("manifest.json");
  berr_t *err = NULL;
  cleanup_oci_image_manifest oci_image_manifest *m
    = data ? oci_image_manifest_parse_data (data, strlen (data), "manifest.json", &err) : NULL;

  if (!ok (m != NULL, "manifest.json parses as oci_image_manifest"))
    {
      if (err)
        printf ("# %s\n", err->msg);
      berr_clear (&err);
      return;
    }
  ok (m->schema_version == 2
        && strcmp (m->config->media_type, "application/vnd.oci.image.config.v1+json") == 0
        && m->config->size == 1472,
      "manifest: config descriptor");
  ok (m->layers_len == 3 && m->layers[0]->size == 3408729
        && strcmp (m->layers[1]->media_type, "application/vnd.oci.image.layer.v1.tar+zstd") == 0,
      "manifest: layers in order");
  ok (m->layers[1]->urls_len == 1
        && strcmp (m->layers[1]->urls[0], "https://mirror.example.com/blobs/c8e3e4b8") == 0
        && strcmp (oci_string_map_get (m->layers[1]->annotations, "org.opencontainers.image.title"),
                   "app.tar.zst")
             == 0,
      "layer: urls and annotations");
  is_str (m->layers[2]->data, "e30=", "layer: embedded data (base64)");
  ok (m->subject && m->subject->size == 7682 && m->subject->digest != NULL, "manifest: subject");
  is_str (oci_string_map_get (m->annotations, "org.opencontainers.image.version"), "1.4.2",
          "manifest annotation");
}

static void
test_config_values (void)
{
  cleanup_free char *path = xasprintf ("%s/image/config.json", DATADIR);
  berr_t *err = NULL;
  cleanup_oci_image_config oci_image_config *c = oci_image_config_parse_file (path, &err);
  const oci_image_exec_config *x;
  cleanup_free char *out = NULL;
  size_t n;

  if (!ok (c != NULL, "config.json parses as oci_image_config"))
    {
      printf ("# %s\n", err->msg);
      berr_clear (&err);
      return;
    }
  x = c->config;
  ok (strcmp (c->created, "2024-01-27T00:30:48.743965523Z") == 0 && strcmp (c->architecture, "amd64") == 0
        && strcmp (c->os, "linux") == 0 && c->os_version == NULL && c->author != NULL,
      "config: created, author, architecture, os");
  is_str (x->user, "www-data:www-data", "config.User");
  ok (x->exposed_ports && x->exposed_ports->len == 3 && strcmp (x->exposed_ports->keys[0], "80/tcp") == 0
        && strcmp (x->exposed_ports->keys[2], "53/udp") == 0 && x->exposed_ports->values[1] != NULL
        && x->exposed_ports->values[1]->extra == NULL,
      "config.ExposedPorts: keys in document order, empty-object values");
  ok (x->volumes && x->volumes->len == 2 && strcmp (x->volumes->keys[1], "/data") == 0, "config.Volumes");
  ok (x->env_len == 2 && strcmp (x->env[1], "NGINX_VERSION=1.25.3") == 0, "config.Env");
  ok (x->entrypoint_len == 1 && x->cmd_len == 3 && strcmp (x->cmd[2], "daemon off;") == 0,
      "config.Entrypoint and Cmd");
  is_str (x->working_dir, "/srv", "config.WorkingDir");
  is_str (oci_string_map_get (x->labels, "org.opencontainers.image.version"), "1.25.3",
          "config.Labels by key");
  is_str (x->stop_signal, "SIGQUIT", "config.StopSignal");
  ok (x->args_escaped_present && x->args_escaped, "config.ArgsEscaped");
  ok (x->extra && x->extra->len == 2 && strcmp (x->extra->keys[0], "Healthcheck") == 0,
      "config: Healthcheck and OnBuild kept as unknown keys");
  ok (strcmp (c->rootfs->type, "layers") == 0 && c->rootfs->diff_ids_len == 2
        && strncmp (c->rootfs->diff_ids[1], "sha256:7d5a", 11) == 0,
      "rootfs: type and diff_ids");
  ok (c->history_len == 3 && !c->history[0]->empty_layer_present && c->history[1]->empty_layer_present
        && c->history[1]->empty_layer && strcmp (c->history[2]->comment, "buildkit.dockerfile.v0") == 0
        && strcmp (c->history[2]->author, "maint@example.com") == 0,
      "history: created_by, empty_layer, author, comment");

  /* A hand-built ExposedPorts entry is written as an empty object. */
  {
    oci_image_empty_map *ports = c->config->exposed_ports;
    ports->keys = xrealloc (ports->keys, (ports->len + 1) * sizeof (char *));
    ports->values = xrealloc (ports->values, (ports->len + 1) * sizeof (oci_image_empty *));
    ports->keys[ports->len] = xstrdup ("8080/tcp");
    ports->values[ports->len] = xzalloc (sizeof (oci_image_empty));
    ports->len++;
  }
  ok (oci_image_config_generate (c, &out, &n, &err) == 0
        && strstr (out, "\"53/udp\":{},\"8080/tcp\":{}}") != NULL,
      "a port added by hand is generated as {}");
  berr_clear (&err);
}

static void
test_layout (void)
{
  cleanup_free char *path = xasprintf ("%s/image/oci-layout", DATADIR);
  berr_t *err = NULL;
  cleanup_oci_image_layout oci_image_layout *l = oci_image_layout_parse_file (path, &err);
  cleanup_free char *out = NULL;
  size_t n;

  is_str (l ? l->image_layout_version : NULL, "1.0.0", "oci-layout: imageLayoutVersion");
  ok (l && oci_image_layout_generate (l, &out, &n, &err) == 0
        && strcmp (out, "{\"imageLayoutVersion\":\"1.0.0\"}") == 0,
      "oci-layout: generates the same file");
  berr_clear (&err);
}

static void
test_docker_values (void)
{
  cleanup_free char *mpath = xasprintf ("%s/image/docker-manifest.json", DATADIR);
  cleanup_free char *lpath = xasprintf ("%s/image/docker-manifest-list.json", DATADIR);
  berr_t *err = NULL;
  cleanup_oci_docker_manifest oci_docker_manifest *m = oci_docker_manifest_parse_file (mpath, &err);
  cleanup_oci_docker_manifest_list oci_docker_manifest_list *l = NULL;
  const oci_docker_platform *p;

  if (ok (m != NULL, "docker-manifest.json parses as oci_docker_manifest"))
    {
      ok (m->schema_version == 2
            && strcmp (m->media_type, "application/vnd.docker.distribution.manifest.v2+json") == 0
            && strcmp (m->config->media_type, "application/vnd.docker.container.image.v1+json") == 0
            && m->config->size == 7023,
          "docker manifest: mediaType and config");
      ok (m->layers_len == 3 && m->layers[1]->size == 16724 && m->layers[2]->urls_len == 1
            && strcmp (m->layers[2]->media_type, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")
                 == 0,
          "docker manifest: layers, foreign layer urls");
    }
  berr_clear (&err);
  l = oci_docker_manifest_list_parse_file (lpath, &err);
  if (!ok (l != NULL, "docker-manifest-list.json parses as oci_docker_manifest_list"))
    {
      berr_clear (&err);
      return;
    }
  ok (strcmp (l->media_type, "application/vnd.docker.distribution.manifest.list.v2+json") == 0
        && l->manifests_len == 4 && l->manifests[0]->size == 7143
        && strcmp (l->manifests[0]->platform->architecture, "ppc64le") == 0,
      "docker manifest list: entries with platforms");
  ok (l->manifests[1]->platform->features_len == 1 && strcmp (l->manifests[2]->platform->variant, "v8") == 0,
      "docker platform: features and variant");
  p = l->manifests[3]->platform;
  ok (strcmp (p->os, "windows") == 0 && strcmp (p->os_version, "10.0.14393.206") == 0
        && p->os_features_len == 1 && strcmp (p->os_features[0], "win32k") == 0,
      "docker platform: os.version and os.features");
}

/* The document must be refused as type t with exactly this message. */
static void
parse_fails (const struct oci_type *t, const char *origin, const char *json, const char *want)
{
  berr_t *err = NULL;
  void *v = oci_json_parse_data (t, json, strlen (json), origin, &err);

  ok (v == NULL && err != NULL, "%s refused: %s", t->name, json);
  is_str (err ? err->msg : NULL, want, "message: %s", want);
  oci_json_free (t, v);
  berr_clear (&err);
}

static void
test_errors (void)
{
  parse_fails (&oci_image_index_type, "index.json", "{\"schemaVersion\":\"2\"}",
               "index.json: .schemaVersion: expected integer, got string");
  parse_fails (&oci_image_index_type, "index.json", "{\"schemaVersion\":2.5}",
               "index.json: .schemaVersion: expected integer, got number 2.5");
  parse_fails (&oci_image_index_type, "index.json", "{\"manifests\":{}}",
               "index.json: .manifests: expected array, got object");
  parse_fails (&oci_image_index_type, "index.json",
               "{\"manifests\":[{\"digest\":\"sha256:00\"},{\"size\":\"12\"}]}",
               "index.json: .manifests[1].size: expected integer, got string");
  parse_fails (&oci_image_index_type, "index.json",
               "{\"manifests\":[{\"platform\":{\"os.features\":[\"a\",1]}}]}",
               "index.json: .manifests[0].platform[\"os.features\"][1]: expected string, got number");
  parse_fails (&oci_image_index_type, "index.json", "{\"manifests\":[{\"platform\":\"linux/amd64\"}]}",
               "index.json: .manifests[0].platform: expected object, got string");
  parse_fails (&oci_image_manifest_type, "manifest", "{\"layers\":[{\"annotations\":{\"a.b\":true}}]}",
               "manifest: .layers[0].annotations[\"a.b\"]: expected string, got boolean");
  parse_fails (&oci_image_manifest_type, "manifest", "{\"config\":{\"size\":18446744073709551616}}",
               "manifest: .config.size: integer 18446744073709551616 out of range for int64");
  parse_fails (&oci_image_manifest_type, "manifest", "{\"subject\":[]}",
               "manifest: .subject: expected object, got array");
  parse_fails (&oci_image_config_type, "config", "{\"config\":{\"ExposedPorts\":{\"80/tcp\":\"yes\"}}}",
               "config: .config.ExposedPorts[\"80/tcp\"]: expected object, got string");
  parse_fails (&oci_image_config_type, "config", "{\"config\":{\"ExposedPorts\":[\"80/tcp\"]}}",
               "config: .config.ExposedPorts: expected object, got array");
  parse_fails (&oci_image_config_type, "config", "{\"config\":{\"Volumes\":{\"/data\":[]}}}",
               "config: .config.Volumes[\"/data\"]: expected object, got array");
  parse_fails (&oci_image_config_type, "config", "{\"config\":{\"Cmd\":\"nginx\"}}",
               "config: .config.Cmd: expected array, got string");
  parse_fails (&oci_image_config_type, "config", "{\"config\":{\"Labels\":{\"a\":1}}}",
               "config: .config.Labels.a: expected string, got number");
  parse_fails (&oci_image_config_type, "config", "{\"history\":[{},{\"empty_layer\":\"true\"}]}",
               "config: .history[1].empty_layer: expected boolean, got string");
  parse_fails (&oci_image_config_type, "config", "{\"rootfs\":{\"diff_ids\":[null]}}",
               "config: .rootfs.diff_ids[0]: expected string, got null");
  parse_fails (&oci_image_layout_type, "oci-layout", "{\"imageLayoutVersion\":1}",
               "oci-layout: .imageLayoutVersion: expected string, got number");
  parse_fails (&oci_image_layout_type, "oci-layout", "[]",
               "oci-layout: top-level value must be an object, got array");
  parse_fails (&oci_docker_manifest_type, "manifest", "{\"layers\":[{\"size\":-1.0}]}",
               "manifest: .layers[0].size: expected integer, got number -1.0");
  parse_fails (&oci_docker_manifest_list_type, "list", "{\"manifests\":[{\"platform\":{\"os.version\":10}}]}",
               "list: .manifests[0].platform[\"os.version\"]: expected string, got number");
  parse_fails (&oci_docker_manifest_list_type, "list",
               "{\"manifests\":[{\"platform\":{\"features\":\"sse4\"}}]}",
               "list: .manifests[0].platform.features: expected array, got string");
}

/* Keys the descriptions do not know survive a round trip, in every
 * document; inside an ExposedPorts value too. */
static void
test_unknown_kept (void)
{
  static const struct
  {
    const struct oci_type *t;
    const char *in, *out;
  } cases[] = {
    { &oci_image_index_type, "{\"x-new\":{\"a\":[1,2]},\"schemaVersion\":2}",
      "{\"schemaVersion\":2,\"x-new\":{\"a\":[1,2]}}" },
    { &oci_image_manifest_type, "{\"layers\":[{\"size\":1,\"future\":true}]}",
      "{\"layers\":[{\"size\":1,\"future\":true}]}" },
    { &oci_image_config_type, "{\"config\":{\"ExposedPorts\":{\"80/tcp\":{\"odd\":1}}},\"variant\":\"v8\"}",
      "{\"variant\":\"v8\",\"config\":{\"ExposedPorts\":{\"80/tcp\":{\"odd\":1}}}}" },
    { &oci_image_config_type, "{\"container_config\":{\"Hostname\":\"\"},\"docker_version\":\"24.0.7\"}",
      "{\"container_config\":{\"Hostname\":\"\"},\"docker_version\":\"24.0.7\"}" },
    { &oci_docker_manifest_list_type, "{\"manifests\":[{\"platform\":{\"os\":\"linux\",\"cpu\":\"x\"}}]}",
      "{\"manifests\":[{\"platform\":{\"os\":\"linux\",\"cpu\":\"x\"}}]}" },
    { &oci_image_config_type, "{\"config\":{\"ExposedPorts\":{}}}", "{\"config\":{\"ExposedPorts\":{}}}" },
  };
  size_t i;

  for (i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      berr_t *err = NULL;
      void *v = oci_json_parse_data (cases[i].t, cases[i].in, strlen (cases[i].in), "doc", &err);
      cleanup_free char *out = NULL;
      size_t n;

      if (v == NULL || oci_json_generate (cases[i].t, v, 0, &out, &n, &err) < 0)
        printf ("# %s\n", err->msg);
      is_str (out, cases[i].out, "%s keeps unknown keys: %s", cases[i].t->name, cases[i].in);
      oci_json_free (cases[i].t, v);
      berr_clear (&err);
    }
}

int
main (void)
{
  roundtrip (&oci_image_index_type, "index.json");
  roundtrip (&oci_image_manifest_type, "manifest.json");
  roundtrip (&oci_image_config_type, "config.json");
  roundtrip (&oci_image_layout_type, "oci-layout");
  roundtrip (&oci_docker_manifest_type, "docker-manifest.json");
  roundtrip (&oci_docker_manifest_list_type, "docker-manifest-list.json");
  test_index_values ();
  test_manifest_values ();
  test_config_values ();
  test_layout ();
  test_docker_values ();
  test_errors ();
  test_unknown_kept ();
  return tap_done ();
}
