/* berth - process attributes the kernel keeps per task: scheduler, I/O
 * priority, personality, CPU affinity around exec, and which sysctls a
 * container may set. */
#ifndef BERTH_PROCATTR_H
#define BERTH_PROCATTR_H

#include "error.h"

typedef struct oci_spec oci_spec;
typedef struct oci_process oci_process;
typedef struct oci_linux_personality oci_linux_personality;

/* Before any syscall: cpu lists parse, personality flags are known, and
 * every linux.sysctl key belongs to a namespace the container owns. */
int procattr_validate (const oci_spec *spec, berr_t **err);
int procattr_validate_process (const oci_process *p, berr_t **err);

/* process.scheduler through sched_setattr(2), process.ioPriority through
 * ioprio_set(2); both while still privileged. */
int procattr_set_scheduler (const oci_process *p, berr_t **err);
int procattr_set_io_priority (const oci_process *p, berr_t **err);

/* linux.personality (NULL: nothing to do). */
int procattr_set_personality (const oci_linux_personality *pers, berr_t **err);

/* execCPUAffinity: `initial` as soon as the process exists, `final` right
 * before execve (runtime-spec: around the move into the cgroup). */
int procattr_set_affinity_initial (const oci_process *p, berr_t **err);
int procattr_set_affinity_final (const oci_process *p, berr_t **err);

#endif
