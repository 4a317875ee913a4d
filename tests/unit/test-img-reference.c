/* Unit tests for img's reference parser (src/img/reference.c): docker's
 * normalisation and the errors for malformed references. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "tap.h"
#include "util.h"

static void
check (const char *in, const char *full, const char *familiar)
{
  struct img_reference r;
  berr_t *err = NULL;

  if (!ok (img_reference_parse (in, &r, &err) == 0, "parse '%s'", in))
    {
      printf ("#   %s\n", err ? err->msg : "");
      berr_clear (&err);
      return;
    }
  {
    cleanup_free char *f = img_reference_string (&r);
    cleanup_free char *fam = img_reference_familiar (&r);
    is_str (f, full, "'%s' normalised", in);
    is_str (fam, familiar, "'%s' familiar form", in);
  }
  img_reference_clear (&r);
}

static void
bad (const char *in, const char *why)
{
  struct img_reference r;
  berr_t *err = NULL;

  if (ok (img_reference_parse (in, &r, &err) < 0, "'%s' is refused", in))
    {
      ok (err && strstr (err->msg, why) != NULL, "  saying '%s': %s", why, err ? err->msg : "");
      berr_clear (&err);
    }
  else
    img_reference_clear (&r);
}

int
main (void)
{
  struct img_reference r;
  const char *dg = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  cleanup_free char *withdg = xasprintf ("busybox@%s", dg);
  cleanup_free char *withdg_full = xasprintf ("docker.io/library/busybox@%s", dg);
  cleanup_free char *both = xasprintf ("localhost:5000/a/b:v1@%s", dg);

  check ("busybox", "docker.io/library/busybox:latest", "busybox:latest");
  check ("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
  check ("docker://busybox", "docker.io/library/busybox:latest", "busybox:latest");
  check ("index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest");
  check ("user/app:v2", "docker.io/user/app:v2", "user/app:v2");
  check ("quay.io/ns/name:tag", "quay.io/ns/name:tag", "quay.io/ns/name:tag");
  check ("localhost/foo", "localhost/foo:latest", "localhost/foo:latest");
  check ("127.0.0.1:5000/x/y/z", "127.0.0.1:5000/x/y/z:latest", "127.0.0.1:5000/x/y/z:latest");
  check ("org/a.b__c-d--e", "docker.io/org/a.b__c-d--e:latest", "org/a.b__c-d--e:latest");
  bad ("a_b.c/f", "bad registry");
  check (withdg, withdg_full, withdg);
  check (both, both, both);

  img_reference_parse ("localhost:5000/x", &r, NULL);
  is_str (r.registry, "localhost:5000", "registry with a port");
  is_str (img_reference_api_host (&r), "localhost:5000", "its API host");
  img_reference_clear (&r);
  img_reference_parse ("busybox", &r, NULL);
  is_str (img_reference_api_host (&r), "registry-1.docker.io", "docker.io's API host");
  img_reference_clear (&r);

  bad ("", "empty");
  bad ("Busybox", "bad repository name 'Busybox'");
  bad ("busybox:", "bad tag ''");
  bad ("busybox:.x", "bad tag");
  bad ("busybox@sha256:abc", "bad digest");
  bad ("a//b", "bad repository name");
  bad ("a/-b", "bad repository name");
  bad ("localhost:99999/x", "bad registry");
  bad ("x/../y", "bad repository name");
  {
    /* 250 characters fit alone but not after "library/": the printed name
     * would not parse back (found by tests/fuzz/fuzz-reference) */
    char name[251];
    cleanup_free char *ns = NULL, *ns_full = NULL, *ns_fam = NULL;

    memset (name, 'a', 250);
    name[250] = '\0';
    ns = xasprintf ("ns/%s", name);
    bad (name, "longer than 255");
    ns_full = xasprintf ("docker.io/ns/%s:latest", name);
    ns_fam = xasprintf ("ns/%s:latest", name);
    check (ns, ns_full, ns_fam);
  }
  return tap_done ();
}
