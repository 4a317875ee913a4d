/* img - what index.json reaches, and the mark-and-sweep that removes the
 * rest (`img gc`).
 *
 * The walk (img_reach_walk) is shared with `img export`, which writes the
 * blobs an image reaches.  gc takes two locks, in this order: .berth/gc.lock
 * exclusive (every process that adds blobs holds it shared from its first
 * blob until its tags are saved, so a blob written but not yet tagged is
 * never swept, and every temp file under .berth/tmp is stray), then the
 * store lock exclusive for the mark and the sweep. */
#ifndef IMG_GC_H
#define IMG_GC_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* ---- a set of digests ---- */

struct img_digest_set;
struct img_digest_set *img_digest_set_new (void);
/* true when d was added, false when it was already there. */
bool img_digest_set_add (struct img_digest_set *set, const char *d);
bool img_digest_set_has (const struct img_digest_set *set, const char *d);
size_t img_digest_set_len (const struct img_digest_set *set);
void img_digest_set_free (struct img_digest_set *set);
void img_digest_set_freep (struct img_digest_set **set);
#define cleanup_digest_set __attribute__ ((cleanup (img_digest_set_freep)))

/* ---- the reachability walk ---- */

enum img_reach_role
{
  IMG_REACH_ROOT,     /* the descriptor the walk started from */
  IMG_REACH_MANIFEST, /* an entry of an index */
  IMG_REACH_CONFIG,
  IMG_REACH_LAYER,
  IMG_REACH_SUBJECT,
};

struct img_reach
{
  /* Every descriptor reached, parents before children.  Return 1 to not
   * descend into it (already seen), 0 to go on, -1 to stop with *err. */
  int (*visit) (const oci_image_descriptor *d, enum img_reach_role role, void *data, berr_t **err);
  /* A manifest or index that cannot be read (missing, corrupt, not JSON):
   * why says which.  Return 0 to go on without its children, -1 to stop
   * (with *err).  NULL: stop with why. */
  int (*unreadable) (const oci_image_descriptor *d, enum img_reach_role role, berr_t *why, void *data,
                     berr_t **err);
  void *data;
};
/* "config", "layer", "subject", "manifest"; other for the walk's root. */
const char *img_reach_role_name (enum img_reach_role role, const char *other);

/* Walk from d: an index (OCI or Docker list) reaches its manifests and
 * subject; a manifest (OCI or Docker schema2) its config, layers and
 * subject.  A descriptor without a media type is sniffed. */
int img_reach_walk (struct img_store *s, const oci_image_descriptor *d, const struct img_reach *r,
                    berr_t **err);

/* ---- gc ---- */

/* Take .berth/gc.lock shared for the rest of this process's life (once per
 * process; kill -9 releases it): a process that adds blobs calls this
 * before it checks for or writes its first blob. */
int img_gc_writer_lock (struct img_store *s, berr_t **err);

/* .berth/gc.lock exclusive (this process's own shared lock converted):
 * no other writer is between its first blob and its tags until the
 * descriptor returned is closed (or, when this process held the writer
 * lock, set back with flock (fd, LOCK_SH)).  -1 with *err. */
int img_gc_lock_exclusive (struct img_store *s, berr_t **err);

struct img_gc_opts
{
  bool dry_run; /* count, remove nothing */
};

struct img_gc_result
{
  size_t blobs;      /* unreferenced blobs removed (or, dry run, found) */
  int64_t bytes;     /* their size */
  size_t temps;      /* stray temp files removed */
  int64_t tmp_bytes; /* their size */
  char **missing;    /* "blob 'sha256:…' (layer of 'busybox:latest'): why", NULL-terminated */
  size_t n_missing;
  bool kept_all; /* a manifest is present but unreadable: no blob was removed */
};

int img_gc (struct img_store *s, const struct img_gc_opts *o, struct img_gc_result *res, berr_t **err);
void img_gc_result_clear (struct img_gc_result *res);

#endif
