/* berth - the systemd cgroup driver's cgroupsPath rules, apart from the
 * D-Bus calls (cgroup.h has the driver itself) so that unit tests can
 * check them on any host. */
#ifndef BERTH_CGROUP_SYSTEMD_H
#define BERTH_CGROUP_SYSTEMD_H

#include <stdbool.h>

#include "error.h"

/* The slice used when cgroupsPath names none (as runc). */
#define CGROUP_SYSTEMD_SLICE_ROOT "system.slice"
#define CGROUP_SYSTEMD_SLICE_ROOTLESS "user.slice"
/* The unit prefix when cgroupsPath is empty: "berth-<id>.scope". */
#define CGROUP_SYSTEMD_PREFIX "berth"

/* linux.cgroupsPath "slice:prefix:name" (runc's systemd form; empty:
 * ":berth:<id>") -> the parent slice and the scope's unit name.  An empty
 * slice is the default one (user.slice when rootless), an empty name is
 * the container id, an empty prefix gives "name.scope".  The slice must be
 * a valid slice name ("-.slice", "a-b.slice": no '/', no empty dash
 * component); prefix and name may hold only unit-name characters. */
int cgroup_systemd_parse_path (const char *cgroups_path, const char *id, bool rootless, char **slice,
                               char **unit, berr_t **err);

/* The cgroup path of a slice: "a-b.slice" -> "/a.slice/a-b.slice",
 * "-.slice" -> "/" (systemd's slice nesting).  NULL for an invalid name. */
char *cgroup_systemd_slice_path (const char *slice);

#endif
