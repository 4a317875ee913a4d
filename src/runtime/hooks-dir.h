/* berth - hooks.d directories (`run/create --hooks-dir`): podman's
 * oci-hooks(5) files that add hooks to a container's config. */
#ifndef BERTH_HOOKS_DIR_H
#define BERTH_HOOKS_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct oci_spec oci_spec;
typedef struct oci_hooks_file oci_hooks_file;

/* Read the *.json files of dirs[0..n) (a file in a later directory masks
 * the same-named file of an earlier one), and append the hook of every
 * file whose `when` matches spec to the stages it names, in the order of
 * the lower-cased file names, after the hooks spec already has.  Returns
 * the number of hooks added, or -1 with *err naming the file at fault. */
int hooks_dir_apply (oci_spec *spec, const char *const *dirs, size_t n, berr_t **err);

/* One file: parse and check it (version 1.0.0, hook.path, regexes,
 * stages); origin names it in errors. */
oci_hooks_file *hooks_dir_load (const char *path, berr_t **err);

/* Whether f's `when` holds for spec (podman's rules: every condition given
 * must hold; always and hasBindMounts set to false never hold). */
bool hooks_dir_match (const oci_hooks_file *f, const oci_spec *spec);

#endif
