/* berth - which namespaces a container gets: new ones (clone flags) and
 * existing ones joined by path (setns). */
#ifndef BERTH_NAMESPACES_H
#define BERTH_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

#include <sched.h>

/* glibc 2.36 lacks it; the kernel has had it since 5.6. */
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

typedef struct oci_spec oci_spec;

#define NS_MAX 8

struct ns_plan
{
  int clone_flags;     /* CLONE_NEW* for namespaces created by clone() */
  int join_fd[NS_MAX]; /* namespaces joined by path, opened before any clone */
  int join_type[NS_MAX];
  int n_join;
  bool own_pidns;     /* the container has a pid namespace of its own (new or joined) */
  bool userns;        /* a new user namespace: the parent writes the id maps */
  bool new_timens;    /* a new time namespace: not a clone flag, see ns_enter_new_time */
  bool userns_joined; /* an existing user namespace joined by path */
  bool join_early;    /* joins happen before the clone, in a helper (ns_clone_plan) */
};

/* Namespace type name ("network") → CLONE_NEWNET, or 0. */
int ns_flag_from_name (const char *name);
const char *ns_proc_name (int flag); /* CLONE_NEWNET → "net" (the /proc/PID/ns entry) */

/* Read linux.namespaces: refuse what is not implemented yet, open every
 * `path` now (before any syscall that changes the process). */
int ns_plan_build (const oci_spec *spec, struct ns_plan *plan, berr_t **err);
void ns_plan_close (struct ns_plan *plan);

/* A pid namespace joined by path applies to children: the parent enters it
 * before clone() (*restore_fd: its own, to return to), and leaves it
 * right after with ns_restore_after_clone, so that hooks and every later
 * child are in the runtime's pid namespace.  Everything else is joined by
 * the child. */
int ns_join_before_clone (const struct ns_plan *plan, int *restore_fd, berr_t **err);
int ns_restore_after_clone (int *restore_fd, berr_t **err);
int ns_join_in_child (const struct ns_plan *plan, berr_t **err);

/* Child side, once in its user namespace: a new time namespace with
 * linux.timeOffsets written, entered by the calling process itself. */
int ns_enter_new_time (const struct ns_plan *plan, const oci_spec *spec, berr_t **err);

/* Child side, in a new network namespace: set its loopback up (as runc
 * and crun do).  Nothing without a new network namespace. */
int ns_loopback_up (const struct ns_plan *plan, berr_t **err);

/* Write linux.uidMappings/gidMappings for the child pid (parent side). */
int ns_write_id_maps (pid_t pid, const oci_spec *spec, berr_t **err);

/* Clone the container init per the plan.  With a user namespace joined
 * by path, or a new one next to namespaces joined by path, a helper joins
 * them first (user first, mount last) and clones the init as berth's child,
 * so that new namespaces are owned by the right user namespace and the
 * joins happen while still privileged (runc's order).  cgroup_fd >= 0: the
 * init is born in that cgroup (clone3 CLONE_INTO_CGROUP, or the helper
 * enters it first on kernels without).  Fork-like: returns 0 in the init. */
pid_t ns_clone_plan (const struct ns_plan *plan, int cgroup_fd, berr_t **err);

/* clone() with flags, fork-like (child continues here, returns 0). */
pid_t ns_clone (int flags, berr_t **err);

/* Whether pid lives in a pid namespace other than ours. */
bool ns_pid_has_own_pidns (pid_t pid);

/* Every pid (as seen by us) whose pid namespace is the one of `pid`. */
int ns_pids_in_pidns_of (pid_t pid, pid_t **pids, size_t *n, berr_t **err);

#endif
