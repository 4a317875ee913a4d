/* berth - cgroups: where a container's processes live and what limits them.
 *
 * Only the cgroup v2 unified hierarchy is managed.  On a hybrid or legacy
 * host, or with --cgroup-manager=disabled, a container gets no cgroup of its
 * own (cg->path == NULL): it still runs, and any limit it asks for is
 * reported by name (an error on hybrid/legacy hosts, a warning when the
 * user disabled cgroups).
 *
 * The pieces, one file each:
 *   cgroup.c            host mode, path choice, create/enter/open/destroy
 *                       (the core)
 *   cgroup-ops.c        freeze, kill, pids on a live cgroup
 *   cgroup-resources.c  linux.resources -> cgroup v2 files (create, update)
 *   cgroup-ebpf.c       linux.resources.devices -> BPF_PROG_TYPE_CGROUP_DEVICE
 *   cgroup-stats.c      the numbers `berth events` prints
 *   cgroup-systemd.c    --systemd-cgroup: a transient scope over D-Bus
 */
#ifndef BERTH_CGROUP_H
#define BERTH_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "context.h"
#include "error.h"
#include "oci-spec.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

enum cgroup_host_mode
{
  CGROUP_HOST_UNIFIED, /* cgroup2 mounted at /sys/fs/cgroup */
  CGROUP_HOST_HYBRID,  /* v1 controllers, cgroup2 at /sys/fs/cgroup/unified */
  CGROUP_HOST_LEGACY,  /* v1 only */
  CGROUP_HOST_NONE,    /* nothing mounted */
};

/* Read once (statfs of /sys/fs/cgroup), then cached. */
enum cgroup_host_mode cgroup_host_mode (void);

enum cgroup_manager
{
  CGROUP_MANAGER_CGROUPFS,
  CGROUP_MANAGER_SYSTEMD,
  CGROUP_MANAGER_DISABLED,
};

/* From the global flags: --cgroup-manager, --systemd-cgroup. */
enum cgroup_manager cgroup_manager_from_ctx (const struct berth_ctx *ctx);

/* made: how many levels of path, counted from the leaf up, berth created
 * (1: the leaf alone; 3 for "/x/a/b/ctr" when "/x" was there before).
 * When owned, destroy removes those above the leaf too, while empty. */
struct cgroup
{
  char *path;  /* in the v2 hierarchy, "/"-rooted ("/berth/c1"); NULL: none */
  int dirfd;   /* O_DIRECTORY fd of CGROUP_ROOT + path, -1 when none */
  bool owned;  /* created by us: destroy removes it */
  size_t made; /* levels of path created by us (see above) */
  char *scope; /* systemd: the transient unit's name ("berth-c1.scope"), else NULL */
};
#define CGROUP_INIT                                                                                          \
  {                                                                                                          \
    .path = NULL, .dirfd = -1, .owned = false, .made = 0, .scope = NULL                                      \
  }

/* Pick the container's cgroup from linux.cgroupsPath (as runc interprets
 * it; empty: under the caller's own cgroup), create it, enable in every
 * ancestor's cgroup.subtree_control the controllers the resources need,
 * and apply linux.resources (devices included).  No cgroup (cg->path NULL)
 * on a non-unified host or when disabled; requested limits then are an
 * error (naming them) or, when disabled, a warning.  On failure nothing
 * is left behind. */
int cgroup_create (const struct berth_ctx *ctx, const char *id, const oci_spec *spec, struct cgroup *cg,
                   berr_t **err);

/* The path cgroup_create will use ("/"-rooted), so that the caller can
 * record it (state.json) before the cgroup exists: a create killed midway
 * is then cleaned up by `delete --force`.  NULL when berth will not create
 * one itself (not a unified host, --cgroup-manager disabled or systemd). */
int cgroup_path_plan (const struct berth_ctx *ctx, const char *id, const oci_spec *spec, char **path,
                      berr_t **err);
/* How many levels of path ("/"-rooted), counted from the leaf up, do not
 * exist yet: what cgroup_create will make (cg->made), recorded with the
 * planned path. */
size_t cgroup_levels_missing (const char *path);

/* Move pid into cg (cgroup.procs), or into cg's sub-cgroup sub when sub is
 * not NULL (exec --cgroup).  A no-op when cg has no path.  For clone3 with
 * CLONE_INTO_CGROUP use cg->dirfd directly. */
int cgroup_enter (const struct cgroup *cg, pid_t pid, const char *sub, berr_t **err);

/* Re-open a container's cgroup from the path recorded in its state.  A
 * NULL path gives an empty cgroup; a vanished directory is not an error
 * (cg->dirfd stays -1).  cg->owned is set (destroy removes the directory);
 * clear it for a cgroup berth did not create. */
int cgroup_open (const char *path, const char *scope, struct cgroup *cg, berr_t **err);

/* Kill whatever is left in it (cgroup.kill where the kernel has it), wait
 * for it to empty and remove it (and the systemd scope), then the levels
 * above it that berth made (cg->made), each only while it has no other
 * child and no process.  Idempotent: a cgroup that is already gone is
 * success, and its made levels above still go. */
int cgroup_destroy (struct cgroup *cg, berr_t **err);
void cgroup_clear (struct cgroup *cg);

/* cgroup.freeze; waits until cgroup.events says frozen/thawed. */
int cgroup_freeze (const struct cgroup *cg, bool freeze, berr_t **err);
/* 1 frozen, 0 not, -1 no cgroup / unknown. */
int cgroup_frozen (const struct cgroup *cg);
/* Send sig to every process in it (cgroup.kill for SIGKILL). */
int cgroup_kill (const struct cgroup *cg, int sig, berr_t **err);
/* cgroup.procs of cg and all its descendants. */
int cgroup_pids (const struct cgroup *cg, pid_t **pids, size_t *n, berr_t **err);

/* ---- cgroup-resources.c ----------------------------------------------- */

/* Controllers ("memory", "cpu", "cpuset", "io", "pids", "hugetlb", "rdma",
 * and those named by unified keys) that r needs, as a NULL-terminated
 * strv the caller frees. */
char **cgroup_resources_controllers (const oci_linux_resources *r);

/* Write r into cg (devices included, through cgroup-ebpf.c).  update:
 * a live `berth update` (only the fields present change; memory's
 * checkBeforeUpdate honoured).  Errors name the field and the file
 * ("linux.resources.memory.limit: write memory.max: ..."). */
int cgroup_apply_resources (const struct cgroup *cg, const oci_linux_resources *r, bool update, berr_t **err);

/* The cpu.weight for OCI cpu.shares (the conversion of runc >= 1.3 and
 * crun); 0 for 0. */
uint64_t cgroup_shares_to_weight (uint64_t shares);

/* ---- cgroup-ebpf.c ---------------------------------------------------- */

/* Load a BPF_PROG_TYPE_CGROUP_DEVICE program for devs (the OCI list, last
 * match wins, default deny) and attach it to cg, replacing the one berth
 * attached before. */
int cgroup_devices_apply (const struct cgroup *cg, oci_linux_device_cgroup **devs, size_t n, berr_t **err);

/* ---- cgroup-stats.c --------------------------------------------------- */

/* `berth events --stats` for cg: the JSON object runc prints as "data"
 * ({"cpu":{...},"memory":{...},"pids":{...},"blkio":{...},"hugetlb":{...}}),
 * malloc'ed. */
int cgroup_stats_json (const struct cgroup *cg, char **json, berr_t **err);
/* memory.events oom_kill counter (for "oom" events), -1 on error. */
long long cgroup_oom_kills (const struct cgroup *cg);

/* ---- cgroup-systemd.c ------------------------------------------------- */

/* --systemd-cgroup: cgroupsPath "slice:prefix:name"; start the transient
 * scope "prefix-name.scope" in slice (Delegate=yes) with pid in it and
 * return its cgroup path.  Errors when systemd is not reachable. */
int cgroup_systemd_create (const char *cgroups_path, const char *id, pid_t pid, char **scope, char **path,
                           berr_t **err);
int cgroup_systemd_destroy (const char *scope, berr_t **err);
/* Create the scope before the container's init exists, so that the init
 * is cloned into it like into a cgroupfs cgroup (CLONE_INTO_CGROUP: a new
 * cgroup namespace is rooted at the scope, limits hold from the first
 * instruction).  A scope needs a process, and systemd stops a scope that
 * becomes empty: a holder process (a child of berth that only waits) is
 * the scope's first pid and stays until cgroup_systemd_release_holder(),
 * which the caller runs once the init is in the scope (or it failed).
 * cg gets the scope's path, dirfd and name (owned: false, the directory
 * is systemd's).  On failure nothing is left behind. */
int cgroup_systemd_open_scope (const char *cgroups_path, const char *id, struct cgroup *cg, berr_t **err);
void cgroup_systemd_release_holder (void);
/* cgroup_create's systemd branch: check cgroupsPath (even where systemd
 * is missing), refuse a host without the unified hierarchy, open the
 * scope (cgroup_systemd_open_scope) and apply r to it (files, then
 * properties). */
int cgroup_systemd_setup (const char *id, const oci_spec *spec, struct cgroup *cg, berr_t **err);
/* Give systemd the limits it manages itself as cg's scope's properties
 * (MemoryMax, MemoryLow, MemorySwapMax, TasksMax, CPUWeight, CPUQuota,
 * AllowedCPUs, AllowedMemoryNodes); call it after cgroup_apply_resources
 * (which validates r and writes every file), at create and update.
 * Without this a `systemctl daemon-reload` resets those files of the
 * scope to systemd's defaults.  A no-op when cg->scope is NULL or r has
 * none of them. */
int cgroup_systemd_set_resources (const struct cgroup *cg, const oci_linux_resources *r, berr_t **err);

#endif
