/* Unit tests for img's commit engine: the tar writer (src/img/tar-write.c)
 * read back with libarchive (ustar and pax cases, xattrs, long names, big
 * ids, mtime clamping, gzip/zstd/none, byte-for-byte determinism), the
 * rootfs record and its change finder (src/img/record.c) on a scratch
 * tree, and the layer made from a diff (commit-layer.c: whiteouts, hard
 * links, rootless ownership). */
#include <config.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "commit.h"
#include "digest.h"
#include "record.h"
#include "tap.h"
#include "tar-write.h"
#include "util.h"

static char tmpdir[] = "/tmp/test-img-tar.XXXXXX";

struct buf
{
  char *data;
  size_t len;
};

static int
buf_sink (void *d, const void *p, size_t len, berr_t **err)
{
  struct buf *b = d;
  b->data = xrealloc (b->data, b->len + len);
  memcpy (b->data + b->len, p, len);
  b->len += len;
  return 0;
}

static char long_name[300];

/* A fixed set of entries covering the pax cases. */
static int
write_sample (enum img_compress c, int64_t clamp, struct buf *out, char **diff_id)
{
  struct img_tar_opts o = { .compress = c, .clamp_mtime = clamp };
  cleanup_berr berr_t *err = NULL;
  struct img_xattr xa[2] = { { "user.b", "2", 1 }, { "security.capability", "\x01\x00\x00\x02", 4 } };
  struct img_tar_writer *w = img_tar_writer_new (&o, buf_sink, out, &err);
  struct img_tar_entry e[] = {
    { .name = "dir", .type = IMG_TAR_DIR, .mode = 0755, .mtime = 1000 },
    { .name = "dir/file",
      .type = IMG_TAR_REG,
      .mode = 0644,
      .uid = 1,
      .gid = 2,
      .size = 5,
      .mtime = 2000000000 },
    { .name = "dir/link", .type = IMG_TAR_SYMLINK, .mode = 0777, .linkname = "file", .mtime = 1000 },
    { .name = "dir/hard", .type = IMG_TAR_LINK, .mode = 0644, .linkname = "dir/file", .mtime = 1000 },
    { .name = "dir/xattrs", .type = IMG_TAR_REG, .mode = 04755, .mtime = 1000, .xattrs = xa, .n_xattrs = 2 },
    { .name = long_name, .type = IMG_TAR_REG, .mode = 0600, .mtime = 1000 },
    { .name = "bigid",
      .type = IMG_TAR_REG,
      .mode = 0600,
      .uid = 100000000,
      .gid = 3000000000U,
      .mtime = 1000 },
    { .name = "null", .type = IMG_TAR_CHR, .mode = 0666, .devmajor = 1, .devminor = 3, .mtime = 1000 },
    { .name = "fifo", .type = IMG_TAR_FIFO, .mode = 0644, .mtime = 1000 },
  };
  size_t i;

  if (w == NULL)
    return -1;
  memset (long_name, 'n', 250);
  memcpy (long_name + 250, "/end", 5);
  img_xattrs_sort (xa, 2);
  for (i = 0; i < sizeof e / sizeof e[0]; i++)
    {
      if (img_tar_write_header (w, &e[i], &err) < 0)
        break;
      if (e[i].size && img_tar_write_data (w, "hello", 5, &err) < 0)
        break;
    }
  if (i < sizeof e / sizeof e[0] || img_tar_finish (w, diff_id, &err) < 0)
    {
      diag (err->msg);
      img_tar_writer_free (w);
      return -1;
    }
  img_tar_writer_free (w);
  return 0;
}

static void
test_tar_read_back (void)
{
  struct buf b = { 0 };
  cleanup_free char *diff_id = NULL, *want = NULL;
  struct archive *a;
  struct archive_entry *e;
  const char *xn;
  const void *xv;
  size_t xl;
  char data[8] = "";
  int n = 0;

  ok (write_sample (IMG_COMPRESS_NONE, -1, &b, &diff_id) == 0, "tar: sample written");
  ok (b.len % 512 == 0, "tar: the stream is whole 512-byte blocks");
  want = img_digest_data (IMG_DIGEST_SHA256, b.data, b.len);
  is_str (diff_id, want, "tar: diff_id is the sha256 of the uncompressed stream");
  ok (b.data[156] == '5' && memcmp (b.data, "dir/", 5) == 0, "tar: a plain entry has no pax header");
  ok (memcmp (b.data + 257,
              "ustar\0"
              "00",
              8)
        == 0,
      "tar: ustar magic and version");
  {
    const char *c = memmem (b.data, b.len, "SCHILY.xattr.security.capability=", 33);
    const char *u = memmem (b.data, b.len, "SCHILY.xattr.user.b=2", 21);
    ok (c && u && c < u, "tar: xattrs as SCHILY.xattr.NAME records, sorted by name");
  }

  a = archive_read_new ();
  archive_read_support_format_tar (a);
  archive_read_support_filter_all (a);
  ok (archive_read_open_memory (a, b.data, b.len) == ARCHIVE_OK, "tar: libarchive opens it");
  while (archive_read_next_header (a, &e) == ARCHIVE_OK)
    {
      const char *p = archive_entry_pathname (e);
      n++;
      if (strcmp (p, "dir/file") == 0)
        {
          ok (archive_read_data (a, data, sizeof data) == 5 && memcmp (data, "hello", 5) == 0,
              "tar: file content read back");
          ok (archive_entry_uid (e) == 1 && archive_entry_gid (e) == 2, "tar: numeric owner");
          ok (archive_entry_mtime (e) == 2000000000, "tar: mtime unclamped without SOURCE_DATE_EPOCH");
          ok (archive_entry_uname (e) == NULL || archive_entry_uname (e)[0] == '\0', "tar: uname empty");
        }
      else if (strcmp (p, "dir/link") == 0)
        is_str (archive_entry_symlink (e), "file", "tar: symlink target");
      else if (strcmp (p, "dir/hard") == 0)
        is_str (archive_entry_hardlink (e), "dir/file", "tar: hard link target");
      else if (strcmp (p, "dir/xattrs") == 0)
        {
          bool cap = false;
          is_int (archive_entry_xattr_reset (e), 2, "tar: two xattrs (SCHILY)");
          while (archive_entry_xattr_next (e, &xn, &xv, &xl) == ARCHIVE_OK)
            if (strcmp (xn, "security.capability") == 0)
              cap = xl == 4 && memcmp (xv, "\x01\x00\x00\x02", 4) == 0;
          ok (cap, "tar: binary xattr value read back");
          is_int (archive_entry_mode (e) & 07777, 04755, "tar: setuid mode kept");
        }
      else if (strcmp (p, long_name) == 0)
        ok (1, "tar: a 254-byte name comes back whole (pax path)");
      else if (strcmp (p, "bigid") == 0)
        ok (archive_entry_uid (e) == 100000000 && archive_entry_gid (e) == 3000000000U,
            "tar: ids beyond ustar come back (pax uid/gid)");
      else if (strcmp (p, "null") == 0)
        ok (archive_entry_filetype (e) == AE_IFCHR && archive_entry_rdevmajor (e) == 1
              && archive_entry_rdevminor (e) == 3,
            "tar: character device 1:3");
      else if (strcmp (p, "fifo") == 0)
        ok (archive_entry_filetype (e) == AE_IFIFO, "tar: fifo");
    }
  is_int (n, 9, "tar: nine entries");
  archive_read_free (a);
  free (b.data);
}

static void
test_tar_determinism (void)
{
  static const enum img_compress cs[] = { IMG_COMPRESS_NONE, IMG_COMPRESS_GZIP, IMG_COMPRESS_ZSTD };
  static const char *names[] = { "none", "gzip", "zstd" };
  size_t i;

  for (i = 0; i < 3; i++)
    {
      struct buf x = { 0 }, y = { 0 };
      cleanup_free char *d1 = NULL, *d2 = NULL;
      struct archive *a;
      struct archive_entry *e;
      int n = 0;

      write_sample (cs[i], -1, &x, &d1);
      write_sample (cs[i], -1, &y, &d2);
      ok (x.len == y.len && memcmp (x.data, y.data, x.len) == 0, "%s: two writes give the same bytes",
          names[i]);
      a = archive_read_new ();
      archive_read_support_format_tar (a);
      archive_read_support_filter_all (a);
      archive_read_open_memory (a, x.data, x.len);
      while (archive_read_next_header (a, &e) == ARCHIVE_OK)
        n++;
      is_int (n, 9, "%s: libarchive decompresses and reads all entries", names[i]);
      archive_read_free (a);
      free (x.data);
      free (y.data);
    }
}

static void
test_tar_clamp (void)
{
  struct buf b = { 0 };
  cleanup_free char *d = NULL;
  struct archive *a;
  struct archive_entry *e;
  bool all = true;

  write_sample (IMG_COMPRESS_NONE, 1500, &b, &d);
  a = archive_read_new ();
  archive_read_support_format_tar (a);
  archive_read_open_memory (a, b.data, b.len);
  while (archive_read_next_header (a, &e) == ARCHIVE_OK)
    if (archive_entry_mtime (e) > 1500
        || (strcmp (archive_entry_pathname (e), "dir/") == 0 && archive_entry_mtime (e) != 1000))
      all = false;
  ok (all, "tar: mtimes clamped to SOURCE_DATE_EPOCH, older ones kept");
  archive_read_free (a);
  free (b.data);
  setenv ("SOURCE_DATE_EPOCH", "12x", 1);
  {
    cleanup_berr berr_t *err = NULL;
    int64_t v;
    ok (img_source_date_epoch (&v, &err) < 0 && strstr (err->msg, "'12x'"),
        "SOURCE_DATE_EPOCH=12x is refused");
  }
  unsetenv ("SOURCE_DATE_EPOCH");
}

/* ---- record and diff ---- */

static int bundlefd = -1, rootfd = -1;

static void
sh (const char *fmt, const char *arg)
{
  cleanup_free char *cmd = xasprintf (fmt, arg, arg, arg, arg);
  if (system (cmd) != 0)
    diag (cmd);
}

struct changes
{
  char s[4096];
};

static int
collect (void *data, const struct img_change *c, berr_t **err)
{
  struct changes *ch = data;
  static const char k[] = "AMD";
  size_t n = strlen (ch->s);
  snprintf (ch->s + n, sizeof ch->s - n, "%s%c %s", n ? ", " : "", k[c->kind], c->path);
  return 0;
}

/* The changes since the record; the record is then brought up to date. */
static const char *
changes (void)
{
  static struct changes ch;
  cleanup_berr berr_t *err = NULL;
  cleanup_free char *tmp = NULL;

  ch.s[0] = '\0';
  if (img_record_diff (bundlefd, rootfd, true, collect, &ch, &tmp, &err) < 0
      || img_record_install (bundlefd, tmp, &err) < 0)
    {
      diag (err->msg);
      return "(error)";
    }
  return ch.s;
}

static void
test_record (void)
{
  cleanup_berr berr_t *err = NULL;
  struct timespec keep[2];
  struct stat st;
  int fd;

  sh ("mkdir -p %s/bundle/rootfs/etc %s/bundle/rootfs/d/sub %s/bundle/rootfs/x", tmpdir);
  sh (
    "cd %s/bundle/rootfs && echo one > etc/a && echo two > etc/b && echo three > d/sub/f && echo four > x/y "
    "&& ln -s a etc/l && echo c > c && ln c c2 && echo 'a b%%' > 'etc/sp ace'",
    tmpdir);
  {
    cleanup_free char *b = xasprintf ("%s/bundle", tmpdir);
    bundlefd = open (b, O_RDONLY | O_DIRECTORY);
    rootfd = openat (bundlefd, "rootfs", O_RDONLY | O_DIRECTORY);
  }
  ok (img_record_write (bundlefd, rootfd, &err) == 0, "record: written");
  if (err)
    diag (err->msg);
  is_str (changes (), "", "record: no changes right after the record");

  sh ("cd %s/bundle/rootfs && echo new > etc/new", tmpdir);
  is_str (changes (), "M etc, A etc/new", "record: an added file (and its directory's mtime)");

  /* Same size, mtime put back: only the ctime tells. */
  fstatat (rootfd, "etc/a", &st, 0);
  keep[0] = st.st_atim;
  keep[1] = st.st_mtim;
  fd = openat (rootfd, "etc/a", O_WRONLY);
  ok (write (fd, "ONE\n", 4) == 4, "record: rewrite etc/a in place");
  close (fd);
  utimensat (rootfd, "etc/a", keep, 0);
  is_str (changes (), "M etc/a", "record: content changed with the same size and mtime");

  sh ("chmod 600 %s/bundle/rootfs/etc/b", tmpdir);
  is_str (changes (), "M etc/b", "record: chmod");
  if (geteuid () == 0)
    {
      sh ("chown 12:34 %s/bundle/rootfs/etc/b", tmpdir);
      is_str (changes (), "M etc/b", "record: chown");
    }
  sh ("setfattr -n user.k -v v %s/bundle/rootfs/c", tmpdir);
  is_str (changes (), "M c, M c2", "record: an xattr on a file with two names reports both");
  sh ("ln -sfn b %s/bundle/rootfs/etc/l", tmpdir);
  is_str (changes (), "M etc, M etc/l", "record: symlink retargeted");
  sh ("rm %s/bundle/rootfs/etc/b", tmpdir);
  is_str (changes (), "M etc, D etc/b", "record: deleted file");
  sh ("rm -r %s/bundle/rootfs/d", tmpdir);
  is_str (changes (), "D d", "record: a deleted directory is one deletion");
  sh ("rm -r %s/bundle/rootfs/x && echo file > %s/bundle/rootfs/x", tmpdir);
  is_str (changes (), "D x, A x", "record: directory replaced by a file: deletion, then the file");
  sh ("rm %s/bundle/rootfs/x && mkdir %s/bundle/rootfs/x && touch %s/bundle/rootfs/x/z", tmpdir);
  is_str (changes (), "D x, A x, A x/z", "record: file replaced by a directory");
  sh ("cd %s/bundle/rootfs && mv 'etc/sp ace' 'etc/sp ace2'", tmpdir);
  is_str (changes (), "M etc, D etc/sp ace, A etc/sp ace2", "record: names with spaces and '%%'");
  {
    /* listxattrat(2) and the /proc/self/fd fallback write the same
     * record (xattrs on files, a directory and, as root, a symlink). */
    cleanup_free char *a = NULL, *b = NULL, *p = xasprintf ("%s/bundle/" IMG_RECORD_NAME, tmpdir);
    size_t alen = 0, blen = 0;
    bool saved = img_record_no_listxattrat;

    sh ("setfattr -n user.a -v 1 %s/bundle/rootfs/etc && setfattr -n user.b -v 2 %s/bundle/rootfs/etc/a",
        tmpdir);
    if (geteuid () == 0)
      sh ("setfattr -h -n trusted.t -v 3 %s/bundle/rootfs/etc/l", tmpdir);
    ok (img_record_write (bundlefd, rootfd, &err) == 0 && util_read_file (p, &a, &alen, &err) == 0,
        "record: written with listxattrat");
    img_record_no_listxattrat = true;
    ok (img_record_write (bundlefd, rootfd, &err) == 0 && util_read_file (p, &b, &blen, &err) == 0,
        "record: written through /proc/self/fd");
    img_record_no_listxattrat = saved;
    ok (a && b && alen == blen && memcmp (a, b, alen) == 0 && strstr (a, " 0000000000000000 :") != NULL,
        "record: both ways give the same bytes");
  }
}

static void
test_record_malformed (void)
{
  cleanup_berr berr_t *err = NULL;
  cleanup_free char *tmp = NULL;
  int fd = openat (bundlefd, "img-rootfs.record", O_WRONLY | O_APPEND);

  ok (write (fd, "bad line\n", 9) == 9, "record: append a malformed line");
  close (fd);
  ok (img_record_diff (bundlefd, rootfd, true, collect, &(struct changes){ 0 }, &tmp, &err) < 0 && err
        && strstr (err->msg, "'img-rootfs.record' line") && strstr (err->msg, "is malformed"),
      "record: a malformed line is reported with its number");
  ok (tmp == NULL, "record: no new record after a failed diff");
  berr_clear (&err);
  fd = openat (bundlefd, "img-rootfs.record", O_WRONLY | O_TRUNC);
  ok (write (fd, "junk\n", 5) == 5, "record: replace the header");
  close (fd);
  ok (img_record_diff (bundlefd, rootfd, true, NULL, NULL, NULL, &err) < 0 && err
        && strstr (err->msg, "is not an img rootfs record"),
      "record: a file without the header is refused");
  berr_clear (&err);
  ok (img_record_write (bundlefd, rootfd, &err) == 0, "record: rewritten");
}

/* The layer of a diff, as tar entries "NAME TYPE [LINK]". */
static void
test_layer (void)
{
  struct img_layer_opts o = { .compress = IMG_COMPRESS_NONE, .clamp_mtime = -1 };
  struct img_layer_result res;
  cleanup_berr berr_t *err = NULL;
  struct buf b = { 0 };
  struct archive *a;
  struct archive_entry *e;
  char list[2048] = "";

  sh ("cd %s/bundle/rootfs && rm etc/new && echo 1 > h1 && ln h1 h2 && echo data > etc/a", tmpdir);
  if (geteuid () == 0)
    sh ("chown 7:8 %s/bundle/rootfs/h1", tmpdir);
  ok (img_layer_write (bundlefd, rootfd, &o, buf_sink, &b, &res, &err) == 0, "layer: written");
  if (err)
    diag (err->msg);
  a = archive_read_new ();
  archive_read_support_format_tar (a);
  archive_read_open_memory (a, b.data, b.len);
  while (archive_read_next_header (a, &e) == ARCHIVE_OK)
    {
      size_t n = strlen (list);
      snprintf (list + n, sizeof list - n, "%s%s%s%s", n ? ", " : "", archive_entry_pathname (e),
                archive_entry_hardlink (e) ? " => " : "",
                archive_entry_hardlink (e) ? archive_entry_hardlink (e) : "");
      if (strcmp (archive_entry_pathname (e), "h1") == 0 && geteuid () == 0)
        ok (archive_entry_uid (e) == 7 && archive_entry_gid (e) == 8, "layer: owner 7:8");
    }
  archive_read_free (a);
  is_str (list, "etc/, etc/a, etc/.wh.new, h1, h2 => h1", "layer: tree order, whiteout, hard link");
  is_int (res.n_entries, 5, "layer: five entries");
  img_record_discard (bundlefd, res.new_record);
  img_layer_result_clear (&res);
  free (b.data);

  /* Rootless: ownership from user.rootlesscontainers (uid 1000, gid 100),
   * the xattr itself not in the layer. */
  sh ("setfattr -n user.rootlesscontainers -v 0x08e807106400 %s/bundle/rootfs/c", tmpdir);
  o.rootless = true;
  b.data = NULL;
  b.len = 0;
  ok (img_layer_write (bundlefd, rootfd, &o, buf_sink, &b, &res, &err) == 0, "layer: rootless written");
  a = archive_read_new ();
  archive_read_support_format_tar (a);
  archive_read_open_memory (a, b.data, b.len);
  while (archive_read_next_header (a, &e) == ARCHIVE_OK)
    if (strcmp (archive_entry_pathname (e), "c") == 0)
      {
        ok (archive_entry_uid (e) == 1000 && archive_entry_gid (e) == 100,
            "layer: rootless owner from the xattr");
        is_int (archive_entry_xattr_reset (e), 1, "layer: only user.k, not user.rootlesscontainers");
      }
  archive_read_free (a);
  img_record_discard (bundlefd, res.new_record);
  img_layer_result_clear (&res);
  free (b.data);
}

int
main (void)
{
  if (mkdtemp (tmpdir) == NULL)
    return 99;
  test_tar_read_back ();
  test_tar_determinism ();
  test_tar_clamp ();
  test_record ();
  test_layer ();
  test_record_malformed ();
  if (getenv ("KEEP") == NULL)
    sh ("rm -rf %s", tmpdir);
  return tap_done ();
}
