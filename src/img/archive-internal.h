/* img - what the halves of the import share (archive-import.c reads the
 * archive and tags; archive-docker.c converts docker-save images). */
#ifndef IMG_ARCHIVE_INTERNAL_H
#define IMG_ARCHIVE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "img-archive.h"
#include "error.h"
#include "store.h"

struct pending_tag
{
  oci_image_descriptor *desc;
  char *name; /* NULL: an untagged entry */
};

struct import
{
  struct img_store *s;
  const char *origin; /* the archive's path, for messages */
  int dirfd;          /* a directory source, or -1 */
  struct entry *ents;
  size_t n;
  struct pending_tag *tags;
  size_t ntags;
  int64_t small_bytes; /* of the small documents kept in memory */
};

/* The blob at archive path `path`, stored and checked against expected
 * (may be NULL); *digest (malloc'd) and *size describe it. */
int imp_src_blob (struct import *im, const char *path, const char *expected, char **digest, int64_t *size,
                  berr_t **err);
/* A small document (JSON) at archive path `path`, NUL-terminated. */
int imp_src_small (struct import *im, const char *path, char **data, size_t *len, berr_t **err);
bool imp_src_has (struct import *im, const char *path);

/* Tag d `name` (NULL: an untagged entry) once everything is checked. */
void imp_tag_add (struct import *im, const oci_image_descriptor *d, const char *name);
/* "blobs/<alg>/<hex>" */
char *imp_blob_path (const char *digest);

/* An OCI layout (oci-layout, index.json) into pending tags. */
int imp_oci (struct import *im, const struct img_import_opts *o, berr_t **err);
/* A docker-save archive (manifest.json) into pending tags. */
int imp_docker (struct import *im, const struct img_import_opts *o, berr_t **err);

#endif
