/* img - what the layer-apply files share: the decompressing, hashing
 * stream (layer-stream.c), the per-layer state (layer-apply.c) and the
 * entry writers and metadata (layer-entry.c). */
#ifndef IMG_LAYER_INTERNAL_H
#define IMG_LAYER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "digest.h"
#include "layer-apply.h"

struct archive;
struct archive_entry;
struct tar_feed;

/* ---- layer-stream.c ---- */

struct inflate_state;
struct stream_ring;

struct layer_stream
{
  const struct img_layer_src *src;
  enum img_layer_comp comp;
  struct img_hasher *hasher;
  unsigned char *in, *out;
  size_t in_len, in_pos;
  bool in_eof, done, failed;
  bool unit_done; /* a gzip member or zstd frame ended */
  z_stream z;
  bool z_init;
  struct inflate_state *isal;
  ZSTD_DStream *zs;
  struct stream_ring *ring; /* the decoding thread, NULL: none */
  uint64_t total;
};

/* Decode in a second thread: -1 when two or more CPUs are available (the
 * default), 0 never, 1 always (tests compare the two paths). */
extern int layer_stream_threads;

/* "isa-l" or "zlib": what decodes gzip layers. */
const char *layer_stream_gzip_decoder (void);

int layer_stream_init (struct layer_stream *s, const struct img_layer_src *src, berr_t **err);
/* The next bytes of the uncompressed stream in *buf (the stream's own
 * buffer, valid until the next call): their count, 0 at the end, -1 with
 * *err. */
ssize_t layer_stream_next (struct layer_stream *s, const void **buf, berr_t **err);
/* Drain the rest and compare with diff_id. */
int layer_stream_finish (struct layer_stream *s, berr_t **err);
void layer_stream_clear (struct layer_stream *s);

/* ---- layer-paths.c and layer-apply.c: the per-layer state ---- */

/* A set of paths (lexical, relative to the rootfs, no leading "./"), each
 * with a value. */
struct path_set
{
  char **slots;
  size_t *vals;
  size_t cap, len;
};
bool path_set_has (const struct path_set *s, const char *path);
void path_set_add (struct path_set *s, const char *path);
void path_set_put (struct path_set *s, const char *path, size_t val);
bool path_set_get (const struct path_set *s, const char *path, size_t *val);
void path_set_clear (struct path_set *s);

/* The paths the current layer wrote, and so their ancestors (see
 * layer-paths.c): bounded memory, the rest spilled to a temp file. */
struct written_run;
struct written_set
{
  struct path_set mem; /* path -> 0 written, 1 an ancestor only */
  int rootfd;          /* where the spill file goes */
  int fd;              /* the spill file, -1 none yet, -2 unavailable */
  struct written_run *runs;
  size_t nruns;
  off_t size;
};
/* Paths kept in memory before a spill (tests make it small). */
extern size_t layer_written_mem_max;
void written_add (struct written_set *w, const char *path);
/* path itself was written by this layer. */
bool written_has (const struct written_set *w, const char *path);
/* path was written, or something below it was. */
bool written_has_below (const struct written_set *w, const char *path);
void written_clear (struct written_set *w);

/* Directory metadata applied when the layer ends: a directory's own times
 * (children change them) and, rootless, its mode (kept writable while the
 * layer fills it). */
struct dir_fixup
{
  char *path;  /* reopened by this name when the layer ends */
  bool follow; /* a parent's name (may be a symlink), not an entry's */
  dev_t dev;
  ino_t ino;
  mode_t mode;
  struct timespec times[2];
};

struct apply_ctx
{
  const struct img_layer_src *src;
  const struct img_apply_opts *opts;
  struct img_apply_stats *stats;
  int rootfd;                 /* a real (not O_PATH) descriptor of the rootfs */
  struct written_set written; /* entries this layer wrote */
  /* The last entry's parent directory, kept open for the next entry of
   * the same directory until something is removed (tree_changed). */
  char *parent_path;
  int parent_fd;
  gid_t parent_gid;  /* its group (new entries may inherit it) */
  bool parent_plain; /* no default ACL: a new file gets its open mode */
  mode_t umask;      /* the process's, (mode_t)-1 unknown */
  bool tree_changed;
  uid_t euid;
  gid_t egid;
  struct dir_fixup *fixups;
  size_t n_fixups, cap_fixups;
  struct path_set fixup_index; /* path -> index in fixups */
  struct path_set fixup_ino;   /* "dev:ino" -> index in fixups */
  bool warned_enotsup;
  struct tar_feed *feed; /* the stream's pending error */
  uint64_t max_expanded; /* opts->max_expanded resolved; 0: no limit */
};

/* Turn a failed archive_read_data_block into *err (the stream's error
 * when it caused it). */
int apply_data_error (struct apply_ctx *c, struct archive *a, berr_t **err);
void apply_warn (struct apply_ctx *c, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Remember dir's current times/mode (once per layer) before it changes.
 * Rootless, make it writable for the rest of the layer. */
int apply_note_dir (struct apply_ctx *c, int dirfd, const char *path, berr_t **err);
/* Set the metadata a directory entry asks for at the end of the layer. */
int apply_set_dir_fixup (struct apply_ctx *c, int fd, const char *path, mode_t mode,
                         const struct timespec times[2], berr_t **err);

/* ---- layer-entry.c ---- */

/* Create the entry (not a whiteout, not the root) base in parentfd; path
 * is its normalised name. */
int entry_write (struct apply_ctx *c, struct archive *a, struct archive_entry *e, int parentfd,
                 const char *base, const char *path, berr_t **err);
/* The root entry ("./"): its owner, xattrs, mode and times go to rootfd. */
int entry_write_root (struct apply_ctx *c, struct archive_entry *e, berr_t **err);
/* Remove dirfd/name (any type, recursively) without following symlinks;
 * rootless, directories are made writable first.  lower_only: keep what
 * this layer wrote (path is name's normalised path). */
int entry_remove (struct apply_ctx *c, int dirfd, const char *name, const char *path, bool lower_only,
                  berr_t **err);
/* Normalise a tar name: components, "." dropped, ".." resolved lexically.
 * Fails (naming nothing: the caller names the entry) on an absolute name or
 * one that climbs above the root.  "" is the root. */
int entry_normalize (const char *name, char **out, berr_t **err);

#endif
