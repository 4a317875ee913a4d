/* img - applying one layer to a rootfs: the tar loop over libarchive (tar
 * formats only, fed the uncompressed stream through our own callback),
 * whiteouts and opaque directories, and the per-layer state that makes
 * them follow image-spec's same-layer rule: a whiteout hides only what
 * lower layers made, so the paths this layer wrote are remembered and kept
 * whichever order the tar lists them in.  Directory times (and, rootless,
 * modes) are set when the layer ends, because later entries change them.
 *
 * Every path is resolved by openat2 RESOLVE_IN_ROOT on the rootfs; names
 * are normalised lexically first and one that climbs out with ".." or is
 * absolute is refused, naming the entry. */
#include <config.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "berth-limits.h"
#include "layer-internal.h"
#include "log.h"
#include "fault.h"
#include "util.h"

/* Where a kill test stops a layer half-applied (fault.h). */
#define MID_LAYER_ENTRIES 10

/* Longest entry name accepted (the kernel's PATH_MAX). */
#define ENTRY_NAME_MAX 4096
#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

/* ---- warnings and directory fixups ---- */

void
apply_warn (struct apply_ctx *c, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  c->stats->warnings++;
  if (c->opts->quiet)
    return;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  /* Straight to stderr: a warning is for the user at the terminal,
   * whatever the log level. */
  fprintf (stderr, "%s: warning: layer '%s': %s\n", log_program (), c->src->name ? c->src->name : "(stream)",
           msg ? msg : fmt);
}

/* Fixups are kept per directory (device and inode), so one reached under
 * two names (lib and usr/lib through a symlink) gets one final state; the
 * path index only saves the fstat for a name seen before. */
static char *
ino_key (const struct stat *st)
{
  return xasprintf ("%llx:%llx", (unsigned long long)st->st_dev, (unsigned long long)st->st_ino);
}

static struct dir_fixup *
fixup_get (struct apply_ctx *c, const char *path, const struct stat *st)
{
  cleanup_free char *key = ino_key (st);
  struct dir_fixup *f;
  size_t i;

  if (path_set_get (&c->fixup_ino, key, &i))
    {
      path_set_put (&c->fixup_index, path, i);
      return &c->fixups[i];
    }
  if (c->n_fixups == c->cap_fixups)
    {
      c->cap_fixups = c->cap_fixups ? c->cap_fixups * 2 : 64;
      c->fixups = xrealloc (c->fixups, c->cap_fixups * sizeof (*c->fixups));
    }
  f = &c->fixups[c->n_fixups++];
  memset (f, 0, sizeof (*f));
  f->path = xstrdup (path);
  f->follow = true;
  f->dev = st->st_dev;
  f->ino = st->st_ino;
  f->mode = st->st_mode & 07777;
  f->times[0] = st->st_atim;
  f->times[1] = st->st_mtim;
  path_set_put (&c->fixup_ino, key, c->n_fixups - 1);
  path_set_put (&c->fixup_index, path, c->n_fixups - 1);
  return f;
}

int
apply_note_dir (struct apply_ctx *c, int dirfd, const char *path, berr_t **err)
{
  struct stat st;
  char proc[64];
  size_t i;

  if (path_set_get (&c->fixup_index, path, &i))
    return 0;
  if (fstat (dirfd, &st) < 0)
    return berr_make (err, errno, "stat '%s'", *path ? path : "/");
  fixup_get (c, path, &st);
  if (c->opts->rootless && (st.st_mode & 0700) != 0700)
    {
      /* dirfd is O_PATH (fchmod refuses it): go through its /proc link. */
      snprintf (proc, sizeof (proc), "/proc/self/fd/%d", dirfd);
      if (chmod (proc, (st.st_mode & 07777) | 0700) < 0)
        return berr_make (err, errno, "make '%s' writable", *path ? path : "/");
    }
  return 0;
}

int
apply_set_dir_fixup (struct apply_ctx *c, int fd, const char *path, mode_t mode,
                     const struct timespec times[2], berr_t **err)
{
  struct dir_fixup *f;
  struct stat st;

  if (fstat (fd, &st) < 0)
    return berr_make (err, errno, "stat");
  f = fixup_get (c, path, &st);
  /* The entry's own name: a real directory, never followed. */
  free (f->path);
  f->path = xstrdup (path);
  f->follow = false;
  f->mode = mode;
  f->times[0] = times[0];
  f->times[1] = times[1];
  return 0;
}

static int
fixup_depth_cmp (const void *a, const void *b)
{
  const struct dir_fixup *fa = a, *fb = b;
  size_t da = *fa->path ? 1 : 0, db = *fb->path ? 1 : 0;
  const char *p;

  for (p = fa->path; *p; p++)
    da += *p == '/';
  for (p = fb->path; *p; p++)
    db += *p == '/';
  return da < db ? 1 : da > db ? -1 : 0;
}

/* Deepest first: rootless, a parent's restored mode may forbid walking
 * into it. */
static int
apply_fixups (struct apply_ctx *c, berr_t **err)
{
  size_t i;

  if (c->n_fixups > 1) /* qsort (NULL, 0, ...) is undefined (UBSan, tests/fuzz) */
    qsort (c->fixups, c->n_fixups, sizeof (*c->fixups), fixup_depth_cmp);
  for (i = 0; i < c->n_fixups; i++)
    {
      struct dir_fixup *f = &c->fixups[i];
      cleanup_close int fd
        = util_open_in_root (c->rootfd, f->path, O_DIRECTORY | (f->follow ? 0 : O_NOFOLLOW));
      struct stat st;
      char proc[64];

      if (fd < 0)
        {
          /* Removed or replaced later in the layer. */
          if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
            continue;
          return berr_make (err, errno, "open directory '%s'", *f->path ? f->path : "/");
        }
      if (fstat (fd, &st) < 0)
        return berr_make (err, errno, "stat directory '%s'", *f->path ? f->path : "/");
      if (st.st_dev != f->dev || st.st_ino != f->ino)
        continue; /* another directory by now */
      snprintf (proc, sizeof (proc), "/proc/self/fd/%d", fd);
      if (chmod (proc, f->mode) < 0)
        return berr_make (err, errno, "chmod directory '%s'", *f->path ? f->path : "/");
      if (utimensat (AT_FDCWD, proc, f->times, 0) < 0)
        return berr_make (err, errno, "set times of directory '%s'", *f->path ? f->path : "/");
    }
  return 0;
}

static void
fixups_clear (struct apply_ctx *c)
{
  size_t i;

  for (i = 0; i < c->n_fixups; i++)
    free (c->fixups[i].path);
  free (c->fixups);
  c->fixups = NULL;
  c->n_fixups = c->cap_fixups = 0;
  path_set_clear (&c->fixup_index);
  path_set_clear (&c->fixup_ino);
}

/* ---- whiteouts ---- */

static char *
path_join (const char *dir, const char *name)
{
  return *dir ? xasprintf ("%s/%s", dir, name) : xstrdup (name);
}

/* An opaque marker in dir: everything lower layers put in it goes. */
static int
apply_opaque (struct apply_ctx *c, const char *dir, berr_t **err)
{
  cleanup_close int pfd = util_open_in_root (c->rootfd, dir, O_DIRECTORY);
  cleanup_strv char **names = NULL;
  size_t n = 0, i;

  if (pfd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return 0;
      return berr_make (err, errno, "opaque directory '%s'", *dir ? dir : "/");
    }
  if (apply_note_dir (c, pfd, dir, err) < 0)
    return -1;
  if (util_dir_names (pfd, "", &names, &n, err) < 0)
    return berr_wrap (err, "opaque directory '%s'", *dir ? dir : "/");
  for (i = 0; i < n; i++)
    {
      cleanup_free char *child = path_join (dir, names[i]);

      if (entry_remove (c, pfd, names[i], child, true, err) < 0)
        return -1;
    }
  return 0;
}

static int
apply_whiteout (struct apply_ctx *c, const char *dir, const char *base, berr_t **err)
{
  const char *target = base + strlen (WHITEOUT_PREFIX);
  cleanup_close int pfd = -1;
  cleanup_free char *path = NULL;

  if (strcmp (base, WHITEOUT_OPAQUE) == 0)
    return apply_opaque (c, dir, err);
  if (util_str_has_prefix (target, WHITEOUT_PREFIX))
    {
      /* AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not content. */
      apply_warn (c, "ignoring whiteout metadata entry '%s%s%s'", dir, *dir ? "/" : "", base);
      return 0;
    }
  if (*target == '\0' || strcmp (target, ".") == 0 || strcmp (target, "..") == 0)
    return berr_make (err, 0, "whiteout of '%s' is not allowed", target);
  pfd = util_open_in_root (c->rootfd, dir, O_DIRECTORY);
  if (pfd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return 0;
      if (errno == EXDEV || errno == ELOOP)
        return berr_make (err, errno, "'%s' does not resolve inside the rootfs", dir);
      return berr_make (err, errno, "lookup '%s'", dir);
    }
  if (apply_note_dir (c, pfd, dir, err) < 0)
    return -1;
  path = path_join (dir, target);
  return entry_remove (c, pfd, target, path, true, err);
}

/* ---- entries ---- */

/* Whether a directory has a default ACL (it, not the umask, decides the
 * mode of what is created in it).  An error counts as yes. */
static bool
has_default_acl (int dirfd)
{
  char proc[64];

  snprintf (proc, sizeof (proc), "/proc/self/fd/%d", dirfd);
  if (getxattr (proc, "system.posix_acl_default", NULL, 0) >= 0)
    return true;
  return errno != ENODATA && errno != ENOTSUP;
}

/* The umask from /proc/self/status (read once per layer): umask(2)
 * cannot read it without changing it, and other threads (pull --unpack)
 * create files meanwhile. */
static mode_t
process_umask (void)
{
  cleanup_free char *line = NULL;
  mode_t found = (mode_t)-1;
  size_t cap = 0;
  FILE *f = fopen ("/proc/self/status", "re");

  if (f == NULL)
    return found;
  while (getline (&line, &cap, f) > 0)
    {
      unsigned m;
      if (sscanf (line, "Umask: %o", &m) == 1)
        {
          found = (mode_t)m;
          break;
        }
    }
  fclose (f);
  return found;
}

static int
open_parent (struct apply_ctx *c, const char *dir, berr_t **err)
{
  int fd = util_open_in_root (c->rootfd, dir, O_DIRECTORY);

  if (fd >= 0)
    return fd;
  if (errno == ENOENT)
    {
      /* A parent the layer does not list: made like `mkdir -p`. */
      fd = util_mkpath_in_root (c->rootfd, dir, false, err);
      if (fd < 0)
        return berr_wrap (err, "create parent '%s'", dir);
      return fd;
    }
  if (errno == EXDEV || errno == ELOOP)
    return berr_make (err, errno, "parent '%s' does not resolve inside the rootfs", dir);
  return berr_make (err, errno, "parent '%s'", dir);
}

static int
apply_entry (struct apply_ctx *c, struct archive *a, struct archive_entry *e, const char *path, berr_t **err)
{
  cleanup_free char *dir = NULL;
  cleanup_close int pfd = -1;
  const char *base;
  struct stat st;
  char *slash;

  if (*path == '\0')
    {
      if (archive_entry_hardlink (e) || archive_entry_filetype (e) != AE_IFDIR)
        return berr_make (err, 0, "the rootfs directory cannot be replaced by a non-directory");
      return entry_write_root (c, e, err);
    }
  dir = xstrdup (path);
  slash = strrchr (dir, '/');
  if (slash)
    {
      *slash = '\0';
      base = path + (slash - dir) + 1;
    }
  else
    {
      *dir = '\0';
      base = path;
    }
  if (util_str_has_prefix (base, WHITEOUT_PREFIX))
    {
      c->tree_changed = true;
      return apply_whiteout (c, dir, base, err);
    }
  /* Consecutive entries of one directory share its descriptor, as long as
   * nothing was removed since it was resolved: only a removal (a
   * whiteout, a replaced entry) can make the name resolve elsewhere;
   * creating entries below it cannot. */
  if (c->parent_fd < 0 || c->tree_changed || strcmp (c->parent_path, dir) != 0)
    {
      if (c->parent_fd >= 0)
        close (steal_fd (c->parent_fd));
      pfd = open_parent (c, dir, err);
      if (pfd < 0)
        return -1;
      if (apply_note_dir (c, pfd, dir, err) < 0)
        return -1;
      if (fstat (pfd, &st) < 0)
        return berr_make (err, errno, "stat '%s'", *dir ? dir : "/");
      c->parent_gid = st.st_gid;
      c->parent_plain = !has_default_acl (pfd);
      free (c->parent_path);
      c->parent_path = steal_ptr (dir);
      c->parent_fd = steal_fd (pfd);
      c->tree_changed = false;
    }
  if (entry_write (c, a, e, c->parent_fd, base, path, err) < 0)
    return -1;
  written_add (&c->written, path);
  return 0;
}

/* ---- the tar stream ---- */

struct tar_feed
{
  struct layer_stream *ls;
  berr_t *err;
  uint64_t max; /* of the uncompressed stream; 0: no limit */
};

/* libarchive parses the stream's own buffers (no copy). */
static la_ssize_t
tar_feed_read (struct archive *a, void *data, const void **buf)
{
  struct tar_feed *f = data;
  ssize_t n;

  n = layer_stream_next (f->ls, buf, &f->err);
  if (n > 0 && f->max > 0 && f->ls->total > f->max)
    {
      berr_make (&f->err, 0, "the uncompressed layer exceeds %llu bytes (--max-layer-size)",
                 (unsigned long long)f->max);
      n = -1;
    }
  if (n < 0)
    {
      archive_set_error (a, EIO, "%s", f->err && f->err->msg ? f->err->msg : "read error");
      return -1;
    }
  return n;
}

/* A zero-byte stream is an empty layer, not a broken tar. */
static bool
stream_empty (const struct tar_feed *f)
{
  return f->err == NULL && f->ls->done && f->ls->total == 0;
}

/* The stream's own error if it caused libarchive's, else libarchive's. */
static int
tar_error (struct tar_feed *f, struct archive *a, berr_t **err)
{
  if (f->err)
    {
      if (err && *err == NULL)
        *err = steal_ptr (f->err);
      return -1;
    }
  return berr_make (err, 0, "%s", archive_error_string (a) ? archive_error_string (a) : "tar error");
}

int
apply_data_error (struct apply_ctx *c, struct archive *a, berr_t **err)
{
  return tar_error (c->feed, a, err);
}

static const char *
entry_name (struct archive_entry *e)
{
  const char *n = archive_entry_pathname (e);

  return n ? n : archive_entry_pathname_utf8 (e);
}

static bool
warn_is_charset (struct archive *a)
{
  const char *m = archive_error_string (a);

  return m && strstr (m, "can't be converted") != NULL;
}

static int
apply_tar (struct apply_ctx *c, struct archive *a, berr_t **err)
{
  cleanup_free char *prev = NULL;
  struct archive_entry *e;
  int r;

  for (;;)
    {
      cleanup_free char *path = NULL;
      const char *name;

      r = archive_read_next_header (a, &e);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r < ARCHIVE_WARN)
        {
          if (prev == NULL && stream_empty (c->feed))
            return 0;
          tar_error (c->feed, a, err);
          if (prev)
            return berr_wrap (err, "tar header after entry '%s'", prev);
          return berr_wrap (err, "first tar header");
        }
      name = entry_name (e);
      if (name == NULL || *name == '\0')
        return berr_make (err, 0, "entry after '%s': %s", prev ? prev : "(start)",
                          name ? "empty name" : "name cannot be decoded");
      /* A pax UTF-8 name the C locale cannot convert still comes out as its
       * UTF-8 bytes (what other unpackers write): the warning is noise. */
      if (r == ARCHIVE_WARN && !warn_is_charset (a))
        apply_warn (c, "entry '%s': %s", name, archive_error_string (a));
      if (strlen (name) > ENTRY_NAME_MAX)
        return berr_make (err, 0, "entry '%.64s...': name longer than %d bytes", name, ENTRY_NAME_MAX);
      c->stats->entries++;
      /* Before any byte of it is written: a sparse or a gzip-bomb file
       * says its size up front. */
      if (archive_entry_filetype (e) == AE_IFREG && archive_entry_size (e) > 0)
        {
          c->stats->expanded += (uint64_t)archive_entry_size (e);
          if (c->max_expanded > 0 && c->stats->expanded > c->max_expanded)
            return berr_make (err, 0, "entry '%s': the layer's files exceed %llu bytes (--max-layer-size)",
                              name, (unsigned long long)c->max_expanded);
        }
      if (entry_normalize (name, &path, err) < 0 || apply_entry (c, a, e, path, err) < 0)
        return berr_wrap (err, "entry '%s'", name);
      if (c->stats->entries == MID_LAYER_ENTRIES)
        fault_point ("unpack.mid-layer");
      free (prev);
      prev = xstrdup (name);
    }
}

int
img_layer_apply_stream (const struct img_layer_src *src, int rootfd, const struct img_apply_opts *o,
                        struct img_apply_stats *stats, berr_t **err)
{
  struct img_apply_stats local = { 0 };
  struct apply_ctx c
    = { .src = src, .opts = o, .stats = stats ? stats : &local, .rootfd = -1, .parent_fd = -1 };
  struct layer_stream ls;
  struct tar_feed feed = { &ls, NULL, 0 };
  struct archive *a = NULL;
  int r = -1;

  memset (c.stats, 0, sizeof (*c.stats));
  c.feed = &feed;
  c.max_expanded = o->max_expanded < 0   ? 0
                   : o->max_expanded > 0 ? (uint64_t)o->max_expanded
                                         : (uint64_t)IMG_LAYER_EXPANDED_MAX_DEFAULT;
  feed.max = c.max_expanded;
  c.written.fd = -1;
  c.umask = process_umask ();
  c.euid = geteuid ();
  c.egid = getegid ();
  if (layer_stream_init (&ls, src, err) < 0)
    goto out;
  /* A descriptor that fchmod and friends accept, whatever rootfd is. */
  c.rootfd = openat (rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c.rootfd < 0)
    {
      berr_make (err, errno, "open the rootfs");
      goto out;
    }
  c.written.rootfd = c.rootfd;
  a = archive_read_new ();
  /* Tar formats only (ustar, pax, GNU, v7) and no decompression filters:
   * the bytes libarchive parses are the ones hashed for diff_id. */
  archive_read_support_format_tar (a);
  if (archive_read_open (a, &feed, NULL, tar_feed_read, NULL) != ARCHIVE_OK)
    {
      if (!stream_empty (&feed))
        {
          tar_error (&feed, a, err);
          goto out;
        }
    }
  else if (apply_tar (&c, a, err) < 0)
    goto out;
  if (c.parent_fd >= 0)
    close (steal_fd (c.parent_fd));
  if (apply_fixups (&c, err) < 0 || layer_stream_finish (&ls, err) < 0)
    goto out;
  c.stats->bytes = ls.total;
  r = 0;
out:
  if (a)
    archive_read_free (a);
  berr_free (feed.err);
  fixups_clear (&c);
  written_clear (&c.written);
  if (c.parent_fd >= 0)
    close (c.parent_fd);
  free (c.parent_path);
  if (c.rootfd >= 0)
    close (c.rootfd);
  layer_stream_clear (&ls);
  if (r < 0)
    berr_wrap (err, "layer '%s'", src->name ? src->name : "(stream)");
  return r;
}

int
img_rootfs_remove (int dirfd, const char *name, berr_t **err)
{
  struct img_apply_opts o = { true, true };
  struct img_apply_stats st = { 0 };
  struct img_layer_src src = { NULL, NULL, NULL, NULL, NULL };
  struct apply_ctx c
    = { .src = &src, .opts = &o, .stats = &st, .rootfd = dirfd, .parent_fd = -1, .written = { .fd = -1 } };

  return entry_remove (&c, dirfd, name, name, false, err);
}

/* ---- from the store ---- */

static ssize_t
blob_read (void *data, void *buf, size_t len, berr_t **err)
{
  return img_blob_read (data, buf, len, err);
}

int
img_layer_apply (struct img_store *s, const oci_image_descriptor *layer, const char *diff_id, int rootfd,
                 const struct img_apply_opts *o, struct img_apply_stats *stats, berr_t **err)
{
  cleanup_blob_reader struct img_blob_reader *r = NULL;
  struct img_layer_src src = { blob_read, NULL, layer->media_type, diff_id, layer->digest };

  if (img_blob_open (s, layer->digest, layer->size_present ? layer->size : -1, &r, err) < 0)
    return berr_wrap (err, "layer '%s'", layer->digest);
  /* Read once, front to back: a cold blob gets the larger readahead. */
  posix_fadvise (img_blob_reader_fd (r), 0, 0, POSIX_FADV_SEQUENTIAL);
  src.data = r;
  return img_layer_apply_stream (&src, rootfd, o, stats, err);
}
