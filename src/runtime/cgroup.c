/* berth - the cgroup v2 core: host mode, path, create/enter/open/destroy
 * (freeze, kill and pids are in cgroup-ops.c).  (Skeleton: being filled in for issue 4.) */
#include <config.h>

#include "cgroup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

enum cgroup_host_mode
cgroup_host_mode (void)
{
  static int mode = -1;
  struct statfs s;

  if (mode >= 0)
    return (enum cgroup_host_mode)mode;
  if (statfs (CGROUP_ROOT, &s) < 0)
    mode = CGROUP_HOST_NONE;
  else if (s.f_type == CGROUP2_SUPER_MAGIC)
    mode = CGROUP_HOST_UNIFIED;
  else if (s.f_type != TMPFS_MAGIC)
    mode = CGROUP_HOST_NONE;
  else if (statfs (CGROUP_ROOT "/unified", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
    mode = CGROUP_HOST_HYBRID;
  else
    mode = CGROUP_HOST_LEGACY;
  return (enum cgroup_host_mode)mode;
}

enum cgroup_manager
cgroup_manager_from_ctx (const struct berth_ctx *ctx)
{
  if (ctx->cgroup_manager && strcmp (ctx->cgroup_manager, "disabled") == 0)
    return CGROUP_MANAGER_DISABLED;
  if (ctx->systemd_cgroup || (ctx->cgroup_manager && strcmp (ctx->cgroup_manager, "systemd") == 0))
    return CGROUP_MANAGER_SYSTEMD;
  return CGROUP_MANAGER_CGROUPFS;
}

int
cgroup_create (const struct berth_ctx *ctx, const char *id, const oci_spec *spec, struct cgroup *cg,
               berr_t **err)
{
  (void)ctx;
  (void)id;
  (void)spec;
  (void)err;
  *cg = (struct cgroup)CGROUP_INIT;
  return 0;
}

int
cgroup_enter (const struct cgroup *cg, pid_t pid, const char *sub, berr_t **err)
{
  (void)cg;
  (void)pid;
  (void)sub;
  (void)err;
  return 0;
}

int
cgroup_open (const char *path, const char *scope, struct cgroup *cg, berr_t **err)
{
  (void)path;
  (void)scope;
  (void)err;
  *cg = (struct cgroup)CGROUP_INIT;
  return 0;
}

int
cgroup_destroy (struct cgroup *cg, berr_t **err)
{
  (void)err;
  cgroup_clear (cg);
  return 0;
}

void
cgroup_clear (struct cgroup *cg)
{
  free (cg->path);
  free (cg->scope);
  if (cg->dirfd >= 0)
    close (cg->dirfd);
  *cg = (struct cgroup)CGROUP_INIT;
}
