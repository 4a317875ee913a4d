/* img - checking a store (`img fsck`): every blob against its name (digest
 * and size), every index.json entry down to its manifests, configs and
 * layers, the store's own files under .berth, and the debris an
 * interrupted write leaves (temp files).  With repair, debris and corrupt
 * blobs are removed; a healthy blob never is, and an image left without a
 * blob is reported with the advice to pull it again.
 *
 * fsck takes the locks gc takes (.berth/gc.lock exclusive, then the store
 * lock exclusive), so no writer is half-way when it looks: every temp file
 * it finds is debris. */
#ifndef IMG_FSCK_H
#define IMG_FSCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

enum img_fsck_kind
{
  IMG_FSCK_DEBRIS,  /* a temp file of an interrupted write: harmless, --repair removes it */
  IMG_FSCK_CORRUPT, /* a blob whose content is not its digest: --repair removes it */
  IMG_FSCK_BROKEN,  /* an image that cannot be used: pull it again */
  IMG_FSCK_STRAY,   /* a file img does not know: reported, never touched */
  IMG_FSCK_LAYOUT,  /* oci-layout, index.json, blobs/, .berth themselves */
};

struct img_fsck_problem
{
  enum img_fsck_kind kind;
  char *object; /* "blob 'sha256:…'", "image 'busybox:latest'", "temp file" */
  char *path;   /* relative to the store, may be NULL */
  char *reason;
  bool repaired; /* --repair removed it */
};

struct img_fsck_opts
{
  bool repair;
};

struct img_fsck_result
{
  struct img_fsck_problem *problems;
  size_t n_problems;
  size_t blobs;        /* blobs hashed */
  int64_t bytes;       /* their size */
  size_t images;       /* index.json entries walked */
  size_t unreferenced; /* blobs no image reaches (gc's to remove, not a problem) */
};

/* 0 when the check ran (res says what it found), -1 with *err when it
 * could not (the store cannot be opened or locked). */
int img_fsck (struct img_store *s, const struct img_fsck_opts *o, struct img_fsck_result *res, berr_t **err);
/* Problems --repair did not (or could not) fix. */
size_t img_fsck_unrepaired (const struct img_fsck_result *res);
void img_fsck_result_clear (struct img_fsck_result *res);

#endif
