/* berth - the sealed copy of the berth binary that enters containers.
 *
 * CVE-2019-5736: a process inside the container can reach the runtime's
 * binary through /proc/<pid>/exe of a berth process that joined it (exec),
 * or by making the container's entry point "#!/proc/self/exe" so that the
 * kernel runs berth itself as a container process.  With a writable host
 * binary, the container then rewrites berth for the next root caller.
 * The commands that enter a container re-execute from a file no write can
 * reach, so /proc/<pid>/exe never leads to the host inode.  state, list,
 * kill and the others keep running from the file: they never share a
 * namespace with the container, and stay cheap.
 *
 * Root uses a private, detached overlayfs mount that has the binary's
 * directory as its top lower layer and no upper layer (as runc >= 1.2):
 * overlayfs without an upper layer refuses every write (EROFS) and, unlike
 * a read-only bind mount, cannot be made writable by remounting a clone of
 * it.  It copies nothing: the binary's page cache is shared, so neither
 * the time nor the memory of a copy is spent, and nothing is charged to
 * the container's memory cgroup.  Where that mount cannot be made (no
 * CAP_SYS_ADMIN, no overlayfs, a path overlayfs cannot take) the binary is
 * copied into a memfd sealed against any write, as crun does.
 * BERTH_SELFEXE=memfd forces the copy (the tests use it). */
#include <config.h>

#include "selfexe.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define WANTED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
/* Set for the re-executed process only: the device and inode of the
 * overlayfs file it runs from, as the parent saw them. */
#define SEALED_ENV "_BERTH_SEALED_EXE"

extern char **environ;

bool
selfexe_needed (const char *cmd)
{
  return strcmp (cmd, "create") == 0 || strcmp (cmd, "run") == 0 || strcmp (cmd, "exec") == 0;
}

static bool
is_sealed_memfd (int fd)
{
  int seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & WANTED_SEALS) == WANTED_SEALS;
}

static void
dev_ino (const struct stat *st, char *buf, size_t size)
{
  snprintf (buf, size, "%" PRIu64 ":%" PRIu64, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
}

/* The marker alone proves nothing (whoever runs berth sets its
 * environment): the file must also be the very overlayfs inode the parent
 * opened, on a read-only overlayfs.  A host binary can match only if its
 * caller forged the marker for it. */
static bool
is_sealed_overlay (int fd)
{
  const char *mark = getenv (SEALED_ENV);
  struct statfs sfs;
  struct stat st;
  char want[64];

  if (mark == NULL || fstat (fd, &st) < 0 || fstatfs (fd, &sfs) < 0)
    return false;
  dev_ino (&st, want, sizeof want);
  return strcmp (mark, want) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC && (sfs.f_flags & ST_RDONLY);
}

/* A path overlayfs would split or misread: take the memfd copy instead. */
static bool
overlay_path_ok (const char *p)
{
  return p[0] == '/' && strpbrk (p, ":,\\") == NULL;
}

/* Open the running binary through a new overlayfs mount (read-only, no
 * upper layer), detached as soon as the file is open.  -1 when that is
 * not possible here; the caller then copies. */
static int
overlay_open (const char *state_root)
{
  cleanup_free char *layers = NULL;
  cleanup_close int fsfd = -1, mnt = -1;
  char exe[PATH_MAX], *slash;
  berr_t *ignored = NULL;
  ssize_t n;

  if (state_root == NULL || geteuid () != 0)
    return -1;
  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return -1;
  exe[n] = '\0';
  if (!overlay_path_ok (exe) || !overlay_path_ok (state_root))
    return -1;
  slash = strrchr (exe, '/');
  if (slash == exe || slash[1] == '\0')
    return -1;
  *slash = '\0';
  /* create and run make the state root in any case (state.c, 0700) */
  if (util_mkdir_p (state_root, 0700, &ignored) < 0)
    {
      berr_free (ignored);
      return -1;
    }
  /* overlayfs wants two layers when it has no upper one.  The bottom one
   * only has to exist and not overlap the binary's directory (else EBUSY
   * or ELOOP, and the memfd copy): the state root.  The binary's directory
   * is on top, so nothing below can mask the binary, and the one lookup
   * happens before the mount is detached. */
  layers = xasprintf ("%s:%s", exe, state_root);
  fsfd = fsopen ("overlay", FSOPEN_CLOEXEC);
  if (fsfd < 0 || fsconfig (fsfd, FSCONFIG_SET_STRING, "lowerdir", layers, 0) < 0)
    return -1;
  /* no xino: the layers are often on different file systems, and the
   * inode numbers do not matter here (it only spares a kernel warning) */
  fsconfig (fsfd, FSCONFIG_SET_STRING, "xino", "off", 0);
  if (fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  mnt = fsmount (fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
  if (mnt < 0)
    return -1;
  return openat (mnt, slash + 1, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}

/* vm.memfd_noexec=1 (kernel 6.3+) makes a memfd non-executable unless
 * MFD_EXEC is asked for; older kernels reject the unknown flag. */
static int
memfd_exec (const char *name)
{
  int fd = memfd_create (name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create (name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  return fd;
}

static int
copy_all (int from, int to, off_t size, berr_t **err)
{
  off_t done = 0;

  while (done < size)
    {
      ssize_t n = sendfile (to, from, NULL, (size_t)(size - done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return berr_make (err, n < 0 ? errno : EIO, "copy the berth binary into memory");
      done += n;
    }
  return 0;
}

static int
memfd_copy (int self, berr_t **err)
{
  cleanup_close int mem = -1;
  struct stat st;

  if (fstat (self, &st) < 0)
    return berr_make (err, errno, "stat '/proc/self/exe'");
  mem = memfd_exec ("berth");
  if (mem < 0)
    return berr_make (err, errno, "memfd_create");
  if (copy_all (self, mem, st.st_size, err) < 0)
    return -1;
  if (fcntl (mem, F_ADD_SEALS, WANTED_SEALS) < 0)
    return berr_make (err, errno, "seal the in-memory copy of berth");
  return steal_fd (mem);
}

int
selfexe_ensure_sealed (char **argv, const char *state_root, berr_t **err)
{
  cleanup_close int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  cleanup_close int sealed = -1;
  const char *force = getenv ("BERTH_SELFEXE");
  bool sealed_already;
  struct stat st;
  char mark[64];

  if (self < 0)
    return berr_make (err, errno, "open '/proc/self/exe'");
  sealed_already = is_sealed_memfd (self) || is_sealed_overlay (self);
  /* never handed on: not to hooks, not to a berth they run */
  unsetenv (SEALED_ENV);
  if (sealed_already)
    return 0;
  if (force == NULL || strcmp (force, "memfd") != 0)
    sealed = overlay_open (state_root);
  if (sealed >= 0 && fstat (sealed, &st) == 0)
    {
      dev_ino (&st, mark, sizeof mark);
      if (setenv (SEALED_ENV, mark, 1) < 0)
        return berr_make (err, errno, "setenv");
    }
  else
    {
      if (sealed >= 0)
        close (steal_fd (sealed));
      sealed = memfd_copy (self, err);
      if (sealed < 0)
        return -1;
    }
  syscall (SYS_execveat, sealed, "", argv, environ, AT_EMPTY_PATH);
  unsetenv (SEALED_ENV);
  return berr_make (err, errno, "re-execute berth from its sealed copy");
}
