/* Fuzz target: the image config's User resolved against the image's own
 * /etc/passwd and /etc/group (img_user_resolve, as `img unpack` does).
 * Input: the User value up to the first newline, then the passwd file up
 * to the first NUL byte, then the group file; both are written into a
 * scratch rootfs under $TMPDIR (default /tmp) that is removed at exit. */
#include <config.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "error.h"
#include "fuzz.h"

static char base[4096];
static int rootfd = -1;

static void
cleanup (void)
{
  unlinkat (rootfd, "etc/passwd", 0);
  unlinkat (rootfd, "etc/group", 0);
  unlinkat (rootfd, "etc", AT_REMOVEDIR);
  close (rootfd);
  rmdir (base);
}

static void
put (const char *name, const char *data, size_t len)
{
  int fd = openat (rootfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  FUZZ_ASSERT (fd >= 0 && write (fd, data, len) == (ssize_t)len);
  close (fd);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = fuzz_strndup (data, size);
  char *end = s + size, *passwd, *group, *nl, *nul;
  struct img_exec_user u = { 0 };
  berr_t *err = NULL;

  if (rootfd < 0)
    {
      snprintf (base, sizeof base, "%s/berth-fuzz-user.XXXXXX",
                getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
      FUZZ_ASSERT (mkdtemp (base) != NULL);
      rootfd = open (base, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
      FUZZ_ASSERT (rootfd >= 0 && mkdirat (rootfd, "etc", 0755) == 0);
      atexit (cleanup);
    }
  nl = memchr (s, '\n', size);
  passwd = nl ? nl + 1 : end;
  if (nl)
    *nl = '\0';
  nul = memchr (passwd, '\0', (size_t)(end - passwd));
  group = nul && nul < end ? nul + 1 : end;
  put ("etc/passwd", passwd, (size_t)((nul ? nul : end) - passwd));
  put ("etc/group", group, (size_t)(end - group));

  if (img_user_resolve (rootfd, s, &u, &err) == 0)
    {
      FUZZ_ASSERT (u.home != NULL);
      FUZZ_ASSERT (u.sgids_len == 0 || u.sgids != NULL);
      img_exec_user_clear (&u);
    }
  else
    FUZZ_ASSERT (err != NULL);
  berr_free (err);
  free (s);
  return 0;
}
