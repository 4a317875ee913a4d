/* img bundle: the image config → config.json conversion (args, env, cwd,
 * user with /etc/passwd and /etc/group read confined to the rootfs,
 * annotations, volumes, terminal, rootless id maps) and BUNDLE/img.json. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "oci-spec.h"
#include "tap.h"
#include "util.h"

static char tmp[] = "/tmp/test-img-bundle.XXXXXX";
static int rootfd = -1;

static void
put (const char *dir, const char *rel, const char *content)
{
  char *p = xasprintf ("%s/%s", dir, rel);
  char *d = xstrdup (p);
  FILE *f;

  *strrchr (d, '/') = '\0';
  util_mkdir_p (d, 0755, NULL);
  f = fopen (p, "w");
  if (f == NULL)
    {
      perror (p);
      exit (1);
    }
  fputs (content, f);
  fclose (f);
  free (p);
  free (d);
}

/* TMP/REL and its parents. */
static void
mkdir_tmp (const char *rel)
{
  cleanup_free char *p = xasprintf ("%s/%s", tmp, rel);

  util_mkdir_p (p, 0755, NULL);
}

static int
open_dir (const char *rel)
{
  char *p = xasprintf ("%s/%s", tmp, rel);
  int fd = open (p, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    {
      perror (p);
      exit (1);
    }
  free (p);
  return fd;
}

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                             "# a comment\n"
                             "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                             "nohome:x:1001:1001::\n"
                             "broken line\n";
static const char group[] = "root:x:0:\n"
                            "wheel:x:10:root,alice\n"
                            "audio:x:29:bob,alice\n"
                            "alice:x:1000:alice\n"
                            "staff:x:50:\n";

/* Convert the image config JSON cfg; NULL on error (*err set). */
static oci_spec *
convert_at (int rfd, const char *cfg, const struct img_bundle_opts *o, berr_t **err)
{
  cleanup_oci_image_config oci_image_config *c
    = oci_image_config_parse_data (cfg, strlen (cfg), "config", err);
  struct img_bundle_opts def = { .image_name = "test:1" };
  oci_spec *s = NULL;

  if (c == NULL)
    return NULL;
  if (img_bundle_config_build (rfd, c, o ? o : &def, &s, err) < 0)
    return NULL;
  return s;
}

static oci_spec *
convert (const char *cfg)
{
  cleanup_berr berr_t *err = NULL;
  oci_spec *s = convert_at (rootfd, cfg, NULL, &err);

  if (s == NULL)
    printf ("# error: %s\n", err ? err->msg : "?");
  return s;
}

/* The error message of a conversion that must fail ("" if it succeeded). */
static char *
convert_err_at (int rfd, const char *cfg, const struct img_bundle_opts *o)
{
  cleanup_berr berr_t *err = NULL;
  oci_spec *s = convert_at (rfd, cfg, o, &err);

  if (s)
    {
      oci_spec_free (s);
      return xstrdup ("");
    }
  return xstrdup (err && err->msg ? err->msg : "(no message)");
}

static char *
joined (char **v, size_t n)
{
  char *out = xstrdup ("");
  size_t i;

  for (i = 0; v && i < n; i++)
    {
      char *t = xasprintf ("%s%s%s", out, i ? "|" : "", v[i]);
      free (out);
      out = t;
    }
  return out;
}

static char *
gids (const oci_user *u)
{
  char *out = xstrdup ("");
  size_t i;

  for (i = 0; i < u->additional_gids_len; i++)
    {
      char *t = xasprintf ("%s%s%u", out, i ? "," : "", u->additional_gids[i]);
      free (out);
      out = t;
    }
  return out;
}

static const char *
env_get (const oci_spec *s, const char *name)
{
  size_t i, n = strlen (name);

  for (i = 0; i < s->process->env_len; i++)
    if (strncmp (s->process->env[i], name, n) == 0 && s->process->env[i][n] == '=')
      return s->process->env[i] + n + 1;
  return NULL;
}

#define CFG(inner) "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{" inner "}}"

static void
check_args (const char *cfg, const char *want, const char *what)
{
  oci_spec *s = convert (cfg);
  char *j = s ? joined (s->process->args, s->process->args_len) : NULL;

  is_str (j, want, "%s", what);
  free (j);
  oci_spec_free (s);
}

static void
test_args (void)
{
  char *e;

  check_args (CFG ("\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"]"), "/bin/sh|-c|echo hi", "Cmd alone");
  check_args (CFG ("\"Entrypoint\":[\"/entry\",\"-x\"]"), "/entry|-x", "Entrypoint alone");
  check_args (CFG ("\"Entrypoint\":[\"/entry\"],\"Cmd\":[\"a\",\"b\"]"), "/entry|a|b",
              "Entrypoint + Cmd: Cmd appended");
  check_args (CFG ("\"Env\":[\"A=1\"]"), "sh", "neither Entrypoint nor Cmd: 'sh' (as umoci)");
  check_args ("{\"os\":\"linux\"}", "sh", "no config at all: 'sh'");
  e = convert_err_at (rootfd, "{\"os\":\"windows\",\"config\":{\"Cmd\":[\"x\"]}}", NULL);
  ok (strstr (e, "'windows'") && strstr (e, "test:1"), "an os other than linux is refused: %s", e);
  free (e);
}

static void
test_env_cwd (void)
{
  oci_spec *s;
  char *e;

  s = convert (CFG ("\"Cmd\":[\"x\"]"));
  if (!ok (s != NULL, "minimal config converts"))
    return;
  is_str (env_get (s, "PATH"), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "PATH default kept when the image has none");
  is_str (s->process->cwd, "/", "cwd defaults to /");
  ok (s->process->terminal_present && !s->process->terminal, "terminal false by default");
  is_str (s->root->path, "rootfs", "root.path rootfs");
  ok (s->root->readonly_present && !s->root->readonly, "root writable");
  is_str (s->process->args[0], "x", "args");
  oci_spec_free (s);

  s = convert (CFG ("\"Cmd\":[\"x\"],\"Env\":[\"PATH=/opt/bin:/bin\",\"FOO=bar=baz\",\"EMPTY=\"],"
                    "\"WorkingDir\":\"/srv/app\""));
  if (!ok (s != NULL, "config with Env and WorkingDir converts"))
    return;
  is_str (env_get (s, "PATH"), "/opt/bin:/bin", "image PATH replaces the default");
  is_str (env_get (s, "FOO"), "bar=baz", "image variable added (value with '=')");
  is_str (env_get (s, "EMPTY"), "", "empty value kept");
  is_str (env_get (s, "TERM"), "xterm", "other defaults kept");
  {
    size_t i, paths = 0;
    for (i = 0; i < s->process->env_len; i++)
      paths += strncmp (s->process->env[i], "PATH=", 5) == 0;
    is_int (paths, 1, "one PATH entry");
  }
  is_str (s->process->cwd, "/srv/app", "WorkingDir → cwd");
  oci_spec_free (s);

  e = convert_err_at (rootfd, CFG ("\"Cmd\":[\"x\"],\"Env\":[\"NOEQUALS\"]"), NULL);
  ok (strstr (e, "'NOEQUALS'") && strstr (e, "test:1"), "Env entry without '=': %s", e);
  free (e);
  e = convert_err_at (rootfd, CFG ("\"Cmd\":[\"x\"],\"WorkingDir\":\"rel\""), NULL);
  ok (strstr (e, "'rel'") && strstr (e, "absolute"), "relative WorkingDir: %s", e);
  free (e);

  {
    struct img_bundle_opts o = { .tty = true, .image_name = "t" };
    cleanup_berr berr_t *err = NULL;
    s = convert_at (rootfd, CFG ("\"Cmd\":[\"x\"]"), &o, &err);
    ok (s && s->process->terminal, "--tty: terminal true");
    oci_spec_free (s);
  }
}

static void
check_user (const char *user, unsigned uid, unsigned gid, const char *sg, const char *home)
{
  char *cfg = xasprintf (CFG ("\"Cmd\":[\"x\"],\"User\":\"%s\""), user);
  oci_spec *s = convert (cfg);
  char *g;

  if (!ok (s != NULL, "User '%s' converts", user))
    {
      free (cfg);
      return;
    }
  g = gids (s->process->user);
  ok (s->process->user->uid == uid && s->process->user->gid == gid && strcmp (g, sg) == 0,
      "User '%s' → %u:%u [%s] (want %u:%u [%s])", user, s->process->user->uid, s->process->user->gid, g, uid,
      gid, sg);
  is_str (env_get (s, "HOME"), home, "User '%s': HOME", user);
  free (g);
  free (cfg);
  oci_spec_free (s);
}

static void
test_user (void)
{
  char *e;
  oci_spec *s;

  check_user ("", 0, 0, "10", "/root");
  check_user ("alice", 1000, 1000, "10,29", "/home/alice");
  check_user ("1000", 1000, 1000, "", "/home/alice");
  check_user ("4242", 4242, 0, "", "/");
  check_user ("alice:staff", 1000, 50, "", "/home/alice");
  check_user ("alice:77", 1000, 77, "", "/home/alice");
  check_user ("1000:50", 1000, 50, "", "/home/alice");
  check_user ("4242:4343", 4242, 4343, "", "/");
  check_user ("nohome", 1001, 1001, "", "/");
  check_user ("daemon", 1, 1, "", "/usr/sbin");

  s = convert (CFG ("\"Cmd\":[\"x\"],\"User\":\"alice\",\"Env\":[\"HOME=/custom\"]"));
  is_str (s ? env_get (s, "HOME") : NULL, "/custom", "image Env HOME wins over passwd");
  oci_spec_free (s);

  e = convert_err_at (rootfd, CFG ("\"Cmd\":[\"x\"],\"User\":\"bob\""), NULL);
  ok (strstr (e, "'bob'") && strstr (e, "test:1") && strstr (e, "not found"), "unknown user: %s", e);
  free (e);
  e = convert_err_at (rootfd, CFG ("\"Cmd\":[\"x\"],\"User\":\"alice:nogroup\""), NULL);
  ok (strstr (e, "'nogroup'") && strstr (e, "test:1") && strstr (e, "not found"), "unknown group: %s", e);
  free (e);
  e = convert_err_at (rootfd, CFG ("\"Cmd\":[\"x\"],\"User\":\"99999999999\""), NULL);
  ok (strstr (e, "'99999999999'") && strstr (e, "not found"),
      "uid out of range is a name that is not found: %s", e);
  free (e);
}

/* /etc/passwd and /etc/group as symlinks out of the rootfs must resolve
 * inside it: the host's (here: a file of the test's that holds "evil")
 * are never read. */
static void
test_user_confined (void)
{
  cleanup_free char *host = xasprintf ("%s/host", tmp), *hostpw = xasprintf ("%s/passwd", host);
  char *t;
  int fd;

  put (host, "passwd", "evil:x:666:666::/evil:/bin/sh\n");
  put (host, "group", "evilgrp:x:667:evil\n");
  put (tmp, "r2/bin/.keep", "");
  mkdir_tmp ("r2/etc");
  t = xasprintf ("%s/r2/etc/passwd", tmp);
  ok (symlink (hostpw, t) == 0, "absolute symlink /etc/passwd → host file");
  free (t);
  t = xasprintf ("%s/r2/etc/group", tmp);
  ok (symlink ("../../host/group", t) == 0, "relative ../ symlink /etc/group");
  free (t);
  fd = open_dir ("r2");
  t = convert_err_at (fd, CFG ("\"Cmd\":[\"x\"],\"User\":\"evil\""), NULL);
  ok (strstr (t, "'evil'") && strstr (t, "not found"), "user from a host passwd is not found: %s", t);
  free (t);
  t = convert_err_at (fd, CFG ("\"Cmd\":[\"x\"],\"User\":\"0:evilgrp\""), NULL);
  ok (strstr (t, "'evilgrp'") && strstr (t, "not found"), "group from a host group file is not found: %s", t);
  free (t);
  {
    struct img_exec_user u;
    cleanup_berr berr_t *err = NULL;
    ok (img_user_resolve (fd, "123:456", &u, &err) == 0 && u.uid == 123 && u.gid == 456,
        "numeric user needs no passwd");
    img_exec_user_clear (&u);
  }
  close (fd);

  /* A symlink that stays inside the rootfs is followed there. */
  put (tmp, "r3/usr/share/passwd", "carol:x:2000:2001::/home/carol:/bin/sh\n");
  mkdir_tmp ("r3/etc");
  t = xasprintf ("%s/r3/etc/passwd", tmp);
  ok (symlink ("/usr/share/passwd", t) == 0, "in-root symlink /etc/passwd");
  free (t);
  fd = open_dir ("r3");
  {
    struct img_exec_user u;
    cleanup_berr berr_t *err = NULL;
    int r = img_user_resolve (fd, "carol", &u, &err);
    ok (r == 0 && u.uid == 2000 && u.gid == 2001 && strcmp (u.home, "/home/carol") == 0,
        "user found through an in-root symlink (%s)", r < 0 ? err->msg : "ok");
    if (r == 0)
      img_exec_user_clear (&u);
  }
  close (fd);

  /* No /etc at all: a name fails, numeric works. */
  put (tmp, "r4/bin/.keep", "");
  fd = open_dir ("r4");
  t = convert_err_at (fd, CFG ("\"Cmd\":[\"x\"],\"User\":\"alice\""), NULL);
  ok (strstr (t, "'alice'") && strstr (t, "no /etc/passwd"), "no passwd, named user: %s", t);
  free (t);
  t = convert_err_at (fd, CFG ("\"Cmd\":[\"x\"],\"User\":\"5\""), NULL);
  is_str (t, "", "no passwd, numeric user converts");
  free (t);

  /* A fifo as /etc/passwd is refused, not read (it would block). */
  mkdir_tmp ("r5/etc");
  t = xasprintf ("%s/r5/etc/passwd", tmp);
  mkfifo (t, 0644);
  free (t);
  close (fd);
  fd = open_dir ("r5");
  t = convert_err_at (fd, CFG ("\"Cmd\":[\"x\"],\"User\":\"alice\""), NULL);
  ok (strstr (t, "not a regular file") != NULL, "fifo /etc/passwd refused: %s", t);
  free (t);
  close (fd);
}

static void
test_annotations_volumes (void)
{
  oci_spec *s;
  size_t i, tmpfs = 0;
  char *e;

  s = convert ("{\"architecture\":\"arm64\",\"variant\":\"v8\",\"os\":\"linux\",\"author\":\"A U Thor\","
               "\"created\":\"2024-01-02T03:04:05Z\",\"os.features\":[\"f1\",\"f2\"],"
               "\"config\":{\"Cmd\":[\"x\"],\"StopSignal\":\"SIGQUIT\","
               "\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},"
               "\"Labels\":{\"org.opencontainers.image.author\":\"Label Wins\",\"com.example.k\":\"v\"},"
               "\"Volumes\":{\"/data\":{},\"/var/log\":{}}}}");
  if (!ok (s != NULL && s->annotations != NULL, "annotations present"))
    return;
  is_str (oci_string_map_get (s->annotations, "org.opencontainers.image.os"), "linux", "os annotation");
  is_str (oci_string_map_get (s->annotations, "org.opencontainers.image.architecture"), "arm64", "arch");
  is_str (oci_string_map_get (s->annotations, "org.opencontainers.image.variant"), "v8", "variant");
  is_str (oci_string_map_get (s->annotations, "org.opencontainers.image.os.features"), "f1,f2",
          "os.features");
  is_str (oci_string_map_get (s->annotations, "org.opencontainers.image.created"), "2024-01-02T03:04:05Z",
          "created");
  is_str (oci_string_map_get (s->annotations, "org.opencontainers.image.author"), "Label Wins",
          "a Label takes precedence over the implicit annotation");
  is_str (oci_string_map_get (s->annotations, "org.opencontainers.image.stopSignal"), "SIGQUIT",
          "stopSignal");
  is_str (oci_string_map_get (s->annotations, "org.opencontainers.image.exposedPorts"), "80/tcp,53/udp",
          "exposedPorts, comma separated");
  is_str (oci_string_map_get (s->annotations, "com.example.k"), "v", "other labels copied");
  for (i = 0; i < s->mounts_len; i++)
    if ((strcmp (s->mounts[i]->destination, "/data") == 0
         || strcmp (s->mounts[i]->destination, "/var/log") == 0)
        && strcmp (s->mounts[i]->type, "tmpfs") == 0)
      tmpfs++;
  is_int (tmpfs, 2, "each Volume is a tmpfs mount");
  {
    cleanup_berr berr_t *err = NULL;
    ok (oci_spec_validate (s, &err) == 0, "converted config validates (%s)", err ? err->msg : "ok");
  }
  oci_spec_free (s);

  s = convert (CFG ("\"Cmd\":[\"x\"]"));
  ok (s && oci_string_map_get (s->annotations, "org.opencontainers.image.author") == NULL
        && oci_string_map_get (s->annotations, "org.opencontainers.image.stopSignal") == NULL,
      "absent fields give no annotation");
  oci_spec_free (s);

  e = convert_err_at (rootfd, CFG ("\"Cmd\":[\"x\"],\"Volumes\":{\"data\":{}}"), NULL);
  ok (strstr (e, "'data'") && strstr (e, "absolute"), "relative volume: %s", e);
  free (e);
}

static bool
has_userns (const oci_spec *s)
{
  size_t i;

  for (i = 0; s->linux && i < s->linux->namespaces_len; i++)
    if (strcmp (s->linux->namespaces[i]->type, "user") == 0)
      return true;
  return false;
}

static void
test_rootless (void)
{
  struct img_bundle_opts o = { .rootless = true, .image_name = "rl" };
  cleanup_berr berr_t *err = NULL;
  oci_spec *s;
  cleanup_free char *sub = NULL, *subg = NULL;
  char *e, *line;

  s = convert_at (rootfd, CFG ("\"Cmd\":[\"x\"]"), &o, &err);
  if (!ok (s != NULL, "rootless root image converts"))
    return;
  ok (has_userns (s), "rootless: a user namespace");
  ok (s->linux->uid_mappings_len == 1 && s->linux->uid_mappings[0]->container_id == 0
        && s->linux->uid_mappings[0]->host_id == geteuid () && s->linux->uid_mappings[0]->size == 1,
      "rootless: the caller mapped to root");
  is_int (s->process->user->additional_gids_len, 0, "rootless root: no (unmapped) additional gids");
  oci_spec_free (s);

  /* A non-root image user needs the caller's subordinate ids. */
  line = xasprintf ("other:1:2\n%u:200000:65536\n", (unsigned)geteuid ());
  put (tmp, "subuid", line);
  put (tmp, "subgid", line);
  o.subuid_path = sub = xasprintf ("%s/subuid", tmp);
  o.subgid_path = subg = xasprintf ("%s/subgid", tmp);
  s = convert_at (rootfd, CFG ("\"Cmd\":[\"x\"],\"User\":\"alice\""), &o, &err);
  if (ok (s != NULL, "rootless alice converts (%s)", err ? err->msg : "ok"))
    {
      ok (s->linux->uid_mappings_len == 2 && s->linux->uid_mappings[1]->container_id == 1
            && s->linux->uid_mappings[1]->host_id == 200000 && s->linux->uid_mappings[1]->size == 65536,
          "rootless alice: subuid range mapped from 1");
      ok (s->linux->gid_mappings_len == 2 && s->linux->gid_mappings[1]->host_id == 200000,
          "rootless alice: subgid range mapped from 1");
      is_int (s->process->user->uid, 1000, "rootless alice: uid kept");
      oci_spec_free (s);
    }
  put (tmp, "subuid", "somebodyelse:100000:65536\n");
  e = convert_err_at (rootfd, CFG ("\"Cmd\":[\"x\"],\"User\":\"alice\""), &o);
  ok (strstr (e, "'rl'") && strstr (e, "uid 1000") && strstr (e, "subordinate"),
      "rootless non-root user without subuid: %s", e);
  free (e);
  free (line);
}

static void
test_write_config (void)
{
  cleanup_oci_image_config oci_image_config *c = NULL;
  cleanup_oci_spec oci_spec *s = NULL;
  cleanup_berr berr_t *err = NULL;
  const char *cfg = CFG ("\"Cmd\":[\"/bin/true\"],\"User\":\"alice\"");
  oci_image_descriptor d = { .digest = "sha256:abc" };
  struct img_image im = { 0 };
  struct img_bundle_opts o = { 0 };
  char *path;
  int bfd, r;

  c = oci_image_config_parse_data (cfg, strlen (cfg), "config", &err);
  im.config = c;
  im.desc = &d;
  mkdir_tmp ("bundle");
  bfd = open_dir ("bundle");
  ok (img_bundle_write_config (bfd, rootfd, &im, &o, &err) == 0, "write config.json (%s)",
      err ? err->msg : "ok");
  path = xasprintf ("%s/bundle/config.json", tmp);
  s = oci_spec_parse_file (path, &err);
  ok (s && s->process->user->uid == 1000 && strcmp (s->process->args[0], "/bin/true") == 0,
      "config.json on disk has the converted process");
  free (path);

  im.config = NULL;
  berr_clear (&err);
  free (c->config->working_dir);
  c->config->working_dir = xstrdup ("relative/dir");
  im.config = c;
  r = img_bundle_write_config (bfd, rootfd, &im, &o, &err);
  ok (r < 0 && strstr (err->msg, "'sha256:abc'"), "without a name, errors name the manifest digest (%s)",
      err ? err->msg : "");
  close (bfd);
}

static void
test_meta (void)
{
  struct img_bundle_meta m = { .store = "/var/lib/berth/images",
                               .ref = "busybox:latest",
                               .manifest = "sha256:1111",
                               .config = "sha256:2222",
                               .rootless = true };
  struct img_bundle_meta r;
  cleanup_berr berr_t *err = NULL;
  char *data;
  size_t len;
  int bfd, rc;

  mkdir_tmp ("mb");
  bfd = open_dir ("mb");
  rc = img_bundle_meta_read (bfd, &r, &err);
  ok (rc < 0 && strstr (err->msg, "img.json"), "missing img.json: %s", err ? err->msg : "");
  berr_clear (&err);
  ok (img_bundle_meta_write (bfd, &m, &err) == 0, "write img.json");
  ok (img_bundle_meta_read (bfd, &r, &err) == 0, "read img.json back");
  is_str (r.store, m.store, "store");
  is_str (r.ref, m.ref, "ref");
  is_str (r.manifest, m.manifest, "manifest");
  is_str (r.config, m.config, "config");
  ok (r.rootless, "rootless");
  img_bundle_meta_clear (&r);
  ok (r.store == NULL, "clear");
  util_read_file_at (bfd, "img.json", &data, &len, NULL);
  ok (data && strstr (data, "\"manifest\": \"sha256:1111\""), "img.json is readable JSON: %s", data);
  free (data);

  m.ref = NULL;
  m.rootless = false;
  img_bundle_meta_write (bfd, &m, NULL);
  ok (img_bundle_meta_read (bfd, &r, &err) == 0 && r.ref == NULL && !r.rootless, "no ref, not rootless");
  img_bundle_meta_clear (&r);

  put (tmp, "mb/img.json", "{\"store\":\"/s\",\"config\":\"sha256:2\"}");
  rc = img_bundle_meta_read (bfd, &r, &err);
  ok (rc < 0 && strstr (err->msg, "\"manifest\""), "missing manifest: %s", err ? err->msg : "");
  berr_clear (&err);
  put (tmp, "mb/img.json", "{\"store\":");
  rc = img_bundle_meta_read (bfd, &r, &err);
  ok (rc < 0 && strstr (err->msg, "img.json"), "corrupt img.json: %s", err ? err->msg : "");
  close (bfd);
}

int
main (void)
{
  if (mkdtemp (tmp) == NULL)
    {
      perror ("mkdtemp");
      return 1;
    }
  put (tmp, "root/etc/passwd", passwd);
  put (tmp, "root/etc/group", group);
  rootfd = open_dir ("root");

  test_args ();
  test_env_cwd ();
  test_user ();
  test_user_confined ();
  test_annotations_volumes ();
  test_rootless ();
  test_write_config ();
  test_meta ();

  close (rootfd);
  util_rm_rf_at (AT_FDCWD, tmp, NULL);
  return tap_done ();
}
