/* img - progress output of blob transfers (see progress.c). */
#ifndef IMG_PROGRESS_H
#define IMG_PROGRESS_H

#include <stdint.h>

#include "pull.h"

struct img_progress;
/* verb: "Copying", "Pushing". */
struct img_progress *img_progress_new (enum img_progress_mode mode, const char *verb);
/* An img_progress_fn (registry.h): data is the struct img_progress. */
void img_progress_update (void *data, const char *digest, int64_t done, int64_t total);
/* A blob finished; note: NULL ("done"), "skipped: already present", ... */
void img_progress_done (struct img_progress *p, const char *digest, int64_t size, const char *note);
void img_progress_free (struct img_progress *p);

#endif
