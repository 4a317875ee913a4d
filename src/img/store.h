/* img - the image store: an OCI image layout (oci-layout, index.json,
 * blobs/<alg>/<hex>) that umoci and skopeo read and write too.
 *
 * Blobs are content addressed and immutable: a writer streams into a temp
 * file under .berth/tmp while hashing, then fsync, rename into place and
 * fsync the directory.  A reader verifies size and digest as it streams and
 * reports a mismatch instead of EOF.  index.json changes are made under an
 * exclusive flock on .berth/lock and written atomically (temp + rename), so
 * concurrent img processes and a kill -9 at any point leave a consistent
 * store: at worst a stray temp file (removed by `img gc`) or an unreferenced
 * blob (swept by `img gc`). */
#ifndef IMG_STORE_H
#define IMG_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "digest.h"
#include "error.h"
#include "oci-spec.h"

#define IMG_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define IMG_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMG_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define IMG_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define IMG_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMG_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define IMG_MT_OCI_LAYER_NONDIST_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define IMG_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMG_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMG_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define IMG_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define IMG_MT_DOCKER_LAYER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/* The annotation that names a manifest in index.json (a tag). */
#define IMG_ANNOT_REF_NAME "org.opencontainers.image.ref.name"

/* IMG_JSON_MAX: the largest manifest/index/config img reads into memory. */
#include "berth-limits.h"

struct img_store
{
  char *path;
  int dirfd;  /* the layout directory */
  int lockfd; /* .berth/lock, -1 until img_store_lock */
  int lock_depth;
  bool lock_exclusive;
  enum img_digest_alg alg; /* for new blobs (global --digest) */
  int gc_lockfd;           /* .berth/gc.lock held shared, -1 until img_store_writer_lock */
};

/* The default store: /var/lib/berth/images as root, else
 * $XDG_DATA_HOME/berth/images (~/.local/share/berth/images).  malloc'd. */
char *img_store_default_path (void);

/* Open the layout at path.  With create, a missing or empty directory
 * becomes a new layout (oci-layout, index.json, blobs/sha256).  A directory
 * that is not a layout is refused with a message naming it. */
int img_store_open (const char *path, bool create, struct img_store **out, berr_t **err);
void img_store_close (struct img_store *s);
void img_store_closep (struct img_store **s);
#define cleanup_store __attribute__ ((cleanup (img_store_closep)))

/* flock on .berth/lock: shared for readers that walk the store, exclusive
 * for index.json updates and gc.  Nested calls are counted. */
int img_store_lock (struct img_store *s, bool exclusive, berr_t **err);
void img_store_unlock (struct img_store *s);

/* .berth/gc.lock, shared, until the store is closed: a process that adds
 * blobs (or reads an image it is about to unpack) holds it from its first
 * blob until its tags are saved, and `img gc` takes it exclusive, so gc
 * never sweeps a blob written but not yet tagged, nor one being read.
 * img_blob_writer_new takes it itself. */
int img_store_writer_lock (struct img_store *s, berr_t **err);

/* ---- blobs ---- */

bool img_blob_exists (struct img_store *s, const char *digest);
/* "blobs/sha256/<hex>" for a valid digest (malloc'd), relative to the store. */
int img_blob_relpath (const char *digest, char **out, berr_t **err);

struct img_blob_writer;
int img_blob_writer_new (struct img_store *s, enum img_digest_alg alg, struct img_blob_writer **out,
                         berr_t **err);
int img_blob_writer_write (struct img_blob_writer *w, const void *data, size_t len, berr_t **err);
/* Finish: fsync, check against expected ("alg:hex", or NULL) and
 * expected_size (-1: any), rename into place.  *digest (malloc'd, may be
 * NULL) and *size (may be NULL) describe the blob.  A mismatch removes the
 * temp file and fails naming both digests. */
int img_blob_writer_commit (struct img_blob_writer *w, const char *expected, int64_t expected_size,
                            char **digest, int64_t *size, berr_t **err);
/* A read-only descriptor of the blob being written (it stays valid after
 * the commit): a reader may follow the bytes as they arrive. */
int img_blob_writer_open_reader (struct img_blob_writer *w, berr_t **err);
/* Bytes written so far. */
int64_t img_blob_writer_size (const struct img_blob_writer *w);
/* Writes are gathered in a buffer: the bytes a reader of the temp file
 * (img_blob_writer_open_reader) sees, and how to push the rest there. */
int64_t img_blob_writer_in_file (const struct img_blob_writer *w);
int img_blob_writer_flush (struct img_blob_writer *w, berr_t **err);
/* Start over: truncate and restart the hash (a download restarted from 0). */
int img_blob_writer_reset (struct img_blob_writer *w, berr_t **err);
/* Abandons an uncommitted blob (removes its temp file). */
void img_blob_writer_free (struct img_blob_writer *w);
void img_blob_writer_freep (struct img_blob_writer **w);
#define cleanup_blob_writer __attribute__ ((cleanup (img_blob_writer_freep)))

/* Temp files live in .berth/tmp; each is flock'ed (LOCK_EX) by its writer
 * for its whole life, so gc removes only temp files it can lock. */

/* A source of bytes: up to len into buf, 0 at the end, -1 with *err. */
typedef ssize_t (*img_read_fn) (void *src, void *buf, size_t len, berr_t **err);

/* Store what rd yields, hashed with alg (expected's, when given).  expected
 * ("alg:hex", or NULL) and expected_size (-1: any) are checked before the
 * blob becomes visible.  A blob the store has already (expected given) is
 * not written again, but the stream is still read and checked.  *digest
 * (malloc'd, may be NULL) and *size (may be NULL) describe the blob. */
int img_blob_put_stream (struct img_store *s, enum img_digest_alg alg, img_read_fn rd, void *src,
                         const char *expected, int64_t expected_size, char **digest, int64_t *size,
                         berr_t **err);

/* Store a whole buffer (digest algorithm s->alg). */
int img_blob_put (struct img_store *s, const void *data, size_t len, char **digest, berr_t **err);
/* Store a whole buffer that must have digest (its algorithm), e.g. a
 * manifest under the digest a registry named it by. */
int img_blob_put_expect (struct img_store *s, const void *data, size_t len, const char *digest, berr_t **err);

/* A verified reader.  size -1: unknown.  img_blob_read returns bytes read,
 * 0 at the end only after size and digest matched, -1 with *err on a read
 * error or a mismatch ("blob 'sha256:…' is corrupt: …"). */
struct img_blob_reader;
int img_blob_open (struct img_store *s, const char *digest, int64_t size, struct img_blob_reader **out,
                   berr_t **err);
ssize_t img_blob_read (struct img_blob_reader *r, void *buf, size_t len, berr_t **err);
/* The underlying descriptor (for fstat/sendfile; reads through it bypass
 * verification). */
int img_blob_reader_fd (struct img_blob_reader *r);
void img_blob_reader_free (struct img_blob_reader *r);
void img_blob_reader_freep (struct img_blob_reader **r);
#define cleanup_blob_reader __attribute__ ((cleanup (img_blob_reader_freep)))

/* Read a whole verified blob of at most max bytes (NUL-terminated). */
int img_blob_read_all (struct img_store *s, const char *digest, int64_t size, size_t max, char **data,
                       size_t *len, berr_t **err);

int img_blob_remove (struct img_store *s, const char *digest, berr_t **err);

/* ---- index.json and references ---- */

oci_image_index *img_index_load (struct img_store *s, berr_t **err);
/* Atomic replace; the caller holds the exclusive lock. */
int img_index_save (struct img_store *s, const oci_image_index *idx, berr_t **err);

/* A deep copy. */
oci_image_descriptor *img_desc_copy (const oci_image_descriptor *d);

/* The tag of a descriptor in index.json, or NULL. */
const char *img_desc_ref_name (const oci_image_descriptor *d);

/* Normalise a user's image name for index.json: "busybox" → "busybox:latest";
 * a name with a tag or a digest is kept.  malloc'd. */
char *img_ref_normalize (const char *name);

/* Find the index.json entry for name: an exact ref.name match, then the
 * normalised name, then a manifest digest ("sha256:…") or a unique hex
 * prefix of at least 12 characters.  *pos is its position (may be NULL).
 * Fails with "image 'NAME' not found in STORE". */
int img_index_find (struct img_store *s, const oci_image_index *idx, const char *name, size_t *pos,
                    berr_t **err);

/* Add or move tag `name` to desc (a copy is stored, with the ref.name
 * annotation set): loads, edits and saves index.json under the lock.
 * The entry that carried the same tag is replaced (its blobs stay until
 * gc).  name NULL: an untagged entry (kept by gc, listed as <none>). */
int img_index_tag (struct img_store *s, const oci_image_descriptor *desc, const char *name, berr_t **err);
/* img_index_tag for n tags in one index.json update, applied in order (a
 * later one of the same name wins): all are written, or none. */
int img_index_tag_many (struct img_store *s, const oci_image_descriptor *const *descs,
                        const char *const *names, size_t n, berr_t **err);

/* ---- images ---- */

/* The OCI media type for a Docker schema2 one (others unchanged). */
const char *img_media_type_oci (const char *mt);

/* Index and manifest media types, OCI or Docker schema2. */
bool img_mt_is_index (const char *mt);
bool img_mt_is_manifest (const char *mt);

/* What a document is: its descriptor's media type decides; without one
 * (image-spec allows it in old layouts) the document's own mediaType,
 * else its shape ("manifests" array: an index; "config" object: a
 * manifest). */
enum img_doc_kind
{
  IMG_DOC_OTHER,
  IMG_DOC_INDEX,
  IMG_DOC_MANIFEST,
};
enum img_doc_kind img_doc_kind (const char *mt, const char *data, size_t len);

struct img_platform
{
  char *os;
  char *arch;
  char *variant; /* may be NULL */
  bool host;     /* the default: the host's variant is preferred, not required */
};
/* "os/arch[/variant]"; NULL or "" means the host's. */
int img_platform_parse (const char *s, struct img_platform *p, berr_t **err);
void img_platform_clear (struct img_platform *p);
/* How well a descriptor's platform matches: -1 no, 1 acceptable, 2 exact. */
int img_platform_match (const oci_image_platform *pl, const struct img_platform *want);

/* A resolved image: the manifest (always OCI types; Docker schema2 is
 * converted on load) and its config. */
struct img_image
{
  oci_image_descriptor *desc; /* the manifest's descriptor */
  oci_image_manifest *manifest;
  oci_image_config *config;
  char *config_json; /* raw config bytes as stored */
  size_t config_len;
};

/* Resolve name (see img_index_find) to one image manifest, choosing from
 * an index by platform (NULL: host).  Every blob read is verified. */
int img_image_load (struct img_store *s, const char *name, const struct img_platform *platform,
                    struct img_image **out, berr_t **err);
/* Load a manifest by descriptor (media type OCI or Docker schema2). */
int img_image_load_desc (struct img_store *s, const oci_image_descriptor *desc,
                         const struct img_platform *platform, struct img_image **out, berr_t **err);
/* An image from manifest bytes already in hand (desc describes them; they
 * need not be in the store yet); the config is read from the store. */
int img_image_from_manifest (struct img_store *s, const oci_image_descriptor *desc, const char *data,
                             size_t len, struct img_image **out, berr_t **err);
/* The limits on a manifest from outside, before any blob it names is
 * fetched or read: a config with a valid digest and a size of at most
 * IMG_JSON_MAX, at most IMG_LAYERS_MAX layers, every layer with a valid
 * digest and a size that is not negative.  origin names the manifest. */
int img_manifest_check (const oci_image_manifest *m, const char *origin, berr_t **err);
void img_image_free (struct img_image *im);
void img_image_freep (struct img_image **im);
#define cleanup_image __attribute__ ((cleanup (img_image_freep)))

/* Write config and manifest blobs for (manifest, config) and tag the
 * result `name` (may be NULL: no tag).  manifest->config is filled in from
 * the written config.  *desc_out (may be NULL) gets the manifest descriptor. */
int img_image_write (struct img_store *s, oci_image_manifest *manifest, const oci_image_config *config,
                     const char *name, oci_image_descriptor **desc_out, berr_t **err);

#endif
