/* Unit tests for the container root file system (src/runtime/mounts.c,
 * devices.c, rootfs.c): the mount option parser, path resolution confined
 * to a scratch rootfs full of hostile symlinks, and - as root, inside private
 * mount namespaces so the host never sees a mount - real mounts, device
 * nodes and the whole setup/pivot/finalize sequence. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/runtime/devices.h"
#include "error.h"
#include "gen/runtime-spec.h"
#include "src/runtime/mounts.h"
#include "src/runtime/rootfs.h"
#include "tap.h"
#include "util.h"

#define OPTS(...) ((char *[]){ __VA_ARGS__ }), sizeof ((char *[]){ __VA_ARGS__ }) / sizeof (char *)

static char uniq[64];

static void
test_opts (void)
{
  struct mount_opts o;
  berr_t *err = NULL;
  bool all_parse, ok_sorted = true;
  char **known;
  size_t i;

  ok (mounts_opts_parse (OPTS ("nosuid", "nodev", "mode=755", "size=65536k"), &o, &err) == 0,
      "parse tmpfs opts");
  is_int (o.flags, MS_NOSUID | MS_NODEV, "nosuid,nodev become flags");
  is_str (o.data, "mode=755,size=65536k", "unknown options become data in order");
  mounts_opts_clear (&o);

  mounts_opts_parse (OPTS ("ro", "rw"), &o, &err);
  ok (!(o.flags & MS_RDONLY) && (o.clear & MS_RDONLY), "rw after ro wins and is recorded as cleared");
  mounts_opts_parse (OPTS ("rw", "ro", "noexec", "strictatime"), &o, &err);
  is_int (o.flags, MS_RDONLY | MS_NOEXEC | MS_STRICTATIME, "ro after rw wins");
  ok (o.data == NULL, "no data when every option is a flag");

  mounts_opts_parse (OPTS ("rbind", "rprivate"), &o, &err);
  is_int (o.flags, MS_BIND | MS_REC, "rbind is MS_BIND|MS_REC");
  is_int (o.propagation, MS_PRIVATE | MS_REC, "rprivate is propagation, not a mount flag");
  mounts_opts_parse (OPTS ("bind", "shared", "slave"), &o, &err);
  is_int (o.propagation, MS_SLAVE, "last propagation option wins");

  mounts_opts_parse (OPTS ("rro", "rnosuid", "rnodev"), &o, &err);
  is_int (o.rec_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, "rro,rnosuid,rnodev");
  is_int (o.flags, 0, "recursive options are not mount(2) flags");
  mounts_opts_parse (OPTS ("rro", "rrw"), &o, &err);
  ok (o.rec_set == 0 && o.rec_clr == MOUNT_ATTR_RDONLY, "rrw after rro clears read-only");
  mounts_opts_parse (OPTS ("rnoatime"), &o, &err);
  ok (o.rec_set == MOUNT_ATTR_NOATIME && o.rec_clr == MOUNT_ATTR__ATIME, "rnoatime replaces the atime mode");

  mounts_opts_parse (OPTS ("newinstance", "ptmxmode=0666", "mode=0620", "gid=5", "x-systemd.automount"), &o,
                     &err);
  is_str (o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5", "devpts data; x-* options dropped");
  mounts_opts_clear (&o);
  mounts_opts_parse (OPTS ("remount", "defaults", "relatime"), &o, &err);
  is_int (o.flags, MS_REMOUNT | MS_RELATIME, "remount, defaults, relatime");

  ok (mounts_opts_parse (OPTS ("tmpcopyup", "mode=755"), &o, &err) == 0 && o.tmpcopyup,
      "tmpcopyup is accepted");
  is_str (o.data, "mode=755", "tmpcopyup is not passed to the kernel");
  mounts_opts_clear (&o);
  mounts_opts_parse (OPTS ("tmpcopyup", "notmpcopyup"), &o, &err);
  ok (!o.tmpcopyup && o.data == NULL, "notmpcopyup cancels it");
  known = mounts_opts_known ();
  for (i = 0, all_parse = true; known[i]; i++)
    {
      all_parse = all_parse && mounts_opts_parse (&known[i], 1, &o, &err) == 0 && o.data == NULL;
      ok_sorted = ok_sorted && (i == 0 || strcmp (known[i - 1], known[i]) < 0);
      mounts_opts_clear (&o);
    }
  ok (i > 60 && all_parse && ok_sorted, "every known option (%zu) parses without reaching the data string",
      i);
  for (i = 0; known[i]; i++)
    free (known[i]);
  free (known);
  ok (mounts_opts_parse (OPTS ("rbind", "idmap"), &o, &err) == 0 && o.idmap && !o.ridmap
        && o.flags == (MS_BIND | MS_REC) && o.data == NULL,
      "idmap marks an idmapped bind, not a data option");
  mounts_opts_clear (&o);
  ok (mounts_opts_parse (OPTS ("ridmap", "bind"), &o, &err) == 0 && o.idmap && o.ridmap && o.data == NULL,
      "ridmap marks a recursive idmap");
  mounts_opts_clear (&o);
  berr_clear (&err);
}

static bool
is_dir_at (const char *dir, const char *rel)
{
  struct stat st;
  char *p = xasprintf ("%s/%s", dir, rel);
  bool r = stat (p, &st) == 0 && S_ISDIR (st.st_mode);
  free (p);
  return r;
}

static bool
host_has (const char *name)
{
  char *p = xasprintf ("/%s", name);
  bool r = access (p, F_OK) == 0;
  free (p);
  return r;
}

/* The resolution tests need no privilege: openat2 does the confining. */
static void
test_resolve (const char *scratch)
{
  int rootfd = open (scratch, O_PATH | O_DIRECTORY);
  char *path, *want;
  berr_t *err = NULL;
  struct stat a, b;
  int fd;

  symlinkat ("/", rootfd, "a");
  symlinkat ("../../..", rootfd, "b");
  symlinkat ("/proc/self/root", rootfd, "c");
  symlinkat ("/dangling/target", rootfd, "d");
  symlinkat ("e", rootfd, "e");

  path = xasprintf ("a/%s-a/sub", uniq);
  fd = util_mkpath_in_root (rootfd, path, false, &err);
  want = xasprintf ("%s-a/sub", uniq);
  ok (fd >= 0 && is_dir_at (scratch, want), "a -> /: 'a/x/sub' is created inside the rootfs");
  ok (!host_has (want) && !host_has (uniq), "a -> /: nothing created on the host");
  ok (fd >= 0 && fstat (fd, &a) == 0 && fstatat (rootfd, want, &b, 0) == 0 && a.st_ino == b.st_ino,
      "the returned fd is the created directory");
  close (fd);
  free (path);
  free (want);

  path = xasprintf ("b/%s-b/file", uniq);
  fd = util_mkpath_in_root (rootfd, path, true, &err);
  want = xasprintf ("%s/%s-b/file", scratch, uniq);
  ok (fd >= 0 && stat (want, &a) == 0 && S_ISREG (a.st_mode), "b -> ../../..: file created inside");
  free (want);
  want = xasprintf ("%s-b", uniq);
  ok (!host_has (want), "b -> ../../..: nothing on the host");
  close (fd);
  free (path);
  free (want);

  path = xasprintf ("c/%s-c", uniq);
  fd = util_mkpath_in_root (rootfd, path, false, &err);
  want = xasprintf ("proc/self/root/%s-c", uniq);
  ok (fd >= 0 && is_dir_at (scratch, want), "c -> /proc/self/root: followed inside the rootfs");
  free (want);
  want = xasprintf ("%s-c", uniq);
  ok (!host_has (want), "c -> /proc/self/root: nothing on the host");
  close (fd);
  free (path);
  free (want);

  fd = util_mkpath_in_root (rootfd, "/d/x", false, &err);
  ok (fd >= 0 && is_dir_at (scratch, "dangling/target/x"), "a dangling absolute link is created inside");
  close (fd);
  ok (util_mkpath_in_root (rootfd, "/e/x", false, &err) < 0 && err && strstr (err->msg, "symbolic links"),
      "a symlink loop fails");
  berr_clear (&err);
  fd = util_open_in_root (rootfd, "../../../etc/passwd", 0);
  ok (fd < 0 && errno == ENOENT, "'../../../etc/passwd' does not reach the host's passwd");
  close (rootfd);
}

static bool
fs_is (const char *path, long magic)
{
  struct statfs s;
  return statfs (path, &s) == 0 && (long)s.f_type == magic;
}

static bool
vfs_flag (const char *path, unsigned long flag)
{
  struct statvfs s;
  return statvfs (path, &s) == 0 && (s.f_flag & flag);
}

static int
apply (int rootfd, const char *bundle, const char *dest, const char *type, const char *src, char **opts,
       size_t n, berr_t **err)
{
  struct mount_entry m = { dest, type, src, opts, n };
  return mounts_apply (rootfd, bundle, &m, err);
}

static char *
at (const char *dir, const char *rel)
{
  static char buf[4][512];
  static int i;
  i = (i + 1) % 4;
  snprintf (buf[i], sizeof (buf[i]), "%s/%s", dir, rel);
  return buf[i];
}

/* tmpfs with options, a destination through a hostile symlink, binds. */
static void
test_mounts (const char *bundle, const char *rootfs)
{
  int rootfd = open (rootfs, O_PATH | O_DIRECTORY);
  berr_t *err = NULL;
  char *dest;
  struct stat st;

  ok (apply (rootfd, bundle, "/t", "tmpfs", "tmpfs", OPTS ("nosuid", "mode=700", "size=64k"), &err) == 0,
      "mount tmpfs");
  ok (fs_is (at (rootfs, "t"), TMPFS_MAGIC) && vfs_flag (at (rootfs, "t"), ST_NOSUID), "tmpfs with nosuid");
  ok (stat (at (rootfs, "t"), &st) == 0 && (st.st_mode & 0777) == 0700, "tmpfs data mode=700 applied");

  symlinkat ("/", rootfd, "a");
  dest = xasprintf ("/a/%s-m", uniq);
  ok (apply (rootfd, bundle, dest, "tmpfs", "tmpfs", NULL, 0, &err) == 0, "mount through a -> /");
  free (dest);
  dest = xasprintf ("%s-m", uniq);
  ok (fs_is (at (rootfs, dest), TMPFS_MAGIC) && !host_has (dest), "the mount lands inside the rootfs");
  free (dest);

  mkdir (at (bundle, "src"), 0755);
  ok (apply (rootfd, bundle, "/ro", "bind", "src", OPTS ("bind", "ro"), &err) == 0, "read-only bind");
  ok (mkdir (at (rootfs, "ro/x"), 0755) < 0 && errno == EROFS, "the bind is read-only");
  ok (mkdir (at (bundle, "src/y"), 0755) == 0, "its source stays writable");
  ok (stat (at (rootfs, "ro/y"), &st) == 0, "a bind shows its source (relative to the bundle)");

  util_write_file_atomic_at (AT_FDCWD, at (bundle, "hostname"), "box\n", 4, 0644, &err);
  ok (apply (rootfd, bundle, "/etc/hostname", NULL, at (bundle, "hostname"), OPTS ("rbind", "rprivate"), &err)
        == 0,
      "file bind");
  ok (stat (at (rootfs, "etc/hostname"), &st) == 0 && S_ISREG (st.st_mode) && st.st_size == 4,
      "file destination created and bound");

  mkdir (at (bundle, "tree"), 0755);
  mkdir (at (bundle, "tree/sub"), 0755);
  mount ("tmpfs", at (bundle, "tree/sub"), "tmpfs", 0, NULL);
  ok (apply (rootfd, bundle, "/rr", NULL, "tree", OPTS ("rbind", "rro"), &err) == 0, "rbind with rro");
  ok (mkdir (at (rootfs, "rr/sub/x"), 0755) < 0 && errno == EROFS, "rro reaches the submount");
  ok (apply (rootfd, bundle, "/rn", NULL, "tree", OPTS ("rbind", "ro"), &err) == 0, "rbind with ro");
  ok (mkdir (at (rootfs, "rn/sub/x"), 0755) == 0, "plain ro leaves the submount writable");

  close (rootfd);
}

/* tmpcopyup, error messages, proc and sysfs. */
static void
test_mounts_more (const char *bundle, const char *rootfs)
{
  int rootfd = open (rootfs, O_PATH | O_DIRECTORY);
  berr_t *err = NULL;
  struct stat st;

  mkdir (at (rootfs, "tc"), 0750);
  mkdir (at (rootfs, "tc/d"), 0711);
  util_write_file_atomic_at (AT_FDCWD, at (rootfs, "tc/d/f"), "hi", 2, 0604, &err);
  symlink ("d/f", at (rootfs, "tc/l"));
  ok (apply (rootfd, bundle, "/tc", "tmpfs", "tmpfs", OPTS ("tmpcopyup", "ro"), &err) == 0,
      "tmpfs with tmpcopyup");
  if (err)
    diag (err->msg);
  berr_clear (&err);
  ok (fs_is (at (rootfs, "tc"), TMPFS_MAGIC) && vfs_flag (at (rootfs, "tc"), ST_RDONLY), "a read-only tmpfs");
  ok (stat (at (rootfs, "tc/d/f"), &st) == 0 && st.st_size == 2 && (st.st_mode & 0777) == 0604
        && fs_is (at (rootfs, "tc/d"), TMPFS_MAGIC),
      "it holds a copy of the covered file, mode kept");
  ok (stat (at (rootfs, "tc/d"), &st) == 0 && (st.st_mode & 0777) == 0711, "directory mode kept");
  ok (lstat (at (rootfs, "tc/l"), &st) == 0 && S_ISLNK (st.st_mode) && stat (at (rootfs, "tc/l"), &st) == 0,
      "symlink copied and resolving");
  ok (apply (rootfd, bundle, "/ro", NULL, NULL, OPTS ("bind", "remount", "rw"), &err) == 0,
      "a bind remount without type or source");
  ok (mkdir (at (rootfs, "ro/z"), 0755) == 0, "remount rw made the read-only bind writable");
  berr_clear (&err);
  ok (apply (rootfd, bundle, "/z", "nosuchfs", "nosuchfs", NULL, 0, &err) < 0, "unknown fs type fails");
  is_str (err ? err->msg : NULL, "mount 'nosuchfs' on '/z': No such device", "error names mount and reason");
  berr_clear (&err);
  ok (apply (rootfd, bundle, "/nb", "bind", "missing", OPTS ("bind"), &err) < 0 && err
        && strstr (err->msg, "missing' on '/nb': No such file or directory"),
      "missing bind source named");
  berr_clear (&err);

  mkdir (at (rootfs, "pdir"), 0755);
  symlinkat ("pdir", rootfd, "p2");
  ok (apply (rootfd, bundle, "/p2", "proc", "proc", NULL, 0, &err) < 0 && err
        && strstr (err->msg, "mount 'proc' on '/p2': the destination is reached through a symlink"),
      "proc through a symlink in the image is refused");
  berr_clear (&err);
  ok (!fs_is (at (rootfs, "pdir"), PROC_SUPER_MAGIC), "and not mounted");
  ok (apply (rootfd, bundle, "/proc", "proc", "proc", NULL, 0, &err) == 0, "mount proc");
  ok (fs_is (at (rootfs, "proc"), PROC_SUPER_MAGIC), "proc is procfs");
  symlinkat ("/proc/self/root", rootfd, "c");
  ok (apply (rootfd, bundle, "/c/x", "tmpfs", "tmpfs", NULL, 0, &err) < 0 && err
        && strstr (err->msg, "resolves outside the rootfs"),
      "a destination through a magic link in the rootfs' /proc is refused");
  berr_clear (&err);
  ok (apply (rootfd, bundle, "/sys", "sysfs", "sysfs", OPTS ("nosuid", "ro"), &err) == 0, "mount sysfs");
  ok (fs_is (at (rootfs, "sys"), SYSFS_MAGIC) && vfs_flag (at (rootfs, "sys"), ST_RDONLY), "sysfs read-only");
  close (rootfd);
}

/* A cgroup mount at dest (relative to the rootfs); with cgroupns the
 * caller has unshared a cgroup namespace, so the mounts are fresh. */
static void
test_cgroup (const char *bundle, const char *rootfs, const char *dest, bool cgroupns)
{
  int rootfd = open (rootfs, O_PATH | O_DIRECTORY);
  struct mount_entry m = { dest, "cgroup", "cgroup", OPTS ("nosuid", "ro"), cgroupns, NULL };
  const char *how = cgroupns ? "in a cgroup namespace" : "without a cgroup namespace";
  bool v2 = fs_is ("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC);
  char *memory = xasprintf ("%s%s/memory", rootfs, dest);
  berr_t *err = NULL;

  ok (mounts_apply (rootfd, bundle, &m, &err) == 0, "mount cgroup %s", how);
  if (err)
    diag (err->msg);
  berr_clear (&err);
  if (v2)
    ok (fs_is (at (rootfs, dest), CGROUP2_SUPER_MAGIC) && vfs_flag (at (rootfs, dest), ST_RDONLY),
        "cgroup v2 host, %s: cgroup2, read-only", how);
  else
    {
      ok (fs_is (at (rootfs, dest), TMPFS_MAGIC) && !vfs_flag (at (rootfs, dest), ST_RDONLY),
          "v1/hybrid host, %s: a tmpfs, writable as runc and crun leave it", how);
      if (fs_is ("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC))
        ok (fs_is (memory, CGROUP_SUPER_MAGIC) && vfs_flag (memory, ST_RDONLY),
            "%s: the memory hierarchy is mounted read-only inside", how);
    }
  free (memory);
  close (rootfd);
}

static bool
is_node (const char *path, unsigned maj, unsigned min, mode_t perm)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == makedev (maj, min)
         && (perm == 0 || (st.st_mode & 07777) == perm);
}

static void
test_devices (const char *rootfs, const char *hostdir)
{
  int rootfd = open (rootfs, O_PATH | O_DIRECTORY);
  struct device_entry fuse = { "/dev/fuse", 'c', 10, 229, 0600, 0, 0 };
  struct device_entry bound = { "/dev/zero", 'c', 1, 5, 0666, 0, 0 };
  berr_t *err = NULL;
  char link[64] = "";
  struct stat st, host;
  char *p;

  /* The image's /dev points at a host directory that exists. */
  symlinkat (hostdir, rootfd, "dev");
  ok (devices_create_defaults (rootfd, false, &err) == 0, "default devices");
  p = xasprintf ("%s%s/null", rootfs, hostdir);
  ok (stat (p, &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == makedev (1, 3)
        && (st.st_mode & 07777) == 0666,
      "/dev/null is 1:3 mode 0666, inside the rootfs");
  free (p);
  p = xasprintf ("%s/null", hostdir);
  ok (access (p, F_OK) < 0, "nothing created in the host directory /dev pointed to");
  free (p);
  ok (devices_create (rootfd, &fuse, false, &err) == 0, "linux.devices entry");
  p = xasprintf ("%s%s/fuse", rootfs, hostdir);
  ok (is_node (p, 10, 229, 0600), "fuse is 10:229 with its fileMode");
  free (p);
  ok (devices_create (rootfd, &bound, true, &err) == 0, "user-namespace style device (bind)");
  if (err)
    diag (err->msg);
  berr_clear (&err);
  p = xasprintf ("%s%s/zero", rootfs, hostdir);
  ok (stat (p, &st) == 0 && stat ("/dev/zero", &host) == 0 && st.st_ino == host.st_ino
        && st.st_dev == host.st_dev,
      "the node is the host's /dev/zero, bound over the mknod'ed one");
  free (p);
  ok (devices_symlinks (rootfd, true, &err) == 0, "/dev symlinks");
  p = xasprintf ("%s%s/fd", rootfs, hostdir);
  ok (readlink (p, link, sizeof (link) - 1) > 0 && strcmp (link, "/proc/self/fd") == 0,
      "/dev/fd -> /proc/self/fd");
  free (p);
  memset (link, 0, sizeof (link));
  p = xasprintf ("%s%s/ptmx", rootfs, hostdir);
  ok (readlink (p, link, sizeof (link) - 1) > 0 && strcmp (link, "pts/ptmx") == 0, "/dev/ptmx -> pts/ptmx");
  free (p);
  close (rootfd);
}

static const char flow_config[]
  = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"mounts\":["
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
    "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"rootfsPropagation\":\"rslave\","
    "\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\",\"/sys/firmware\",\"/proc/nonexistent\"],"
    "\"readonlyPaths\":[\"/proc/sys\"],"
    "\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229}]}}";

#define CHECK(out, cond, ...)                                                                                \
  do                                                                                                         \
    {                                                                                                        \
      fprintf (out, "%d ", (cond) ? 1 : 0);                                                                  \
      fprintf (out, __VA_ARGS__);                                                                            \
      fputc ('\n', out);                                                                                     \
    }                                                                                                        \
  while (0)

/* The file system at dirfd/name (an O_PATH open crosses into a mount). */
static bool
fs_at_is (int dirfd, const char *name, long magic)
{
  int fd = openat (dirfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct statfs s;
  bool r = fd >= 0 && fstatfs (fd, &s) == 0 && (long)s.f_type == magic;

  if (fd >= 0)
    close (fd);
  return r;
}

/* What a process in the finished container sees. */
static void
flow_observe (FILE *out)
{
  char cwd[64] = "", link[64] = "";
  struct stat st;
  int fd;

  CHECK (out, getcwd (cwd, sizeof (cwd)) && strcmp (cwd, "/") == 0, "cwd is / (got '%s')", cwd);
  CHECK (out, access ("/etc/passwd", F_OK) < 0, "the host's files are gone");
  CHECK (out, is_node ("/proc/keys", 1, 3, 0), "masked /proc/keys is /dev/null");
  CHECK (out, fs_is ("/sys/firmware", TMPFS_MAGIC) && vfs_flag ("/sys/firmware", ST_RDONLY),
         "masked /sys/firmware is a read-only tmpfs");
  fd = open ("/proc/sys/kernel/domainname", O_WRONLY);
  CHECK (out, fd < 0 && errno == EROFS, "readonly /proc/sys refuses writes");
  CHECK (out, mkdir ("/newdir", 0755) < 0 && errno == EROFS, "root.readonly: / is read-only");
  CHECK (out, fs_is ("/dev", TMPFS_MAGIC) && vfs_flag ("/dev", ST_NOSUID), "/dev is the config's tmpfs");
  CHECK (out, mkdir ("/dev/x", 0755) == 0, "/dev stays writable under a read-only root");
  CHECK (out, is_node ("/dev/null", 1, 3, 0666) && is_node ("/dev/tty", 5, 0, 0666), "default devices");
  CHECK (out, is_node ("/dev/fuse", 10, 229, 0666), "linux.devices without fileMode: 0666");
  CHECK (out, readlink ("/dev/ptmx", link, sizeof (link) - 1) > 0 && strcmp (link, "pts/ptmx") == 0,
         "/dev/ptmx -> pts/ptmx");
  CHECK (out, stat ("/dev/pts/ptmx", &st) == 0 && fs_is ("/dev/pts", DEVPTS_SUPER_MAGIC), "devpts mounted");
  CHECK (out, fs_is ("/sys", SYSFS_MAGIC) && vfs_flag ("/sys", ST_RDONLY), "/sys read-only sysfs");
  CHECK (out, fs_is ("/proc", PROC_SUPER_MAGIC) && access ("/proc/self/fd/0", F_OK) == 0, "/proc works");
}

/* process.terminal: a pty of the container's devpts becomes /dev/console. */
static void
flow_console (FILE *out)
{
  int master = posix_openpt (O_RDWR | O_NOCTTY), slave = -1;
  struct stat pty, console;
  berr_t *err = NULL;
  char *name;

  if (master >= 0 && grantpt (master) == 0 && unlockpt (master) == 0 && (name = ptsname (master)))
    slave = open (name, O_RDWR | O_NOCTTY);
  CHECK (out, slave >= 0 && rootfs_bind_console (slave, &err) == 0, "bind the console%s%s", err ? ": " : "",
         err ? err->msg : "");
  CHECK (out,
         slave >= 0 && fstat (slave, &pty) == 0 && stat ("/dev/console", &console) == 0
           && console.st_rdev == pty.st_rdev && fs_is ("/dev/console", DEVPTS_SUPER_MAGIC),
         "/dev/console is the pty, from the container's devpts");
  berr_clear (&err);
}

/* Runs in its own mount namespace: the pivot changes the root of every
 * process sharing the namespace. */
static void
flow_child (FILE *out, const char *bundle, const char *rootfs, bool no_pivot, bool hostile_null)
{
  oci_spec *spec = oci_spec_parse_data (flow_config, strlen (flow_config), "config.json", NULL);
  struct rootfs_config cfg = { spec, bundle, rootfs, no_pivot, false };
  berr_t *err = NULL;
  char *null_path;
  int r, oldroot;

  if (spec == NULL || unshare (CLONE_NEWNS) < 0)
    {
      CHECK (out, 0, "parse config and unshare");
      return;
    }
  mkdir (rootfs, 0755);
  r = rootfs_setup (&cfg, &err);
  CHECK (out, r == 0, "rootfs_setup%s%s", err ? ": " : "", err ? err->msg : "");
  if (hostile_null)
    {
      /* CVE-2025-31133: the container swaps /dev/null for a link to a
       * file it wants to make writable through a masked path. */
      null_path = xasprintf ("%s/dev/null", rootfs);
      unlink (null_path);
      symlink ("/proc/sys/kernel/core_pattern", null_path);
      free (null_path);
    }
  oldroot = open ("/", O_PATH | O_DIRECTORY);
  r = rootfs_pivot (&cfg, &err);
  CHECK (out, r == 0, "rootfs_pivot%s%s", err ? ": " : "", err ? err->msg : "");
  /* Under a chroot the old root is still there; its proc and sysfs must be
   * gone (a descriptor opened before is the only way to look). */
  if (no_pivot)
    CHECK (out, !fs_at_is (oldroot, "proc", PROC_SUPER_MAGIC) && !fs_at_is (oldroot, "sys", SYSFS_MAGIC),
           "the host's /proc and /sys are detached below the chroot");
  close (oldroot);
  r = rootfs_finalize (&cfg, &err);
  if (hostile_null)
    {
      CHECK (out,
             r < 0 && err && strstr (err->msg, "masked path '/proc/k")
               && strstr (err->msg, "not the null device"),
             "a /dev/null symlink is refused (%s)", err ? err->msg : "no error");
      CHECK (out, !is_node ("/proc/keys", 1, 3, 0), "nothing was mounted over /proc/keys");
      return;
    }
  CHECK (out, r == 0, "rootfs_finalize%s%s", err ? ": " : "", err ? err->msg : "");
  flow_observe (out);
  flow_console (out);
}

static void
test_flow (const char *bundle, const char *name, bool no_pivot, bool hostile_null)
{
  char *rootfs = xasprintf ("%s/%s", bundle, name);
  char line[1024];
  int p[2], status;
  FILE *in;
  pid_t pid;

  if (pipe (p) < 0)
    return;
  fflush (stdout);
  pid = fork ();
  if (pid == 0)
    {
      FILE *out = fdopen (p[1], "w");
      close (p[0]);
      flow_child (out, bundle, rootfs, no_pivot, hostile_null);
      fclose (out);
      _exit (0);
    }
  close (p[1]);
  in = fdopen (p[0], "r");
  while (fgets (line, sizeof (line), in))
    {
      line[strcspn (line, "\n")] = '\0';
      ok (line[0] == '1', "%s: %s", name, line + 2);
    }
  fclose (in);
  ok (waitpid (pid, &status, 0) == pid && WIFEXITED (status) && WEXITSTATUS (status) == 0, "%s: exits", name);
  free (rootfs);
}

/* Everything that mounts runs in a child with its own mount namespace; its
 * mounts vanish with it.  It reports its TAP counts back through a pipe. */
static void
run_mount_tests (const char *bundle, const char *hostdir)
{
  int p[2], counts[2] = { 0, 0 };
  pid_t pid;

  if (pipe (p) < 0)
    return;
  fflush (stdout);
  pid = fork ();
  if (pid == 0)
    {
      close (p[0]);
      if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        ok (0, "private mount namespace: %s", strerror (errno));
      else
        {
          char *rootfs = xasprintf ("%s/rootfs", bundle);
          mkdir (rootfs, 0755);
          test_mounts (bundle, rootfs);
          test_mounts_more (bundle, rootfs);
          test_cgroup (bundle, rootfs, "/sys/fs/cgroup", false);
          if (unshare (CLONE_NEWCGROUP) == 0)
            test_cgroup (bundle, rootfs, "/cg-ns", true);
          test_devices (rootfs, hostdir);
          free (rootfs);
          test_flow (bundle, "pivot", false, false);
          test_flow (bundle, "no-pivot", true, false);
          test_flow (bundle, "hostile-null", false, true);
        }
      counts[0] = tap_n;
      counts[1] = tap_failed;
      if (write (p[1], counts, sizeof (counts)) < 0)
        _exit (1);
      _exit (0);
    }
  close (p[1]);
  /* The child started from our counts, so its totals replace ours. */
  if (read (p[0], counts, sizeof (counts)) == sizeof (counts))
    {
      tap_n = counts[0];
      tap_failed = counts[1];
    }
  else
    ok (0, "the mount test child reported its results");
  close (p[0]);
  waitpid (pid, NULL, 0);
}

int
main (void)
{
  char scratch[] = "/tmp/berth-test-mounts.XXXXXX";
  char bundle[] = "/tmp/berth-test-bundle.XXXXXX";
  char hostdir[] = "/tmp/berth-test-hostdev.XXXXXX";
  berr_t *err = NULL;

  snprintf (uniq, sizeof (uniq), "berth-test-%d", (int)getpid ());
  test_opts ();
  ok (mkdtemp (scratch) != NULL, "scratch rootfs");
  test_resolve (scratch);
  util_rm_rf_at (AT_FDCWD, scratch, &err);
  berr_clear (&err);

  if (geteuid () != 0)
    {
      diag ("skipping the mount tests: they need root");
      return tap_done ();
    }
  if (mkdtemp (bundle) && mkdtemp (hostdir))
    run_mount_tests (bundle, hostdir);
  util_rm_rf_at (AT_FDCWD, bundle, &err);
  berr_clear (&err);
  util_rm_rf_at (AT_FDCWD, hostdir, &err);
  berr_clear (&err);
  return tap_done ();
}
