/* berth - shared helpers of validate.c and validate-process.c (not installed,
 * not for callers: use validate.h). */
#ifndef BERTH_OCI_VALIDATE_INTERNAL_H
#define BERTH_OCI_VALIDATE_INTERNAL_H

#include <stdbool.h>

#include "error.h"
#include "gen/runtime-spec.h"

struct vctx
{
  const char *origin; /* "config.json" */
  berr_t **err;
};

/* "ORIGIN: PATH: message"; returns -1. */
int vfail (struct vctx *v, const char *path, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
bool vin_list (const char *s, const char *const *list);
int vcheck_abs (struct vctx *v, const char *path, const char *value);
int vcheck_id_mappings (struct vctx *v, const char *base, oci_linux_id_mapping *const *m, size_t n);

/* base is the JSON path of the object (".process", or "" for a document). */
int vcheck_process (struct vctx *v, const char *base, const oci_process *p);
int vcheck_resources (struct vctx *v, const char *base, const oci_linux_resources *r);
int vcheck_seccomp (struct vctx *v, const oci_linux_seccomp *s);

#endif
