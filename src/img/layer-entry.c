/* img - writing one tar entry below a confined parent descriptor: regular
 * files, directories, symlinks, hard links, devices and fifos, then their
 * owner, mode, xattrs and times, and removal of what an entry replaces or a
 * whiteout hides.  The last component is always created with O_EXCL or
 * an *at() call that does not follow it, and the parent came from openat2
 * RESOLVE_IN_ROOT, so no entry can reach outside the rootfs.
 *
 * Rootless (umoci's convention): no chown; an owner other than (0, 0) is
 * kept in the user.rootlesscontainers xattr, a protobuf message with
 * field 1 uid and field 2 gid as varints, 0 written as UINT32_MAX ("no
 * change"); device nodes become empty files with the entry's mode. */
#include <config.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "layer-internal.h"
#include "util.h"

#define LINK_TARGET_MAX 4095
#define XATTR_VALUE_MAX (64 * 1024)
/* Deeper than any tree a layer can build on purpose. */
#define REMOVE_DEPTH_MAX 2048

/* ---- names ---- */

int
entry_normalize (const char *name, char **out, berr_t **err)
{
  cleanup_free char *copy = xstrdup (name);
  char *res = xmalloc (strlen (name) + 1), *comp, *save = NULL;
  size_t len = 0;

  *res = '\0';
  if (*name == '/')
    {
      free (res);
      return berr_make (err, 0, "absolute path in a layer");
    }
  for (comp = strtok_r (copy, "/", &save); comp; comp = strtok_r (NULL, "/", &save))
    {
      if (strcmp (comp, ".") == 0)
        continue;
      if (strcmp (comp, "..") == 0)
        {
          char *slash;

          if (len == 0)
            {
              free (res);
              return berr_make (err, 0, "path escapes the rootfs");
            }
          slash = strrchr (res, '/');
          len = slash ? (size_t)(slash - res) : 0;
          res[len] = '\0';
          continue;
        }
      len += (size_t)sprintf (res + len, "%s%s", len ? "/" : "", comp);
    }
  *out = res;
  return 0;
}

/* ---- user.rootlesscontainers ---- */

static size_t
put_varint (unsigned char *p, uint32_t v)
{
  size_t n = 0;

  while (v >= 0x80)
    {
      p[n++] = (unsigned char)(v | 0x80);
      v >>= 7;
    }
  p[n++] = (unsigned char)v;
  return n;
}

size_t
img_rootless_encode (uint32_t uid, uint32_t gid, unsigned char *buf)
{
  size_t n = 0;

  if (uid == 0 && gid == 0)
    return 0;
  buf[n++] = 0x08; /* field 1, varint */
  n += put_varint (buf + n, uid == 0 ? IMG_ROOTLESS_NOOP_ID : uid);
  buf[n++] = 0x10; /* field 2, varint */
  n += put_varint (buf + n, gid == 0 ? IMG_ROOTLESS_NOOP_ID : gid);
  return n;
}

int
img_rootless_decode (const unsigned char *buf, size_t len, uint32_t *uid, uint32_t *gid)
{
  size_t i = 0;

  *uid = *gid = IMG_ROOTLESS_NOOP_ID;
  while (i < len)
    {
      unsigned key = buf[i++];
      uint64_t v = 0;
      int shift = 0;

      if ((key & 7) != 0)
        return -1; /* only varint fields exist in this message */
      do
        {
          if (i >= len || shift > 63)
            return -1;
          v |= (uint64_t)(buf[i] & 0x7f) << shift;
          shift += 7;
        }
      while (buf[i++] & 0x80);
      if (key >> 3 == 1)
        *uid = (uint32_t)v;
      else if (key >> 3 == 2)
        *gid = (uint32_t)v;
    }
  return 0;
}

/* ---- metadata ---- */

/* Where metadata goes: an open descriptor (files, directories) or, for
 * symlinks, devices and fifos, which are never opened, parent + name. */
struct target
{
  int fd;
  int dirfd;
  const char *base;
  bool symlink;
  bool mode_set; /* created with its final mode: no chmod */
};

static int
target_setxattr (const struct target *t, const char *name, const void *value, size_t size)
{
  char path[64 + NAME_MAX];

  if (t->fd >= 0)
    return fsetxattr (t->fd, name, value, size, 0);
  /* No fsetxattrat: the parent's /proc link, last component not followed. */
  snprintf (path, sizeof (path), "/proc/self/fd/%d/%s", t->dirfd, t->base);
  return lsetxattr (path, name, value, size, 0);
}

/* A kept directory gets exactly the entry's xattrs: drop the others. */
static int
clear_xattrs (struct apply_ctx *c, int fd, berr_t **err)
{
  char list[65536], *p;
  ssize_t n = flistxattr (fd, list, sizeof (list));

  if (n < 0)
    {
      if (errno == ENOTSUP)
        return 0;
      return berr_make (err, errno, "list xattrs");
    }
  for (p = list; p < list + n; p += strlen (p) + 1)
    {
      if (strcmp (p, "security.selinux") == 0)
        continue;
      if (fremovexattr (fd, p) < 0 && errno != ENODATA)
        {
          if (errno == EPERM && c->opts->rootless)
            continue;
          return berr_make (err, errno, "remove xattr '%s'", p);
        }
    }
  return 0;
}

/* EPERM (rootless: security.*, trusted.*; user.* on a symlink) and ENOTSUP
 * (the filesystem) are warnings; anything else fails the entry. */
static int
set_xattr (struct apply_ctx *c, const struct target *t, const char *path, const char *name, const void *value,
           size_t size, berr_t **err)
{
  if (target_setxattr (t, name, value, size) == 0)
    return 0;
  if (errno == EPERM && (c->opts->rootless || t->fd < 0))
    {
      apply_warn (c, "entry '%s': ignoring EPERM on setxattr '%s'", path, name);
      return 0;
    }
  if (errno == ENOTSUP)
    {
      if (!c->warned_enotsup)
        apply_warn (c, "entry '%s': the filesystem does not support xattr '%s' (further warnings suppressed)",
                    path, name);
      c->warned_enotsup = true;
      return 0;
    }
  return berr_make (err, errno, "set xattr '%s'", name);
}

static int
apply_xattrs (struct apply_ctx *c, struct archive_entry *e, const struct target *t, const char *path,
              berr_t **err)
{
  const char *name;
  const void *value;
  size_t size;
  unsigned char rl[16];
  size_t rl_len;

  archive_entry_xattr_reset (e);
  while (archive_entry_xattr_next (e, &name, &value, &size) == ARCHIVE_OK)
    {
      if (strlen (name) > XATTR_NAME_MAX || size > XATTR_VALUE_MAX)
        return berr_make (err, 0, "xattr '%.64s' too large", name);
      if (strcmp (name, "security.selinux") == 0)
        {
          apply_warn (c, "entry '%s': ignoring xattr 'security.selinux' (host specific)", path);
          continue;
        }
      if (strcmp (name, IMG_ROOTLESS_XATTR) == 0)
        {
          apply_warn (c, "entry '%s': %s xattr '%s' stored in the layer", path,
                      c->opts->rootless ? "replacing the" : "suspicious", name);
          if (c->opts->rootless)
            continue;
        }
      if (set_xattr (c, t, path, name, value, size, err) < 0)
        return -1;
    }
  if (!c->opts->rootless)
    return 0;
  rl_len = img_rootless_encode ((uint32_t)archive_entry_uid (e), (uint32_t)archive_entry_gid (e), rl);
  if (rl_len == 0)
    return 0;
  return set_xattr (c, t, path, IMG_ROOTLESS_XATTR, rl, rl_len, err);
}

static void
entry_times (struct archive_entry *e, struct timespec ts[2])
{
  if (archive_entry_mtime_is_set (e))
    {
      ts[1].tv_sec = archive_entry_mtime (e);
      ts[1].tv_nsec = archive_entry_mtime_nsec (e);
    }
  else
    {
      ts[1].tv_sec = 0;
      ts[1].tv_nsec = UTIME_NOW;
    }
  if (archive_entry_atime_is_set (e))
    {
      ts[0].tv_sec = archive_entry_atime (e);
      ts[0].tv_nsec = archive_entry_atime_nsec (e);
    }
  else
    ts[0] = ts[1];
}

/* Owner, then mode (chown clears setuid), then xattrs (chown clears
 * security.capability), then times.  Directories get mode and times when
 * the layer ends. */
static int
apply_meta (struct apply_ctx *c, struct archive_entry *e, const struct target *t, const char *path, bool dir,
            bool kept, berr_t **err)
{
  struct timespec ts[2];
  mode_t mode = archive_entry_perm (e) & 07777;
  uid_t uid = (uid_t)archive_entry_uid (e);
  gid_t gid = (gid_t)archive_entry_gid (e);

  /* A new entry already has our owner when its group came from us: not
   * from a setgid (or grpid-mounted) parent of another group.  That chown
   * would change nothing; a kept directory's owner is a lower layer's. */
  if (!c->opts->rootless && (kept || uid != c->euid || gid != c->egid || c->parent_gid != c->egid))
    {
      int r
        = t->fd >= 0 ? fchown (t->fd, uid, gid) : fchownat (t->dirfd, t->base, uid, gid, AT_SYMLINK_NOFOLLOW);
      if (r < 0)
        return berr_make (err, errno, "chown to %u:%u", (unsigned)uid, (unsigned)gid);
    }
  if (!dir && !t->symlink && !t->mode_set)
    {
      int r = t->fd >= 0 ? fchmod (t->fd, mode) : fchmodat (t->dirfd, t->base, mode, 0);
      if (r < 0)
        return berr_make (err, errno, "chmod %04o", (unsigned)mode);
    }
  if (kept && clear_xattrs (c, t->fd, err) < 0)
    return -1;
  if (apply_xattrs (c, e, t, path, err) < 0)
    return -1;
  entry_times (e, ts);
  if (dir)
    return apply_set_dir_fixup (c, t->fd, path, mode, ts, err);
  if ((t->fd >= 0 ? futimens (t->fd, ts) : utimensat (t->dirfd, t->base, ts, AT_SYMLINK_NOFOLLOW)) < 0)
    return berr_make (err, errno, "set times");
  return 0;
}

/* ---- removal ---- */

static int
remove_at (struct apply_ctx *c, int dirfd, const char *name, const char *path, bool lower_only, int depth,
           berr_t **err)
{
  cleanup_close int fd = -1;
  cleanup_strv char **names = NULL;
  struct stat st;
  char **n;

  if (depth > REMOVE_DEPTH_MAX)
    return berr_make (err, 0, "remove '%s': directory tree too deep", path);
  /* Nothing below path came from this layer: all of it goes. */
  if (lower_only && !written_has_below (&c->written, path))
    lower_only = false;
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : berr_make (err, errno, "stat '%s'", path);
  if (!S_ISDIR (st.st_mode))
    {
      if (lower_only)
        return 0;
      if (unlinkat (dirfd, name, 0) < 0 && errno != ENOENT)
        return berr_make (err, errno, "remove '%s'", path);
      return 0;
    }
  fd = openat (dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "open '%s'", path);
  if (lower_only)
    {
      if (apply_note_dir (c, fd, path, err) < 0)
        return -1;
    }
  else if (c->opts->rootless && (st.st_mode & 0700) != 0700)
    {
      char proc[64];
      snprintf (proc, sizeof (proc), "/proc/self/fd/%d", fd);
      if (chmod (proc, 0700) < 0)
        return berr_make (err, errno, "make '%s' writable", path);
    }
  if (util_dir_names (fd, "", &names, NULL, err) < 0)
    return berr_wrap (err, "'%s'", path);
  for (n = names; *n; n++)
    {
      cleanup_free char *child = xasprintf ("%s/%s", path, *n);
      if (remove_at (c, fd, *n, child, lower_only, depth + 1, err) < 0)
        return -1;
    }
  if (lower_only && written_has (&c->written, path))
    return 0;
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0)
    {
      if (lower_only && errno == ENOTEMPTY)
        return 0;
      if (errno != ENOENT)
        return berr_make (err, errno, "remove directory '%s'", path);
    }
  return 0;
}

int
entry_remove (struct apply_ctx *c, int dirfd, const char *name, const char *path, bool lower_only,
              berr_t **err)
{
  c->tree_changed = true; /* a cached parent may resolve elsewhere now */
  return remove_at (c, dirfd, name, path, lower_only, 0, err);
}

/* ---- entry types ---- */

static int
write_data (struct apply_ctx *c, struct archive *a, struct archive_entry *e, int fd, berr_t **err)
{
  const void *buf;
  size_t size;
  la_int64_t off, end = 0;
  int r;

  /* Offsets: GNU and pax sparse files arrive as data blocks with holes. */
  while ((r = archive_read_data_block (a, &buf, &size, &off)) == ARCHIVE_OK || r == ARCHIVE_WARN)
    {
      const char *p = buf;
      size_t left = size;

      while (left > 0)
        {
          ssize_t w = pwrite (fd, p, left, off);
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            return berr_make (err, errno, "write");
          p += w;
          off += w;
          left -= (size_t)w;
        }
      if (off > end)
        end = off;
    }
  if (r != ARCHIVE_EOF)
    return apply_data_error (c, a, err);
  if (archive_entry_size_is_set (e) && archive_entry_size (e) > end
      && ftruncate (fd, archive_entry_size (e)) < 0)
    return berr_make (err, errno, "truncate");
  return 0;
}

static int
write_file (struct apply_ctx *c, struct archive *a, struct archive_entry *e, int parentfd, const char *base,
            const char *path, bool placeholder, bool may_exist, berr_t **err)
{
  mode_t perm = archive_entry_perm (e) & 07777;
  /* The entry's mode at creation when nothing can alter it there (no
   * special bits, nothing the umask takes away, no default ACL on the
   * parent): the chmod is then a no-op and skipped.  The descriptor is
   * writable whatever the mode: it is the creating open. */
  bool final = c->parent_plain && (perm & 07000) == 0 && c->umask != (mode_t)-1 && (perm & c->umask) == 0;
  cleanup_close int fd
    = openat (parentfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, final ? perm : 0600);
  struct target t = { fd, parentfd, base, false, final };

  if (fd < 0 && may_exist && (errno == EEXIST || errno == EISDIR))
    return 1;
  if (fd < 0)
    return berr_make (err, errno, "create");
  if (!placeholder && write_data (c, a, e, fd, err) < 0)
    return -1;
  if (apply_meta (c, e, &t, path, false, false, err) < 0)
    return -1;
  if (close (steal_fd (fd)) < 0)
    return berr_make (err, errno, "close");
  return 0;
}

static int
write_dir (struct apply_ctx *c, struct archive_entry *e, int parentfd, const char *base, const char *path,
           const struct stat *old, berr_t **err)
{
  cleanup_close int fd = -1;
  struct target t = { -1, parentfd, base, false };

  if (old == NULL && mkdirat (parentfd, base, 0700) < 0)
    return berr_make (err, errno, "mkdir");
  /* Rootless, the directory must stay writable until the layer ends (its
   * mode is set then). */
  if (old && c->opts->rootless && (old->st_mode & 0700) != 0700
      && fchmodat (parentfd, base, (old->st_mode & 07777) | 0700, 0) < 0)
    return berr_make (err, errno, "make writable");
  fd = openat (parentfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "open directory");
  t.fd = fd;
  return apply_meta (c, e, &t, path, true, old != NULL, err);
}

static int
write_symlink (struct apply_ctx *c, struct archive_entry *e, int parentfd, const char *base, const char *path,
               berr_t **err)
{
  const char *target = archive_entry_symlink (e);
  struct target t = { -1, parentfd, base, true };

  if (target == NULL)
    target = archive_entry_symlink_utf8 (e);
  if (target == NULL || *target == '\0')
    return berr_make (err, 0, "symlink without a target");
  if (strlen (target) > LINK_TARGET_MAX)
    return berr_make (err, 0, "symlink target longer than %d bytes", LINK_TARGET_MAX);
  /* The target is stored as is: it is resolved later, inside the root. */
  if (symlinkat (target, parentfd, base) < 0)
    return berr_make (err, errno, "symlink");
  return apply_meta (c, e, &t, path, false, false, err);
}

static int
write_node (struct apply_ctx *c, struct archive_entry *e, int parentfd, const char *base, const char *path,
            mode_t type, berr_t **err)
{
  struct target t = { -1, parentfd, base, false };
  dev_t dev = makedev (archive_entry_rdevmajor (e), archive_entry_rdevminor (e));

  if (mknodat (parentfd, base, type | 0600, type == S_IFIFO ? 0 : dev) < 0)
    return berr_make (err, errno, "mknod");
  return apply_meta (c, e, &t, path, false, false, err);
}

static int
write_hardlink (struct apply_ctx *c, struct archive_entry *e, int parentfd, const char *base,
                const char *path, berr_t **err)
{
  const char *link = archive_entry_hardlink (e);
  cleanup_free char *target = NULL, *tdir = NULL;
  cleanup_close int tfd = -1;
  const char *tbase;
  struct stat tst, st;
  char *slash;

  if (link == NULL)
    link = archive_entry_hardlink_utf8 (e);
  if (link == NULL || strlen (link) > LINK_TARGET_MAX)
    return berr_make (err, 0, "hard link target missing or too long");
  if (entry_normalize (link, &target, err) < 0)
    return berr_wrap (err, "hard link target '%s'", link);
  if (*target == '\0')
    return berr_make (err, 0, "hard link to the rootfs directory '%s'", link);
  if (strcmp (target, path) == 0)
    return 0;
  tdir = xstrdup (target);
  slash = strrchr (tdir, '/');
  tbase = slash ? target + (slash - tdir) + 1 : target;
  if (slash)
    *slash = '\0';
  else
    *tdir = '\0';
  tfd = util_open_in_root (c->rootfd, tdir, O_DIRECTORY);
  if (tfd < 0 || fstatat (tfd, tbase, &tst, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno == EXDEV || errno == ELOOP)
        return berr_make (err, errno, "hard link target '%s' does not resolve inside the rootfs", link);
      return berr_make (err, errno, "hard link target '%s'", link);
    }
  if (S_ISDIR (tst.st_mode))
    return berr_make (err, 0, "hard link target '%s' is a directory", link);
  if (fstatat (parentfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if (st.st_dev == tst.st_dev && st.st_ino == tst.st_ino)
        return 0;
      if (entry_remove (c, parentfd, base, path, false, err) < 0)
        return -1;
    }
  /* Flags 0: a link to a symlink links the symlink, never its target. */
  if (linkat (tfd, tbase, parentfd, base, 0) < 0)
    return berr_make (err, errno, "hard link to '%s'", link);
  return 0;
}

int
entry_write (struct apply_ctx *c, struct archive *a, struct archive_entry *e, int parentfd, const char *base,
             const char *path, berr_t **err)
{
  mode_t type = archive_entry_filetype (e);
  struct stat st;
  bool exists;

  if (archive_entry_hardlink (e) || archive_entry_hardlink_utf8 (e))
    return write_hardlink (c, e, parentfd, base, path, err);
  /* A regular file is created first (O_EXCL): the stat below is only for
   * a name that is taken (1). */
  if (type == AE_IFREG)
    {
      int r = write_file (c, a, e, parentfd, base, path, false, true, err);
      if (r != 1)
        return r;
    }
  exists = fstatat (parentfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (!exists && errno != ENOENT)
    return berr_make (err, errno, "stat");
  /* A directory over a directory keeps it (and what lower layers put in
   * it); anything else replaces what was there. */
  if (exists && !(type == AE_IFDIR && S_ISDIR (st.st_mode)))
    {
      if (entry_remove (c, parentfd, base, path, false, err) < 0)
        return -1;
      exists = false;
    }
  switch (type)
    {
    case AE_IFREG:
      return write_file (c, a, e, parentfd, base, path, false, false, err);
    case AE_IFDIR:
      return write_dir (c, e, parentfd, base, path, exists ? &st : NULL, err);
    case AE_IFLNK:
      return write_symlink (c, e, parentfd, base, path, err);
    case AE_IFCHR:
    case AE_IFBLK:
      if (c->opts->rootless)
        {
          apply_warn (c, "entry '%s': rootless, creating an empty file in place of %s device %u:%u", path,
                      type == AE_IFCHR ? "character" : "block", (unsigned)archive_entry_rdevmajor (e),
                      (unsigned)archive_entry_rdevminor (e));
          return write_file (c, a, e, parentfd, base, path, true, false, err);
        }
      return write_node (c, e, parentfd, base, path, type == AE_IFCHR ? S_IFCHR : S_IFBLK, err);
    case AE_IFIFO:
      return write_node (c, e, parentfd, base, path, S_IFIFO, err);
    default:
      return berr_make (err, 0, "unsupported entry type 0%o", (unsigned)type);
    }
}

int
entry_write_root (struct apply_ctx *c, struct archive_entry *e, berr_t **err)
{
  cleanup_close int fd = openat (c->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct target t = { fd, c->rootfd, ".", false };

  if (fd < 0)
    return berr_make (err, errno, "open the rootfs");
  return apply_meta (c, e, &t, "", true, true, err);
}
