/* berth - the container's root file system, from the host's mount tree to the
 * container's: propagation, the config's mounts and devices (rootfs_setup),
 * the switch of root (rootfs_pivot), then masked and read-only paths and a
 * read-only root (rootfs_finalize).
 *
 * The order follows runc: / becomes rslave (or the configured propagation)
 * so nothing we do leaks to the host; the parent mount of the rootfs is made
 * private if shared, because pivot_root(2) refuses a shared parent; the
 * rootfs is bound onto itself so it is a mount point.  Everything after the
 * pivot is resolved from the new "/" through descriptors: the container's
 * own files may be hostile (CVE-2025-31133 replaced /dev/null by a symlink
 * to make a masked path writable), so each object is checked with fstat on
 * the very descriptor that is then mounted. */
#include <config.h>

#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "devices.h"
#include "gen/runtime-spec.h"
#include "log.h"
#include "mounts.h"
#include "util.h"

/* linux.rootfsPropagation, or runc's default rslave. */
static int
root_propagation (const oci_spec *spec, unsigned long *out, berr_t **err)
{
  const char *s = spec->linux ? spec->linux->rootfs_propagation : NULL;
  char *opt[1] = { (char *)s };
  struct mount_opts o;

  *out = MS_SLAVE | MS_REC;
  if (s == NULL || *s == '\0')
    return 0;
  if (mounts_opts_parse (opt, 1, &o, err) < 0)
    return berr_wrap (err, "rootfsPropagation");
  mounts_opts_clear (&o);
  if (o.propagation == 0 || o.flags || o.clear || o.data)
    return berr_make (err, EINVAL, "rootfsPropagation '%s': not a propagation type", s);
  *out = o.propagation;
  return 0;
}

static int
mnt_id_of (int fd, uint64_t *id, dev_t *dev, ino_t *ino)
{
  struct statx stx;

  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID | STATX_INO, &stx) < 0)
    return -1;
  *id = stx.stx_mnt_id;
  *dev = makedev (stx.stx_dev_major, stx.stx_dev_minor);
  *ino = stx.stx_ino;
  return 0;
}

/* Whether mount `id` has shared propagation, from its mountinfo line. */
static bool
mount_is_shared (uint64_t id)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/mountinfo", "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;

  while (f && getline (&line, &cap, f) > 0)
    {
      char *end, *sep;
      if (strtoull (line, &end, 10) != id || *end != ' ')
        continue;
      sep = strstr (line, " - ");
      if (sep)
        *sep = '\0';
      return strstr (line, " shared:") != NULL;
    }
  return false;
}

/* Walk up from the rootfs through ".." until the mount changes: that
 * directory is the root of the mount the rootfs lives on. */
static int
make_parent_mount_private (const char *rootfs, berr_t **err)
{
  struct mount_attr a = { .propagation = MS_PRIVATE };
  cleanup_close int fd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  uint64_t id, pid;
  dev_t dev, pdev;
  ino_t ino, pino;

  if (fd < 0 || mnt_id_of (fd, &id, &dev, &ino) < 0)
    return berr_make (err, errno, "open rootfs '%s'", rootfs);
  for (;;)
    {
      int parent = openat (fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (parent < 0 || mnt_id_of (parent, &pid, &pdev, &pino) < 0)
        {
          if (parent >= 0)
            close (parent);
          return berr_make (err, errno, "find the mount of rootfs '%s'", rootfs);
        }
      if (pid != id || (pdev == dev && pino == ino))
        {
          close (parent);
          break;
        }
      close (fd);
      fd = parent;
      ino = pino;
      dev = pdev;
    }
  if (!mount_is_shared (id))
    return 0;
  if (mount_setattr (fd, "", AT_EMPTY_PATH, &a, sizeof (a)) < 0)
    return berr_make (err, errno, "make the parent mount of rootfs '%s' private", rootfs);
  return 0;
}

static bool
path_is (const char *path, const char *want)
{
  size_t n = strlen (want);

  while (path[0] == '/' && path[1] == '/')
    path++;
  return strncmp (path, want, n) == 0 && strspn (path + n, "/") == strlen (path + n);
}

/* runc creates devices unless the config bind-mounts /dev from elsewhere. */
static bool
dev_is_bind (const oci_spec *spec)
{
  size_t i, j;

  for (i = 0; i < spec->mounts_len; i++)
    {
      const oci_mount *m = spec->mounts[i];
      if (!path_is (m->destination, "/dev"))
        continue;
      if (m->type && strcmp (m->type, "bind") == 0)
        return true;
      for (j = 0; j < m->options_len; j++)
        if (strcmp (m->options[j], "bind") == 0 || strcmp (m->options[j], "rbind") == 0)
          return true;
    }
  return false;
}

static bool
has_devpts (const oci_spec *spec)
{
  size_t i;

  for (i = 0; i < spec->mounts_len; i++)
    if (path_is (spec->mounts[i]->destination, "/dev/pts") && spec->mounts[i]->type
        && strcmp (spec->mounts[i]->type, "devpts") == 0)
      return true;
  return false;
}

static int
setup_devices (int rootfd, const struct rootfs_config *cfg, berr_t **err)
{
  const oci_spec *spec = cfg->spec;
  size_t i;

  if (devices_create_defaults (rootfd, cfg->userns, err) < 0)
    return -1;
  for (i = 0; spec->linux && i < spec->linux->devices_len; i++)
    {
      const oci_linux_device *d = spec->linux->devices[i];
      struct device_entry e = {
        .path = d->path,
        .major = d->major,
        .minor = d->minor,
        .file_mode = d->file_mode_present ? d->file_mode : 0666,
        .uid = d->uid,
        .gid = d->gid,
      };
      if (d->path == NULL || d->path[0] != '/')
        return berr_make (err, EINVAL, "linux.devices[%zu]: path must be absolute", i);
      if (devices_parse_type (d->type, &e.type, err) < 0 || devices_create (rootfd, &e, cfg->userns, err) < 0)
        return berr_wrap (err, "linux.devices[%zu]", i);
    }
  return devices_symlinks (rootfd, has_devpts (spec), err);
}

/* linux.mountLabel when SELinux is on (selinuxfs mounted, libselinux's own
 * test); like runc, a label on a host without SELinux is not an error. */
static const char *
mount_label (const oci_spec *spec)
{
  const char *label = spec->linux ? spec->linux->mount_label : NULL;
  /* Decided before the pivot; after it /sys is the container's. */
  static int selinux = -1;
  struct statfs sfs;

  if (selinux < 0)
    selinux = statfs ("/sys/fs/selinux", &sfs) == 0 && sfs.f_type == SELINUX_MAGIC;
  if (label == NULL || *label == '\0')
    return NULL;
  if (selinux)
    return label;
  log_debug ("mountLabel '%s' ignored: SELinux is not enabled", label);
  return NULL;
}

static bool
has_ns (const oci_spec *spec, const char *type)
{
  size_t i;

  for (i = 0; spec->linux && i < spec->linux->namespaces_len; i++)
    if (spec->linux->namespaces[i]->type && strcmp (spec->linux->namespaces[i]->type, type) == 0)
      return true;
  return false;
}

static int
setup_mounts (int rootfd, const struct rootfs_config *cfg, berr_t **err)
{
  const oci_spec *spec = cfg->spec;
  const char *label = mount_label (spec);
  bool cgroupns = has_ns (spec, "cgroup");
  size_t i;

  for (i = 0; i < spec->mounts_len; i++)
    {
      const oci_mount *m = spec->mounts[i];
      struct mount_entry e
        = { m->destination, m->type, m->source, m->options, m->options_len, cgroupns, label };

      if (m->destination == NULL)
        return berr_make (err, EINVAL, "mounts[%zu]: no destination", i);
      if (cfg->idmap_fds && cfg->idmap_fds[i] >= 0)
        {
          e.idmapped = true;
          e.idmap_fd = cfg->idmap_fds[i];
        }
      if (mounts_apply (rootfd, cfg->bundle, &e, err) < 0)
        return -1;
    }
  return 0;
}

int
rootfs_setup (const struct rootfs_config *cfg, berr_t **err)
{
  cleanup_close int rootfd = -1;
  unsigned long prop;

  /* Without a mount namespace of our own, "/" and the rootfs's parent are
   * the host's: their propagation stays as it is (runc makes the host's "/"
   * rslave here), and chroot needs no bind of the rootfs.  The mounts land
   * in the host's namespace below the rootfs; delete removes them
   * (hostmounts.c). */
  if (!has_ns (cfg->spec, "mount"))
    goto mounts;
  if (root_propagation (cfg->spec, &prop, err) < 0)
    return -1;
  /* An unbindable tree refuses the bind of the rootfs onto itself (EINVAL):
   * private until the pivot, unbindable from rootfs_pivot on. */
  if (prop & MS_UNBINDABLE)
    prop = MS_PRIVATE | MS_REC;
  if (mount (NULL, "/", NULL, prop, NULL) < 0)
    return berr_make (err, errno, "set the propagation of '/'");
  if (make_parent_mount_private (cfg->rootfs, err) < 0)
    return -1;
  if (mount (cfg->rootfs, cfg->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return berr_make (err, errno, "bind rootfs '%s' onto itself", cfg->rootfs);
mounts:
  rootfd = open (cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return berr_make (err, errno, "open rootfs '%s'", cfg->rootfs);
  if (setup_mounts (rootfd, cfg, err) < 0)
    return -1;
  if (dev_is_bind (cfg->spec))
    return 0;
  return setup_devices (rootfd, cfg, err);
}

/* Undo mountinfo's octal escapes ("\040" for a space) in place. */
static void
unescape_octal (char *s)
{
  char *w = s;

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
}

static bool
path_within (const char *path, const char *dir)
{
  size_t n = strlen (dir);

  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/' || dir[n - 1] == '/');
}

/* One line of mountinfo: is it a proc or sysfs mount outside the rootfs?
 * Then *mp is its mount point. */
static bool
host_proc_or_sys (char *line, const char *rootfs, char **mp)
{
  char *save = NULL, *tok = strtok_r (line, " ", &save), *sep;
  int i;

  for (i = 1; tok && i < 5; i++)
    tok = strtok_r (NULL, " ", &save);
  sep = tok ? strstr (save, " - ") : NULL;
  if (sep == NULL)
    return false;
  if (!util_str_has_prefix (sep + 3, "proc ") && !util_str_has_prefix (sep + 3, "sysfs "))
    return false;
  unescape_octal (tok);
  *mp = tok;
  return !path_within (tok, rootfs);
}

/* With chroot the host's proc and sysfs stay in the mount namespace, where
 * the kernel counts them as fully visible and would let the container mount
 * an unmasked procfs (runc's reasoning).  Detach them, or cover them with a
 * tmpfs when they cannot be detached. */
static int
hide_host_proc_sys (const char *rootfs, berr_t **err)
{
  cleanup_free char *data = NULL;
  char *line, *next, *mp;
  size_t len;

  if (util_read_file ("/proc/self/mountinfo", &data, &len, err) < 0)
    return -1;
  for (line = data; line && *line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      if (!host_proc_or_sys (line, rootfs, &mp))
        continue;
      if (umount2 (mp, MNT_DETACH) == 0 || errno == ENOENT)
        continue;
      if (errno != EINVAL && errno != EPERM)
        return berr_make (err, errno, "detach host mount '%s'", mp);
      if (mount ("tmpfs", mp, "tmpfs", MS_RDONLY, NULL) < 0 && errno != ENOENT)
        return berr_make (err, errno, "cover host mount '%s'", mp);
    }
  return 0;
}

/* --no-pivot: for a rootfs on a ramfs/initramfs, where pivot_root(2) fails.
 * The old root stays reachable below the chroot, which is why it is not
 * the default. */
static int
move_root (const char *rootfs, berr_t **err)
{
  if (hide_host_proc_sys (rootfs, err) < 0)
    return -1;
  if (chdir (rootfs) < 0)
    return berr_make (err, errno, "chdir to rootfs '%s'", rootfs);
  if (mount (rootfs, "/", NULL, MS_MOVE, NULL) < 0)
    return berr_make (err, errno, "move rootfs '%s' onto '/'", rootfs);
  if (chroot (".") < 0)
    return berr_make (err, errno, "chroot to rootfs '%s'", rootfs);
  return 0;
}

/* pivot_root(".", ".") stacks the old root on top of the new one at "/";
 * unmounting "." after fchdir to the old root removes it without needing a
 * put_old directory inside the image. */
static int
pivot (const char *rootfs, berr_t **err)
{
  cleanup_close int oldroot = open ("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  cleanup_close int newroot = open (rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

  if (oldroot < 0 || newroot < 0)
    return berr_make (err, errno, "open '%s'", oldroot < 0 ? "/" : rootfs);
  if (fchdir (newroot) < 0)
    return berr_make (err, errno, "chdir to rootfs '%s'", rootfs);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return berr_make (err, errno, "pivot_root to '%s'", rootfs);
  if (fchdir (oldroot) < 0)
    return berr_make (err, errno, "chdir to the old root");
  /* rslave rather than rprivate: runc found rprivate racy with host
   * processes that still use those mounts; slave is enough to keep the
   * unmount from propagating to the host. */
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return berr_make (err, errno, "make the old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return berr_make (err, errno, "unmount the old root");
  return 0;
}

int
rootfs_pivot (const struct rootfs_config *cfg, berr_t **err)
{
  const char *s = cfg->spec->linux ? cfg->spec->linux->rootfs_propagation : NULL;
  unsigned long prop;

  if (!has_ns (cfg->spec, "mount"))
    {
      /* runc's chroot() for a container without a mount namespace: there is
       * no old root of our own to detach. */
      if (chdir (cfg->rootfs) < 0 || chroot (".") < 0)
        return berr_make (err, errno, "chroot to rootfs '%s'", cfg->rootfs);
    }
  else if ((cfg->no_pivot ? move_root (cfg->rootfs, err) : pivot (cfg->rootfs, err)) < 0)
    return -1;
  if (chdir ("/") < 0)
    return berr_make (err, errno, "chdir to '/'");
  /* A shared or slave rootfsPropagation is applied to the new "/" only now:
   * before the pivot it would have reached the host's mount. */
  if (s == NULL || *s == '\0')
    return 0;
  if (root_propagation (cfg->spec, &prop, err) < 0)
    return -1;
  if (!(prop & MS_PRIVATE) && mount (NULL, "/", NULL, prop, NULL) < 0)
    return berr_make (err, errno, "rootfsPropagation '%s' on '/'", s);
  return 0;
}

/* ---- after the pivot ---------------------------------------------------- */

/* The container's /dev/null, only if it really is the null device: a
 * symlink or a bind of something else there must not be mounted over a
 * masked path (CVE-2025-31133). */
static int
open_dev_null (int rootfd, berr_t **err)
{
  cleanup_close int fd = util_open_in_root (rootfd, "/dev/null", O_NOFOLLOW);
  struct stat st;

  if (fd < 0)
    return berr_make (err, errno, "open '/dev/null'");
  if (fstat (fd, &st) < 0)
    return berr_make (err, errno, "stat '/dev/null'");
  if (!S_ISCHR (st.st_mode) || major (st.st_rdev) != 1 || minor (st.st_rdev) != 3)
    return berr_make (err, 0, "'/dev/null' is not the null device (1:3)");
  return steal_fd (fd);
}

static int
mount_ro_tmpfs (int destfd, const char *label, berr_t **err)
{
  cleanup_close int fsfd = fsopen ("tmpfs", FSOPEN_CLOEXEC);
  cleanup_close int mnt = -1;

  if (fsfd < 0 || fsconfig (fsfd, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0
      || (label && fsconfig (fsfd, FSCONFIG_SET_STRING, "context", label, 0) < 0)
      || fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return berr_make (err, errno, "create tmpfs");
  mnt = fsmount (fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
  if (mnt < 0)
    return berr_make (err, errno, "create tmpfs mount");
  if (move_mount (mnt, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return berr_make (err, errno, "attach tmpfs");
  return 0;
}

/* Directories get an empty read-only tmpfs, anything else /dev/null. */
static int
mask_path (int rootfd, const char *path, const char *label, int *nullfd, berr_t **err)
{
  cleanup_close int fd = util_open_in_root (rootfd, path, 0);
  struct stat st;
  int mnt;

  if (fd < 0 && errno == ENOENT)
    return 0;
  if (fd < 0 || fstat (fd, &st) < 0)
    return berr_make (err, errno, "masked path '%s'", path);
  if (S_ISDIR (st.st_mode))
    return mount_ro_tmpfs (fd, label, err) < 0 ? berr_wrap (err, "masked path '%s'", path) : 0;
  if (*nullfd < 0 && (*nullfd = open_dev_null (rootfd, err)) < 0)
    return berr_wrap (err, "masked path '%s'", path);
  mnt = mounts_bind_onto (*nullfd, NULL, fd, false, err);
  if (mnt < 0)
    return berr_wrap (err, "masked path '%s'", path);
  close (mnt);
  return 0;
}

/* A recursive clone made read-only before it is attached; the clone keeps
 * the nosuid/nodev/noexec of what it copies. */
static int
readonly_path (int rootfd, const char *path, berr_t **err)
{
  cleanup_close int fd = util_open_in_root (rootfd, path, 0);
  cleanup_close int tree = -1;
  struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };

  if (fd < 0 && errno == ENOENT)
    return 0;
  if (fd < 0)
    return berr_make (err, errno, "readonly path '%s'", path);
  tree = open_tree (fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
  if (tree < 0 || mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof (a)) < 0
      || move_mount (tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return berr_make (err, errno, "readonly path '%s'", path);
  return 0;
}

int
rootfs_finalize (const struct rootfs_config *cfg, berr_t **err)
{
  const oci_spec *spec = cfg->spec;
  cleanup_close int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int nullfd = -1;
  struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
  const char *label = mount_label (spec);
  size_t i;

  if (rootfd < 0)
    return berr_make (err, errno, "open '/'");
  for (i = 0; spec->linux && i < spec->linux->readonly_paths_len; i++)
    if (readonly_path (rootfd, spec->linux->readonly_paths[i], err) < 0)
      return -1;
  for (i = 0; spec->linux && i < spec->linux->masked_paths_len; i++)
    if (mask_path (rootfd, spec->linux->masked_paths[i], label, &nullfd, err) < 0)
      return -1;
  if (spec->root && spec->root->readonly && mount_setattr (rootfd, "", AT_EMPTY_PATH, &ro, sizeof (ro)) < 0)
    return berr_make (err, errno, "remount '/' read-only");
  return 0;
}

int
rootfs_bind_console (int pts_fd, berr_t **err)
{
  cleanup_close int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int dest = -1;
  struct stat st;
  int mnt;

  if (rootfd < 0)
    return berr_make (err, errno, "open '/'");
  if (fstat (pts_fd, &st) < 0 || !S_ISCHR (st.st_mode))
    return berr_make (err, errno ? errno : ENOTTY, "console: the pty is not a character device");
  /* A symlink the image placed at /dev/console would aim the bind at
   * another file of the container's choosing (CVE-2025-52565). */
  dest = util_open_in_root (rootfd, "/dev/console", O_NOFOLLOW);
  if (dest >= 0 && fstat (dest, &st) == 0 && S_ISLNK (st.st_mode))
    return berr_make (err, ELOOP, "console '/dev/console' is a symlink");
  if (dest >= 0)
    close (dest);
  dest = util_mkpath_in_root (rootfd, "/dev/console", true, err);
  if (dest < 0)
    return berr_wrap (err, "console '/dev/console'");
  if (fstat (dest, &st) < 0 || S_ISDIR (st.st_mode))
    return berr_make (err, errno ? errno : EISDIR, "console '/dev/console'");
  mnt = mounts_bind_onto (pts_fd, NULL, dest, false, err);
  if (mnt < 0)
    return berr_wrap (err, "console '/dev/console'");
  close (mnt);
  return 0;
}
