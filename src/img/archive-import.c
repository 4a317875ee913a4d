/* img - import: an OCI archive, a layout directory or a `docker save`
 * archive into the store.
 *
 * A tar is read once, front to back: blobs/<alg>/<hex> entries are checked
 * against their names as they stream into the store, other large files
 * (docker's layer tars) are stored under their sha256, and the small JSON
 * documents are kept in memory.  A directory is read lazily, path by path.
 * Both are then seen through one "source" (imp_src_blob, imp_src_small) by
 * the OCI (archive-oci.c) and docker (archive-docker.c) halves, which
 * check everything each image reaches; only then is anything tagged, under
 * one hold of the store lock.
 * The whole import holds .berth/gc.lock shared, so gc never sweeps a blob
 * this import stored but has not tagged yet. */
#include <config.h>

#include "img-archive.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>

#include "archive-internal.h"
#include "fault.h"
#include "gc.h"
#include "util.h"

#define IMPORT_LINK_HOPS 16
#define IMPORT_SMALL_TOTAL (64 * 1024 * 1024)
#define IMPORT_BUF (1 << 16)

enum entry_kind
{
  ENT_BLOB,  /* stored: digest, size */
  ENT_SMALL, /* in memory: data, len */
  ENT_LINK,  /* symlink or hard link: target (a normalised archive path) */
};

struct entry
{
  char *path;
  enum entry_kind kind;
  char *digest;
  int64_t size;
  char *data;
  size_t len;
  char *target;
};

/* ---- archive paths ---- */

/* "./a//b/../c" → "a/c"; NULL when it climbs above the top. */
static char *
path_normalize (const char *p)
{
  cleanup_free char *copy = xstrdup (p);
  char *out = xzalloc (strlen (p) + 2), *tok, *save = NULL;
  size_t len = 0;

  for (tok = strtok_r (copy, "/", &save); tok; tok = strtok_r (NULL, "/", &save))
    {
      if (strcmp (tok, ".") == 0)
        continue;
      if (strcmp (tok, "..") == 0)
        {
          char *slash;
          if (len == 0)
            {
              free (out);
              return NULL;
            }
          slash = strrchr (out, '/');
          len = slash ? (size_t)(slash - out) : 0;
          out[len] = '\0';
          continue;
        }
      if (len > 0)
        out[len++] = '/';
      strcpy (out + len, tok);
      len += strlen (tok);
    }
  return out;
}

/* A link's target as an archive path: relative to the link's directory
 * for a symlink, to the top for a hard link (tar's rules). */
static char *
link_target (const char *linkpath, const char *target, bool hard)
{
  cleanup_free char *joined = NULL;
  const char *slash = strrchr (linkpath, '/');

  if (hard || target[0] == '/' || slash == NULL)
    return path_normalize (target);
  joined = xasprintf ("%.*s/%s", (int)(slash - linkpath), linkpath, target);
  return path_normalize (joined);
}

char *
imp_blob_path (const char *digest)
{
  const char *colon = strchr (digest, ':');
  return xasprintf ("blobs/%.*s/%s", (int)(colon - digest), digest, colon + 1);
}

/* "blobs/sha256/<hex>" → "sha256:<hex>" when it names a valid digest. */
static char *
path_digest (const char *path)
{
  const char *alg, *slash;
  char *d;

  if (!util_str_has_prefix (path, "blobs/"))
    return NULL;
  alg = path + strlen ("blobs/");
  slash = strchr (alg, '/');
  if (slash == NULL)
    return NULL;
  d = xasprintf ("%.*s:%s", (int)(slash - alg), alg, slash + 1);
  if (!img_digest_valid (d))
    {
      free (d);
      return NULL;
    }
  return d;
}

static bool
is_small_name (const char *path)
{
  const char *base = strrchr (path, '/');
  base = base ? base + 1 : path;
  return strcmp (base, "oci-layout") == 0 || strcmp (base, "repositories") == 0 || strcmp (base, "json") == 0
         || strcmp (base, "VERSION") == 0 || util_str_has_suffix (base, ".json");
}

static struct entry *
entry_find (struct import *im, const char *path)
{
  size_t i;
  for (i = im->n; i > 0; i--) /* a later tar member replaces an earlier one */
    if (strcmp (im->ents[i - 1].path, path) == 0)
      return &im->ents[i - 1];
  return NULL;
}

static struct entry *
entry_add (struct import *im, char *path, enum entry_kind kind)
{
  struct entry *e;
  im->ents = xrealloc (im->ents, (im->n + 1) * sizeof (*im->ents));
  e = &im->ents[im->n++];
  memset (e, 0, sizeof (*e));
  e->path = path;
  e->kind = kind;
  return e;
}

/* Follow links among the tar's members. */
static struct entry *
entry_resolve (struct import *im, const char *path)
{
  struct entry *e = entry_find (im, path);
  int hops;

  for (hops = 0; e && e->kind == ENT_LINK && hops < IMPORT_LINK_HOPS; hops++)
    e = e->target ? entry_find (im, e->target) : NULL;
  return e && e->kind != ENT_LINK ? e : NULL;
}

/* ---- streaming into the store ---- */

static ssize_t
read_archive (void *src, void *buf, size_t len, berr_t **err)
{
  la_ssize_t n = archive_read_data ((struct archive *)src, buf, len);
  if (n < 0)
    return berr_make (err, 0, "read: %s", archive_error_string ((struct archive *)src));
  return n;
}

static ssize_t
read_fd (void *src, void *buf, size_t len, berr_t **err)
{
  ssize_t n;
  do
    n = read (*(int *)src, buf, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return berr_make (err, errno, "read");
  return n;
}

struct mem_src
{
  const char *data;
  size_t len, off;
};

static ssize_t
read_mem (void *src, void *buf, size_t len, berr_t **err)
{
  struct mem_src *m = src;
  size_t n = m->len - m->off < len ? m->len - m->off : len;
  memcpy (buf, m->data + m->off, n);
  m->off += n;
  return n;
}

/* ---- reading a tar ---- */

static int
tar_file (struct import *im, struct archive *a, struct archive_entry *ae, char *path, berr_t **err)
{
  cleanup_free char *expected = path_digest (path);
  int64_t size = archive_entry_size (ae);
  struct entry *e;

  /* Small documents stay in memory, up to a total: past it they are
   * stored like the rest (and read back from the store when needed). */
  if (expected == NULL && is_small_name (path) && size <= IMG_JSON_MAX
      && im->small_bytes + size <= IMPORT_SMALL_TOTAL)
    {
      im->small_bytes += size;
      e = entry_add (im, path, ENT_SMALL);
      e->data = xmalloc (size + 1);
      e->len = 0;
      while (e->len < (size_t)size)
        {
          la_ssize_t n = archive_read_data (a, e->data + e->len, size - e->len);
          if (n < 0)
            return berr_make (err, 0, "archive '%s': read '%s': %s", im->origin, path,
                              archive_error_string (a));
          if (n == 0)
            break;
          e->len += n;
        }
      e->data[e->len] = '\0';
      return 0;
    }
  e = entry_add (im, path, ENT_BLOB);
  if (img_blob_put_stream (im->s, IMG_DIGEST_SHA256, read_archive, a, expected, -1, &e->digest, &e->size, err)
      < 0)
    return berr_wrap (err, "archive '%s': '%s'", im->origin, path);
  return 0;
}

static int
tar_read (struct import *im, berr_t **err)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *ae;
  int r, ret = -1;

  archive_read_support_filter_all (a);
  archive_read_support_format_tar (a);
  archive_read_support_format_gnutar (a);
  if (archive_read_open_filename (a, im->origin, IMPORT_BUF) != ARCHIVE_OK)
    {
      berr_make (err, 0, "open archive '%s': %s", im->origin, archive_error_string (a));
      goto out;
    }
  while ((r = archive_read_next_header (a, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN)
    {
      char *path = path_normalize (archive_entry_pathname (ae) ? archive_entry_pathname (ae) : "");
      const char *hl = archive_entry_hardlink (ae);

      if (path == NULL || path[0] == '\0')
        {
          free (path);
          continue;
        }
      if (hl || archive_entry_filetype (ae) == AE_IFLNK)
        entry_add (im, path, ENT_LINK)->target
          = link_target (path,
                         hl                           ? hl
                         : archive_entry_symlink (ae) ? archive_entry_symlink (ae)
                                                      : "",
                         hl != NULL);
      else if (archive_entry_filetype (ae) == AE_IFREG)
        {
          if (tar_file (im, a, ae, path, err) < 0)
            goto out;
        }
      else
        free (path);
    }
  if (r != ARCHIVE_EOF)
    {
      berr_make (err, 0, "archive '%s': %s", im->origin, archive_error_string (a));
      goto out;
    }
  ret = 0;
out:
  archive_read_free (a);
  return ret;
}

/* ---- the source: a read tar or a directory ---- */

static int
dir_open (struct import *im, const char *path, int64_t *size, berr_t **err)
{
  cleanup_free char *norm = path_normalize (path);
  cleanup_free char *proc = NULL;
  cleanup_close int pfd = -1;
  struct stat st;
  int fd;

  if (norm == NULL)
    return berr_make (err, 0, "'%s' is outside the archive", path);
  pfd = util_open_in_root (im->dirfd, norm, 0);
  if (pfd < 0)
    return berr_make (err, errno, "'%s/%s'", im->origin, norm);
  proc = xasprintf ("/proc/self/fd/%d", pfd);
  fd = open (proc, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "open '%s/%s'", im->origin, norm);
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return berr_make (err, 0, "'%s/%s' is not a regular file", im->origin, norm);
    }
  *size = st.st_size;
  return fd;
}

bool
imp_src_has (struct import *im, const char *path)
{
  if (im->dirfd >= 0)
    return faccessat (im->dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  return entry_resolve (im, path) != NULL;
}

/* The blob at archive path `path`, in the store; checked against expected
 * (may be NULL). */
int
imp_src_blob (struct import *im, const char *path, const char *expected, char **digest, int64_t *size,
              berr_t **err)
{
  struct entry *e;

  if (im->dirfd >= 0)
    {
      cleanup_close int fd = -1;
      int64_t fsize;
      fd = dir_open (im, path, &fsize, err);
      if (fd < 0)
        return -1;
      if (img_blob_put_stream (im->s, IMG_DIGEST_SHA256, read_fd, &fd, expected, -1, digest, size, err) < 0)
        return berr_wrap (err, "archive '%s': '%s'", im->origin, path);
      return 0;
    }
  e = entry_resolve (im, path);
  if (e == NULL)
    return berr_make (err, ENOENT, "archive '%s': '%s'", im->origin, path);
  if (e->kind == ENT_SMALL)
    {
      struct mem_src m = { e->data, e->len, 0 };
      if (img_blob_put_stream (im->s, IMG_DIGEST_SHA256, read_mem, &m, expected, -1, digest, size, err) < 0)
        return berr_wrap (err, "archive '%s': '%s'", im->origin, path);
      return 0;
    }
  if (expected && strcmp (e->digest, expected) != 0)
    return berr_make (err, 0, "archive '%s': '%s' is corrupt: its content is '%s', not '%s'", im->origin,
                      path, e->digest, expected);
  *digest = xstrdup (e->digest);
  *size = e->size;
  return 0;
}

/* A small document (JSON) at archive path `path`, NUL-terminated. */
int
imp_src_small (struct import *im, const char *path, char **data, size_t *len, berr_t **err)
{
  struct entry *e;

  if (im->dirfd >= 0)
    {
      cleanup_close int fd = -1;
      int64_t size;
      fd = dir_open (im, path, &size, err);
      if (fd < 0)
        return -1;
      if (size > IMG_JSON_MAX)
        return berr_make (err, 0, "archive '%s': '%s' is larger than %d bytes", im->origin, path,
                          IMG_JSON_MAX);
      *data = xmalloc (size + 1);
      *len = util_read_all (fd, *data, size);
      if ((ssize_t)*len < 0)
        return berr_make (err, errno, "archive '%s': read '%s'", im->origin, path);
      (*data)[*len] = '\0';
      return 0;
    }
  e = entry_resolve (im, path);
  if (e == NULL)
    return berr_make (err, ENOENT, "archive '%s': '%s'", im->origin, path);
  if (e->kind == ENT_BLOB)
    return img_blob_read_all (im->s, e->digest, e->size, IMG_JSON_MAX, data, len, err);
  *data = xmalloc (e->len + 1);
  memcpy (*data, e->data, e->len + 1);
  *len = e->len;
  return 0;
}

/* ---- tagging ---- */

void
imp_tag_add (struct import *im, const oci_image_descriptor *d, const char *name)
{
  im->tags = xrealloc (im->tags, (im->ntags + 1) * sizeof (*im->tags));
  im->tags[im->ntags].desc = img_desc_copy (d);
  im->tags[im->ntags].name = name ? xstrdup (name) : NULL;
  im->ntags++;
}

static int
tags_apply (struct import *im, struct img_import_result *res, berr_t **err)
{
  size_t i;
  int ret = 0;

  if (img_store_lock (im->s, true, err) < 0)
    return -1;
  for (i = 0; i < im->ntags && ret == 0; i++)
    {
      struct pending_tag *t = &im->tags[i];
      ret = img_index_tag (im->s, t->desc, t->name, err);
      if (ret == 0)
        {
          fault_point ("import.tagged");
          res->lines = xrealloc (res->lines, (res->n + 2) * sizeof (char *));
          res->lines[res->n++] = xasprintf ("%s %s", t->name ? t->name : "<none>", t->desc->digest);
          res->lines[res->n] = NULL;
        }
    }
  img_store_unlock (im->s);
  return ret;
}

/* ---- the entry point ---- */

static void
import_clear (struct import *im)
{
  size_t i;
  for (i = 0; i < im->n; i++)
    {
      free (im->ents[i].path);
      free (im->ents[i].digest);
      free (im->ents[i].data);
      free (im->ents[i].target);
    }
  free (im->ents);
  for (i = 0; i < im->ntags; i++)
    {
      oci_image_descriptor_free (im->tags[i].desc);
      free (im->tags[i].name);
    }
  free (im->tags);
  if (im->dirfd >= 0)
    close (im->dirfd);
}

int
img_archive_import (struct img_store *s, const char *path, const struct img_import_opts *o,
                    struct img_import_result *res, berr_t **err)
{
  struct import im = { s, path, -1, NULL, 0, NULL, 0, 0 };
  struct stat st;
  int ret = -1;

  memset (res, 0, sizeof (*res));
  if (img_gc_writer_lock (s, err) < 0)
    return -1;
  if (stat (path, &st) < 0)
    return berr_make (err, errno, "archive '%s'", path);
  if (S_ISDIR (st.st_mode))
    {
      im.dirfd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (im.dirfd < 0)
        return berr_make (err, errno, "open '%s'", path);
    }
  else if (tar_read (&im, err) < 0)
    goto out;
  else
    fault_point ("import.read");
  if (imp_src_has (&im, "manifest.json"))
    ret = imp_docker (&im, o, err);
  else if (imp_src_has (&im, "index.json"))
    ret = imp_oci (&im, o, err);
  else
    ret = berr_make (err, 0,
                     "'%s' is neither an OCI archive or layout (index.json) nor a docker-save archive "
                     "(manifest.json)",
                     path);
  if (ret == 0)
    {
      fault_point ("import.checked");
      ret = tags_apply (&im, res, err);
    }
out:
  import_clear (&im);
  return ret;
}

void
img_import_result_clear (struct img_import_result *res)
{
  size_t i;
  for (i = 0; i < res->n; i++)
    free (res->lines[i]);
  free (res->lines);
  res->lines = NULL;
  res->n = 0;
}
