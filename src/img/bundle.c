/* img - config.json from an image config (image-spec conversion.md) and
 * the bundle record BUNDLE/img.json.
 *
 * The base is the same default spec `berth spec` writes (oci-spec/
 * spec-default.c), so a bundle from `img unpack` runs under berth with the
 * same capabilities, mounts and masked paths as a hand-made one; the image
 * config only fills in what conversion.md assigns to it (process args, env,
 * cwd, user, annotations, volumes).  The rules and the choices made where
 * the spec leaves room are listed in bundle.h. */
#include <config.h>

#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spec-default.h"
#include "util.h"

#define ANNOT_PREFIX "org.opencontainers.image."

static void
strv_free (char **v, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    free (v[i]);
  free (v);
}

static void
strv_push (char ***v, size_t *n, const char *s)
{
  *v = xrealloc (*v, (*n + 1) * sizeof (**v));
  (*v)[(*n)++] = xstrdup (s);
}

/* process.args = Entrypoint + Cmd (conversion.md, note 2). */
static int
set_args (oci_process *p, const oci_image_exec_config *c, const char *name, berr_t **err)
{
  char **args = NULL;
  size_t n = 0, i;

  for (i = 0; c && c->entrypoint && i < c->entrypoint_len; i++)
    strv_push (&args, &n, c->entrypoint[i]);
  for (i = 0; c && c->cmd && i < c->cmd_len; i++)
    strv_push (&args, &n, c->cmd[i]);
  if (n == 0)
    {
      /* an image made by `img new` (or umoci new) before its config is
       * set: runnable, as umoci makes it, with a shell */
      log_warning ("image '%s' has neither Entrypoint nor Cmd: the bundle runs 'sh'", name);
      strv_push (&args, &n, "sh");
    }
  strv_free (p->args, p->args_len);
  p->args = args;
  p->args_len = n;
  return 0;
}

/* Replace the entry for the variable of kv (its "NAME=" prefix) or append. */
static void
env_set (oci_process *p, const char *kv, size_t namelen, bool replace)
{
  size_t i;

  for (i = 0; i < p->env_len; i++)
    if (strncmp (p->env[i], kv, namelen) == 0 && p->env[i][namelen] == '=')
      {
        if (replace)
          {
            free (p->env[i]);
            p->env[i] = xstrdup (kv);
          }
        return;
      }
  strv_push (&p->env, &p->env_len, kv);
}

/* Image Env over the defaults: a default with a name the image sets is
 * replaced (conversion.md: no implementation default may change it). */
static int
set_env (oci_process *p, const oci_image_exec_config *c, const char *name, berr_t **err)
{
  size_t i;

  for (i = 0; c && c->env && i < c->env_len; i++)
    {
      const char *eq = strchr (c->env[i], '=');
      if (eq == NULL || eq == c->env[i])
        return berr_make (err, 0, "image '%s': Env entry '%s' is not NAME=VALUE", name, c->env[i]);
      env_set (p, c->env[i], (size_t)(eq - c->env[i]), true);
    }
  return 0;
}

static void
annotate (oci_spec *s, const char *key, const char *value)
{
  if (value == NULL || *value == '\0')
    return;
  if (s->annotations == NULL)
    s->annotations = xzalloc (sizeof (*s->annotations));
  oci_string_map_set (s->annotations, key, value);
}

static char *
join_keys (char **keys, size_t n)
{
  size_t i, len = 1;
  char *out, *p;

  for (i = 0; i < n; i++)
    len += strlen (keys[i]) + 1;
  p = out = xzalloc (len);
  for (i = 0; i < n; i++)
    p += sprintf (p, "%s%s", i ? "," : "", keys[i]);
  return out;
}

/* conversion.md "Annotation Fields": the implicit ones first, Labels last
 * so that a label with the same key wins. */
static void
set_annotations (oci_spec *s, const oci_image_config *cfg)
{
  const oci_image_exec_config *c = cfg->config;
  size_t i;

  annotate (s, ANNOT_PREFIX "os", cfg->os);
  annotate (s, ANNOT_PREFIX "architecture", cfg->architecture);
  annotate (s, ANNOT_PREFIX "variant", cfg->variant);
  annotate (s, ANNOT_PREFIX "os.version", cfg->os_version);
  if (cfg->os_features && cfg->os_features_len)
    {
      cleanup_free char *f = join_keys (cfg->os_features, cfg->os_features_len);
      annotate (s, ANNOT_PREFIX "os.features", f);
    }
  annotate (s, ANNOT_PREFIX "author", cfg->author);
  annotate (s, ANNOT_PREFIX "created", cfg->created);
  if (c == NULL)
    return;
  annotate (s, ANNOT_PREFIX "stopSignal", c->stop_signal);
  if (c->exposed_ports && c->exposed_ports->len)
    {
      cleanup_free char *ports = join_keys (c->exposed_ports->keys, c->exposed_ports->len);
      annotate (s, ANNOT_PREFIX "exposedPorts", ports);
    }
  for (i = 0; c->labels && i < c->labels->len; i++)
    {
      if (s->annotations == NULL)
        s->annotations = xzalloc (sizeof (*s->annotations));
      oci_string_map_set (s->annotations, c->labels->keys[i], c->labels->values[i]);
    }
}

static int
add_volumes (oci_spec *s, const oci_image_exec_config *c, const char *name, berr_t **err)
{
  static const char *const opts[] = { "rw", "nosuid", "nodev", "relatime" };
  size_t i, j;

  for (i = 0; c && c->volumes && i < c->volumes->len; i++)
    {
      const char *dst = c->volumes->keys[i];
      oci_mount *m;

      if (*dst != '/')
        return berr_make (err, 0, "image '%s': volume '%s' is not an absolute path", name, dst);
      for (j = 0; j < s->mounts_len; j++)
        if (strcmp (s->mounts[j]->destination, dst) == 0)
          break;
      if (j < s->mounts_len)
        continue;
      m = xzalloc (sizeof (*m));
      m->destination = xstrdup (dst);
      m->type = xstrdup ("tmpfs");
      m->source = xstrdup ("tmpfs");
      for (j = 0; j < sizeof (opts) / sizeof (opts[0]); j++)
        strv_push (&m->options, &m->options_len, opts[j]);
      s->mounts = xrealloc (s->mounts, (s->mounts_len + 1) * sizeof (*s->mounts));
      s->mounts[s->mounts_len++] = m;
    }
  return 0;
}

/* The first range of /etc/subuid (or subgid) for the caller: a line
 * "NAME:START:COUNT" or "UID:START:COUNT". */
static int
subid_range (const char *path, uid_t uid, uint32_t *start, uint32_t *count, berr_t **err)
{
  cleanup_free char *data = NULL, *uidstr = xasprintf ("%u", (unsigned)uid);
  struct passwd *pw = getpwuid (uid);
  char *cur, *line, *save;
  size_t len;

  if (util_read_file (path, &data, &len, err) < 0)
    return -1;
  for (cur = data; (line = strtok_r (cur, "\n", &save)); cur = NULL)
    {
      char *who = line, *a = strchr (line, ':'), *b;
      long s, n;

      if (a == NULL || (b = strchr (a + 1, ':')) == NULL)
        continue;
      *a++ = '\0';
      *b++ = '\0';
      if (strcmp (who, uidstr) != 0 && (pw == NULL || strcmp (who, pw->pw_name) != 0))
        continue;
      if (util_parse_long (a, &s) < 0 || util_parse_long (b, &n) < 0 || s < 0 || n <= 0 || s > UINT32_MAX
          || n > UINT32_MAX)
        continue;
      *start = (uint32_t)s;
      *count = (uint32_t)n;
      return 0;
    }
  return berr_make (err, 0, "no range for uid %u in '%s'", (unsigned)uid, path);
}

static void
push_mapping (oci_linux_id_mapping ***v, size_t *n, uint32_t cid, uint32_t hid, uint32_t size)
{
  oci_linux_id_mapping *m = xzalloc (sizeof (*m));

  m->container_id = cid;
  m->host_id = hid;
  m->size = size;
  m->container_id_present = m->host_id_present = m->size_present = true;
  *v = xrealloc (*v, (*n + 1) * sizeof (**v));
  (*v)[(*n)++] = m;
}

/* The default rootless spec maps only the caller (to 0).  An image user
 * other than root needs more ids: the caller's subordinate ranges, from 1. */
static int
rootless_ids (oci_spec *s, oci_user *u, const struct img_bundle_opts *o, const char *name, berr_t **err)
{
  uint32_t us, uc, gs, gc, maxg = u->gid;
  size_t i;

  if (u->uid == 0 && u->gid == 0)
    {
      /* Only root is mapped: supplementary groups would be unmapped. */
      free (u->additional_gids);
      u->additional_gids = NULL;
      u->additional_gids_len = 0;
      return 0;
    }
  for (i = 0; i < u->additional_gids_len; i++)
    if (u->additional_gids[i] > maxg)
      maxg = u->additional_gids[i];
  if (subid_range (o->subuid_path ? o->subuid_path : "/etc/subuid", geteuid (), &us, &uc, err) < 0
      || subid_range (o->subgid_path ? o->subgid_path : "/etc/subgid", geteuid (), &gs, &gc, err) < 0)
    return berr_wrap (err, "image '%s' runs as uid %u gid %u: a rootless bundle needs subordinate ids", name,
                      u->uid, u->gid);
  if (u->uid > uc || maxg > gc)
    return berr_make (
      err, 0, "image '%s' runs as uid %u gid %u: beyond the caller's subordinate ranges (%u uids, %u gids)",
      name, u->uid, maxg, uc, gc);
  push_mapping (&s->linux->uid_mappings, &s->linux->uid_mappings_len, 1, us, uc);
  push_mapping (&s->linux->gid_mappings, &s->linux->gid_mappings_len, 1, gs, gc);
  return 0;
}

static int
set_user (oci_spec *s, int rootfd, const oci_image_exec_config *c, const struct img_bundle_opts *o,
          const char *name, berr_t **err)
{
  const char *spec = c && c->user ? c->user : "";
  struct img_exec_user eu;
  oci_user *u = s->process->user;
  char *kv;

  if (img_user_resolve (rootfd, spec, &eu, err) < 0)
    return berr_wrap (err, "image '%s'", name);
  if (u == NULL)
    u = s->process->user = xzalloc (sizeof (*u));
  u->uid = eu.uid;
  u->gid = eu.gid;
  u->uid_present = u->gid_present = true;
  free (u->additional_gids);
  u->additional_gids = eu.sgids;
  u->additional_gids_len = eu.sgids_len;
  eu.sgids = NULL;
  kv = xasprintf ("HOME=%s", eu.home);
  env_set (s->process, kv, 4, false);
  free (kv);
  img_exec_user_clear (&eu);
  if (o->rootless && s->linux)
    return rootless_ids (s, u, o, name, err);
  return 0;
}

int
img_bundle_config_build (int rootfd, const oci_image_config *cfg, const struct img_bundle_opts *o,
                         oci_spec **out, berr_t **err)
{
  cleanup_free char *json = oci_spec_default_json (o->rootless, geteuid (), getegid ());
  const char *name = o->image_name ? o->image_name : "(unnamed)";
  const oci_image_exec_config *c = cfg->config;
  oci_spec *s;

  if (cfg->os && strcmp (cfg->os, "linux") != 0)
    return berr_make (err, 0, "image '%s' is for os '%s', not linux", name, cfg->os);
  s = oci_spec_parse_data (json, strlen (json), "default config.json", err);
  if (s == NULL)
    return -1;
  if (set_args (s->process, c, name, err) < 0 || set_env (s->process, c, name, err) < 0)
    goto fail;
  free (s->process->cwd);
  s->process->cwd = xstrdup (c && c->working_dir && *c->working_dir ? c->working_dir : "/");
  if (*s->process->cwd != '/')
    {
      berr_make (err, 0, "image '%s': WorkingDir '%s' is not an absolute path", name, s->process->cwd);
      goto fail;
    }
  s->process->terminal = o->tty;
  s->process->terminal_present = true;
  free (s->root->path);
  s->root->path = xstrdup ("rootfs");
  s->root->readonly = false;
  s->root->readonly_present = true;
  if (set_user (s, rootfd, c, o, name, err) < 0 || add_volumes (s, c, name, err) < 0)
    goto fail;
  set_annotations (s, cfg);
  *out = s;
  return 0;
fail:
  oci_spec_free (s);
  return -1;
}

int
img_bundle_write_config (int bundlefd, int rootfd, const struct img_image *im,
                         const struct img_bundle_opts *o, berr_t **err)
{
  cleanup_oci_spec oci_spec *s = NULL;
  cleanup_free char *json = NULL;
  struct img_bundle_opts opts = *o;
  size_t len;

  if (opts.image_name == NULL && im->desc)
    opts.image_name = im->desc->digest;
  if (img_bundle_config_build (rootfd, im->config, &opts, &s, err) < 0)
    return -1;
  if (oci_spec_generate_pretty (s, &json, &len, err) < 0)
    return berr_wrap (err, "generate config.json");
  if (util_write_file_atomic_at (bundlefd, "config.json", json, len, 0644, err) < 0)
    return berr_wrap (err, "write config.json");
  return 0;
}

/* ---- BUNDLE/img.json ---- */

int
img_bundle_meta_write (int bundlefd, const struct img_bundle_meta *m, berr_t **err)
{
  oci_img_bundle_meta doc = { 0 };
  cleanup_free char *json = NULL;
  size_t len;

  doc.store = m->store;
  doc.ref = m->ref;
  doc.manifest = m->manifest;
  doc.config = m->config;
  doc.rootless = m->rootless;
  doc.rootless_present = true;
  if (oci_img_bundle_meta_generate_pretty (&doc, &json, &len, err) < 0)
    return berr_wrap (err, "generate %s", IMG_BUNDLE_META_NAME);
  if (util_write_file_atomic_at (bundlefd, IMG_BUNDLE_META_NAME, json, len, 0644, err) < 0)
    return berr_wrap (err, "write %s", IMG_BUNDLE_META_NAME);
  return 0;
}

int
img_bundle_meta_read (int bundlefd, struct img_bundle_meta *m, berr_t **err)
{
  cleanup_oci_img_bundle_meta oci_img_bundle_meta *doc = NULL;
  cleanup_free char *data = NULL;
  size_t len;

  memset (m, 0, sizeof (*m));
  if (util_read_file_at (bundlefd, IMG_BUNDLE_META_NAME, &data, &len, err) < 0)
    return berr_wrap (err, "not a bundle made by img unpack");
  doc = oci_img_bundle_meta_parse_data (data, len, IMG_BUNDLE_META_NAME, err);
  if (doc == NULL)
    return -1;
  if (doc->store == NULL || doc->manifest == NULL || doc->config == NULL)
    return berr_make (err, 0, "%s: missing %s", IMG_BUNDLE_META_NAME,
                      doc->store == NULL      ? "\"store\""
                      : doc->manifest == NULL ? "\"manifest\""
                                              : "\"config\"");
  m->store = steal_ptr (doc->store);
  m->ref = steal_ptr (doc->ref);
  m->manifest = steal_ptr (doc->manifest);
  m->config = steal_ptr (doc->config);
  m->rootless = doc->rootless;
  return 0;
}

void
img_bundle_meta_clear (struct img_bundle_meta *m)
{
  free (m->store);
  free (m->ref);
  free (m->manifest);
  free (m->config);
  memset (m, 0, sizeof (*m));
}
