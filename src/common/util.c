/* berth - small shared helpers: allocation, whole-file I/O, atomic writes. */
#include <config.h>

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void __attribute__ ((noreturn)) oom (void)
{
  static const char msg[] = "out of memory\n";
  ssize_t r = write (STDERR_FILENO, msg, sizeof (msg) - 1);
  (void)r;
  abort ();
}

void *
xmalloc (size_t size)
{
  void *p = malloc (size ? size : 1);
  if (p == NULL)
    oom ();
  return p;
}

void *
xzalloc (size_t size)
{
  void *p = calloc (1, size ? size : 1);
  if (p == NULL)
    oom ();
  return p;
}

void *
xrealloc (void *p, size_t size)
{
  void *r = realloc (p, size ? size : 1);
  if (r == NULL)
    oom ();
  return r;
}

char *
xstrdup (const char *s)
{
  char *r;
  if (s == NULL)
    return NULL;
  r = strdup (s);
  if (r == NULL)
    oom ();
  return r;
}

char *
xstrndup (const char *s, size_t n)
{
  char *r = strndup (s, n);
  if (r == NULL)
    oom ();
  return r;
}

char *
xasprintf (const char *fmt, ...)
{
  char *r;
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vasprintf (&r, fmt, ap);
  va_end (ap);
  if (n < 0)
    oom ();
  return r;
}

ssize_t
util_read_all (int fd, void *data, size_t len)
{
  size_t done = 0;
  while (done < len)
    {
      ssize_t r = read (fd, (char *)data + done, len - done);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == 0)
        break;
      done += (size_t)r;
    }
  return (ssize_t)done;
}

int
util_write_all (int fd, const void *data, size_t len, berr_t **err)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t r = write (fd, p, len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return berr_make (err, errno, "write");
      p += r;
      len -= (size_t)r;
    }
  return 0;
}

/* Reads until EOF or max bytes; the fstat up front refuses a regular file
 * already too large before any of it is read, the bounded loop one that
 * grows (or a pipe) after. */
int
util_read_file_max_at (int dirfd, const char *path, size_t max, char **out, size_t *len, berr_t **err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *buf = NULL;
  size_t cap = 4096, n = 0;
  struct stat st;

  if (fd < 0)
    return berr_make (err, errno, "open '%s'", path);
  if (max > 0 && fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && (uint64_t)st.st_size > max)
    return berr_make (err, 0, "'%s': too large (%llu bytes, limit %zu)", path, (unsigned long long)st.st_size,
                      max);
  buf = xmalloc (cap);
  for (;;)
    {
      ssize_t r;
      if (n + 1 >= cap)
        {
          cap *= 2;
          buf = xrealloc (buf, cap);
        }
      r = read (fd, buf + n, cap - n - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return berr_make (err, errno, "read '%s'", path);
      if (r == 0)
        break;
      n += (size_t)r;
      if (max > 0 && n > max)
        return berr_make (err, 0, "'%s': too large (more than %zu bytes)", path, max);
    }
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = steal_ptr (buf);
  return 0;
}

int
util_read_file_at (int dirfd, const char *path, char **out, size_t *len, berr_t **err)
{
  return util_read_file_max_at (dirfd, path, 0, out, len, err);
}

int
util_read_file (const char *path, char **out, size_t *len, berr_t **err)
{
  return util_read_file_at (AT_FDCWD, path, out, len, err);
}

int
util_write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                           berr_t **err)
{
  cleanup_free char *tmp = xasprintf (".%s.tmp.%d", name, (int)getpid ());
  cleanup_close int fd = -1;
  const char *slash = strrchr (name, '/');

  if (slash)
    {
      cleanup_free char *dir = xstrndup (name, (size_t)(slash - name));
      free (tmp);
      tmp = xasprintf ("%s/.%s.tmp.%d", dir, slash + 1, (int)getpid ());
    }
  fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    {
      berr_make (err, errno, "create temporary file");
      return berr_wrap (err, "write '%s'", name);
    }
  if (util_write_all (fd, data, len, err) < 0)
    goto fail;
  if (fsync (fd) < 0)
    {
      berr_make (err, errno, "fsync");
      goto fail;
    }
  if (close (steal_fd (fd)) < 0)
    {
      berr_make (err, errno, "close");
      goto fail;
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      berr_make (err, errno, "rename to '%s'", name);
      goto fail;
    }
  return 0;

fail:
  unlinkat (dirfd, tmp, 0);
  return berr_wrap (err, "write '%s'", name);
}

int
util_mkdir_p (const char *path, mode_t mode, berr_t **err)
{
  cleanup_free char *p = xstrdup (path);
  char *s;

  for (s = p + 1; *s; s++)
    {
      if (*s != '/')
        continue;
      *s = '\0';
      if (mkdir (p, mode) < 0 && errno != EEXIST)
        return berr_make (err, errno, "mkdir '%s'", p);
      *s = '/';
    }
  if (mkdir (p, mode) < 0 && errno != EEXIST)
    return berr_make (err, errno, "mkdir '%s'", p);
  return 0;
}

bool
util_str_has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

bool
util_str_has_suffix (const char *s, const char *suffix)
{
  size_t ls = strlen (s), lx = strlen (suffix);
  return ls >= lx && strcmp (s + ls - lx, suffix) == 0;
}

int
util_parse_long (const char *s, long *out)
{
  char *end;
  long v;

  if (s == NULL || *s == '\0')
    return -1;
  errno = 0;
  v = strtol (s, &end, 10);
  if (errno != 0 || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

int
util_rm_rf_at (int parent, const char *name, berr_t **err)
{
  cleanup_close int fd = -1;
  DIR *d;
  struct dirent *de;

  if (unlinkat (parent, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return berr_make (err, errno, "remove '%s'", name);
  fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : berr_make (err, errno, "open '%s'", name);
  d = fdopendir (fd);
  if (d == NULL)
    return berr_make (err, errno, "opendir '%s'", name);
  fd = -1; /* owned by d */
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (util_rm_rf_at (dirfd (d), de->d_name, err) < 0)
        {
          closedir (d);
          return berr_wrap (err, "remove '%s'", name);
        }
    }
  closedir (d);
  if (unlinkat (parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return berr_make (err, errno, "rmdir '%s'", name);
  return 0;
}

/* Paths inside a container rootfs or an unpacked image, resolved by the
 * kernel with openat2 (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): a symlink
 * such as `etc -> /etc` or `x -> ../../..` resolves inside the root, never on
 * the host, and a magic link (/proc/self/root) is refused.  Missing
 * components are created relative to a descriptor of their resolved parent. */

/* A symlink chain longer than this is a loop (the kernel's own limit). */
#define MAX_SYMLINK_DEPTH 40

int
util_open_in_root (int rootfd, const char *path, int flags)
{
  struct open_how how = {
    .flags = O_PATH | O_CLOEXEC | flags,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int i, fd = -1;

  if (*path == '\0')
    path = ".";
  /* EAGAIN: a concurrent rename made the kernel distrust ".." handling. */
  for (i = 0; i < 16; i++)
    {
      fd = (int)syscall (SYS_openat2, rootfd, path, &how, sizeof (how));
      if (fd >= 0 || errno != EAGAIN)
        break;
    }
  return fd;
}

/* The message does not repeat `full` (callers wrap it with the path and what
 * it is for); `at` is the prefix that failed, named when it differs. */
static int
resolve_error (const char *full, const char *at, int errno_, berr_t **err)
{
  bool part = at && strcmp (at, full) != 0;

  /* ELOOP: a magic link (RESOLVE_NO_MAGICLINKS) or a symlink loop; EXDEV: a
   * ".." race the kernel could not confine. */
  if (errno_ == EXDEV || errno_ == ELOOP)
    return berr_make (err, 0, "resolves outside the rootfs%s%s%s (%s)", part ? " at '" : "", part ? at : "",
                      part ? "'" : "", strerror (errno_));
  if (part)
    return berr_make (err, errno_, "lookup '%s'", at);
  return berr_make (err, errno_, "lookup");
}

static int mkpath_depth (int rootfd, const char *path, bool as_file, int depth, berr_t **err);

/* `dirfd`/`name` exists but does not resolve: a dangling symlink.  Create its
 * target inside the root instead, with `rest` (what followed name in the
 * original path) appended. */
static int
mkpath_follow (int rootfd, int dirfd, const char *name, const char *parent, const char *rest, bool as_file,
               int depth, berr_t **err)
{
  char target[PATH_MAX];
  cleanup_free char *next = NULL;
  ssize_t len;

  len = readlinkat (dirfd, name, target, sizeof (target) - 1);
  if (len < 0)
    return berr_make (err, errno, "readlink '%s/%s'", parent, name);
  target[len] = '\0';
  if (target[0] == '/')
    next = xasprintf ("%s%s%s", target, *rest ? "/" : "", rest);
  else
    next = xasprintf ("%s/%s%s%s", parent, target, *rest ? "/" : "", rest);
  return mkpath_depth (rootfd, next, as_file, depth + 1, err);
}

/* Create `name` in the real directory dirfd (no symlink is followed there). */
static int
create_component (int dirfd, const char *name, bool as_file)
{
  int fd;

  if (!as_file)
    return mkdirat (dirfd, name, 0755);
  fd = openat (dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return -1;
  close (fd);
  return 0;
}

static int
mkpath_depth (int rootfd, const char *path, bool as_file, int depth, berr_t **err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_free char *prefix = xzalloc (strlen (path) + 2);
  cleanup_close int cur = -1;
  char *comp, *next;
  int fd;

  if (depth > MAX_SYMLINK_DEPTH)
    return berr_make (err, 0, "resolves through too many symlinks");
  fd = util_open_in_root (rootfd, path, 0);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : resolve_error (path, path, errno, err);

  cur = fcntl (rootfd, F_DUPFD_CLOEXEC, 0);
  if (cur < 0)
    return berr_make (err, errno, "dup rootfs fd");
  for (comp = copy; comp; comp = next)
    {
      size_t plen = strlen (prefix);
      bool last;

      next = strchr (comp, '/');
      if (next)
        *next++ = '\0';
      if (*comp == '\0' || strcmp (comp, ".") == 0)
        continue;
      last = next == NULL || strspn (next, "/") == strlen (next);
      sprintf (prefix + plen, "/%s", comp);
      fd = util_open_in_root (rootfd, prefix, 0);
      if (fd < 0 && errno == ENOENT && strcmp (comp, "..") != 0)
        {
          if (create_component (cur, comp, last && as_file) < 0)
            {
              if (errno != EEXIST)
                return berr_make (err, errno, "create '%s'", prefix);
              prefix[plen] = '\0';
              return mkpath_follow (rootfd, cur, comp, prefix, next ? next : "", as_file, depth, err);
            }
          fd = util_open_in_root (rootfd, prefix, 0);
        }
      if (fd < 0)
        return resolve_error (path, prefix, errno, err);
      close (cur);
      cur = fd;
    }
  return steal_fd (cur);
}

int
util_mkpath_in_root (int rootfd, const char *path, bool as_file, berr_t **err)
{
  return mkpath_depth (rootfd, path, as_file, 0, err);
}

/* Copy a directory's content between two descriptors: regular files, directories,
 * symlinks and device nodes, with their mode and owner (tmpcopyup).  A file
 * with several links in the source is copied once; its other names become
 * hard links to that copy, found by its path below the top of the new tree
 * (a tree nobody else sees yet, so the path is safe to resolve). */
struct copy_link
{
  dev_t dev;
  ino_t ino;
  char *path; /* of the first copy, relative to copy_ctx.top */
};

struct copy_ctx
{
  int top; /* the top destination directory */
  struct copy_link *links;
  size_t n_links;
};

static int copy_tree_at (struct copy_ctx *c, int src, int dst, const char *rel, int depth, berr_t **err);

static int
copy_tree_file (int src, int dst, const char *name, const struct stat *st, berr_t **err)
{
  cleanup_close int in = openat (src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = -1;
  char buf[65536];
  ssize_t n;

  if (in < 0)
    return berr_make (err, errno, "open '%s'", name);
  out = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
  if (out < 0)
    return berr_make (err, errno, "create '%s'", name);
  while ((n = read (in, buf, sizeof (buf))) > 0)
    if (util_write_all (out, buf, n, err) < 0)
      return berr_wrap (err, "copy '%s'", name);
  if (n < 0)
    return berr_make (err, errno, "read '%s'", name);
  return 0;
}

/* 1: `name` is another link of a file already copied, and now linked to it. */
static int
copy_tree_link (struct copy_ctx *c, int dst, const char *name, const char *path, const struct stat *st,
                berr_t **err)
{
  size_t i;

  if (S_ISDIR (st->st_mode) || st->st_nlink < 2)
    return 0;
  for (i = 0; i < c->n_links; i++)
    if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino)
      {
        if (linkat (c->top, c->links[i].path, dst, name, 0) < 0)
          return berr_make (err, errno, "link '%s' to '%s'", path, c->links[i].path);
        return 1;
      }
  c->links = xrealloc (c->links, (c->n_links + 1) * sizeof (*c->links));
  c->links[c->n_links++] = (struct copy_link){ st->st_dev, st->st_ino, xstrdup (path) };
  return 0;
}

static int
copy_tree_entry (struct copy_ctx *c, int src, int dst, const char *rel, const char *name,
                 const struct stat *st, int depth, berr_t **err)
{
  cleanup_close int sub_src = -1, sub_dst = -1;
  cleanup_free char *path = *rel ? xasprintf ("%s/%s", rel, name) : xstrdup (name);
  char target[PATH_MAX];
  ssize_t len;
  int linked = copy_tree_link (c, dst, name, path, st, err);

  if (linked != 0)
    return linked < 0 ? -1 : 0;
  switch (st->st_mode & S_IFMT)
    {
    case S_IFDIR:
      if (mkdirat (dst, name, 0700) < 0)
        return berr_make (err, errno, "mkdir '%s'", name);
      sub_src = openat (src, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      sub_dst = openat (dst, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub_src < 0 || sub_dst < 0)
        return berr_make (err, errno, "open '%s'", name);
      if (copy_tree_at (c, sub_src, sub_dst, path, depth + 1, err) < 0)
        return berr_wrap (err, "'%s'", name);
      break;
    case S_IFREG:
      if (copy_tree_file (src, dst, name, st, err) < 0)
        return -1;
      break;
    case S_IFLNK:
      len = readlinkat (src, name, target, sizeof (target) - 1);
      if (len < 0)
        return berr_make (err, errno, "readlink '%s'", name);
      target[len] = '\0';
      if (symlinkat (target, dst, name) < 0)
        return berr_make (err, errno, "symlink '%s'", name);
      break;
    default:
      if (mknodat (dst, name, st->st_mode, st->st_rdev) < 0)
        return berr_make (err, errno, "mknod '%s'", name);
    }
  if (fchownat (dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return berr_make (err, errno, "chown '%s'", name);
  if (!S_ISLNK (st->st_mode) && fchmodat (dst, name, st->st_mode & 07777, 0) < 0)
    return berr_make (err, errno, "chmod '%s'", name);
  return 0;
}

static int
copy_tree_at (struct copy_ctx *c, int src, int dst, const char *rel, int depth, berr_t **err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  struct stat st;
  int fd;

  if (depth > 128)
    return berr_make (err, ELOOP, "directory tree too deep");
  fd = openat (src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      berr_make (err, errno, "open directory");
      if (fd >= 0)
        close (fd);
      return -1;
    }
  while ((errno = 0, de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return berr_make (err, errno, "stat '%s'", de->d_name);
      if (copy_tree_entry (c, dirfd (d), dst, rel, de->d_name, &st, depth, err) < 0)
        return -1;
    }
  return errno ? berr_make (err, errno, "read directory") : 0;
}

int
util_copy_tree (int src_dirfd, int dst_dirfd, berr_t **err)
{
  struct copy_ctx c = { .top = dst_dirfd };
  size_t i;
  int r = copy_tree_at (&c, src_dirfd, dst_dirfd, "", 0, err);

  for (i = 0; i < c.n_links; i++)
    free (c.links[i].path);
  free (c.links);
  return r;
}

static unsigned int
fill_unix_addr (const char *path, struct sockaddr_un *a)
{
  size_t n = strlen (path);

  memset (a, 0, sizeof (*a));
  a->sun_family = AF_UNIX;
  memcpy (a->sun_path, path, n);
  if (path[0] == '@')
    a->sun_path[0] = '\0';
  return (unsigned int)(offsetof (struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1));
}

int
util_unix_addr (const char *path, struct sockaddr_un *a, unsigned int *len, int *dirfd, berr_t **err)
{
  cleanup_free char *dir = NULL;
  const char *name;
  char via[sizeof (a->sun_path) + 32];
  int fd;

  *dirfd = -1;
  if (strlen (path) < sizeof (a->sun_path))
    {
      *len = fill_unix_addr (path, a);
      return 0;
    }
  name = strrchr (path, '/');
  if (path[0] == '@' || name == NULL || name[1] == '\0')
    return berr_make (err, ENAMETOOLONG, "socket '%s'", path);
  dir = name == path ? xstrdup ("/") : xstrndup (path, (size_t)(name - path));
  fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "socket '%s': open its directory", path);
  snprintf (via, sizeof (via), "/proc/self/fd/%d/%s", fd, name + 1);
  if (strlen (via) >= sizeof (a->sun_path))
    {
      close (fd);
      return berr_make (err, ENAMETOOLONG, "socket '%s'", path);
    }
  *len = fill_unix_addr (via, a);
  *dirfd = fd;
  return 0;
}

int
util_dir_names (int dirfd, const char *name, char ***out, size_t *n, berr_t **err)
{
  cleanup_strv char **names = xzalloc (sizeof (char *));
  size_t len = 0, cap = 1;
  struct dirent *de;
  int fd = openat (dirfd, name && name[0] ? name : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d;

  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      return berr_make (err, saved, "open directory");
    }
  while ((errno = 0, de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (len + 2 > cap)
        names = xrealloc (names, (cap *= 2) * sizeof (char *));
      names[len++] = xstrdup (de->d_name);
      names[len] = NULL;
    }
  if (errno != 0)
    {
      int saved = errno;
      closedir (d);
      return berr_make (err, saved, "read directory");
    }
  closedir (d);
  if (n)
    *n = len;
  *out = steal_ptr (names);
  return 0;
}

void
util_remove_unlocked_dirs (int dirfd, const char *prefix, bool own_only,
                           int (*rm) (int dirfd, const char *name, berr_t **err))
{
  cleanup_strv char **names = NULL;
  size_t i, n = 0;

  if (util_dir_names (dirfd, "", &names, &n, NULL) < 0)
    return;
  for (i = 0; i < n; i++)
    {
      cleanup_close int fd = -1;
      berr_t *ignored = NULL;
      struct stat st;

      if (!util_str_has_prefix (names[i], prefix))
        continue;
      fd = openat (dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 || (own_only && (fstat (fd, &st) < 0 || st.st_uid != geteuid ()))
          || flock (fd, LOCK_EX | LOCK_NB) < 0)
        continue;
      rm (dirfd, names[i], &ignored);
      berr_clear (&ignored);
    }
}

bool
util_dir_is_empty (int dirfd, const char *name)
{
  int fd = openat (dirfd, name && name[0] ? name : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct dirent *de;
  bool empty = true;
  DIR *d;

  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return false;
    }
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      {
        empty = false;
        break;
      }
  closedir (d);
  return empty;
}
