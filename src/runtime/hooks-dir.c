/* berth - hooks.d directories: podman's oci-hooks(5) files, schema 1.0.0.
 *
 * `berth run/create --hooks-dir DIR` (repeatable) reads DIR/\*.json; a file
 * in a later directory masks the same-named file of an earlier one (podman:
 * later --hooks-dir options take precedence).  Only the files that win are
 * read, so a masked broken file cannot fail a container.  Each file says
 * when its hook applies (`when`: always, annotations, commands,
 * hasBindMounts; every condition given must hold) and to which stages it is
 * added.  As podman does, matching hooks are appended after the config's
 * own hooks, in the order of the lower-cased file names, and "prestart"
 * means createRuntime.  Regexes are POSIX extended, unanchored. */
#include <config.h>

#include "hooks-dir.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "oci-spec.h"
#include "berth-limits.h"
#include "util.h"

#define HOOKS_FILE_VERSION "1.0.0"

struct hooks_dir_entry
{
  char *name; /* the file name, the key of masking and ordering */
  char *path;
};

static const char *const known_stages[]
  = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };

static int
check_regex (const char *path, const char *what, const char *re, berr_t **err)
{
  regex_t rx;
  char msg[128];
  int r = regcomp (&rx, re, REG_EXTENDED | REG_NOSUB);

  if (r != 0)
    {
      regerror (r, &rx, msg, sizeof (msg));
      return berr_make (err, 0, "hooks file '%s': %s: bad regex '%s': %s", path, what, re, msg);
    }
  regfree (&rx);
  return 0;
}

static bool
regex_matches (const char *re, const char *s)
{
  regex_t rx;
  bool m;

  /* Checked when the file was loaded. */
  if (regcomp (&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
    return false;
  m = regexec (&rx, s, 0, NULL, 0) == 0;
  regfree (&rx);
  return m;
}

static bool
stage_known (const char *s)
{
  size_t i;

  for (i = 0; i < sizeof (known_stages) / sizeof (known_stages[0]); i++)
    if (strcmp (s, known_stages[i]) == 0)
      return true;
  return false;
}

static int
check_when (const char *path, const oci_hooks_file_when *w, berr_t **err)
{
  size_t i;

  if (w == NULL)
    return berr_make (err, 0, "hooks file '%s': missing 'when'", path);
  if (!w->always_present && !w->has_bind_mounts_present && w->annotations == NULL && w->commands == NULL)
    return berr_make (
      err, 0, "hooks file '%s': 'when' sets no condition (always, annotations, commands, hasBindMounts)",
      path);
  for (i = 0; w->annotations && i < w->annotations->len; i++)
    if (check_regex (path, "when.annotations key", w->annotations->keys[i], err) < 0
        || check_regex (path, "when.annotations value", w->annotations->values[i], err) < 0)
      return -1;
  for (i = 0; i < w->commands_len; i++)
    if (check_regex (path, "when.commands", w->commands[i], err) < 0)
      return -1;
  return 0;
}

static int
check_file (const char *path, const oci_hooks_file *f, berr_t **err)
{
  struct stat st;
  size_t i;

  if (f->version == NULL)
    return berr_make (err, 0, "hooks file '%s': missing 'version' (berth reads %s)", path,
                      HOOKS_FILE_VERSION);
  if (strcmp (f->version, HOOKS_FILE_VERSION) != 0)
    return berr_make (err, 0, "hooks file '%s': unknown version '%s' (berth reads %s)", path, f->version,
                      HOOKS_FILE_VERSION);
  if (f->hook == NULL || f->hook->path == NULL || *f->hook->path == '\0')
    return berr_make (err, 0, "hooks file '%s': missing 'hook.path'", path);
  if (f->hook->path[0] != '/')
    return berr_make (err, 0, "hooks file '%s': hook.path '%s' is not absolute", path, f->hook->path);
  if (stat (f->hook->path, &st) < 0)
    return berr_make (err, errno, "hooks file '%s': hook.path '%s'", path, f->hook->path);
  if (check_when (path, f->when, err) < 0)
    return -1;
  if (f->stages == NULL || f->stages_len == 0)
    return berr_make (err, 0, "hooks file '%s': missing 'stages'", path);
  for (i = 0; i < f->stages_len; i++)
    if (!stage_known (f->stages[i]))
      return berr_make (err, 0, "hooks file '%s': unknown stage '%s'", path, f->stages[i]);
  return 0;
}

oci_hooks_file *
hooks_dir_load (const char *path, berr_t **err)
{
  cleanup_free char *data = NULL;
  cleanup_free char *origin = xasprintf ("hooks file '%s'", path);
  size_t len;
  oci_hooks_file *f;

  if (util_read_file_max_at (AT_FDCWD, path, OCI_JSON_MAX_BYTES, &data, &len, err) < 0)
    {
      berr_wrap (err, "%s", origin);
      return NULL;
    }
  f = oci_hooks_file_parse_data (data, len, origin, err);
  if (f == NULL)
    return NULL;
  if (check_file (path, f, err) < 0)
    {
      oci_hooks_file_free (f);
      return NULL;
    }
  return f;
}

static bool
spec_has_bind_mounts (const oci_spec *spec)
{
  size_t i, j;

  for (i = 0; i < spec->mounts_len; i++)
    {
      const oci_mount *m = spec->mounts[i];
      if (m->type && strcmp (m->type, "bind") == 0)
        return true;
      for (j = 0; j < m->options_len; j++)
        if (strcmp (m->options[j], "bind") == 0 || strcmp (m->options[j], "rbind") == 0)
          return true;
    }
  return false;
}

static bool
annotation_pair_matches (const oci_string_map *ann, const char *key_re, const char *value_re)
{
  size_t i;

  for (i = 0; ann && i < ann->len; i++)
    if (regex_matches (key_re, ann->keys[i]) && regex_matches (value_re, ann->values[i]))
      return true;
  return false;
}

bool
hooks_dir_match (const oci_hooks_file *f, const oci_spec *spec)
{
  const oci_hooks_file_when *w = f->when;
  size_t i;
  int held = 0;

  if (w->always_present)
    {
      if (!w->always)
        return false;
      held++;
    }
  if (w->has_bind_mounts_present)
    {
      if (!w->has_bind_mounts || !spec_has_bind_mounts (spec))
        return false;
      held++;
    }
  for (i = 0; w->annotations && i < w->annotations->len; i++)
    {
      if (!annotation_pair_matches (spec->annotations, w->annotations->keys[i], w->annotations->values[i]))
        return false;
      held++;
    }
  /* podman: commands are compared with process.args[0] as written (a full
   * path when the config has one); without a process they do not count. */
  if (w->commands_len > 0 && spec->process && spec->process->args_len > 0)
    {
      for (i = 0; i < w->commands_len; i++)
        if (regex_matches (w->commands[i], spec->process->args[0]))
          return true;
      return false;
    }
  return held > 0;
}

static char **
strv_dup (char **v, size_t n)
{
  char **out;
  size_t i;

  if (v == NULL)
    return NULL;
  out = xzalloc ((n + 1) * sizeof (char *));
  for (i = 0; i < n; i++)
    out[i] = xstrdup (v[i]);
  return out;
}

static oci_hook *
hook_from_file (const oci_hooks_file_hook *h)
{
  oci_hook *o = xzalloc (sizeof (*o));

  o->path = xstrdup (h->path);
  o->args = strv_dup (h->args, h->args_len);
  o->args_len = h->args_len;
  o->env = strv_dup (h->env, h->env_len);
  o->env_len = h->env_len;
  o->timeout = h->timeout;
  o->timeout_present = h->timeout_present;
  return o;
}

static void
hook_append (oci_hook ***v, size_t *n, oci_hook *h)
{
  *v = xrealloc (*v, (*n + 1) * sizeof (oci_hook *));
  (*v)[(*n)++] = h;
}

static void
add_to_stages (oci_spec *spec, const oci_hooks_file *f)
{
  oci_hooks *h;
  size_t i;

  if (spec->hooks == NULL)
    spec->hooks = xzalloc (sizeof (oci_hooks));
  h = spec->hooks;
  for (i = 0; i < f->stages_len; i++)
    {
      const char *s = f->stages[i];
      oci_hook *hook = hook_from_file (f->hook);

      if (strcmp (s, "prestart") == 0 || strcmp (s, "createRuntime") == 0)
        hook_append (&h->create_runtime, &h->create_runtime_len, hook);
      else if (strcmp (s, "createContainer") == 0)
        hook_append (&h->create_container, &h->create_container_len, hook);
      else if (strcmp (s, "startContainer") == 0)
        hook_append (&h->start_container, &h->start_container_len, hook);
      else if (strcmp (s, "poststart") == 0)
        hook_append (&h->poststart, &h->poststart_len, hook);
      else
        hook_append (&h->poststop, &h->poststop_len, hook);
    }
}

static int
entry_cmp (const void *a, const void *b)
{
  const struct hooks_dir_entry *x = a, *y = b;
  int r = strcasecmp (x->name, y->name);

  return r != 0 ? r : strcmp (x->name, y->name);
}

static void
entries_free (struct hooks_dir_entry *e, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      free (e[i].name);
      free (e[i].path);
    }
  free (e);
}

/* The winning file of every name over all directories. */
static int
collect (const char *const *dirs, size_t n_dirs, struct hooks_dir_entry **out, size_t *n_out, berr_t **err)
{
  struct hooks_dir_entry *e = NULL;
  size_t n = 0, d, i, j;

  for (d = 0; d < n_dirs; d++)
    {
      cleanup_strv char **names = NULL;

      if (util_dir_names (AT_FDCWD, dirs[d], &names, NULL, err) < 0)
        {
          entries_free (e, n);
          return berr_wrap (err, "hooks dir '%s'", dirs[d]);
        }
      for (i = 0; names[i]; i++)
        {
          if (!util_str_has_suffix (names[i], ".json"))
            continue;
          for (j = 0; j < n && strcmp (e[j].name, names[i]) != 0; j++)
            ;
          if (j == n)
            {
              e = xrealloc (e, (n + 1) * sizeof (*e));
              e[n].name = xstrdup (names[i]);
              e[n].path = NULL;
              n++;
            }
          free (e[j].path);
          e[j].path = xasprintf ("%s/%s", dirs[d], names[i]);
        }
    }
  if (n > 1)
    qsort (e, n, sizeof (*e), entry_cmp);
  *out = e;
  *n_out = n;
  return 0;
}

int
hooks_dir_apply (oci_spec *spec, const char *const *dirs, size_t n_dirs, berr_t **err)
{
  struct hooks_dir_entry *e = NULL;
  size_t n = 0, i;
  int added = 0;

  if (collect (dirs, n_dirs, &e, &n, err) < 0)
    return -1;
  for (i = 0; i < n; i++)
    {
      oci_hooks_file *f = hooks_dir_load (e[i].path, err);

      if (f == NULL)
        {
          entries_free (e, n);
          return -1;
        }
      if (hooks_dir_match (f, spec))
        {
          add_to_stages (spec, f);
          added += (int)f->stages_len;
        }
      oci_hooks_file_free (f);
    }
  entries_free (e, n);
  return added;
}
