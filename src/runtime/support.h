/* berth - refuse, before any syscall, configs asking for what this build or
 * this version of berth cannot do, naming the field. */
#ifndef BERTH_SUPPORT_H
#define BERTH_SUPPORT_H

#include "error.h"

typedef struct oci_spec oci_spec;

/* For `create`/`run`: config.json as a whole. */
int support_check_spec (const oci_spec *spec, berr_t **err);

#endif
