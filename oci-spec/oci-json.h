/* berth - the table-driven JSON engine behind the generated oci-spec types.
 *
 * gen.py turns each *.types file into C structs plus one `struct oci_type`
 * table per struct (field names, kinds, offsets).  The code here walks those
 * tables: it parses a yajl tree into the structs, writes them back with
 * yajl_gen, and frees them.  Callers normally use the generated
 * oci_NAME_parse_file()/..._generate() wrappers and never this header's
 * engine functions; the shared value types (oci_string_map, oci_extra) are
 * part of the public contract (see oci-spec/README.md). */
#ifndef BERTH_OCI_JSON_H
#define BERTH_OCI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_tree.h>

#include "error.h"

/* GNU C predefines `linux` as 1; config.json's "linux" member must stay
 * spellable as spec->linux (libocispec, which crun uses, does the same). */
#undef linux

/* A JSON object of string values ("annotations", "sysctl", "unified"),
 * in document order; a key given twice keeps its last value. */
typedef struct oci_string_map
{
  char **keys;
  char **values;
  size_t len;
} oci_string_map;

/* Keys a description does not know, with their values (owned yajl trees),
 * written back after the known fields by generate. */
typedef struct oci_extra
{
  char **keys;
  yajl_val *values;
  size_t len;
} oci_extra;

/* Flags for oci_NAME_generate_flags(). */
enum
{
  OCI_GEN_PRETTY = 1 << 0, /* indented with tabs, newline at the end (as `runc spec` writes) */
};

enum oci_kind
{
  OCI_KIND_STRING,
  OCI_KIND_BOOL,
  OCI_KIND_INT,        /* signed, `size` bytes */
  OCI_KIND_UINT,       /* unsigned, `size` bytes */
  OCI_KIND_OBJECT,     /* pointer to a described struct */
  OCI_KIND_STRING_MAP, /* oci_string_map * */
  OCI_KIND_OBJECT_MAP, /* { char **keys; oci_X **values; size_t len; } * */
  OCI_KIND_ANY,        /* yajl_val, owned */
};

struct oci_type;

struct oci_field
{
  const char *json_name;
  enum oci_kind kind;
  bool array;                  /* T *NAME + size_t NAME_len */
  unsigned size;               /* bytes of one INT/UINT value */
  size_t offset;               /* of the value, or of the array pointer */
  size_t aux_offset;           /* of NAME_present (BOOL/INT/UINT) or NAME_len (arrays) */
  const struct oci_type *type; /* OBJECT and OBJECT_MAP element type */
};

struct oci_type
{
  const char *name; /* "oci_process", for messages */
  size_t size;
  size_t extra_offset;
  const struct oci_field *fields;
  size_t n_fields;
};

/* Engine entry points used by the generated wrappers.  A parse takes the
 * document bytes (need not be NUL-terminated) and names `origin` in every
 * error; generate writes compact JSON unless flags has OCI_GEN_PRETTY. */
void *oci_json_parse_data (const struct oci_type *t, const char *data, size_t len, const char *origin,
                           berr_t **err);
void *oci_json_parse_file (const struct oci_type *t, const char *path, berr_t **err);
int oci_json_generate (const struct oci_type *t, const void *obj, unsigned flags, char **json, size_t *len,
                       berr_t **err);
void oci_json_free (const struct oci_type *t, void *obj);

/* Helpers for code that builds documents by hand (e.g. `berth spec`). */
void oci_string_map_free (oci_string_map *m);
/* Set key to value (copies both), replacing an existing value. */
void oci_string_map_set (oci_string_map *m, const char *key, const char *value);
/* The value of key, or NULL. */
const char *oci_string_map_get (const oci_string_map *m, const char *key);
void oci_extra_free (oci_extra *x);

#endif
