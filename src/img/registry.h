/* img - a client of the OCI distribution API v2 (libcurl): manifests and
 * blobs, pulled into the store with their digests checked as they stream,
 * and pushed with HEAD-skip, cross-repository mount and monolithic or
 * chunked uploads.  Authentication (the /v2/ challenge, Bearer tokens per
 * scope, Basic) is handled per request. */
#ifndef IMG_REGISTRY_H
#define IMG_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

struct img_registry_opts
{
  bool tls_verify;  /* false: self-signed certificates and plain http are accepted */
  const char *user; /* explicit credentials (--creds); NULL: the auth files */
  const char *pass;
  /* Attempts per request (default 5): a dropped or timed-out connection,
   * 5xx (not 501) or 429 is tried again after a backoff of 0.2 s doubling
   * to 3.2 s, or the registry's Retry-After (up to 60 s); a blob download
   * resumes with a Range request, and attempts that made progress do not
   * count. */
  int retries;
  int connect_timeout; /* seconds to connect (default 30) */
  int stall_timeout;   /* seconds without a byte before a transfer is dropped (default 30) */
  int64_t chunk_size;  /* push: > 0 uploads in chunks of this size (PATCH) */
};

struct img_registry;

/* One client per registry host ("localhost:5000", "registry-1.docker.io"). */
int img_registry_new (const char *host, const struct img_registry_opts *o, struct img_registry **out,
                      berr_t **err);
/* Another client of the same registry for another thread (its own
 * connection), sharing r's session: the /v2/ ping, the credentials and the
 * tokens are looked up once for all of them. */
int img_registry_clone (struct img_registry *r, struct img_registry **out, berr_t **err);
void img_registry_free (struct img_registry *r);
void img_registry_freep (struct img_registry **r);
#define cleanup_registry __attribute__ ((cleanup (img_registry_freep)))

/* Progress of one blob transfer: called with bytes done and the total. */
typedef void (*img_progress_fn) (void *data, const char *digest, int64_t done, int64_t total);

/* GET a manifest or index by tag or digest.  *digest is the digest of the
 * bytes received (checked against a digest reference and against the
 * registry's Docker-Content-Digest). */
int img_registry_get_manifest (struct img_registry *r, const char *repo, const char *ref, char **data,
                               size_t *len, char **media_type, char **digest, berr_t **err);

/* Someone following a download (img pull --unpack). */
struct img_fetch_watch
{
  /* The download started: fd reads the bytes written so far (progress
   * says how many); the watcher owns fd. */
  void (*started) (void *data, const char *digest, int fd);
  /* The download starts over from byte 0 (a registry that ignored Range). */
  void (*restarted) (void *data, const char *digest);
  /* Polled while bytes flow and while the registry is silent (may be
   * NULL): true stops the download at once, nothing stored (its follower
   * gave up: a layer --max-layer-size refused). */
  bool (*cancelled) (void *data);
  void *data;
};

/* Download a blob into the store (skipped when the store has it), verified
 * as it streams; a dropped connection is resumed with a Range request.
 * watch may be NULL. */
int img_registry_fetch_blob (struct img_registry *r, const char *repo, const oci_image_descriptor *d,
                             struct img_store *s, img_progress_fn progress, void *pdata,
                             const struct img_fetch_watch *watch, berr_t **err);

/* HEAD: 1 when the registry has the blob, 0 when not. */
int img_registry_blob_exists (struct img_registry *r, const char *repo, const char *digest, berr_t **err);

/* Upload a blob from the store.  mount_from (may be NULL): a repository on
 * the same registry to mount it from first.  *uploaded (may be NULL) tells
 * whether bytes were sent (false: it existed or was mounted). */
int img_registry_push_blob (struct img_registry *r, const char *repo, const oci_image_descriptor *d,
                            struct img_store *s, const char *mount_from, bool *uploaded,
                            img_progress_fn progress, void *pdata, berr_t **err);

/* PUT a manifest under ref (tag or digest); the registry's
 * Docker-Content-Digest must equal the digest of data. */
int img_registry_put_manifest (struct img_registry *r, const char *repo, const char *ref, const char *data,
                               size_t len, const char *media_type, berr_t **err);

/* GET /v2/ with the client's credentials: 0 when the registry accepts
 * them (img login). */
int img_registry_check (struct img_registry *r, berr_t **err);

/* Counters for tests and --debug: requests made, blobs uploaded. */
struct img_registry_stats
{
  int requests;
  int blobs_uploaded;
  int blobs_mounted;
  int tokens_fetched;
};
const struct img_registry_stats *img_registry_get_stats (const struct img_registry *r);

#endif
