/* berth - the mounts of a container without a mount namespace: noted at
 * create (mount ids new at or below the rootfs, from mountinfo), detached
 * at delete.  See hostmounts.h. */
#include <config.h>

#include "hostmounts.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "oci-spec.h"
#include "util.h"

struct mnt
{
  uint64_t id;
  char *raw; /* the mount point as mountinfo escapes it */
};

/* Undo mountinfo's octal escapes ("\040" for a space). */
static char *
unescape (const char *s)
{
  char *out = xstrdup (s), *w = out;

  for (; *s; s++, w++)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *w = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
          s += 3;
        }
      else
        *w = *s;
    }
  *w = '\0';
  return out;
}

static bool
at_or_below (const char *path, const char *dir)
{
  size_t n = strlen (dir);

  if (strcmp (dir, "/") == 0)
    return true;
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void
mnts_free (struct mnt *m, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    free (m[i].raw);
  free (m);
}

/* The mounts at or below rootfs, in mountinfo order (parents first). */
static int
mnts_below (const char *rootfs, struct mnt **out, size_t *n, berr_t **err)
{
  cleanup_free char *data = NULL;
  char *line, *next;
  size_t len;

  *out = NULL;
  *n = 0;
  if (util_read_file ("/proc/self/mountinfo", &data, &len, err) < 0)
    return -1;
  for (line = data; line && *line; line = next)
    {
      cleanup_free char *path = NULL;
      char raw[4096];
      unsigned long long id;

      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      if (sscanf (line, "%llu %*u %*s %*s %4095s", &id, raw) != 2)
        continue;
      path = unescape (raw);
      if (!at_or_below (path, rootfs))
        continue;
      *out = xrealloc (*out, (*n + 1) * sizeof (**out));
      (*out)[(*n)++] = (struct mnt){ id, xstrdup (raw) };
    }
  return 0;
}

/* Detach mount `id` at `raw` if it is still there: opened without
 * following any symlink (the paths are canonical, so a symlink can only be
 * one the container planted), checked by id, detached through its fd. */
static int
detach (uint64_t id, const char *raw, berr_t **err)
{
  cleanup_free char *path = unescape (raw);
  struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
  cleanup_close int fd = (int)syscall (SYS_openat2, AT_FDCWD, path, &how, sizeof (how));
  struct statx stx;
  char via[64];

  if (fd < 0 && errno == ENOENT)
    return 0;
  if (fd < 0)
    return berr_make (err, errno, "container mount '%s'", path);
  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
    return berr_make (err, errno, "container mount '%s'", path);
  if (!(stx.stx_mask & STATX_MNT_ID) || stx.stx_mnt_id != id)
    return 0;
  snprintf (via, sizeof (via), "/proc/self/fd/%d", fd);
  if (umount2 (via, MNT_DETACH) < 0 && errno != EINVAL)
    return berr_make (err, errno, "unmount container mount '%s'", path);
  return 0;
}

static bool
was_there (const struct hostmounts *h, uint64_t id)
{
  size_t i;

  for (i = 0; i < h->n_before; i++)
    if (h->before[i] == id)
      return true;
  return false;
}

/* HOSTMOUNTS_BEFORE: the ids on the first line, the rootfs after it. */
static int
save_before (const struct hostmounts *h, int dirfd, berr_t **err)
{
  cleanup_free char *doc = xstrdup ("");
  size_t i;
  int r;

  for (i = 0; i < h->n_before; i++)
    {
      char *d = xasprintf ("%s%s%llu", doc, i ? " " : "", (unsigned long long)h->before[i]);
      free (doc);
      doc = d;
    }
  {
    char *d = xasprintf ("%s\n%s", doc, h->rootfs);
    free (doc);
    doc = d;
  }
  r = util_write_file_atomic_at (dirfd, HOSTMOUNTS_BEFORE, doc, strlen (doc), 0600, err);
  return r < 0 ? berr_wrap (err, "record the mounts below the rootfs") : 0;
}

int
hostmounts_begin (const oci_spec *spec, const char *rootfs, int dirfd, struct hostmounts *h, berr_t **err)
{
  struct mnt *m;
  size_t i, n;

  memset (h, 0, sizeof (*h));
  for (i = 0; spec->linux && i < spec->linux->namespaces_len; i++)
    if (spec->linux->namespaces[i]->type && strcmp (spec->linux->namespaces[i]->type, "mount") == 0)
      return 0;
  if (mnts_below (rootfs, &m, &n, err) < 0)
    return berr_wrap (err, "mounts below rootfs '%s'", rootfs);
  h->active = true;
  h->rootfs = rootfs;
  h->before = xzalloc ((n + 1) * sizeof (uint64_t));
  for (i = 0; i < n; i++)
    h->before[i] = m[i].id;
  h->n_before = n;
  mnts_free (m, n);
  if (save_before (h, dirfd, err) < 0)
    return -1;
  fault_point ("create.hostmounts-begun");
  return 0;
}

int
hostmounts_save (const struct hostmounts *h, int dirfd, berr_t **err)
{
  cleanup_free char *doc = xstrdup ("");
  struct mnt *m;
  size_t i, n;
  int r;

  if (!h->active)
    return 0;
  if (mnts_below (h->rootfs, &m, &n, err) < 0)
    return berr_wrap (err, "mounts below rootfs '%s'", h->rootfs);
  for (i = 0; i < n; i++)
    if (!was_there (h, m[i].id))
      {
        char *d = xasprintf ("%s%llu %s\n", doc, (unsigned long long)m[i].id, m[i].raw);
        free (doc);
        doc = d;
      }
  mnts_free (m, n);
  r = util_write_file_atomic_at (dirfd, HOSTMOUNTS_FILE, doc, strlen (doc), 0600, err);
  return r < 0 ? berr_wrap (err, "record the container's mounts") : 0;
}

void
hostmounts_undo (const struct hostmounts *h)
{
  berr_t *err = NULL;
  struct mnt *m;
  size_t n;

  if (!h->active || mnts_below (h->rootfs, &m, &n, &err) < 0)
    {
      berr_free (err);
      return;
    }
  while (n > 0)
    {
      n--;
      if (!was_there (h, m[n].id) && detach (m[n].id, m[n].raw, &err) < 0)
        {
          log_warning ("%s", err->msg);
          berr_clear (&err);
        }
      free (m[n].raw);
    }
  free (m);
}

void
hostmounts_clear (struct hostmounts *h)
{
  free (h->before);
  memset (h, 0, sizeof (*h));
}

/* A create killed between hostmounts_begin and hostmounts_save left only
 * the list of mounts that were there before: detach the others below the
 * rootfs, as a failed create does. */
static int
release_unsaved (int dirfd, berr_t **err)
{
  cleanup_free char *data = NULL;
  struct hostmounts h = { 0 };
  char *nl, *p, *end;
  size_t len;

  if (util_read_file_at (dirfd, HOSTMOUNTS_BEFORE, &data, &len, err) < 0)
    {
      if ((*err)->status != ENOENT)
        return -1;
      berr_clear (err);
      return 0;
    }
  nl = strchr (data, '\n');
  if (nl == NULL || nl[1] != '/')
    return berr_make (err, 0, "'%s' of the container: malformed", HOSTMOUNTS_BEFORE);
  *nl = '\0';
  h.before = xzalloc ((len / 2 + 1) * sizeof (uint64_t));
  for (p = data; *p; p = end)
    {
      unsigned long long id = strtoull (p, &end, 10);
      if (end == p)
        break;
      h.before[h.n_before++] = id;
      while (*end == ' ')
        end++;
    }
  h.active = true;
  h.rootfs = nl + 1;
  hostmounts_undo (&h);
  hostmounts_clear (&h);
  return 0;
}

int
hostmounts_release (int dirfd, berr_t **err)
{
  cleanup_free char *data = NULL;
  char **lines = NULL;
  size_t len, n = 0;
  char *line, *next;

  if (faccessat (dirfd, HOSTMOUNTS_FILE, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
    return release_unsaved (dirfd, err);
  if (util_read_file_at (dirfd, HOSTMOUNTS_FILE, &data, &len, err) < 0)
    return -1;
  for (line = data; line && *line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      lines = xrealloc (lines, (n + 1) * sizeof (char *));
      lines[n++] = line;
    }
  /* Last first: a mount made on top of an earlier one goes before it.  A
   * mount that cannot be detached is reported, not a reason to keep the
   * container: its process may have planted the symlink that hides it. */
  while (n > 0)
    {
      berr_t *e = NULL;
      unsigned long long id;
      char raw[4096];

      n--;
      if (sscanf (lines[n], "%llu %4095s", &id, raw) == 2 && detach (id, raw, &e) < 0)
        {
          log_warning ("%s", e->msg);
          berr_free (e);
        }
    }
  free (lines);
  return 0;
}
