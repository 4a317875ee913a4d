/* berth - device nodes and the /dev symlinks of a container.
 *
 * Owns the default device set every OCI runtime provides, the linux.devices
 * entries of the config, and the /dev/fd, std{in,out,err} and ptmx links.
 * The parent directory of each node is resolved inside the rootfs (openat2
 * RESOLVE_IN_ROOT) and the node is created relative to that descriptor, so
 * an image whose /dev is a symlink to the host's /dev gets its nodes inside
 * the rootfs, never on the host. */
#include <config.h>

#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mounts.h"
#include "util.h"

static const struct device_entry default_devices[] = {
  { "/dev/null", 'c', 1, 3, 0666, 0, 0 },    { "/dev/zero", 'c', 1, 5, 0666, 0, 0 },
  { "/dev/full", 'c', 1, 7, 0666, 0, 0 },    { "/dev/random", 'c', 1, 8, 0666, 0, 0 },
  { "/dev/urandom", 'c', 1, 9, 0666, 0, 0 }, { "/dev/tty", 'c', 5, 0, 0666, 0, 0 },
};

int
devices_parse_type (const char *s, char *type, berr_t **err)
{
  if (s == NULL || strlen (s) != 1 || strchr ("cubp", s[0]) == NULL)
    return berr_make (err, EINVAL, "device type '%s': expected one of c, u, b, p", s ? s : "");
  *type = s[0];
  return 0;
}

static mode_t
node_type (char type)
{
  switch (type)
    {
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return S_IFCHR;
    }
}

/* Split "/dev/x/y" into its parent directory, resolved and created inside
 * the rootfs, and the final name. */
static int
open_parent (int rootfd, const char *path, const char **name, berr_t **err)
{
  cleanup_free char *parent = NULL;
  const char *slash = strrchr (path, '/');

  *name = slash ? slash + 1 : path;
  if (**name == '\0' || strcmp (*name, ".") == 0 || strcmp (*name, "..") == 0)
    return berr_make (err, EINVAL, "device '%s': not a file name", path);
  parent = slash ? xstrndup (path, slash - path) : xstrdup (".");
  return util_mkpath_in_root (rootfd, *parent ? parent : "/", false, err);
}

/* Inside a user namespace mknod is refused: bind the host's node over an
 * empty file instead (the host node is what the config names). */
static int
bind_host_node (int dirfd, const char *name, const struct device_entry *d, berr_t **err)
{
  cleanup_close int fd = -1, dest = -1;
  int mnt;

  fd = openat (dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0000);
  if (fd < 0 && errno != EEXIST)
    return berr_make (err, errno, "device '%s': create", d->path);
  dest = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (dest < 0)
    return berr_make (err, errno, "device '%s': open", d->path);
  mnt = mounts_bind_onto (-1, d->path, dest, false, err);
  if (mnt < 0)
    return berr_wrap (err, "device '%s'", d->path);
  close (mnt);
  return 0;
}

int
devices_create (int rootfd, const struct device_entry *d, bool userns, berr_t **err)
{
  cleanup_close int dirfd = -1;
  const char *name;
  mode_t old_mask;
  int r;

  dirfd = open_parent (rootfd, d->path, &name, err);
  if (dirfd < 0)
    return berr_wrap (err, "device '%s'", d->path);
  if (userns)
    return bind_host_node (dirfd, name, d, err);

  /* The file mode must be exactly fileMode, not fileMode & ~umask; the init
   * is single-threaded, so flipping the process umask is safe. */
  old_mask = umask (0);
  r = mknodat (dirfd, name, node_type (d->type) | (d->file_mode & 07777),
               d->type == 'p' ? 0 : makedev (d->major, d->minor));
  umask (old_mask);
  if (r < 0 && errno == EEXIST)
    return 0;
  if (r < 0 && errno == EPERM)
    return bind_host_node (dirfd, name, d, err);
  if (r < 0)
    return berr_make (err, errno, "mknod '%s'", d->path);
  if (fchownat (dirfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return berr_make (err, errno, "chown '%s' to %u:%u", d->path, d->uid, d->gid);
  return 0;
}

int
devices_create_defaults (int rootfd, bool userns, berr_t **err)
{
  size_t i;

  for (i = 0; i < sizeof (default_devices) / sizeof (default_devices[0]); i++)
    if (devices_create (rootfd, &default_devices[i], userns, err) < 0)
      return -1;
  return 0;
}

int
devices_symlinks (int rootfd, bool have_devpts, berr_t **err)
{
  static const char *const links[][2] = {
    { "fd", "/proc/self/fd" },
    { "stdin", "/proc/self/fd/0" },
    { "stdout", "/proc/self/fd/1" },
    { "stderr", "/proc/self/fd/2" },
  };
  cleanup_close int devfd = -1;
  size_t i;

  devfd = util_mkpath_in_root (rootfd, "/dev", false, err);
  if (devfd < 0)
    return berr_wrap (err, "/dev symlinks");
  for (i = 0; i < sizeof (links) / sizeof (links[0]); i++)
    if (symlinkat (links[i][1], devfd, links[i][0]) < 0 && errno != EEXIST)
      return berr_make (err, errno, "symlink '/dev/%s' -> '%s'", links[i][0], links[i][1]);
  if (!have_devpts)
    return 0;
  /* The link makes /dev/ptmx always the container's own devpts instance,
   * whatever node the image carries there (runc and crun do the same). */
  if (unlinkat (devfd, "ptmx", 0) < 0 && errno != ENOENT)
    return berr_make (err, errno, "remove '/dev/ptmx'");
  if (symlinkat ("pts/ptmx", devfd, "ptmx") < 0)
    return berr_make (err, errno, "symlink '/dev/ptmx' -> 'pts/ptmx'");
  return 0;
}
