/* berth - the sealed copy of the berth binary that enters containers.
 *
 * CVE-2019-5736: a process inside the container can reach the runtime's
 * binary through /proc/<pid>/exe of a berth process that joined it (exec),
 * or by making the container's entry point "#!/proc/self/exe" so that the
 * kernel runs berth itself as a container process.  With a writable host
 * binary, the container then rewrites berth for the next root caller.
 * Like runc and crun, the commands that enter a container re-execute from
 * a memfd copy sealed against any write, so /proc/<pid>/exe never leads to
 * the host inode.  state, list, kill and the others keep running from the
 * file: they never share a namespace with the container, and stay cheap. */
#include <config.h>

#include "selfexe.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define WANTED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

bool
selfexe_needed (const char *cmd)
{
  return strcmp (cmd, "create") == 0 || strcmp (cmd, "run") == 0 || strcmp (cmd, "exec") == 0;
}

static bool
is_sealed (int fd)
{
  int seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & WANTED_SEALS) == WANTED_SEALS;
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

int
selfexe_ensure_sealed (char **argv, berr_t **err)
{
  cleanup_close int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  cleanup_close int mem = -1;
  struct stat st;

  if (self < 0)
    return berr_make (err, errno, "open '/proc/self/exe'");
  if (is_sealed (self))
    return 0;
  if (fstat (self, &st) < 0)
    return berr_make (err, errno, "stat '/proc/self/exe'");
  mem = memfd_exec ("berth");
  if (mem < 0)
    return berr_make (err, errno, "memfd_create");
  if (copy_all (self, mem, st.st_size, err) < 0)
    return -1;
  if (fcntl (mem, F_ADD_SEALS, WANTED_SEALS) < 0)
    return berr_make (err, errno, "seal the in-memory copy of berth");
  syscall (SYS_execveat, mem, "", argv, environ, AT_EMPTY_PATH);
  return berr_make (err, errno, "re-execute berth from its sealed copy");
}
