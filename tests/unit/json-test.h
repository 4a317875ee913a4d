/* Helpers shared by the oci-spec unit tests (json-test.c). */
#ifndef BERTH_JSON_TEST_H
#define BERTH_JSON_TEST_H

#include <stdbool.h>

#include <yajl/yajl_tree.h>

/* DIR/NAME read whole (NUL-terminated, malloc'ed); NULL after a "# error"
 * line. */
char *test_slurp (const char *dir, const char *name);
/* JSON equality with objects compared as sets of keys (generate writes the
 * known keys in description order, then the unknown ones); numbers compare
 * by their text. */
bool test_json_equal (yajl_val a, yajl_val b);
/* The same, of two JSON texts; false when either does not parse. */
bool test_same_json (const char *x, const char *y);

#endif
