/* berth - the bounded JSON reader under the oci-spec parsers. */
#ifndef BERTH_JSON_TREE_H
#define BERTH_JSON_TREE_H

#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "error.h"

/* Parse len bytes (need not be NUL-terminated) into a yajl tree that
 * yajl_tree_free releases, as yajl_tree_parse would (comments allowed,
 * UTF-8 checked), but within the limits of berth-limits.h (depth, entries
 * per array or object, values per document) and refusing a string or key
 * with a NUL byte.  A key given twice keeps its first place and its last
 * value.  Errors name origin, the JSON path and the limit:
 * "config.json: .process.env: too many entries (100001, limit 100000)". */
yajl_val oci_json_tree_parse (const char *data, size_t len, const char *origin, berr_t **err);

#endif
