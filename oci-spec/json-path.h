/* berth - the JSON path that oci-spec's errors name (".process.env[3]",
 * ".linux.sysctl[\"net.ipv4.ip_forward\"]"), shared by the bounded reader
 * (json-tree.c) and the table walkers (oci-json.c) so that both spell it
 * the same way.  Internal to liboci: not for callers of oci-spec.h. */
#ifndef BERTH_OCI_JSON_PATH_H
#define BERTH_OCI_JSON_PATH_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

/* Zero-initialised is the empty path (the document's top). */
struct oci_json_path
{
  char *buf;
  size_t len, cap;
};

/* Append ".key", or ["key"] when key is not an identifier (empty, or a
 * character outside [A-Za-z0-9_-]); returns the length before the step,
 * for oci_json_path_pop. */
size_t oci_json_path_push_key (struct oci_json_path *p, const char *key);
/* Append "[i]"; returns the length before the step. */
size_t oci_json_path_push_index (struct oci_json_path *p, size_t i);
/* Back to the length a push returned. */
void oci_json_path_pop (struct oci_json_path *p, size_t mark);
void oci_json_path_clear (struct oci_json_path *p);

/* Fill err with "ORIGIN: PATH: message", or "ORIGIN: message" when the
 * path is empty; returns -1. */
int oci_json_path_failv (berr_t **err, const char *origin, const struct oci_json_path *p, const char *fmt,
                         va_list ap) __attribute__ ((format (printf, 4, 0)));

#endif
