/* berth - cgroup v2 statistics for `berth events`.  (Skeleton for issue 4.) */
#include <config.h>

#include "cgroup.h"

int
cgroup_stats_json (const struct cgroup *cg, char **json, berr_t **err)
{
  (void)cg;
  *json = NULL;
  return berr_make (err, 0, "cgroup statistics not implemented yet");
}

long long
cgroup_oom_kills (const struct cgroup *cg)
{
  (void)cg;
  return -1;
}
