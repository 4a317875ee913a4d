/* berth - linux.resources -> cgroup v2 files.  (Skeleton for issue 4.) */
#include <config.h>

#include "cgroup.h"

#include <stdlib.h>

#include "util.h"

char **
cgroup_resources_controllers (const oci_linux_resources *r)
{
  (void)r;
  return xzalloc (sizeof (char *));
}

int
cgroup_apply_resources (const struct cgroup *cg, const oci_linux_resources *r, bool update, berr_t **err)
{
  (void)cg;
  (void)r;
  (void)update;
  return berr_make (err, 0, "cgroup resources not implemented yet");
}

uint64_t
cgroup_shares_to_weight (uint64_t shares)
{
  return shares;
}
