/* img - the layer of a commit: the changes record.c finds, written as tar
 * entries in tree order.  A deleted path becomes a whiteout (.wh.NAME, one
 * for a whole directory); an added or modified one its full entry (mode,
 * numeric owner, mtime, xattrs, content); files sharing an inode become one
 * file and hard links to it.  Unchanged files are not opened at all. */
#include <config.h>

#include "commit.h"

#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "record.h"
#include "util.h"

#define ROOTLESS_XATTR "user.rootlesscontainers"

struct hardlink
{
  dev_t dev;
  ino_t ino;
  char *path;
};

struct layer
{
  const struct img_layer_opts *o;
  struct img_tar_writer *tw;
  void *links; /* tsearch tree of struct hardlink */
  size_t n;
  char *buf;
};

void
img_layer_result_clear (struct img_layer_result *r)
{
  free (r->diff_id);
  free (r->new_record);
  memset (r, 0, sizeof *r);
}

static int
link_cmp (const void *a, const void *b)
{
  const struct hardlink *x = a, *y = b;

  if (x->dev != y->dev)
    return x->dev < y->dev ? -1 : 1;
  if (x->ino != y->ino)
    return x->ino < y->ino ? -1 : 1;
  return 0;
}

static void
link_free (void *p)
{
  struct hardlink *l = p;
  free (l->path);
  free (l);
}

static bool
varint (const unsigned char **p, const unsigned char *end, uint64_t *v)
{
  unsigned shift = 0;

  *v = 0;
  while (*p < end && shift < 64)
    {
      unsigned char c = *(*p)++;
      *v |= (uint64_t)(c & 0x7f) << shift;
      if (!(c & 0x80))
        return true;
      shift += 7;
    }
  return false;
}

/* umoci's user.rootlesscontainers: a protobuf message with uid (field 1)
 * and gid (field 2) as varints; 2^32-1 (NoopID) keeps the default 0. */
static void
rootless_owner (const struct img_xattr *x, uint64_t *uid, uint64_t *gid)
{
  const unsigned char *p = x->value, *end = p + x->len;
  uint64_t key, v;

  while (p < end && varint (&p, end, &key))
    {
      switch (key & 7)
        {
        case 0:
          if (!varint (&p, end, &v))
            return;
          if ((key >> 3) == 1 && v != 0xffffffffULL)
            *uid = v;
          else if ((key >> 3) == 2 && v != 0xffffffffULL)
            *gid = v;
          break;
        case 1:
          p += 8;
          break;
        case 2:
          if (!varint (&p, end, &v) || v > (uint64_t)(end - p))
            return;
          p += v;
          break;
        case 5:
          p += 4;
          break;
        default:
          return;
        }
    }
}

/* Drop what a layer must not carry; take the rootless ownership out. */
static size_t
filter_xattrs (const struct layer *L, struct img_xattr *x, size_t n, uint64_t *uid, uint64_t *gid)
{
  size_t i, k = 0;

  for (i = 0; i < n; i++)
    {
      bool drop = strcmp (x[i].name, "security.selinux") == 0;
      if (L->o->rootless && strcmp (x[i].name, ROOTLESS_XATTR) == 0)
        {
          rootless_owner (&x[i], uid, gid);
          drop = true;
        }
      if (drop)
        {
          free (x[i].name);
          free (x[i].value);
          continue;
        }
      x[k++] = x[i];
    }
  return k;
}

static int
put_whiteout (struct layer *L, const char *path, berr_t **err)
{
  const char *slash = strrchr (path, '/');
  cleanup_free char *wh = NULL;
  struct img_tar_entry e = { .type = IMG_TAR_REG };

  if (slash)
    wh = xasprintf ("%.*s/.wh.%s", (int)(slash - path), path, slash + 1);
  else
    wh = xasprintf (".wh.%s", path);
  e.name = wh;
  L->n++;
  return img_tar_write_header (L->tw, &e, err);
}

static int
put_content (struct layer *L, const struct img_walk_entry *w, berr_t **err)
{
  cleanup_close int fd = -1;
  struct stat st;
  int64_t left = w->st.st_size;

  fd = openat (w->dirfd, w->name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "open '%s'", w->path);
  if (fstat (fd, &st) < 0)
    return berr_make (err, errno, "stat '%s'", w->path);
  if (st.st_ino != w->st.st_ino || st.st_dev != w->st.st_dev)
    return berr_make (err, 0, "'%s' was replaced while being committed", w->path);
  while (left > 0)
    {
      size_t want = left > 65536 ? 65536 : (size_t)left;
      ssize_t n = read (fd, L->buf, want);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return berr_make (err, errno, "read '%s'", w->path);
      if (n == 0)
        return berr_make (err, 0, "'%s' shrank while being committed", w->path);
      if (img_tar_write_data (L->tw, L->buf, (size_t)n, err) < 0)
        return -1;
      left -= n;
    }
  return 0;
}

static int
entry_type (const struct img_walk_entry *w, char *type)
{
  switch (w->st.st_mode & S_IFMT)
    {
    case S_IFREG:
      *type = IMG_TAR_REG;
      return 0;
    case S_IFDIR:
      *type = IMG_TAR_DIR;
      return 0;
    case S_IFLNK:
      *type = IMG_TAR_SYMLINK;
      return 0;
    case S_IFCHR:
      *type = IMG_TAR_CHR;
      return 0;
    case S_IFBLK:
      *type = IMG_TAR_BLK;
      return 0;
    case S_IFIFO:
      *type = IMG_TAR_FIFO;
      return 0;
    default:
      return -1;
    }
}

/* A regular file seen before under another name becomes a hard link. */
static const char *
hardlink_of (struct layer *L, const struct img_walk_entry *w)
{
  struct hardlink key = { .dev = w->st.st_dev, .ino = w->st.st_ino }, *l, **found;

  if (w->st.st_nlink < 2)
    return NULL;
  found = tfind (&key, &L->links, link_cmp);
  if (found)
    return (*found)->path;
  l = xzalloc (sizeof *l);
  *l = key;
  l->path = xstrdup (w->path);
  tsearch (l, &L->links, link_cmp);
  return NULL;
}

static int
put_entry (struct layer *L, const struct img_walk_entry *w, berr_t **err)
{
  struct img_xattr *x = NULL;
  size_t n = 0;
  char target[4097];
  struct img_tar_entry e = { .name = w->path };
  int r;

  if (strncmp (w->name, ".wh.", 4) == 0)
    return berr_make (
      err, 0, "'%s': a name starting with '.wh.' cannot be stored in a layer (it reads as a whiteout)",
      w->path);
  if (entry_type (w, &e.type) < 0)
    {
      fprintf (stderr, "img commit: warning: '%s' is a socket or of an unknown type: not committed\n",
               w->path);
      return 0;
    }
  if (img_xattrs_read (w->dirfd, w->name, &x, &n, err) < 0)
    return berr_wrap (err, "'%s'", w->path);
  e.uid = L->o->rootless ? 0 : w->st.st_uid;
  e.gid = L->o->rootless ? 0 : w->st.st_gid;
  n = filter_xattrs (L, x, n, &e.uid, &e.gid);
  e.xattrs = x;
  e.n_xattrs = n;
  e.mode = w->st.st_mode & 07777;
  e.mtime = w->st.st_mtim.tv_sec;
  if (e.type == IMG_TAR_SYMLINK)
    {
      ssize_t k = readlinkat (w->dirfd, w->name, target, sizeof target - 1);
      if (k < 0)
        {
          img_xattrs_free (x, n);
          return berr_make (err, errno, "read symlink '%s'", w->path);
        }
      target[k] = '\0';
      e.linkname = target;
    }
  else if (e.type == IMG_TAR_CHR || e.type == IMG_TAR_BLK)
    {
      e.devmajor = major (w->st.st_rdev);
      e.devminor = minor (w->st.st_rdev);
    }
  else if (e.type == IMG_TAR_REG && (e.linkname = hardlink_of (L, w)) != NULL)
    e.type = IMG_TAR_LINK;
  else if (e.type == IMG_TAR_REG)
    e.size = w->st.st_size;
  L->n++;
  r = img_tar_write_header (L->tw, &e, err);
  if (r == 0 && e.type == IMG_TAR_REG)
    r = put_content (L, w, err);
  img_xattrs_free (x, n);
  return r;
}

static int
on_change (void *data, const struct img_change *c, berr_t **err)
{
  struct layer *L = data;

  if (c->kind == IMG_CHANGE_DELETE)
    return put_whiteout (L, c->path, err);
  return put_entry (L, c->e, err);
}

int
img_layer_write (int bundlefd, int rootfd, const struct img_layer_opts *o, img_tar_sink_fn sink,
                 void *sink_data, struct img_layer_result *res, berr_t **err)
{
  struct img_tar_opts to = { .compress = o->compress, .clamp_mtime = o->clamp_mtime };
  struct layer L = { .o = o };
  int r = -1;

  memset (res, 0, sizeof *res);
  L.tw = img_tar_writer_new (&to, sink, sink_data, err);
  if (L.tw == NULL)
    return -1;
  L.buf = xmalloc (65536);
  if (img_record_diff (bundlefd, rootfd, !o->everything && bundlefd >= 0, on_change, &L,
                       bundlefd >= 0 ? &res->new_record : NULL, err)
        == 0
      && img_tar_finish (L.tw, &res->diff_id, err) == 0)
    r = 0;
  res->n_entries = L.n;
  if (r < 0 && res->new_record)
    {
      img_record_discard (bundlefd, res->new_record);
      free (res->new_record);
      res->new_record = NULL;
    }
  tdestroy (L.links, link_free);
  img_tar_writer_free (L.tw);
  free (L.buf);
  return r;
}
