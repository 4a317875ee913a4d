/* berth - process.capabilities: parse (before any syscall) and apply. */
#ifndef BERTH_CAPS_H
#define BERTH_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

typedef struct oci_spec oci_spec;
typedef struct oci_process oci_process;

struct caps_plan
{
  uint64_t bounding, effective, inheritable, permitted, ambient;
};

/* Names must be known ("CAP_SYS_ADMIN"); a build without libcap refuses a
 * config that lists any capability. */
int caps_plan_build (const oci_spec *spec, struct caps_plan *plan, berr_t **err);
int caps_plan_build_process (const oci_process *p, struct caps_plan *plan, berr_t **err);
/* `exec --cap NAME`: add to the bounding, effective and permitted sets. */
int caps_plan_add (struct caps_plan *plan, const char *name, berr_t **err);

/* Before the uid switch: drop what is not in the bounding set and keep the
 * permitted set across setuid(). */
int caps_prepare (const struct caps_plan *plan, berr_t **err);
/* After the uid switch: effective, permitted, inheritable, then ambient. */
int caps_apply (const struct caps_plan *plan, berr_t **err);

#endif
