/* img - the rootfs record and the change finder (see record.h): a depth
 * first walk over descriptors (openat/fstatat with O_NOFOLLOW, never a path
 * string through the rootfs's symlinks), the record's line format, and the
 * merge of a live walk with the record that `img commit` turns into a
 * layer.  xattrs are read through /proc/self/fd/DIRFD/NAME with the l*
 * calls, so a symlink's own xattrs are read and nothing is followed. */
#include <config.h>

#include "record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "tar-write.h"
#include "util.h"

#define RECORD_HEADER "# img-rootfs-record 1"

int
img_path_cmp (const char *a, const char *b)
{
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

  while (*x && *x == *y)
    x++, y++;
  if (*x == *y)
    return 0;
  if (*x == '\0')
    return -1;
  if (*y == '\0')
    return 1;
  if (*x == '/')
    return -1;
  if (*y == '/')
    return 1;
  return *x < *y ? -1 : 1;
}

/* ---- the walk ---- */

struct frame
{
  int fd;
  char **names;
  size_t n, i;
  size_t plen; /* length of the directory's path */
};

struct walk
{
  struct frame *st;
  size_t depth, cap;
  char *path;
  size_t pathcap;
  struct img_walk_entry cur;
  bool descend; /* cur is a directory to enter on the next call */
};

static int
name_cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static int
walk_push (struct walk *w, int fd, size_t plen, const char *what, berr_t **err)
{
  cleanup_close int dfd = -1;
  DIR *d;
  struct dirent *de;
  struct frame f = { .fd = fd, .plen = plen };
  size_t cap = 0;

  dfd = dup (fd);
  if (dfd < 0 || (d = fdopendir (dfd)) == NULL)
    {
      close (fd);
      return berr_make (err, errno, "read directory '%s'", what);
    }
  steal_fd (dfd);
  errno = 0;
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (f.n == cap)
        {
          cap = cap ? cap * 2 : 16;
          f.names = xrealloc (f.names, cap * sizeof *f.names);
        }
      f.names[f.n++] = xstrdup (de->d_name);
    }
  if (errno != 0)
    {
      int e = errno;
      closedir (d);
      close (fd);
      while (f.n)
        free (f.names[--f.n]);
      free (f.names);
      return berr_make (err, e, "read directory '%s'", what);
    }
  closedir (d);
  if (f.n > 1)
    qsort (f.names, f.n, sizeof *f.names, name_cmp);
  if (w->depth == w->cap)
    {
      w->cap = w->cap ? w->cap * 2 : 16;
      w->st = xrealloc (w->st, w->cap * sizeof *w->st);
    }
  w->st[w->depth++] = f;
  return 0;
}

static void
walk_pop (struct walk *w)
{
  struct frame *f = &w->st[--w->depth];

  size_t i;

  for (i = 0; i < f->n; i++)
    free (f->names[i]);
  free (f->names);
  close (f->fd);
}

static int
walk_open (struct walk *w, int rootfd, berr_t **err)
{
  int fd;

  memset (w, 0, sizeof *w);
  fd = openat (rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "open the rootfs");
  w->pathcap = 256;
  w->path = xzalloc (w->pathcap);
  return walk_push (w, fd, 0, ".", err);
}

static void
walk_close (struct walk *w)
{
  while (w->depth)
    walk_pop (w);
  free (w->st);
  free (w->path);
}

/* 1: *e is the next entry; 0: the end. */
static int
walk_next (struct walk *w, const struct img_walk_entry **e, berr_t **err)
{
  if (w->descend)
    {
      struct frame *top = &w->st[w->depth - 1];
      int fd;

      w->descend = false;
      fd = openat (top->fd, w->cur.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return berr_make (err, errno, "open directory '%s'", w->path);
      if (walk_push (w, fd, strlen (w->path), w->path, err) < 0)
        return -1;
    }
  while (w->depth)
    {
      struct frame *top = &w->st[w->depth - 1];
      const char *name;
      size_t need;

      if (top->i > 0 && top->names[top->i - 1])
        {
          free (top->names[top->i - 1]);
          top->names[top->i - 1] = NULL;
        }
      if (top->i == top->n)
        {
          walk_pop (w);
          continue;
        }
      name = top->names[top->i++];
      need = top->plen + strlen (name) + 2;
      if (need > w->pathcap)
        {
          w->pathcap = need * 2;
          w->path = xrealloc (w->path, w->pathcap);
        }
      if (top->plen)
        w->path[top->plen] = '/';
      strcpy (w->path + top->plen + (top->plen ? 1 : 0), name);
      if (fstatat (top->fd, name, &w->cur.st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno == ENOENT) /* removed while we walk: it is gone */
            continue;
          return berr_make (err, errno, "stat '%s'", w->path);
        }
      w->cur.path = w->path;
      w->cur.name = name;
      w->cur.dirfd = top->fd;
      w->descend = S_ISDIR (w->cur.st.st_mode);
      *e = &w->cur;
      return 1;
    }
  return 0;
}

/* ---- xattrs ---- */

/* listxattrat(2) (Linux 6.13): the name is looked up in dirfd directly,
 * without the /proc/self/fd/N path walk that dominated a record walk (43%
 * of its CPU).  The number is the same on every architecture. */
#ifndef __NR_listxattrat
#define __NR_listxattrat 465
#endif
bool img_record_no_listxattrat;

static ssize_t
list_xattrs (int dirfd, const char *name, const char *proc, char *list, size_t size)
{
  if (!img_record_no_listxattrat)
    {
      long n = syscall (__NR_listxattrat, dirfd, name, AT_SYMLINK_NOFOLLOW, list, size);
      if (n >= 0 || errno != ENOSYS)
        return (ssize_t)n;
      img_record_no_listxattrat = true;
    }
  return llistxattr (proc, list, size);
}

int
img_xattrs_read (int dirfd, const char *name, struct img_xattr **out, size_t *nout, berr_t **err)
{
  cleanup_free char *p = xasprintf ("/proc/self/fd/%d/%s", dirfd, name);
  cleanup_free char *list = NULL;
  struct img_xattr *x = NULL;
  ssize_t len;
  size_t n = 0, cap = 0;
  char *k;

  *out = NULL;
  *nout = 0;
  for (;;)
    {
      len = list_xattrs (dirfd, name, p, NULL, 0);
      if (len < 0 && (errno == ENOTSUP || errno == ENODATA))
        return 0;
      if (len < 0)
        return berr_make (err, errno, "list xattrs of '%s'", name);
      if (len == 0)
        return 0;
      free (list);
      list = xmalloc ((size_t)len);
      len = list_xattrs (dirfd, name, p, list, (size_t)len);
      if (len >= 0)
        break;
      if (errno != ERANGE)
        return berr_make (err, errno, "list xattrs of '%s'", name);
    }
  for (k = list; k < list + len; k += strlen (k) + 1)
    {
      ssize_t vlen;
      void *v = NULL;

      for (;;)
        {
          vlen = lgetxattr (p, k, NULL, 0);
          if (vlen < 0)
            break;
          free (v);
          v = xmalloc ((size_t)vlen + 1);
          vlen = lgetxattr (p, k, v, (size_t)vlen);
          if (vlen >= 0 || errno != ERANGE)
            break;
        }
      if (vlen < 0)
        {
          int e = errno;
          free (v);
          if (e == ENODATA) /* removed meanwhile */
            continue;
          img_xattrs_free (x, n);
          return berr_make (err, e, "read xattr '%s' of '%s'", k, name);
        }
      if (n == cap)
        {
          cap = cap ? cap * 2 : 4;
          x = xrealloc (x, cap * sizeof *x);
        }
      x[n].name = xstrdup (k);
      x[n].value = v;
      x[n].len = (size_t)vlen;
      n++;
    }
  img_xattrs_sort (x, n);
  *out = x;
  *nout = n;
  return 0;
}

static uint64_t
fnv1a (uint64_t h, const void *data, size_t len)
{
  const unsigned char *p = data;
  size_t i;

  for (i = 0; i < len; i++)
    {
      h ^= p[i];
      h *= 0x100000001b3ULL;
    }
  return h;
}

static int
xattr_hash (int dirfd, const char *name, const char *path, uint64_t *out, berr_t **err)
{
  struct img_xattr *x;
  size_t n, i;
  uint64_t h = 0xcbf29ce484222325ULL;

  if (img_xattrs_read (dirfd, name, &x, &n, err) < 0)
    return berr_wrap (err, "'%s'", path);
  for (i = 0; i < n; i++)
    {
      uint64_t vl = x[i].len;
      h = fnv1a (h, x[i].name, strlen (x[i].name) + 1);
      h = fnv1a (h, &vl, sizeof vl);
      h = fnv1a (h, x[i].value, x[i].len);
    }
  img_xattrs_free (x, n);
  *out = n ? h : 0;
  return 0;
}

/* ---- the record file ---- */

struct rec
{
  char *line;
  size_t cap;
  unsigned long lineno;
  char *path;
  mode_t mode;
  uint64_t uid, gid, ino, nlink, rdev, xhash;
  int64_t size, mtime_ns, ctime_ns;
  char *target;
};

static void
put_escaped (FILE *f, const char *s)
{
  const unsigned char *p;

  for (p = (const unsigned char *)s; *p; p++)
    if (*p == '%' || *p <= ' ' || *p == 0x7f)
      fprintf (f, "%%%02X", *p);
    else
      fputc (*p, f);
}

static int
hexval (int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

static bool
unescape (char *s)
{
  char *o = s;

  for (; *s; s++)
    {
      if (*s == '%')
        {
          int hi = hexval (s[1]), lo = hi < 0 ? -1 : hexval (s[2]);
          if (lo < 0 || (hi == 0 && lo == 0))
            return false;
          *o++ = (char)(hi * 16 + lo);
          s += 2;
        }
      else
        *o++ = *s;
    }
  *o = '\0';
  return true;
}

static int64_t
ts_ns (const struct timespec *t)
{
  return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* One line for e.  same: its unchanged record line, whose xattr hash and
 * target still hold (both change the ctime), so they are not read again. */
static int
rec_put (FILE *f, const struct img_walk_entry *e, const struct rec *same, berr_t **err)
{
  uint64_t xh = 0;
  char target[4097] = "";

  if (same)
    {
      xh = same->xhash;
      snprintf (target, sizeof target, "%s", same->target);
    }
  else if (xattr_hash (e->dirfd, e->name, e->path, &xh, err) < 0)
    return -1;
  if (same == NULL && S_ISLNK (e->st.st_mode))
    {
      ssize_t n = readlinkat (e->dirfd, e->name, target, sizeof target - 1);
      if (n < 0)
        return berr_make (err, errno, "read symlink '%s'", e->path);
      target[n] = '\0';
    }
  put_escaped (f, e->path);
  fprintf (f,
           " %o %" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRIu64 " %" PRIu64 " %" PRIu64
           " %016" PRIx64 " :",
           (unsigned)e->st.st_mode, (uint64_t)e->st.st_uid, (uint64_t)e->st.st_gid, (int64_t)e->st.st_size,
           ts_ns (&e->st.st_mtim), ts_ns (&e->st.st_ctim), (uint64_t)e->st.st_ino, (uint64_t)e->st.st_nlink,
           (uint64_t)e->st.st_rdev, xh);
  put_escaped (f, target);
  fputc ('\n', f);
  return 0;
}

/* 1: r holds the next line; 0: the end. */
static int
rec_next (FILE *f, struct rec *r, berr_t **err)
{
  char *fld[12], *save = NULL, *s;
  ssize_t n;
  unsigned mode;
  int i;

  if (f == NULL)
    return 0;
  errno = 0;
  n = getline (&r->line, &r->cap, f);
  if (n < 0)
    return errno ? berr_make (err, errno, "read '%s'", IMG_RECORD_NAME) : 0;
  r->lineno++;
  if (n > 0 && r->line[n - 1] == '\n')
    r->line[n - 1] = '\0';
  for (i = 0, s = r->line; i < 12; i++, s = NULL)
    if ((fld[i] = strtok_r (s, " ", &save)) == NULL)
      break;
  if (i < 11 || (i == 12 && fld[11][0] != ':') || sscanf (fld[1], "%o", &mode) != 1 || !unescape (fld[0]))
    return berr_make (err, 0, "'%s' line %lu is malformed", IMG_RECORD_NAME, r->lineno);
  r->path = fld[0];
  r->mode = mode;
  r->uid = strtoull (fld[2], NULL, 10);
  r->gid = strtoull (fld[3], NULL, 10);
  r->size = strtoll (fld[4], NULL, 10);
  r->mtime_ns = strtoll (fld[5], NULL, 10);
  r->ctime_ns = strtoll (fld[6], NULL, 10);
  r->ino = strtoull (fld[7], NULL, 10);
  r->nlink = strtoull (fld[8], NULL, 10);
  r->rdev = strtoull (fld[9], NULL, 10);
  r->xhash = strtoull (fld[10], NULL, 16);
  r->target = i == 12 ? fld[11] + 1 : (char *)"";
  if (!unescape (r->target))
    return berr_make (err, 0, "'%s' line %lu is malformed", IMG_RECORD_NAME, r->lineno);
  return 1;
}

static FILE *
rec_open (int bundlefd, berr_t **err)
{
  cleanup_free char *line = NULL;
  size_t cap = 0;
  FILE *f;
  int fd;

  fd = openat (bundlefd, IMG_RECORD_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      berr_make (err, errno, "open '%s'", IMG_RECORD_NAME);
      return NULL;
    }
  f = fdopen (fd, "r");
  if (f == NULL)
    {
      close (fd);
      berr_make (err, errno, "open '%s'", IMG_RECORD_NAME);
      return NULL;
    }
  if (getline (&line, &cap, f) < 0 || strncmp (line, RECORD_HEADER "\n", strlen (RECORD_HEADER) + 1) != 0)
    {
      fclose (f);
      berr_make (err, 0, "'%s' is not an img rootfs record (expected '%s')", IMG_RECORD_NAME, RECORD_HEADER);
      return NULL;
    }
  return f;
}

bool
img_record_exists (int bundlefd)
{
  struct stat st;
  return fstatat (bundlefd, IMG_RECORD_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode);
}

/* A temp file next to the record. */
static FILE *
tmp_create (int bundlefd, char **name, berr_t **err)
{
  struct timespec ts;
  FILE *f;
  int fd = -1, i;

  for (i = 0; i < 100 && fd < 0; i++)
    {
      clock_gettime (CLOCK_REALTIME, &ts);
      free (*name);
      *name = xasprintf (".%s.%d.%lx", IMG_RECORD_NAME, (int)getpid (), (unsigned long)(ts.tv_nsec + i));
      fd = openat (bundlefd, *name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (fd < 0 && errno != EEXIST)
        break;
    }
  if (fd < 0)
    {
      berr_make (err, errno, "create '%s'", *name);
      return NULL;
    }
  f = fdopen (fd, "w");
  if (f == NULL)
    {
      close (fd);
      unlinkat (bundlefd, *name, 0);
      berr_make (err, errno, "create '%s'", *name);
      return NULL;
    }
  fprintf (f, "%s\n", RECORD_HEADER);
  return f;
}

static int
tmp_close (FILE *f, const char *name, berr_t **err)
{
  int r = 0, e = 0;

  if (fflush (f) != 0 || fsync (fileno (f)) < 0)
    r = -1, e = errno;
  if (fclose (f) != 0 && r == 0)
    r = -1, e = errno;
  return r < 0 ? berr_make (err, e, "write '%s'", name) : 0;
}

int
img_record_install (int bundlefd, const char *new_record, berr_t **err)
{
  if (renameat (bundlefd, new_record, bundlefd, IMG_RECORD_NAME) < 0)
    return berr_make (err, errno, "rename '%s' to '%s'", new_record, IMG_RECORD_NAME);
  fsync (bundlefd);
  return 0;
}

void
img_record_discard (int bundlefd, const char *new_record)
{
  if (new_record)
    unlinkat (bundlefd, new_record, 0);
}

/* ---- the merge ---- */

static bool
entry_changed (const struct rec *a, const struct stat *st)
{
  return a->ino != (uint64_t)st->st_ino || a->size != (int64_t)st->st_size
         || a->mtime_ns != ts_ns (&st->st_mtim) || a->ctime_ns != ts_ns (&st->st_ctim)
         || a->mode != st->st_mode || a->uid != (uint64_t)st->st_uid || a->gid != (uint64_t)st->st_gid
         || a->rdev != (uint64_t)st->st_rdev;
}

static int
emit (img_change_fn fn, void *data, enum img_change_kind kind, const char *path,
      const struct img_walk_entry *e, berr_t **err)
{
  struct img_change c = { .kind = kind, .path = path, .e = e };
  return fn ? fn (data, &c, err) : 0;
}

/* Next record line that is not below dir (the record has a's content
 * right after a). */
static int
rec_skip_below (FILE *f, struct rec *r, berr_t **err)
{
  cleanup_free char *dir = xstrdup (r->path);
  size_t n = strlen (dir);
  int k;

  while ((k = rec_next (f, r, err)) == 1)
    if (!(strncmp (r->path, dir, n) == 0 && r->path[n] == '/'))
      break;
  return k;
}

struct merge
{
  FILE *old, *out;
  struct walk w;
  struct rec a;
  const struct img_walk_entry *b;
  int ka, kb;
  img_change_fn fn;
  void *data;
};

static int
merge_step (struct merge *m, berr_t **err)
{
  int c = m->ka == 0 ? 1 : m->kb == 0 ? -1 : img_path_cmp (m->a.path, m->b->path);
  bool same_type, changed;

  if (c < 0)
    {
      if (emit (m->fn, m->data, IMG_CHANGE_DELETE, m->a.path, NULL, err) < 0)
        return -1;
      m->ka = S_ISDIR (m->a.mode) ? rec_skip_below (m->old, &m->a, err) : rec_next (m->old, &m->a, err);
      return m->ka < 0 ? -1 : 0;
    }
  same_type = c == 0 && (m->a.mode & S_IFMT) == (m->b->st.st_mode & S_IFMT);
  changed = !same_type || entry_changed (&m->a, &m->b->st);
  if (m->out && rec_put (m->out, m->b, changed ? NULL : &m->a, err) < 0)
    return -1;
  if (c > 0)
    {
      if (emit (m->fn, m->data, IMG_CHANGE_ADD, m->b->path, m->b, err) < 0)
        return -1;
      m->kb = walk_next (&m->w, &m->b, err);
      return m->kb < 0 ? -1 : 0;
    }
  if (!same_type)
    {
      /* The type changed: a whiteout for the old one (a directory with
       * all its content), then everything new. */
      if (emit (m->fn, m->data, IMG_CHANGE_DELETE, m->a.path, NULL, err) < 0
          || emit (m->fn, m->data, IMG_CHANGE_ADD, m->b->path, m->b, err) < 0)
        return -1;
      m->ka = S_ISDIR (m->a.mode) ? rec_skip_below (m->old, &m->a, err) : rec_next (m->old, &m->a, err);
    }
  else
    {
      if (changed && emit (m->fn, m->data, IMG_CHANGE_MODIFY, m->b->path, m->b, err) < 0)
        return -1;
      m->ka = rec_next (m->old, &m->a, err);
    }
  if (m->ka < 0)
    return -1;
  m->kb = walk_next (&m->w, &m->b, err);
  return m->kb < 0 ? -1 : 0;
}

int
img_record_diff (int bundlefd, int rootfd, bool use_record, img_change_fn fn, void *data, char **new_record,
                 berr_t **err)
{
  struct merge m = { .fn = fn, .data = data };
  cleanup_free char *tmp = NULL;
  int r = -1;

  if (use_record && (m.old = rec_open (bundlefd, err)) == NULL)
    return -1;
  if (new_record && (m.out = tmp_create (bundlefd, &tmp, err)) == NULL)
    goto out_old;
  if (walk_open (&m.w, rootfd, err) < 0)
    goto out;
  if ((m.ka = rec_next (m.old, &m.a, err)) >= 0 && (m.kb = walk_next (&m.w, &m.b, err)) >= 0)
    {
      while (m.ka > 0 || m.kb > 0)
        if (merge_step (&m, err) < 0)
          break;
      if (m.ka == 0 && m.kb == 0)
        r = 0;
    }
  walk_close (&m.w);
out:
  if (m.out)
    {
      if (tmp_close (m.out, tmp, r < 0 ? NULL : err) < 0)
        r = -1;
      if (r < 0)
        unlinkat (bundlefd, tmp, 0);
      else
        *new_record = steal_ptr (tmp);
    }
out_old:
  if (m.old)
    fclose (m.old);
  free (m.a.line);
  return r;
}

int
img_record_write (int bundlefd, int rootfd, berr_t **err)
{
  cleanup_free char *tmp = NULL;

  if (img_record_diff (bundlefd, rootfd, false, NULL, NULL, &tmp, err) < 0)
    return berr_wrap (err, "write the rootfs record");
  if (img_record_install (bundlefd, tmp, err) < 0)
    {
      img_record_discard (bundlefd, tmp);
      return berr_wrap (err, "write the rootfs record");
    }
  return 0;
}
