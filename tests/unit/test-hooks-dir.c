/* Unit tests for src/runtime/hooks-dir.c: `when` matching on parsed
 * configs, masking across directories, file-name order, stage placement
 * after the config's own hooks, and the errors that name the file. */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hooks-dir.h"
#include "oci-spec.h"
#include "tap.h"
#include "util.h"

static char tmp[] = "/tmp/test-hooks-dir.XXXXXX";

static oci_spec *
spec_of (const char *json)
{
  berr_t *err = NULL;
  oci_spec *s = oci_spec_parse_data (json, strlen (json), "config.json", &err);

  if (s == NULL)
    {
      printf ("# %s\n", err->msg);
      exit (1);
    }
  return s;
}

static void
put (const char *dir, const char *name, const char *data)
{
  berr_t *err = NULL;
  cleanup_free char *d = xasprintf ("%s/%s", tmp, dir);
  cleanup_free char *path = xasprintf ("%s/%s", d, name);

  if (util_mkdir_p (d, 0755, &err) < 0
      || util_write_file_atomic_at (AT_FDCWD, path, data, strlen (data), 0644, &err) < 0)
    {
      printf ("# %s\n", err->msg);
      exit (1);
    }
}

/* DIR/FILE: a hooks file whose hook is /bin/sh with args ["sh", NAME]. */
static void
put_hook (const char *dir, const char *file, const char *name, const char *when, const char *stages)
{
  cleanup_free char *data
    = xasprintf ("{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"%s\"]},"
                 "\"when\":%s,\"stages\":%s}",
                 name, when, stages);

  put (dir, file, data);
}

static bool
matches (const char *config, const char *when)
{
  berr_t *err = NULL;
  char *path = xasprintf ("%s/m/x.json", tmp);
  oci_spec *s = spec_of (config);
  oci_hooks_file *f;
  bool r;

  put_hook ("m", "x.json", "x", when, "[\"poststop\"]");
  f = hooks_dir_load (path, &err);
  if (f == NULL)
    {
      printf ("# %s\n", err->msg);
      exit (1);
    }
  r = hooks_dir_match (f, s);
  oci_hooks_file_free (f);
  oci_spec_free (s);
  free (path);
  return r;
}

static void
test_match (void)
{
  const char *c = "{\"process\":{\"args\":[\"/usr/bin/probe\",\"x\"]},\"annotations\":{\"net\":\"bridge\"},"
                  "\"mounts\":[{\"destination\":\"/m\",\"source\":\"/tmp\",\"options\":[\"rbind\"]}]}";
  const char *plain = "{\"process\":{\"args\":[\"/bin/sh\"]}}";

  ok (matches (c, "{\"always\":true}"), "always true");
  ok (!matches (c, "{\"always\":false}"), "always false");
  ok (matches (c, "{\"annotations\":{\"^net$\":\"^bri\"}}"), "annotation key and value");
  ok (!matches (c, "{\"annotations\":{\"^net$\":\"^host$\"}}"), "annotation value differs");
  ok (!matches (c, "{\"annotations\":{\"^net$\":\"bridge\",\"^x$\":\".*\"}}"), "one pair of two unmatched");
  ok (matches (c, "{\"commands\":[\"^/usr/bin/probe$\"]}"), "command: full path");
  ok (!matches (c, "{\"commands\":[\"^probe$\"]}"), "command: base name does not match");
  ok (matches (c, "{\"hasBindMounts\":true}"), "rbind option is a bind mount");
  ok (!matches (plain, "{\"hasBindMounts\":true}"), "no bind mount");
  ok (!matches (c, "{\"hasBindMounts\":false}"), "hasBindMounts false never holds");
  ok (!matches (c, "{\"always\":true,\"commands\":[\"^/bin/sh$\"]}"), "all conditions must hold");
  ok (matches (c, "{\"always\":true,\"annotations\":{\"net\":\"bridge\"},\"commands\":[\"sh$\",\"probe$\"]}"),
      "all conditions hold");
}

static void
test_apply (void)
{
  berr_t *err = NULL;
  oci_spec *s = spec_of ("{\"process\":{\"args\":[\"/x\"]},"
                         "\"hooks\":{\"createRuntime\":[{\"path\":\"/bin/true\",\"args\":[\"own\"]}]}}");
  char *d1 = xasprintf ("%s/d1", tmp), *d2 = xasprintf ("%s/d2", tmp);
  const char *dirs[] = { d1, d2 };
  int n;

  put_hook ("d1", "B.json", "B", "{\"always\":true}", "[\"createRuntime\"]");
  put_hook ("d1", "a.json", "a-d1", "{\"always\":true}", "[\"prestart\",\"poststop\"]");
  put_hook ("d1", "c.json", "c", "{\"always\":false}", "[\"createRuntime\"]");
  put ("d1", "notes.txt", "not json");
  put_hook ("d2", "a.json", "a-d2", "{\"always\":true}", "[\"createRuntime\",\"poststop\"]");
  n = hooks_dir_apply (s, dirs, 2, &err);
  is_int (n, 3, "three hooks added (a from d2 twice, B)");
  is_int (s->hooks->create_runtime_len, 3, "createRuntime: own + 2");
  if (s->hooks->create_runtime_len == 3)
    {
      is_str (s->hooks->create_runtime[0]->args[0], "own", "the config's own hook first");
      is_str (s->hooks->create_runtime[1]->args[1], "a-d2", "then a.json, from the later dir");
      is_str (s->hooks->create_runtime[2]->args[1], "B", "then B.json (lower-cased order)");
    }
  is_int (s->hooks->poststop_len, 1, "poststop: one");
  oci_spec_free (s);

  put ("d2", "bad.json",
       "{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/sh\"},\"when\":{\"always\":true},"
       "\"stages\":[\"later\"]}");
  s = spec_of ("{}");
  n = hooks_dir_apply (s, dirs, 2, &err);
  ok (n < 0 && err && strstr (err->msg, "/d2/bad.json': unknown stage 'later'"),
      "unknown stage names the file");
  if (err)
    printf ("# %s\n", err->msg);
  berr_clear (&err);
  oci_spec_free (s);
  free (d1);
  free (d2);
}

int
main (void)
{
  berr_t *err = NULL;

  if (mkdtemp (tmp) == NULL)
    return 1;
  test_match ();
  test_apply ();
  util_rm_rf_at (AT_FDCWD, tmp, &err);
  berr_clear (&err);
  return tap_done ();
}
