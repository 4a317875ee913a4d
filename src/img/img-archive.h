/* img - images in and out of the store as archives: an OCI archive (a tar
 * of an image layout), a layout directory (skopeo's oci:DIR), and the
 * `docker save` format (manifest.json, config JSON files, uncompressed
 * layer tars; legacy and the newer OCI-layout-in-docker-save form).
 *
 * Import streams: a tar is read once with libarchive, each blob going
 * straight into a blob writer that checks it against the digest its path
 * names; nothing is tagged before every blob an image reaches has been
 * stored and checked (digest and size).  Docker's images become OCI:
 * the config JSON is kept byte for byte (its digest stays the image id),
 * each layer tar is stored as it is (uncompressed, so its digest is its
 * diff_id) and a new OCI manifest points at them.  Docker schema2
 * manifests found in an OCI layout are rewritten with OCI media types. */
#ifndef IMG_IMG_ARCHIVE_H
#define IMG_IMG_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "store.h"

struct img_import_opts
{
  const char *name; /* tag the (single) imported image NAME instead of the archive's names */
};

/* What an import added to index.json: one line per entry,
 * "NAME DIGEST" (or "<none> DIGEST"), NULL-terminated. */
struct img_import_result
{
  char **lines;
  size_t n;
};

/* path: a tar (any compression libarchive reads) or a directory. */
int img_archive_import (struct img_store *s, const char *path, const struct img_import_opts *o,
                        struct img_import_result *res, berr_t **err);
void img_import_result_clear (struct img_import_result *res);

enum img_archive_format
{
  IMG_ARCHIVE_OCI,
  IMG_ARCHIVE_DOCKER,
};

/* Write the images names[0..n) to out ("-": stdout) as format.  A file is
 * written to a temp file next to it and renamed when complete. */
int img_archive_export (struct img_store *s, char *const *names, size_t n, enum img_archive_format format,
                        const char *out, berr_t **err);

/* ---- shared by the import and export halves (archive-*.c) ---- */

/* A layer blob as its uncompressed tar stream (gzip, zstd or none,
 * detected from the content); the blob itself is verified as it is read. */
struct img_layer_stream;
int img_layer_stream_open (struct img_store *s, const char *digest, int64_t size,
                           struct img_layer_stream **out, berr_t **err);
/* Bytes read, 0 at the end, -1 with *err. */
ssize_t img_layer_stream_read (struct img_layer_stream *ls, void *buf, size_t len, berr_t **err);
void img_layer_stream_free (struct img_layer_stream *ls);
void img_layer_stream_freep (struct img_layer_stream **ls);
#define cleanup_layer_stream __attribute__ ((cleanup (img_layer_stream_freep)))

/* The uncompressed digest (sha256) and size of a layer blob. */
int img_layer_diff_id (struct img_store *s, const char *digest, int64_t size, char **diff_id, int64_t *usize,
                       berr_t **err);

/* "docker.io/library/busybox:latest" → "busybox:latest",
 * "docker.io/foo/bar:v1" → "foo/bar:v1" (the form docker shows). malloc'd. */
char *img_archive_familiar_name (const char *name);

#endif
