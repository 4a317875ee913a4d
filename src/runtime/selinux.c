/* berth - SELinux process labels with libselinux.
 *
 * runc's behaviour, which conmon and podman expect: a process label on a
 * host where SELinux is disabled is refused ("selinux label is specified
 * in config, but selinux is disabled or not supported"), while a
 * mountLabel there is ignored (rootfs.c skips the context= option).  A
 * build without libselinux cannot honour either, so it refuses both by
 * name.  With SELinux on, a label the loaded policy does not know is
 * refused up front.  The label is set (attr/exec) right before execve, so
 * it applies to the container's program and nothing berth runs before it. */
#include <config.h>

#include "selinux.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_SELINUX
#include <dlfcn.h>
#include <selinux/selinux.h>
#endif

#include "cleanup.h"
#include "oci-spec.h"
#include "procfs.h"

#ifdef HAVE_SELINUX

/* libselinux (and the libpcre2 it pulls in) is opened when a label is
 * first asked for, not linked: most containers have none, and every berth
 * start would pay for mapping and relocating both.  The checks below run in
 * the runtime's own process before any namespace is joined, so the
 * container's init inherits the loaded library. */
static struct
{
  __typeof__ (is_selinux_enabled) *is_selinux_enabled;
  __typeof__ (security_check_context) *security_check_context;
  __typeof__ (setkeycreatecon) *setkeycreatecon;
} se;

static int
se_load (berr_t **err)
{
  static void *lib;
  void *h;

  if (lib)
    return 0;
  h = dlopen (LIBSELINUX_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return berr_make (err, 0, "SELinux labels need %s: %s", LIBSELINUX_SONAME, dlerror ());
  *(void **)&se.is_selinux_enabled = dlsym (h, "is_selinux_enabled");
  *(void **)&se.security_check_context = dlsym (h, "security_check_context");
  *(void **)&se.setkeycreatecon = dlsym (h, "setkeycreatecon");
  if (!se.is_selinux_enabled || !se.security_check_context || !se.setkeycreatecon)
    {
      dlclose (h);
      return berr_make (err, 0,
                        "SELinux labels need %s with is_selinux_enabled, security_check_context "
                        "and setkeycreatecon",
                        LIBSELINUX_SONAME);
    }
  lib = h;
  return 0;
}

/* Before anything is created: the kernel would refuse the label only at
 * the execve (or the mount), with a bare EINVAL. */
static int
check_context (const char *label, const char *what, berr_t **err)
{
  if (se.security_check_context (label) == 0)
    return 0;
  if (errno == EINVAL)
    return berr_make (err, 0, "%s: '%s' is not a valid SELinux context in the loaded policy", what, label);
  return berr_make (err, errno, "%s: check SELinux context '%s'", what, label);
}

/* Without libselinux the host's state is unknown: the callers that hold a
 * label have already failed in se_load() with the library's name. */
bool
selinux_host_enabled (void)
{
  berr_t *ignored = NULL;

  if (se_load (&ignored) < 0)
    {
      berr_free (ignored);
      return false;
    }
  return se.is_selinux_enabled () > 0;
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
  if (se_load (err) < 0)
    return berr_wrap (err, "%s: '%s'", what, label);
  if (!selinux_host_enabled ())
    return berr_make (
      err, 0, "%s: selinux label '%s' is specified, but SELinux is disabled or not supported on this host",
      what, label);
  return check_context (label, what, err);
}

int
selinux_check_spec (const oci_spec *spec, berr_t **err)
{
  const char *mount_label = spec->linux ? spec->linux->mount_label : NULL;

  if (selinux_check_process_label (spec->process ? spec->process->selinux_label : NULL,
                                   "config.json: .process.selinuxLabel", err)
      < 0)
    return -1;
  /* ignored without SELinux (rootfs.c), checked with it */
  if (mount_label && *mount_label && se_load (err) < 0)
    return berr_wrap (err, "config.json: .linux.mountLabel: '%s'", mount_label);
  if (mount_label && *mount_label && selinux_host_enabled ())
    return check_context (mount_label, "config.json: .linux.mountLabel", err);
  return 0;
}

/* Not setexeccon(): libselinux writes /proc/thread-self/attr/exec as it
 * finds it, and in the container that /proc is the image's to cover (a
 * bind of a plain directory over it would swallow the label and leave the
 * process with berth's: CVE-2019-16884).  procfs_open_file() checks that
 * the file is procfs's own. */
int
selinux_set_exec_label (const char *label, berr_t **err)
{
  cleanup_close int fd = -1;
  size_t len;

  if (label == NULL || *label == '\0')
    return 0;
  fd = procfs_open_file ("thread-self/attr/exec", O_WRONLY, err);
  if (fd < 0)
    return berr_wrap (err, "set selinux process label '%s'", label);
  len = strlen (label);
  if (write (fd, label, len) != (ssize_t)len)
    return berr_make (err, errno, "set selinux process label '%s'", label);
  return 0;
}

int
selinux_set_key_label (const char *label, berr_t **err)
{
  if (se_load (err) < 0)
    return berr_wrap (err, "set selinux key label '%s'", label ? label : "(default)");
  if (se.setkeycreatecon (label && *label ? label : NULL) < 0)
    return berr_make (err, errno, "set selinux key label '%s'", label ? label : "(default)");
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

int
selinux_set_key_label (const char *label, berr_t **err)
{
  return selinux_check_process_label (label, "selinux key label", err);
}

#endif
