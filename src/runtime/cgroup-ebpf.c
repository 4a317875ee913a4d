/* berth - device access control for cgroup v2: linux.resources.devices as a
 * BPF_PROG_TYPE_CGROUP_DEVICE program.  (Skeleton for issue 4.) */
#include <config.h>

#include "cgroup.h"

int
cgroup_devices_apply (const struct cgroup *cg, oci_linux_device_cgroup **devs, size_t n, berr_t **err)
{
  (void)cg;
  (void)devs;
  (void)n;
  return berr_make (err, 0, "cgroup device control not implemented yet");
}
