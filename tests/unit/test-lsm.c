/* Unit tests for src/runtime/apparmor.c and selinux.c: what a label asked
 * for on this host leads to (refused by name, or accepted), and that no
 * label is no work.  The messages depend on the host: AppArmor and SELinux
 * enabled or not are both checked for what they must say. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "apparmor.h"
#include "oci-spec.h"
#include "selinux.h"
#include "tap.h"
#include "util.h"

static void
test_apparmor (void)
{
  berr_t *err = NULL;

  ok (apparmor_check_profile (NULL, "x", &err) == 0 && err == NULL, "no profile: nothing to check");
  ok (apparmor_check_profile ("", "x", &err) == 0 && err == NULL, "an empty profile is no profile");
  ok (apparmor_set_exec_profile (NULL, &err) == 0, "no profile: nothing written");
  if (apparmor_host_enabled ())
    {
      ok (apparmor_check_profile ("p", "what", &err) == 0, "AppArmor on: a profile is accepted");
      return;
    }
  ok (apparmor_check_profile ("berth-p", "config.json: .process.apparmorProfile", &err) < 0,
      "AppArmor off: a profile is refused");
  is_str (
    err ? err->msg : NULL,
    "config.json: .process.apparmorProfile: apparmor profile 'berth-p' requested but AppArmor is not enabled "
    "on this host",
    "the message names the field, the profile and the reason");
  berr_clear (&err);
}

static void
test_selinux (void)
{
  berr_t *err = NULL;
  oci_process p = { .selinux_label = (char *)"system_u:system_r:container_t:s0" };
  oci_spec spec = { .process = &p };

  ok (selinux_check_process_label (NULL, "x", &err) == 0 && err == NULL, "no label: nothing to check");
  ok (selinux_set_exec_label (NULL, &err) == 0, "no label: nothing set");
  if (selinux_host_enabled ())
    {
      p.selinux_label = (char *)"system_u:system_r:berth_no_such_t:s0";
      ok (selinux_check_spec (&spec, &err) < 0, "SELinux on: a label the policy does not know is refused");
      is_str (
        err ? err->msg : NULL,
        "config.json: .process.selinuxLabel: 'system_u:system_r:berth_no_such_t:s0' is not a valid SELinux "
        "context in the loaded policy",
        "the message names the field and the label");
      berr_clear (&err);
      return;
    }
  ok (selinux_check_spec (&spec, &err) < 0, "SELinux off: a process label is refused (as runc)");
#ifdef HAVE_SELINUX
  is_str (
    err ? err->msg : NULL,
    "config.json: .process.selinuxLabel: selinux label 'system_u:system_r:container_t:s0' is specified, but "
    "SELinux is disabled or not supported on this host",
    "the message names the field and the label");
#else
  is_str (err ? err->msg : NULL,
          "config.json: .process.selinuxLabel: berth was built without SELinux support",
          "a build without libselinux says so");
#endif
  berr_clear (&err);
}

static void
test_mount_label (void)
{
  oci_linux l = { .mount_label = (char *)"system_u:object_r:container_file_t:s0" };
  oci_process p = { 0 };
  oci_spec spec = { .process = &p, .linux = &l };
  berr_t *err = NULL;

#ifdef HAVE_SELINUX
  /* applied by the mount code, or ignored when SELinux is off (as crun) */
  ok (selinux_check_spec (&spec, &err) == 0, "a mountLabel alone is not refused");
#else
  ok (selinux_check_spec (&spec, &err) < 0, "a build without libselinux refuses a mountLabel");
#endif
  berr_clear (&err);
}

int
main (void)
{
  test_apparmor ();
  test_selinux ();
  test_mount_label ();
  return tap_done ();
}
