/* Fuzz target: a layer (tar, gzip or zstd by its magic bytes) applied by
 * img_layer_apply_stream into a fresh scratch rootfs, removed afterwards.
 * The rootfs is BASE/root and BASE also holds a canary file: after every
 * apply BASE must still hold exactly {canary, root} and the canary its
 * content and mode, so an entry escaping the rootfs (.., absolute names,
 * symlinks or hard links out) is caught as a crash.  Inputs of even length
 * are applied as root would (owners, device nodes, xattrs), odd ones
 * rootless.  BASE is made under $TMPDIR (default /tmp). */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fuzz.h"
#include "layer-apply.h"

#define CANARY "berth fuzz canary\n"

struct mem_src
{
  const uint8_t *data;
  size_t size, off;
};

static char base[4096];
static int basefd = -1;

static ssize_t
mem_read (void *data, void *buf, size_t len, berr_t **err)
{
  struct mem_src *m = data;
  size_t n = m->size - m->off < len ? m->size - m->off : len;

  memcpy (buf, m->data + m->off, n);
  m->off += n;
  return (ssize_t)n;
}

static void
remove_base (void)
{
  berr_t *err = NULL;

  if (basefd < 0)
    return;
  if (img_rootfs_remove (basefd, "root", &err) < 0)
    berr_clear (&err);
  unlinkat (basefd, "canary", 0);
  close (basefd);
  rmdir (base);
}

static void
setup (void)
{
  int fd;

  snprintf (base, sizeof base, "%s/berth-fuzz-layer.XXXXXX", getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  FUZZ_ASSERT (mkdtemp (base) != NULL);
  basefd = open (base, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  FUZZ_ASSERT (basefd >= 0);
  fd = openat (basefd, "canary", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  FUZZ_ASSERT (fd >= 0 && write (fd, CANARY, strlen (CANARY)) == (ssize_t)strlen (CANARY));
  close (fd);
  atexit (remove_base);
}

static void
check_base (void)
{
  char buf[64];
  struct stat st;
  struct dirent *d;
  DIR *dir;
  ssize_t n;
  int fd, entries = 0;

  fd = openat (basefd, "canary", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  FUZZ_ASSERT (fd >= 0 && fstat (fd, &st) == 0);
  FUZZ_ASSERT (S_ISREG (st.st_mode) && (st.st_mode & 07777) == 0600 && st.st_nlink == 1);
  n = read (fd, buf, sizeof buf);
  FUZZ_ASSERT (n == (ssize_t)strlen (CANARY) && memcmp (buf, CANARY, n) == 0);
  close (fd);

  fd = openat (basefd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  dir = fdopendir (fd);
  FUZZ_ASSERT (dir != NULL);
  while ((d = readdir (dir)) != NULL)
    {
      if (strcmp (d->d_name, ".") == 0 || strcmp (d->d_name, "..") == 0)
        continue;
      if (strcmp (d->d_name, "canary") != 0 && strcmp (d->d_name, "root") != 0)
        {
          fprintf (stderr, "entry '%s' written outside the rootfs\n", d->d_name);
          abort ();
        }
      entries++;
    }
  closedir (dir);
  FUZZ_ASSERT (entries == 2);
  FUZZ_ASSERT (fstatat (basefd, "root", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct mem_src m = { data, size, 0 };
  struct img_layer_src src = { mem_read, &m, "application/vnd.oci.image.layer.v1.tar", NULL, "fuzz" };
  struct img_apply_opts o = { .rootless = size % 2 == 1 || geteuid () != 0, .quiet = true };
  struct img_apply_stats stats = { 0 };
  berr_t *err = NULL;
  int rootfd;

  if (basefd < 0)
    setup ();
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
    src.media_type = "application/vnd.oci.image.layer.v1.tar+gzip";
  else if (size >= 4 && memcmp (data, "\x28\xb5\x2f\xfd", 4) == 0)
    src.media_type = "application/vnd.oci.image.layer.v1.tar+zstd";

  FUZZ_ASSERT (mkdirat (basefd, "root", 0755) == 0);
  rootfd = openat (basefd, "root", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  FUZZ_ASSERT (rootfd >= 0);
  if (img_layer_apply_stream (&src, rootfd, &o, &stats, &err) < 0)
    FUZZ_ASSERT (err != NULL);
  berr_clear (&err);
  close (rootfd);
  check_base ();
  FUZZ_ASSERT (img_rootfs_remove (basefd, "root", &err) == 0);
  return 0;
}
