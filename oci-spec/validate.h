/* berth - semantic checks of a parsed config.json, before any syscall.
 *
 * Parsing (gen/runtime-spec.h) checks shapes and types; these check meaning:
 * versions, absolute paths, known names, id-mapping ranges.  Every error
 * names the JSON path: `config.json: .linux.namespaces[3].type: unknown
 * namespace type "foo"`. */
#ifndef BERTH_OCI_VALIDATE_H
#define BERTH_OCI_VALIDATE_H

#include "error.h"
#include "gen/runtime-spec.h"

/* Validate a whole config.json. */
int oci_spec_validate (const oci_spec *spec, berr_t **err);

/* Validate a process alone (`berth exec --process FILE`); origin names the
 * file in errors. */
int oci_process_validate (const oci_process *process, const char *origin, berr_t **err);

/* Validate a resources document (`berth update --resources FILE`). */
int oci_linux_resources_validate (const oci_linux_resources *r, const char *origin, berr_t **err);

#endif
