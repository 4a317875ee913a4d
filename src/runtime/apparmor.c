/* berth - AppArmor: process.apparmorProfile and exec --apparmor.
 *
 * Like aa_change_onexec(), "exec PROFILE" goes to the task's
 * attr/apparmor/exec (attr/exec on kernels before LSM stacking) and takes
 * effect at the next execve.  The write goes through a procfs we verified
 * and never crosses a mount inside it: a container image that mounts
 * something over /proc/self/attr must not make the write land elsewhere and
 * leave the process unconfined (CVE-2019-16884).  A profile on a host
 * without AppArmor is an error before anything is created. */
#include <config.h>

#include "apparmor.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

bool
apparmor_host_enabled (void)
{
  cleanup_close int fd = -1;
  char c = 0;

  /* The module's own answer when it can be read.  securityfs is only the
   * fallback: podman runs the runtime of a container with --uidmap in a
   * mount namespace of its own where securityfs is not mounted, yet the
   * profile is still applied through /proc. */
  fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && read (fd, &c, 1) == 1)
    return c == 'Y';
  return access ("/sys/kernel/security/apparmor", F_OK) == 0;
}

int
apparmor_check_profile (const char *profile, const char *what, berr_t **err)
{
  if (profile == NULL || *profile == '\0')
    return 0;
  if (!apparmor_host_enabled ())
    return berr_make (err, 0, "%s: apparmor profile '%s' requested but AppArmor is not enabled on this host",
                      what, profile);
  return 0;
}

/* /proc/thread-self/<attr>, resolved below a procfs root without crossing
 * a mount and without magic links. */
static int
open_attr (const char *attr, berr_t **err)
{
  struct open_how how
    = { .flags = O_WRONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS };
  cleanup_close int proc = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *path = xasprintf ("thread-self/%s", attr);
  struct statfs sfs;
  int fd;

  if (proc < 0)
    return berr_make (err, errno, "open '/proc'");
  if (fstatfs (proc, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
    return berr_make (err, EINVAL, "'/proc' is not a procfs");
  fd = (int)syscall (SYS_openat2, proc, path, &how, sizeof (how));
  if (fd < 0)
    return -1;
  if (fstatfs (fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
    {
      close (fd);
      return berr_make (err, EINVAL, "'/proc/%s' is not on procfs", path);
    }
  return fd;
}

int
apparmor_set_exec_profile (const char *profile, berr_t **err)
{
  cleanup_free char *value = NULL;
  cleanup_close int fd = -1;

  if (profile == NULL || *profile == '\0')
    return 0;
  fd = open_attr ("attr/apparmor/exec", err);
  if (fd < 0 && errno == ENOENT && err && *err == NULL)
    fd = open_attr ("attr/exec", err);
  if (fd < 0)
    {
      if (err && *err == NULL)
        berr_make (err, errno, "open the apparmor exec attribute");
      return berr_wrap (err, "apply apparmor profile '%s'", profile);
    }
  value = xasprintf ("exec %s", profile);
  if (write (fd, value, strlen (value)) == (ssize_t)strlen (value))
    return 0;
  /* the kernel's answer for a name it has no profile for */
  if (errno == ENOENT)
    return berr_make (
      err, 0,
      "apparmor profile '%s' is not loaded (load it with apparmor_parser; loaded profiles are "
      "listed in /sys/kernel/security/apparmor/profiles)",
      profile);
  return berr_make (err, errno, "apply apparmor profile '%s'", profile);
}
