/* img - image references as users type them: "busybox",
 * "quay.io/ns/name:tag", "localhost:5000/x@sha256:…", normalised the way
 * docker and podman do (docker.io, library/, :latest). */
#ifndef IMG_REFERENCE_H
#define IMG_REFERENCE_H

#include <stdbool.h>

#include "error.h"

#define IMG_DEFAULT_REGISTRY "docker.io"

struct img_reference
{
  char *registry;   /* "docker.io", "localhost:5000" */
  char *repository; /* "library/busybox" */
  char *tag;        /* NULL when only a digest was given */
  char *digest;     /* NULL unless "@alg:hex" was given */
};

/* Parse and normalise; a "docker://" prefix is accepted.  Errors name the
 * reference and the part that is wrong. */
int img_reference_parse (const char *s, struct img_reference *r, berr_t **err);
void img_reference_clear (struct img_reference *r);

/* "docker.io/library/busybox:latest" (tag and/or "@digest"), malloc'd. */
char *img_reference_string (const struct img_reference *r);
/* The name without registry defaults a user would type back:
 * "busybox:latest", "quay.io/ns/x:1".  malloc'd. */
char *img_reference_familiar (const struct img_reference *r);
/* The host the API is reached at: docker.io → registry-1.docker.io. */
const char *img_reference_api_host (const struct img_reference *r);

#endif
