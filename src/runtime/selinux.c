/* berth - SELinux process labels with libselinux.
 *
 * runc's behaviour, which conmon and podman expect: a process label on a
 * host where SELinux is disabled is refused ("selinux label is specified
 * in config, but selinux is disabled or not supported"), while a
 * mountLabel there is ignored (rootfs.c skips the context= option).  A
 * build without libselinux cannot honour either, so it refuses both by
 * name.  The label is set with setexeccon() right before execve, so it
 * applies to the container's program and nothing berth runs before it. */
#include <config.h>

#include "selinux.h"

#include <errno.h>

#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif

#include "oci-spec.h"

#ifdef HAVE_SELINUX

bool
selinux_host_enabled (void)
{
  return is_selinux_enabled () > 0;
}

bool
selinux_built_in (void)
{
  return true;
}

int
selinux_check_process_label (const char *label, const char *what, berr_t **err)
{
  if (label == NULL || *label == '\0')
    return 0;
  if (!selinux_host_enabled ())
    return berr_make (
      err, 0, "%s: selinux label '%s' is specified, but SELinux is disabled or not supported on this host",
      what, label);
  return 0;
}

int
selinux_check_spec (const oci_spec *spec, berr_t **err)
{
  return selinux_check_process_label (spec->process ? spec->process->selinux_label : NULL,
                                      "config.json: .process.selinuxLabel", err);
}

int
selinux_set_exec_label (const char *label, berr_t **err)
{
  if (label == NULL || *label == '\0')
    return 0;
  if (setexeccon (label) < 0)
    return berr_make (err, errno, "set selinux process label '%s'", label);
  return 0;
}

#else /* !HAVE_SELINUX */

bool
selinux_host_enabled (void)
{
  return false;
}

bool
selinux_built_in (void)
{
  return false;
}

int
selinux_check_process_label (const char *label, const char *what, berr_t **err)
{
  if (label == NULL || *label == '\0')
    return 0;
  return berr_make (err, 0, "%s: berth was built without SELinux support", what);
}

int
selinux_check_spec (const oci_spec *spec, berr_t **err)
{
  if (selinux_check_process_label (spec->process ? spec->process->selinux_label : NULL,
                                   "config.json: .process.selinuxLabel", err)
      < 0)
    return -1;
  if (spec->linux && spec->linux->mount_label && *spec->linux->mount_label)
    return berr_make (err, 0, "config.json: .linux.mountLabel: berth was built without SELinux support");
  return 0;
}

int
selinux_set_exec_label (const char *label, berr_t **err)
{
  return selinux_check_process_label (label, "selinux label", err);
}

#endif
