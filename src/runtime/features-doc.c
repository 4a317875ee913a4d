/* berth - the features document (runtime-spec features.md).
 *
 * It must stay truthful: podman and containerd read it to decide what to
 * ask for, so only what create actually implements is listed.  Absent
 * booleans mean "unknown"; false means "not supported". */
#include <config.h>

#include "features-doc.h"

#include <stdbool.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#ifdef HAVE_CAPS
#include <sys/capability.h>
#endif

#include "mounts.h"
#include "seccomp.h"
#include "selinux.h"
#include "util.h"

static const char *const namespaces[]
  = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL };

static void
key (yajl_gen g, const char *k)
{
  yajl_gen_string (g, (const unsigned char *)k, strlen (k));
}

static void
str_array (yajl_gen g, const char *k, const char *const *v)
{
  key (g, k);
  yajl_gen_array_open (g);
  for (; v && *v; v++)
    yajl_gen_string (g, (const unsigned char *)*v, strlen (*v));
  yajl_gen_array_close (g);
}

static void
enabled (yajl_gen g, const char *k, bool on)
{
  key (g, k);
  yajl_gen_map_open (g);
  key (g, "enabled");
  yajl_gen_bool (g, on);
  yajl_gen_map_close (g);
}

static void
capabilities (yajl_gen g)
{
  key (g, "capabilities");
  yajl_gen_array_open (g);
#ifdef HAVE_CAPS
  {
    cap_value_t v;
    for (v = 0; v <= CAP_LAST_CAP; v++)
      {
        char *name = cap_to_name (v), *p;
        cleanup_free char *upper = xstrdup (name);
        cap_free (name);
        for (p = upper; *p; p++)
          if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
        if (util_str_has_prefix (upper, "CAP_"))
          yajl_gen_string (g, (const unsigned char *)upper, strlen (upper));
      }
  }
#endif
  yajl_gen_array_close (g);
}

static void
seccomp_list (yajl_gen g, const char *k, enum seccomp_feature what)
{
  cleanup_strv char **v = seccomp_feature_list (what);
  str_array (g, k, (const char *const *)v);
}

static void
seccomp_section (yajl_gen g)
{
  key (g, "seccomp");
  yajl_gen_map_open (g);
  key (g, "enabled");
  yajl_gen_bool (g, seccomp_enabled ());
  if (seccomp_enabled ())
    {
      seccomp_list (g, "actions", SECCOMP_FEATURE_ACTIONS);
      seccomp_list (g, "operators", SECCOMP_FEATURE_OPERATORS);
      seccomp_list (g, "archs", SECCOMP_FEATURE_ARCHS);
      seccomp_list (g, "knownFlags", SECCOMP_FEATURE_KNOWN_FLAGS);
      seccomp_list (g, "supportedFlags", SECCOMP_FEATURE_SUPPORTED_FLAGS);
    }
  yajl_gen_map_close (g);
}

static void
linux_section (yajl_gen g)
{
  key (g, "linux");
  yajl_gen_map_open (g);
  str_array (g, "namespaces", namespaces);
  capabilities (g);
  key (g, "cgroup");
  yajl_gen_map_open (g);
  key (g, "v1");
  yajl_gen_bool (g, 0);
  key (g, "v2");
  yajl_gen_bool (g, 1);
  key (g, "systemd");
#ifdef HAVE_SYSTEMD
  yajl_gen_bool (g, 1);
#else
  yajl_gen_bool (g, 0);
#endif
  key (g, "systemdUser");
  yajl_gen_bool (g, 0);
  key (g, "rdma");
  yajl_gen_bool (g, 0);
  yajl_gen_map_close (g);
  seccomp_section (g);
  /* features-linux.md: whether berth implements them, "irrelevant to the
   * availability on the host" (there a request fails at create). */
  enabled (g, "apparmor", true);
  enabled (g, "selinux", selinux_built_in ());
  enabled (g, "intelRdt", false);
  key (g, "mountExtensions");
  yajl_gen_map_open (g);
  enabled (g, "idmap", true);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

int
features_json (char **out, berr_t **err)
{
  static const char *const hooks[]
    = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL };
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;

  yajl_gen_config (g, yajl_gen_beautify, 1);
  yajl_gen_config (g, yajl_gen_indent_string, "    ");
  yajl_gen_map_open (g);
  key (g, "ociVersionMin");
  yajl_gen_string (g, (const unsigned char *)"1.0.0", 5);
  key (g, "ociVersionMax");
  yajl_gen_string (g, (const unsigned char *)OCI_SPEC_VERSION, strlen (OCI_SPEC_VERSION));
  str_array (g, "hooks", hooks);
  {
    /* The mount option table lives in mounts.c: ask it, never copy it. */
    cleanup_strv char **opts = mounts_opts_known ();
    str_array (g, "mountOptions", (const char *const *)opts);
  }
  linux_section (g);
  yajl_gen_map_close (g);
  if (yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
    {
      yajl_gen_free (g);
      return berr_make (err, 0, "generate features document");
    }
  *out = xstrndup ((const char *)buf, len);
  yajl_gen_free (g);
  return 0;
}
