/* berth - small shared helpers: allocation, whole-file I/O, atomic writes. */
#include <config.h>

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void __attribute__ ((noreturn)) oom (void)
{
  static const char msg[] = "out of memory\n";
  ssize_t r = write (STDERR_FILENO, msg, sizeof (msg) - 1);
  (void) r;
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
      ssize_t r = read (fd, (char *) data + done, len - done);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == 0)
        break;
      done += (size_t) r;
    }
  return (ssize_t) done;
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
      len -= (size_t) r;
    }
  return 0;
}

int
util_read_file_at (int dirfd, const char *path, char **out, size_t *len, berr_t **err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *buf = NULL;
  size_t cap = 4096, n = 0;

  if (fd < 0)
    return berr_make (err, errno, "open '%s'", path);
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
      n += (size_t) r;
    }
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = steal_ptr (buf);
  return 0;
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
  cleanup_free char *tmp = xasprintf (".%s.tmp.%d", name, (int) getpid ());
  cleanup_close int fd = -1;
  const char *slash = strrchr (name, '/');

  if (slash)
    {
      cleanup_free char *dir = xstrndup (name, (size_t) (slash - name));
      free (tmp);
      tmp = xasprintf ("%s/.%s.tmp.%d", dir, slash + 1, (int) getpid ());
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
