/* berth - the systemd cgroup driver (transient scopes over D-Bus).
 * (Skeleton for issue 4.) */
#include <config.h>

#include "cgroup.h"

int
cgroup_systemd_create (const char *cgroups_path, const char *id, pid_t pid, char **scope, char **path,
                       berr_t **err)
{
  (void)cgroups_path;
  (void)id;
  (void)pid;
  *scope = NULL;
  *path = NULL;
  return berr_make (err, 0, "the systemd cgroup manager is not implemented yet");
}

int
cgroup_systemd_destroy (const char *scope, berr_t **err)
{
  (void)scope;
  (void)err;
  return 0;
}
