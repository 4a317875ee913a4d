/* Unit tests for the cgroup v2 core (src/runtime/cgroup.c) that hold on
 * any host: recorded paths are normalized and a ".." refused, a cgroup
 * that is gone is destroyed without error, joining needs a cgroup, and --
 * on a host whose /sys/fs/cgroup is not cgroup v2 (like the build
 * machines) -- requested limits are an error naming each of them, or
 * nothing with --cgroup-manager=disabled.  Placement itself is tested in
 * the VM (tests/integration/cgroup-core.bats). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "oci-spec.h"
#include "tap.h"
#include "util.h"

static void
open_fails (const char *path, const char *want)
{
  struct cgroup cg;
  berr_t *err = NULL;

  ok (cgroup_open (path, NULL, &cg, &err) < 0 && cg.path == NULL && cg.dirfd < 0, "'%s' is refused", path);
  ok (err && strstr (err->msg, want), "'%s': the error says '%s'", path, want);
  if (err)
    printf ("#   %s\n", err->msg);
  berr_clear (&err);
}

static void
test_open (void)
{
  cleanup_free char *gone = xasprintf ("/berth-unit-%d//x/./y/", (int)getpid ());
  cleanup_free char *want = xasprintf ("/berth-unit-%d/x/y", (int)getpid ());
  struct cgroup cg;
  berr_t *err = NULL;

  ok (cgroup_open (gone, NULL, &cg, &err) == 0, "a vanished cgroup opens");
  is_str (cg.path, want, "its path is normalized");
  ok (cg.dirfd < 0 && cg.owned, "no directory fd; owned (destroy may remove it)");
  ok (cgroup_enter (&cg, getpid (), NULL, &err) < 0 && err && strstr (err->msg, "no longer exists"),
      "joining it fails, saying it is gone");
  berr_clear (&err);
  ok (cgroup_destroy (&cg, &err) == 0 && cg.path == NULL, "destroying it succeeds and clears it");
  berr_clear (&err);

  ok (cgroup_open (NULL, NULL, &cg, &err) == 0 && cg.path == NULL && cg.dirfd < 0, "no path: no cgroup");
  ok (cgroup_enter (&cg, getpid (), "sub", &err) == 0, "joining no cgroup is a no-op");
  ok (cgroup_destroy (&cg, &err) == 0, "destroying no cgroup is a no-op");
  ok (cgroup_open ("", NULL, &cg, &err) == 0 && cg.path == NULL, "an empty path: no cgroup");
  cgroup_clear (&cg);

  /* the levels a create would make: none of the root, all of a path
   * that does not exist */
  ok (cgroup_levels_missing ("/") == 0, "the root cgroup is never missing");
  ok (cgroup_levels_missing (want) == 3, "all 3 levels of a path that does not exist are missing");

  open_fails ("/a/../b", "'..' is not allowed");
  open_fails ("../b", "'..' is not allowed");
  open_fails ("/", "root cgroup");
  open_fails ("//.//", "root cgroup");
}

static oci_spec *
spec_with (const char *resources)
{
  cleanup_free char *json
    = xasprintf ("{\"ociVersion\": \"1.2.0\", \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
                 " \"root\": {\"path\": \"rootfs\"}, \"linux\": {\"resources\": %s}}",
                 resources);
  berr_t *err = NULL;
  oci_spec *s = oci_spec_parse_data (json, strlen (json), "test", &err);

  if (s == NULL)
    printf ("# parse: %s\n", err ? err->msg : "?");
  berr_clear (&err);
  return s;
}

static void
test_not_unified (void)
{
  const char *limits
    = "{\"memory\": {\"limit\": 1048576}, \"pids\": {\"limit\": 3}, \"blockIO\": {\"weight\": 10},"
      " \"unified\": {\"cpu.weight\": \"5\"}, \"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}";
  struct berth_ctx ctx = { 0 };
  struct cgroup cg;
  berr_t *err = NULL;
  char *path = (char *)"x";
  oci_spec *s = spec_with (limits);

  ok (s != NULL, "a spec with limits parses");
  if (s == NULL)
    return;
  ok (cgroup_path_plan (&ctx, "c1", s, &path, &err) == 0 && path == NULL, "no cgroup path is planned");
  ok (cgroup_create (&ctx, "c1", s, &cg, &err) < 0 && cg.path == NULL, "the limits are refused");
  ok (err
        && strstr (err->msg, ".linux.resources.memory, .linux.resources.pids, .linux.resources.blockIO, "
                             ".linux.resources.unified cannot be applied"),
      "the error names every limit (not the devices)");
  ok (err && strstr (err->msg, "is not a cgroup v2 hierarchy")
        && strstr (err->msg, "--cgroup-manager=disabled"),
      "the error says why and what to do");
  if (err)
    printf ("#   %s\n", err->msg);
  berr_clear (&err);

  ctx.cgroup_manager = "disabled";
  ok (cgroup_create (&ctx, "c1", s, &cg, &err) == 0 && cg.path == NULL && cg.dirfd < 0,
      "--cgroup-manager=disabled: no cgroup, no error");
  berr_clear (&err);
  oci_spec_free (s);

  ctx.cgroup_manager = NULL;
  s = spec_with ("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}");
  ok (s && cgroup_create (&ctx, "c1", s, &cg, &err) == 0 && cg.path == NULL,
      "device rules alone: runs without");
  berr_clear (&err);
  if (s)
    oci_spec_free (s);
}

int
main (void)
{
  test_open ();
  if (cgroup_host_mode () != CGROUP_HOST_UNIFIED)
    test_not_unified ();
  else
    diag ("a cgroup v2 host: the hybrid-host checks are cgroups-hybrid.bats' on other hosts");
  return tap_done ();
}
