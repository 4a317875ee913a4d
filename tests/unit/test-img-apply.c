/* Unit tests for src/img/layer-apply: tar streams made here with
 * libarchive's writer (compressed with zlib and libzstd directly), fed to
 * img_layer_apply_stream from memory, and the resulting tree checked with
 * stat/readlink/getxattr: entry types, metadata, whiteouts and opaque
 * directories (same-layer ordering included), diff_id checks, hostile
 * names, rootless ownership; the decoding thread against the single-threaded
 * path (same tree, same diff_id, same errors). */
#include <config.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "digest.h"
#include "layer-apply.h"
#include "layer-internal.h"
#include "tap.h"
#include "util.h"

struct ent
{
  const char *name;
  char type; /* f d l h c b p (file dir symlink hardlink chr blk fifo) */
  unsigned perm;
  const char *data; /* file content, or symlink / hard link target */
  unsigned uid, gid;
  const char *xname, *xval;
};

#define MTIME 1500000000

static unsigned char *
make_tar (const struct ent *ents, size_t n, size_t *len)
{
  size_t cap = 16 << 20, used = 0, i;
  unsigned char *buf = xmalloc (cap);
  struct archive *a = archive_write_new ();

  archive_write_set_format_pax_restricted (a);
  archive_write_set_bytes_in_last_block (a, 1);
  if (archive_write_open_memory (a, buf, cap, &used) != ARCHIVE_OK)
    abort ();
  for (i = 0; i < n; i++)
    {
      const struct ent *x = &ents[i];
      struct archive_entry *e = archive_entry_new ();
      size_t dlen = x->type == 'f' && x->data ? strlen (x->data) : 0;

      archive_entry_set_pathname (e, x->name);
      archive_entry_set_perm (e, x->perm ? x->perm : 0644);
      archive_entry_set_uid (e, x->uid);
      archive_entry_set_gid (e, x->gid);
      archive_entry_set_mtime (e, MTIME + (time_t)i, 0);
      switch (x->type)
        {
        case 'd':
          archive_entry_set_filetype (e, AE_IFDIR);
          break;
        case 'l':
          archive_entry_set_filetype (e, AE_IFLNK);
          archive_entry_set_symlink (e, x->data);
          break;
        case 'h':
          archive_entry_set_filetype (e, AE_IFREG);
          archive_entry_set_hardlink (e, x->data);
          break;
        case 'c':
        case 'b':
          archive_entry_set_filetype (e, x->type == 'c' ? AE_IFCHR : AE_IFBLK);
          archive_entry_set_rdevmajor (e, 1);
          archive_entry_set_rdevminor (e, 3);
          break;
        case 'p':
          archive_entry_set_filetype (e, AE_IFIFO);
          break;
        default:
          archive_entry_set_filetype (e, AE_IFREG);
          archive_entry_set_size (e, (la_int64_t)dlen);
        }
      if (x->xname)
        archive_entry_xattr_add_entry (e, x->xname, x->xval, strlen (x->xval));
      if (archive_write_header (a, e) != ARCHIVE_OK)
        {
          fprintf (stderr, "archive_write_header %s: %s\n", x->name, archive_error_string (a));
          abort ();
        }
      if (dlen)
        archive_write_data (a, x->data, dlen);
      archive_entry_free (e);
    }
  archive_write_close (a);
  archive_write_free (a);
  *len = used;
  return buf;
}

static unsigned char *
gzip_data (const unsigned char *in, size_t len, size_t *out_len)
{
  z_stream z = { 0 };
  size_t cap = len + 1024;
  unsigned char *out = xmalloc (cap);

  deflateInit2 (&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  z.next_in = (unsigned char *)in;
  z.avail_in = (uInt)len;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  if (deflate (&z, Z_FINISH) != Z_STREAM_END)
    abort ();
  *out_len = cap - z.avail_out;
  deflateEnd (&z);
  return out;
}

static unsigned char *
zstd_data (const unsigned char *in, size_t len, size_t *out_len)
{
  size_t cap = ZSTD_compressBound (len);
  unsigned char *out = xmalloc (cap);

  *out_len = ZSTD_compress (out, cap, in, len, 3);
  if (ZSTD_isError (*out_len))
    abort ();
  return out;
}

struct mem
{
  const unsigned char *p;
  size_t len, pos, chunk;
};

static ssize_t
mem_read (void *data, void *buf, size_t len, berr_t **err)
{
  struct mem *m = data;
  size_t n = m->len - m->pos;

  (void)err;
  if (n > len)
    n = len;
  if (m->chunk && n > m->chunk)
    n = m->chunk; /* short reads, to exercise the decompressors' loops */
  memcpy (buf, m->p + m->pos, n);
  m->pos += n;
  return (ssize_t)n;
}

static char *tmpdir;
static int n_root;

/* A fresh rootfs directory, its descriptor in *fd; path returned. */
static char *
new_root (int *fd)
{
  char *p = xasprintf ("%s/root%d", tmpdir, n_root++);

  mkdir (p, 0755);
  *fd = open (p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return p;
}

struct applied
{
  int r;
  char *msg;
  struct img_apply_stats st;
};

static struct applied
apply_raw (int rootfd, const unsigned char *blob, size_t len, const char *media, const char *diff_id,
           bool rootless)
{
  struct mem m = { blob, len, 0, 4093 };
  struct img_layer_src src = { mem_read, &m, media, diff_id, "sha256:test" };
  /* Not root: chown is impossible, so every apply is rootless. */
  struct img_apply_opts o = { rootless || getuid () != 0, true };
  struct applied res = { 0 };
  berr_t *err = NULL;

  res.r = img_layer_apply_stream (&src, rootfd, &o, &res.st, &err);
  res.msg = xstrdup (err && err->msg ? err->msg : "");
  berr_free (err);
  return res;
}

/* Apply entries as an uncompressed layer with the right diff_id. */
static struct applied
apply_ents (int rootfd, const struct ent *ents, size_t n, bool rootless)
{
  size_t len;
  cleanup_free unsigned char *tar = make_tar (ents, n, &len);
  cleanup_free char *diff = img_digest_data (IMG_DIGEST_SHA256, tar, len);

  return apply_raw (rootfd, tar, len, IMG_MT_OCI_LAYER, diff, rootless);
}

#define N(a) (sizeof (a) / sizeof ((a)[0]))

static char *
slurp_at (const char *root, const char *rel)
{
  cleanup_free char *p = xasprintf ("%s/%s", root, rel);
  char *data = NULL;
  size_t len;
  berr_t *err = NULL;

  if (util_read_file (p, &data, &len, &err) < 0)
    {
      berr_free (err);
      return NULL;
    }
  return data;
}

static bool
exists_at (const char *root, const char *rel)
{
  cleanup_free char *p = xasprintf ("%s/%s", root, rel);
  struct stat st;

  return lstat (p, &st) == 0;
}

static struct stat
stat_at (const char *root, const char *rel)
{
  cleanup_free char *p = xasprintf ("%s/%s", root, rel);
  struct stat st;

  memset (&st, 0, sizeof (st));
  lstat (p, &st);
  return st;
}

static ssize_t
getxattr_at (const char *root, const char *rel, const char *name, void *buf, size_t size)
{
  cleanup_free char *p = xasprintf ("%s/%s", root, rel);

  return getxattr (p, name, buf, size);
}

static ssize_t
readlink_at (const char *root, const char *rel, char *buf, size_t size)
{
  cleanup_free char *p = xasprintf ("%s/%s", root, rel);

  return readlink (p, buf, size);
}

static void
test_media_types (void)
{
  enum img_layer_comp c;
  berr_t *err = NULL;

  ok (img_layer_media_comp (IMG_MT_OCI_LAYER_GZIP, &c, NULL) == 0 && c == IMG_LAYER_COMP_GZIP, "oci gzip");
  ok (img_layer_media_comp (IMG_MT_OCI_LAYER_ZSTD, &c, NULL) == 0 && c == IMG_LAYER_COMP_ZSTD, "oci zstd");
  ok (img_layer_media_comp (IMG_MT_OCI_LAYER, &c, NULL) == 0 && c == IMG_LAYER_COMP_NONE, "oci tar");
  ok (img_layer_media_comp (IMG_MT_DOCKER_LAYER_GZIP, &c, NULL) == 0 && c == IMG_LAYER_COMP_GZIP,
      "docker gzip");
  ok (img_layer_media_comp ("application/x-bogus", &c, &err) < 0 && err
        && strstr (err->msg, "unsupported layer media type 'application/x-bogus'"),
      "unknown media type is refused by name");
  berr_free (err);
}

static void
test_rootless_encode (void)
{
  unsigned char b[16];
  static const unsigned char want[] = { 0x08, 0xe8, 0x07, 0x10, 0xff, 0xff, 0xff, 0xff, 0x0f };
  uint32_t u, g;
  size_t n;

  is_int (img_rootless_encode (0, 0, b), 0, "owner 0:0 needs no xattr");
  n = img_rootless_encode (1000, 0, b);
  ok (n == sizeof (want) && memcmp (b, want, n) == 0, "uid 1000, gid 0 (no change) encodes as umoci does");
  ok (img_rootless_decode (b, n, &u, &g) == 0 && u == 1000 && g == UINT32_MAX, "and decodes back");
  n = img_rootless_encode (5, 70000, b);
  ok (img_rootless_decode (b, n, &u, &g) == 0 && u == 5 && g == 70000, "5:70000 round trips");
  ok (img_rootless_decode ((const unsigned char *)"\x08", 1, &u, &g) < 0, "truncated value is malformed");
}

static const struct ent base_layer[] = {
  { "./", 'd', 0711, NULL, 0, 0, NULL, NULL },
  { "etc/", 'd', 0755, NULL, 0, 0, NULL, NULL },
  { "etc/hello", 'f', 0640, "hello world\n", 0, 0, "user.test", "value" },
  { "etc/setuid", 'f', 04755, "x", 0, 0, NULL, NULL },
  { "etc/link", 'l', 0777, "hello", 0, 0, NULL, NULL },
  { "etc/abs", 'l', 0777, "/etc/hello", 0, 0, NULL, NULL },
  { "etc/hard", 'h', 0, "etc/hello", 0, 0, NULL, NULL },
  { "etc/fifo", 'p', 0600, NULL, 0, 0, NULL, NULL },
  { "deep/a/b/c", 'f', 0600, "deep", 0, 0, NULL, NULL },
  { "ro/", 'd', 0555, NULL, 0, 0, NULL, NULL },
  { "ro/inside", 'f', 0444, "ro", 0, 0, NULL, NULL },
};

static void
test_basic (void)
{
  int fd;
  cleanup_free char *root = new_root (&fd);
  struct applied r = apply_ents (fd, base_layer, N (base_layer), false);
  cleanup_free char *hello = NULL;
  struct stat st, st2;
  char buf[256];
  ssize_t n;

  ok (r.r == 0, "basic layer applies: %s", r.msg);
  is_int (r.st.entries, N (base_layer), "every entry counted");
  hello = slurp_at (root, "etc/hello");
  is_str (hello, "hello world\n", "regular file content");
  st = stat_at (root, "etc/hello");
  is_int (st.st_mode & 07777, 0640, "file mode");
  is_int (st.st_mtime, MTIME + 2, "file mtime from the header");
  st2 = stat_at (root, "etc/hard");
  ok (st.st_ino == st2.st_ino && st.st_nlink == 2, "hard link shares the inode");
  is_int (stat_at (root, "etc/setuid").st_mode & 07777, 04755, "setuid bit kept");
  n = readlink_at (root, "etc/abs", buf, sizeof (buf) - 1);
  buf[n > 0 ? n : 0] = '\0';
  is_str (buf, "/etc/hello", "absolute symlink stored as is");
  ok (S_ISFIFO (stat_at (root, "etc/fifo").st_mode), "fifo");
  ok (exists_at (root, "deep/a/b/c"), "missing parents are created");
  is_int (stat_at (root, ".").st_mode & 07777, 0711, "root entry sets the rootfs mode");
  is_int (stat_at (root, "etc").st_mtime, MTIME + 1, "directory mtime survives its children");
  is_int (stat_at (root, "ro").st_mode & 07777, 0555, "read-only directory mode applied at the end");
  n = getxattr_at (root, "etc/hello", "user.test", buf, sizeof (buf));
  ok (n == 5 && memcmp (buf, "value", 5) == 0, "SCHILY xattr applied");
  if (getuid () == 0)
    is_int (stat_at (root, "etc/hello").st_uid, 0, "owner from the header");
  close (fd);
  free (r.msg);
}

static void
test_compressed (void)
{
  size_t len, zlen;
  cleanup_free unsigned char *tar = make_tar (base_layer, N (base_layer), &len);
  cleanup_free char *diff = img_digest_data (IMG_DIGEST_SHA256, tar, len);
  cleanup_free unsigned char *gz = gzip_data (tar, len, &zlen);
  cleanup_free unsigned char *zs = NULL, *two = NULL;
  size_t zslen, half = len / 2, g1, g2;
  unsigned char *p1, *p2;
  int fd;
  cleanup_free char *r1 = new_root (&fd);
  struct applied r = apply_raw (fd, gz, zlen, IMG_MT_OCI_LAYER_GZIP, diff, false);
  cleanup_free char *c1 = slurp_at (r1, "etc/hello");

  ok (r.r == 0 && c1 && strcmp (c1, "hello world\n") == 0, "gzip layer: %s", r.msg);
  is_int (r.st.bytes, len, "uncompressed size reported");
  close (fd);
  free (r.msg);

  zs = zstd_data (tar, len, &zslen);
  {
    cleanup_free char *r2 = new_root (&fd);
    cleanup_free char *c2 = NULL;
    r = apply_raw (fd, zs, zslen, IMG_MT_OCI_LAYER_ZSTD, diff, false);
    c2 = slurp_at (r2, "etc/hello");
    ok (r.r == 0 && c2 && strcmp (c2, "hello world\n") == 0, "zstd layer: %s", r.msg);
    close (fd);
    free (r.msg);
  }

  /* Two gzip members, as `cat a.gz b.gz` makes. */
  p1 = gzip_data (tar, half, &g1);
  p2 = gzip_data (tar + half, len - half, &g2);
  two = xmalloc (g1 + g2);
  memcpy (two, p1, g1);
  memcpy (two + g1, p2, g2);
  free (p1);
  free (p2);
  {
    cleanup_free char *r3 = new_root (&fd);
    r = apply_raw (fd, two, g1 + g2, IMG_MT_DOCKER_LAYER_GZIP, diff, false);
    ok (r.r == 0 && exists_at (r3, "etc/hello"), "multi-member gzip: %s", r.msg);
    close (fd);
    free (r.msg);
  }

  {
    cleanup_free char *r4 = new_root (&fd);
    r = apply_raw (fd, gz, zlen / 2, IMG_MT_OCI_LAYER_GZIP, diff, false);
    ok (r.r < 0 && strstr (r.msg, "layer 'sha256:test'") && strstr (r.msg, "gzip"),
        "truncated gzip fails: %s", r.msg);
    close (fd);
    free (r.msg);
  }
  {
    cleanup_free char *r5 = new_root (&fd);
    r = apply_raw (fd, tar, len, IMG_MT_OCI_LAYER_GZIP, diff, false);
    ok (r.r < 0 && strstr (r.msg, "gzip"), "a tar labelled gzip fails: %s", r.msg);
    close (fd);
    free (r.msg);
  }
  {
    cleanup_free char *r6 = new_root (&fd);
    r = apply_raw (fd, gz, zlen, "application/vnd.oci.image.layer.v1.tar+bzip2", diff, false);
    ok (r.r < 0 && strstr (r.msg, "unsupported layer media type"), "unknown media type: %s", r.msg);
    close (fd);
    free (r.msg);
  }
}

static void
test_diff_id (void)
{
  size_t len;
  cleanup_free unsigned char *tar = make_tar (base_layer, N (base_layer), &len);
  const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  cleanup_free char *right = img_digest_data (IMG_DIGEST_SHA256, tar, len);
  cleanup_free char *right512 = img_digest_data (IMG_DIGEST_SHA512, tar, len);
  int fd;
  cleanup_free char *root = new_root (&fd);
  struct applied r = apply_raw (fd, tar, len, IMG_MT_OCI_LAYER, wrong, false);

  ok (r.r < 0 && strstr (r.msg, "layer 'sha256:test'") && strstr (r.msg, wrong) && strstr (r.msg, right),
      "diff_id mismatch names the layer and both digests: %s", r.msg);
  close (fd);
  free (r.msg);
  {
    cleanup_free char *r2 = new_root (&fd);
    r = apply_raw (fd, tar, len, IMG_MT_OCI_LAYER, right512, false);
    ok (r.r == 0, "sha512 diff_id: %s", r.msg);
    close (fd);
    free (r.msg);
  }
  {
    cleanup_free char *r3 = new_root (&fd);
    r = apply_raw (fd, tar, len, IMG_MT_OCI_LAYER, "sha256:xyz", false);
    ok (r.r < 0 && strstr (r.msg, "sha256:xyz"), "malformed diff_id: %s", r.msg);
    close (fd);
    free (r.msg);
  }
}

static void
test_whiteouts (void)
{
  static const struct ent l1[] = {
    { "a/", 'd', 0755, NULL, 0, 0, NULL, NULL },      { "a/x", 'f', 0644, "x", 0, 0, NULL, NULL },
    { "a/y", 'f', 0644, "y", 0, 0, NULL, NULL },      { "b/", 'd', 0755, NULL, 0, 0, NULL, NULL },
    { "b/z/deep", 'f', 0644, "z", 0, 0, NULL, NULL }, { "d/", 'd', 0755, NULL, 0, 0, NULL, NULL },
    { "d/old1", 'f', 0644, "1", 0, 0, NULL, NULL },   { "d/old2/", 'd', 0755, NULL, 0, 0, NULL, NULL },
    { "d/old2/f", 'f', 0644, "2", 0, 0, NULL, NULL }, { "e/f", 'f', 0644, "lower", 0, 0, NULL, NULL },
    { "o/", 'd', 0755, NULL, 0, 0, NULL, NULL },      { "o/gone", 'f', 0644, "g", 0, 0, NULL, NULL },
    { "p/", 'd', 0755, NULL, 0, 0, NULL, NULL },      { "p/child", 'f', 0644, "c", 0, 0, NULL, NULL },
    { "q", 'f', 0644, "file", 0, 0, NULL, NULL },
  };
  static const struct ent l2[] = {
    { "a/.wh.x", 'f', 0644, "", 0, 0, NULL, NULL },
    { ".wh.b", 'f', 0644, "", 0, 0, NULL, NULL },
    /* opaque marker after this layer's own entries in d */
    { "d/new", 'f', 0644, "new", 0, 0, NULL, NULL },
    { "d/old2/", 'd', 0700, NULL, 0, 0, NULL, NULL },
    { "d/.wh..wh..opq", 'f', 0644, "", 0, 0, NULL, NULL },
    /* a whiteout after this layer's own file of that name */
    { "e/f", 'f', 0644, "upper", 0, 0, NULL, NULL },
    { "e/.wh.f", 'f', 0644, "", 0, 0, NULL, NULL },
    /* opaque marker first */
    { "o/.wh..wh..opq", 'f', 0644, "", 0, 0, NULL, NULL },
    { "o/kept", 'f', 0644, "k", 0, 0, NULL, NULL },
    { "p", 'f', 0644, "now a file", 0, 0, NULL, NULL },
    { "q/", 'd', 0755, NULL, 0, 0, NULL, NULL },
    { ".wh.missing", 'f', 0644, "", 0, 0, NULL, NULL },
  };
  int fd;
  cleanup_free char *root = new_root (&fd);
  struct applied r = apply_ents (fd, l1, N (l1), false);
  cleanup_free char *ef = NULL, *p = NULL;

  ok (r.r == 0, "lower layer: %s", r.msg);
  free (r.msg);
  r = apply_ents (fd, l2, N (l2), false);
  ok (r.r == 0, "upper layer with whiteouts: %s", r.msg);
  free (r.msg);
  ok (!exists_at (root, "a/x") && exists_at (root, "a/y"), ".wh.x removes only x");
  ok (!exists_at (root, "b"), ".wh.b removes a whole directory");
  ok (exists_at (root, "d/new") && !exists_at (root, "d/old1"),
      "late opaque marker keeps the same layer's file");
  ok (exists_at (root, "d/old2") && !exists_at (root, "d/old2/f"),
      "late opaque marker keeps the same layer's directory but not its lower content");
  ok (!exists_at (root, ".wh.b") && !exists_at (root, "d/.wh..wh..opq"), "whiteout files are not created");
  ef = slurp_at (root, "e/f");
  is_str (ef, "upper", "whiteout after a same-layer file leaves that file");
  ok (exists_at (root, "o/kept") && !exists_at (root, "o/gone"), "early opaque marker");
  p = slurp_at (root, "p");
  is_str (p, "now a file", "a file replaces a directory");
  ok (S_ISDIR (stat_at (root, "q").st_mode), "a directory replaces a file");
  close (fd);
}

/* Same-layer whiteout rules with the written set spilled to disk: many
 * entries, the whiteouts and opaque markers long after the entries they
 * must keep. */
static void
test_whiteouts_spilled (void)
{
  size_t n = 600, i, k = 0, keep_max = layer_written_mem_max;
  struct ent *l1 = xzalloc ((n + 8) * sizeof (*l1)), *l2 = xzalloc ((2 * n + 16) * sizeof (*l2));
  cleanup_strv char **names = xzalloc ((3 * n + 1) * sizeof (char *));
  size_t nn = 0, n1 = 0, n2 = 0;
  int fd, bad = 0;
  cleanup_free char *root = NULL;
  struct applied r;

  l1[n1++] = (struct ent){ "big/", 'd', 0755, NULL, 0, 0, NULL, NULL };
  l1[n1++] = (struct ent){ "wh/", 'd', 0755, NULL, 0, 0, NULL, NULL };
  for (i = 0; i < n; i++)
    {
      names[nn] = xasprintf ("big/old%03zu", i);
      l1[n1++] = (struct ent){ names[nn++], 'f', 0644, "old", 0, 0, NULL, NULL };
    }
  l1[n1++] = (struct ent){ "wh/lower", 'f', 0644, "lower", 0, 0, NULL, NULL };
  l1[n1++] = (struct ent){ "wh/sub/lower", 'f', 0644, "lower", 0, 0, NULL, NULL };
  /* Upper: new files in big (some in new subdirectories), a file over a
   * whiteout target, then the opaque marker and the whiteouts last. */
  l2[n2++] = (struct ent){ "wh/kept", 'f', 0644, "upper", 0, 0, NULL, NULL };
  l2[n2++] = (struct ent){ "wh/sub/new", 'f', 0644, "upper", 0, 0, NULL, NULL };
  for (i = 0; i < n; i++)
    {
      names[nn] = xasprintf (i % 3 ? "big/new%03zu" : "big/s%03zu/f", i);
      l2[n2++] = (struct ent){ names[nn++], 'f', 0644, "new", 0, 0, NULL, NULL };
    }
  l2[n2++] = (struct ent){ "big/.wh..wh..opq", 'f', 0644, "", 0, 0, NULL, NULL };
  l2[n2++] = (struct ent){ "wh/.wh.kept", 'f', 0644, "", 0, 0, NULL, NULL };
  l2[n2++] = (struct ent){ "wh/.wh.lower", 'f', 0644, "", 0, 0, NULL, NULL };
  l2[n2++] = (struct ent){ "wh/.wh.sub", 'f', 0644, "", 0, 0, NULL, NULL };

  layer_written_mem_max = 16;
  root = new_root (&fd);
  r = apply_ents (fd, l1, n1, false);
  ok (r.r == 0, "spilled: lower layer: %s", r.msg);
  free (r.msg);
  r = apply_ents (fd, l2, n2, false);
  ok (r.r == 0, "spilled: upper layer: %s", r.msg);
  free (r.msg);
  for (i = 0; i < n; i++)
    {
      cleanup_free char *old = xasprintf ("big/old%03zu", i);
      cleanup_free char *neu = xasprintf (i % 3 ? "big/new%03zu" : "big/s%03zu/f", i);
      if (exists_at (root, old) || !exists_at (root, neu))
        bad++, k = i;
    }
  ok (bad == 0,
      "spilled: the opaque marker removed every lower file and kept every upper one (%d bad, e.g. %zu)", bad,
      k);
  ok (exists_at (root, "wh/kept") && !exists_at (root, "wh/lower"),
      "spilled: a whiteout keeps the same layer's file, removes the lower one");
  ok (exists_at (root, "wh/sub/new") && !exists_at (root, "wh/sub/lower"),
      "spilled: a whiteout of a directory keeps what this layer put below it");
  layer_written_mem_max = keep_max;
  close (fd);
  free (l1);
  free (l2);
}

/* The parent descriptor kept between entries of one directory never
 * outlives a change of what the name resolves to. */
static void
test_parent_cache (void)
{
  static const struct ent l[] = {
    { "e/", 'd', 0755, NULL, 0, 0, NULL, NULL },
    { "d/a", 'f', 0644, "a", 0, 0, NULL, NULL },
    { "d/b", 'f', 0644, "b", 0, 0, NULL, NULL },
    { "d", 'l', 0777, "e", 0, 0, NULL, NULL },
    { "d/c", 'f', 0644, "c", 0, 0, NULL, NULL },
    { "d/c2", 'f', 0644, "c2", 0, 0, NULL, NULL },
    /* a file over a dangling symlink and over a file: replaced, never
     * written through */
    { "s", 'l', 0777, "nowhere", 0, 0, NULL, NULL },
    { "s", 'f', 0644, "file", 0, 0, NULL, NULL },
    { "e/c2", 'f', 0600, "again", 0, 0, NULL, NULL },
  };
  int fd;
  cleanup_free char *root = new_root (&fd);
  struct applied r = apply_ents (fd, l, N (l), false);

  ok (r.r == 0, "entries through a directory replaced by a symlink: %s", r.msg);
  ok (S_ISLNK (stat_at (root, "d").st_mode) && exists_at (root, "e/c") && exists_at (root, "e/c2")
        && !exists_at (root, "e/a"),
      "entries after the replacement land where the name resolves now");
  {
    cleanup_free char *sdata = slurp_at (root, "s"), *c2 = slurp_at (root, "e/c2");
    ok (S_ISREG (stat_at (root, "s").st_mode) && !exists_at (root, "nowhere") && sdata
          && strcmp (sdata, "file") == 0,
        "a file entry replaces a dangling symlink");
    ok (c2 && strcmp (c2, "again") == 0 && (stat_at (root, "e/c2").st_mode & 07777) == 0600,
        "a file entry replaces a file of the same layer");
  }
  free (r.msg);
  close (fd);
}

/* File modes come out exact whether they are set at creation or by a
 * chmod: whatever the umask, special bits, or a parent's default ACL. */
static void
test_create_modes (void)
{
  static const struct ent l1[] = { { "acl/", 'd', 0755, NULL, 0, 0, NULL, NULL } };
  static const struct ent l2[] = {
    { "acl/f", 'f', 0644, "x", 0, 0, NULL, NULL },     { "plain/r", 'f', 0444, "x", 0, 0, NULL, NULL },
    { "plain/x", 'f', 0751, "x", 0, 0, NULL, NULL },   { "plain/none", 'f', 0111, "x", 0, 0, NULL, NULL },
    { "plain/sg", 'f', 02755, "x", 0, 0, NULL, NULL },
  };
  static const struct ent l3[] = { { "um/f", 'f', 0644, "x", 0, 0, NULL, NULL } };
  /* version 2; USER_OBJ rwx, GROUP_OBJ none, OTHER none */
  static const unsigned char acl[]
    = { 2, 0, 0,    0,    0x01, 0,    7,    0, 0xff, 0xff, 0xff, 0xff, 0x04, 0,
        0, 0, 0xff, 0xff, 0xff, 0xff, 0x20, 0, 0,    0,    0xff, 0xff, 0xff, 0xff };
  int fd;
  cleanup_free char *root = new_root (&fd);
  cleanup_free char *acldir = xasprintf ("%s/acl", root);
  struct applied r = apply_ents (fd, l1, N (l1), false);
  bool have_acl;
  mode_t old;

  free (r.msg);
  have_acl = setxattr (acldir, "system.posix_acl_default", acl, sizeof (acl), 0) == 0;
  r = apply_ents (fd, l2, N (l2), false);
  ok (r.r == 0, "layer of file modes: %s", r.msg);
  free (r.msg);
  if (have_acl)
    ok ((stat_at (root, "acl/f").st_mode & 07777) == 0644,
        "0644 under a default ACL of u::rwx only (got %04o)",
        (unsigned)(stat_at (root, "acl/f").st_mode & 07777));
  else
    ok (1, "# SKIP the file system takes no default ACL");
  ok ((stat_at (root, "plain/r").st_mode & 07777) == 0444
        && (stat_at (root, "plain/x").st_mode & 07777) == 0751
        && (stat_at (root, "plain/none").st_mode & 07777) == 0111,
      "0444, 0751 and 0111 files (%04o %04o %04o)", (unsigned)(stat_at (root, "plain/r").st_mode & 07777),
      (unsigned)(stat_at (root, "plain/x").st_mode & 07777),
      (unsigned)(stat_at (root, "plain/none").st_mode & 07777));
  ok ((stat_at (root, "plain/sg").st_mode & 07777) == 02755, "02755 file");
  old = umask (077);
  r = apply_ents (fd, l3, N (l3), false);
  umask (old);
  ok (r.r == 0 && (stat_at (root, "um/f").st_mode & 07777) == 0644, "0644 under umask 077 (got %04o) %s",
      (unsigned)(stat_at (root, "um/f").st_mode & 07777), r.msg);
  free (r.msg);
  close (fd);
}

/* Nothing may appear next to the rootfs. */
static int
count_entries (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  int n = 0;

  if (d == NULL)
    return -1;
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") && strcmp (de->d_name, ".."))
      n++;
  closedir (d);
  return n;
}

static void
hostile (const char *what, const struct ent *ents, size_t n, const char *want1, const char *want2)
{
  cleanup_free char *box = xasprintf ("%s/box%d", tmpdir, n_root++);
  cleanup_free char *root = xasprintf ("%s/rootfs", box);
  cleanup_free char *sentinel = xasprintf ("%s/sentinel", box);
  int fd;
  struct applied r;

  mkdir (box, 0755);
  mkdir (root, 0755);
  mkdir (sentinel, 0755);
  fd = open (root, O_RDONLY | O_DIRECTORY);
  r = apply_ents (fd, ents, n, false);
  ok (r.r < 0 && strstr (r.msg, want1) && (want2 == NULL || strstr (r.msg, want2)), "%s is refused: %s", what,
      r.msg);
  ok (count_entries (box) == 2 && count_entries (sentinel) == 0, "%s wrote nothing outside the rootfs", what);
  close (fd);
  free (r.msg);
}

static void
test_hostile (void)
{
  static const struct ent dotdot[] = { { "../escape", 'f', 0644, "x", 0, 0, NULL, NULL } };
  static const struct ent deep_dotdot[] = { { "a/../../sentinel/x", 'f', 0644, "x", 0, 0, NULL, NULL } };
  static const struct ent absolute[] = { { "/abs/path", 'f', 0644, "x", 0, 0, NULL, NULL } };
  static const struct ent hl_out[]
    = { { "f", 'f', 0644, "x", 0, 0, NULL, NULL }, { "link", 'h', 0, "../sentinel/x", 0, 0, NULL, NULL } };
  static const struct ent hl_abs[] = { { "link", 'h', 0, "/etc/passwd", 0, 0, NULL, NULL } };
  static const struct ent wh_dotdot[] = { { "a/.wh...", 'f', 0644, "", 0, 0, NULL, NULL } };
  static const struct ent wh_dot[] = { { "a/.wh..", 'f', 0644, "", 0, 0, NULL, NULL } };
  static const struct ent wh_escape[] = { { "../.wh.sentinel", 'f', 0644, "", 0, 0, NULL, NULL } };
  static const struct ent root_file[] = { { ".", 'f', 0644, "x", 0, 0, NULL, NULL } };
  static const struct ent through[] = {
    { "evil", 'l', 0777, "/", 0, 0, NULL, NULL },
    { "evil/file", 'f', 0644, "inside", 0, 0, NULL, NULL },
    { "up", 'l', 0777, "../../..", 0, 0, NULL, NULL },
    { "up/sentinel/x", 'f', 0644, "inside", 0, 0, NULL, NULL },
    { "hl", 'h', 0, "up/file", 0, 0, NULL, NULL },
  };
  cleanup_free char *box = xasprintf ("%s/box-through", tmpdir);
  cleanup_free char *root = xasprintf ("%s/rootfs", box);
  cleanup_free char *c = NULL;
  struct applied r;
  int fd;

  hostile ("'../escape'", dotdot, N (dotdot), "entry '../escape'", "escapes the rootfs");
  hostile ("'a/../../sentinel/x'", deep_dotdot, N (deep_dotdot), "entry 'a/../../sentinel/x'", "escapes");
  hostile ("'/abs/path'", absolute, N (absolute), "entry '/abs/path'", "absolute");
  hostile ("hard link to '../sentinel/x'", hl_out, N (hl_out), "entry 'link'", "escapes");
  hostile ("hard link to '/etc/passwd'", hl_abs, N (hl_abs), "entry 'link'", "/etc/passwd");
  hostile ("whiteout of '..'", wh_dotdot, N (wh_dotdot), "entry 'a/.wh...'", "whiteout of '..'");
  hostile ("whiteout of '.'", wh_dot, N (wh_dot), "entry 'a/.wh..'", "whiteout of '.'");
  hostile ("whiteout above the root", wh_escape, N (wh_escape), "entry '../.wh.sentinel'", "escapes");
  hostile ("a file as the root", root_file, N (root_file), "entry '.'", "non-directory");

  /* Symlinks resolve inside the rootfs as they would in the container. */
  mkdir (box, 0755);
  mkdir (root, 0755);
  fd = open (root, O_RDONLY | O_DIRECTORY);
  r = apply_ents (fd, through, N (through), false);
  ok (r.r == 0, "writes through symlinks to '/' and '../../..' stay inside: %s", r.msg);
  c = slurp_at (root, "file");
  is_str (c, "inside", "'evil/file' landed at rootfs/file");
  ok (exists_at (root, "sentinel/x") && count_entries (box) == 1, "'up/sentinel/x' landed inside the rootfs");
  ok (stat_at (root, "hl").st_ino == stat_at (root, "file").st_ino,
      "hard link through a symlink stays inside");
  close (fd);
  free (r.msg);
}

static void
test_rootless (void)
{
  static const struct ent l[] = {
    { "owned", 'f', 0640, "x", 1000, 100, NULL, NULL }, { "root", 'f', 0644, "x", 0, 0, NULL, NULL },
    { "gidonly", 'f', 0644, "x", 0, 42, NULL, NULL },   { "dev/", 'd', 0755, NULL, 0, 0, NULL, NULL },
    { "dev/null", 'c', 0666, NULL, 0, 0, NULL, NULL },  { "ro/", 'd', 0500, NULL, 0, 0, NULL, NULL },
    { "ro/f", 'f', 0400, "x", 0, 0, NULL, NULL },
  };
  static const struct ent l2[] = {
    { "ro/g", 'f', 0400, "y", 0, 0, NULL, NULL },
    { "ro/.wh.f", 'f', 0644, "", 0, 0, NULL, NULL },
  };
  int fd;
  cleanup_free char *root = new_root (&fd);
  struct applied r = apply_ents (fd, l, N (l), true);
  unsigned char buf[64], want[16];
  ssize_t n;
  size_t wn;
  struct stat st;

  ok (r.r == 0, "rootless layer: %s", r.msg);
  free (r.msg);
  n = getxattr_at (root, "owned", IMG_ROOTLESS_XATTR, buf, sizeof (buf));
  wn = img_rootless_encode (1000, 100, want);
  ok (n == (ssize_t)wn && memcmp (buf, want, wn) == 0, "owner 1000:100 kept in user.rootlesscontainers");
  is_int (stat_at (root, "owned").st_uid, getuid (), "no chown rootless");
  n = getxattr_at (root, "root", IMG_ROOTLESS_XATTR, buf, sizeof (buf));
  ok (n < 0 && errno == ENODATA, "owner 0:0 gets no xattr");
  n = getxattr_at (root, "gidonly", IMG_ROOTLESS_XATTR, buf, sizeof (buf));
  wn = img_rootless_encode (0, 42, want);
  ok (n == (ssize_t)wn && memcmp (buf, want, wn) == 0, "gid only: uid is 'no change'");
  st = stat_at (root, "dev/null");
  ok (S_ISREG (st.st_mode) && st.st_size == 0 && (st.st_mode & 0777) == 0666,
      "device node becomes an empty placeholder file with its mode");
  is_int (stat_at (root, "ro").st_mode & 0777, 0500, "read-only directory mode restored");
  r = apply_ents (fd, l2, N (l2), true);
  ok (r.r == 0 && exists_at (root, "ro/g") && !exists_at (root, "ro/f"),
      "a later layer writes into and whites out in a read-only directory: %s", r.msg);
  is_int (stat_at (root, "ro").st_mode & 0777, 0500, "and its mode is restored again");
  free (r.msg);
  close (fd);
}

/* A read-only directory reached through a symlink (lib -> usr/lib) gets
 * its mode back, and its own entry's mode wins over the name it was first
 * written through. */
static void
test_dir_aliases (void)
{
  static const struct ent l1[] = {
    { "usr/", 'd', 0755, NULL, 0, 0, NULL, NULL },          { "usr/lib/", 'd', 0555, NULL, 0, 0, NULL, NULL },
    { "usr/share/", 'd', 0555, NULL, 0, 0, NULL, NULL },    { "lib", 'l', 0777, "usr/lib", 0, 0, NULL, NULL },
    { "share", 'l', 0777, "/usr/share", 0, 0, NULL, NULL },
  };
  static const struct ent l2[] = {
    { "lib/x", 'f', 0644, "x", 0, 0, NULL, NULL },
    { "share/y", 'f', 0644, "y", 0, 0, NULL, NULL },
    { "usr/share/", 'd', 0750, NULL, 0, 0, NULL, NULL },
    { "share/z", 'f', 0644, "z", 0, 0, NULL, NULL },
  };
  int fd;
  cleanup_free char *root = new_root (&fd);
  struct applied r = apply_ents (fd, l1, N (l1), true);

  ok (r.r == 0, "lower layer with symlinked directories: %s", r.msg);
  free (r.msg);
  r = apply_ents (fd, l2, N (l2), true);
  ok (r.r == 0, "rootless writes through the symlinks: %s", r.msg);
  free (r.msg);
  ok (exists_at (root, "usr/lib/x") && exists_at (root, "usr/share/y") && exists_at (root, "usr/share/z"),
      "files landed in the symlinks' targets");
  is_int (stat_at (root, "usr/lib").st_mode & 07777, 0555, "usr/lib written through 'lib' keeps its mode");
  is_int (stat_at (root, "usr/share").st_mode & 07777, 0750, "usr/share gets its own entry's mode");
  is_int (stat_at (root, "usr/lib").st_mtime, MTIME + 1, "usr/lib keeps its mtime");
  close (fd);
}

static void
test_ownership (void)
{
  static const struct ent l[] = {
    { "f", 'f', 04750, "x", 1234, 5678, NULL, NULL },
    { "l", 'l', 0777, "f", 1234, 5678, NULL, NULL },
    { "dev", 'c', 0600, NULL, 0, 0, NULL, NULL },
  };
  int fd;
  cleanup_free char *root = NULL;
  struct applied r;
  struct stat st;

  if (getuid () != 0)
    {
      ok (1, "# SKIP ownership needs root");
      return;
    }
  root = new_root (&fd);
  r = apply_ents (fd, l, N (l), false);
  ok (r.r == 0, "layer with owners: %s", r.msg);
  st = stat_at (root, "f");
  ok (st.st_uid == 1234 && st.st_gid == 5678 && (st.st_mode & 07777) == 04750, "owner set, then setuid mode");
  st = stat_at (root, "l");
  ok (st.st_uid == 1234 && st.st_gid == 5678, "symlink owner set without following");
  st = stat_at (root, "dev");
  ok (S_ISCHR (st.st_mode) && major (st.st_rdev) == 1 && minor (st.st_rdev) == 3, "character device 1:3");
  free (r.msg);
  close (fd);
  {
    /* Root-owned entries in a setgid directory of another group: the new
     * entries inherit that group, so the chown to 0:0 must still happen
     * (it is skipped only when it would change nothing). */
    static const struct ent lower[] = { { "sg/", 'd', 02775, NULL, 0, 4242, NULL, NULL } };
    static const struct ent sg[] = {
      { "sg/f", 'f', 0644, "x", 0, 0, NULL, NULL },
      { "sg/d/", 'd', 0755, NULL, 0, 0, NULL, NULL },
      { "sg/l", 'l', 0777, "f", 0, 0, NULL, NULL },
      { "sg/g", 'f', 0644, "x", 0, 4242, NULL, NULL },
    };
    cleanup_free char *root2 = new_root (&fd);
    r = apply_ents (fd, lower, N (lower), false);
    free (r.msg);
    r = apply_ents (fd, sg, N (sg), false);
    ok (r.r == 0 && (stat_at (root2, "sg").st_mode & 02000), "layer over a setgid directory: %s", r.msg);
    st = stat_at (root2, "sg/f");
    ok (st.st_uid == 0 && st.st_gid == 0, "file in a setgid directory of group 4242 is 0:0 (got %u:%u)",
        (unsigned)st.st_uid, (unsigned)st.st_gid);
    st = stat_at (root2, "sg/d");
    ok (st.st_gid == 0, "directory there is group 0 (got %u)", (unsigned)st.st_gid);
    st = stat_at (root2, "sg/l");
    ok (st.st_gid == 0, "symlink there is group 0 (got %u)", (unsigned)st.st_gid);
    ok (stat_at (root2, "sg/g").st_gid == 4242, "a file of that group keeps it");
    free (r.msg);
    close (fd);
  }
}

static void
test_limits (void)
{
  char longname[5000];
  struct ent l[1] = { { longname, 'f', 0644, "x", 0, 0, NULL, NULL } };
  int fd;
  cleanup_free char *root = new_root (&fd);
  struct applied r;

  memset (longname, 'a', sizeof (longname) - 1);
  longname[sizeof (longname) - 1] = '\0';
  r = apply_ents (fd, l, 1, false);
  ok (r.r < 0 && strstr (r.msg, "name longer than"), "a 5000-byte name is refused: %.100s", r.msg);
  free (r.msg);
  {
    static const unsigned char junk[1024] = { 'x' };
    r = apply_raw (fd, junk, sizeof (junk), IMG_MT_OCI_LAYER, NULL, false);
    ok (r.r < 0 && strstr (r.msg, "layer 'sha256:test'"), "not a tar: %s", r.msg);
    free (r.msg);
  }
  r = apply_raw (fd, (const unsigned char *)"", 0, IMG_MT_OCI_LAYER, NULL, false);
  ok (r.r == 0, "an empty stream is an empty layer: %s", r.msg);
  free (r.msg);
  close (fd);
}

/* ---- the decoding thread (layer-stream.c) ---- */

#define MANY 1500

/* File i's content: a size that crosses the 128 KiB buffers now and then
 * (some empty), text that gzip does not shrink to nothing. */
static char *
many_content (size_t i)
{
  size_t len = i % 97 == 0 ? 300000 + i : (i * 7919) % 3000, k;
  char *d = xmalloc (len + 1);
  uint32_t x = (uint32_t)i * 2654435761u + 1;

  for (k = 0; k < len; k++)
    {
      x = x * 1103515245u + 12345u;
      d[k] = (char)('a' + (x >> 16) % 26);
    }
  d[len] = '\0';
  return d;
}

struct many_layer
{
  unsigned char *tar;
  size_t len;
  char *diff;
  char **names, **data;
};

static void
many_layer_make (struct many_layer *m)
{
  struct ent *ents = xzalloc ((MANY + MANY / 100 + 1) * sizeof (*ents));
  size_t i, n = 0;

  m->names = xzalloc (MANY * sizeof (char *));
  m->data = xzalloc (MANY * sizeof (char *));
  for (i = 0; i < MANY; i++)
    {
      if (i % 100 == 0)
        ents[n++] = (struct ent){ xasprintf ("d%03zu", i / 100), 'd', 0755, NULL, 0, 0, NULL, NULL };
      m->names[i] = xasprintf ("d%03zu/f%05zu", i / 100, i);
      m->data[i] = many_content (i);
      ents[n++] = (struct ent){ m->names[i], 'f', 0644, m->data[i], 0, 0, NULL, NULL };
    }
  m->tar = make_tar (ents, n, &m->len);
  m->diff = img_digest_data (IMG_DIGEST_SHA256, m->tar, m->len);
  for (i = 0; i < n; i++)
    if (ents[i].type == 'd')
      free ((char *)ents[i].name);
  free (ents);
}

static void
many_layer_free (struct many_layer *m)
{
  size_t i;

  for (i = 0; i < MANY; i++)
    {
      free (m->names[i]);
      free (m->data[i]);
    }
  free (m->names);
  free (m->data);
  free (m->tar);
  free (m->diff);
}

/* How many of the layer's files root holds with the right content. */
static size_t
many_matching (const struct many_layer *m, const char *root)
{
  size_t i, good = 0;

  for (i = 0; i < MANY; i++)
    {
      cleanup_free char *c = slurp_at (root, m->names[i]);
      if (c && strcmp (c, m->data[i]) == 0)
        good++;
    }
  return good;
}

static void
test_threaded (void)
{
  struct many_layer m;
  cleanup_free unsigned char *gz = NULL, *zs = NULL, *bad = NULL;
  size_t glen, zlen, k;
  int mode;

  many_layer_make (&m);
  gz = gzip_data (m.tar, m.len, &glen);
  zs = zstd_data (m.tar, m.len, &zlen);
  {
    cleanup_free char *d = xasprintf ("gzip decoder: %s; many-file layer: %zu bytes of tar",
                                      layer_stream_gzip_decoder (), m.len);
    diag (d);
  }
  for (mode = 0; mode <= 1; mode++)
    {
      const char *how = mode ? "decoding thread" : "single thread";
      struct applied r;
      int fd;

      layer_stream_threads = mode;
      {
        cleanup_free char *root = new_root (&fd);
        r = apply_raw (fd, gz, glen, IMG_MT_OCI_LAYER_GZIP, m.diff, false);
        ok (r.r == 0, "%s: gzip many-file layer applied, diff_id matches: %s", how, r.msg);
        is_int (r.st.bytes, m.len, "%s: every byte of the tar seen", how);
        is_int (r.st.entries, MANY + MANY / 100, "%s: every entry applied", how);
        is_int (many_matching (&m, root), MANY, "%s: every file has its content", how);
        close (fd);
        free (r.msg);
      }
      {
        cleanup_free char *root = new_root (&fd);
        r = apply_raw (fd, zs, zlen, IMG_MT_OCI_LAYER_ZSTD, m.diff, false);
        ok (r.r == 0 && many_matching (&m, root) == MANY, "%s: zstd many-file layer: %s", how, r.msg);
        close (fd);
        free (r.msg);
      }
      {
        cleanup_free char *root = new_root (&fd);
        cleanup_free char *wrong = img_digest_data (IMG_DIGEST_SHA256, "x", 1);
        r = apply_raw (fd, gz, glen, IMG_MT_OCI_LAYER_GZIP, wrong, false);
        ok (r.r < 0 && strstr (r.msg, "does not match the image's diff_id") && strstr (r.msg, m.diff),
            "%s: a wrong diff_id names the one computed: %s", how, r.msg);
        close (fd);
        free (r.msg);
      }
      /* Garbage from the middle of the compressed stream on. */
      bad = xmalloc (glen);
      memcpy (bad, gz, glen);
      for (k = glen / 2; k < glen / 2 + 4096 && k < glen; k++)
        bad[k] = (unsigned char)(k * 131);
      {
        cleanup_free char *root = new_root (&fd);
        r = apply_raw (fd, bad, glen, IMG_MT_OCI_LAYER_GZIP, m.diff, false);
        ok (r.r < 0 && strstr (r.msg, "layer 'sha256:test'"), "%s: corrupt gzip in the middle fails: %s", how,
            r.msg);
        ok (exists_at (root, m.names[0]), "%s: the entries before the damage were written", how);
        close (fd);
        free (r.msg);
      }
      free (steal_ptr (bad));
      {
        cleanup_free char *root = new_root (&fd);
        r = apply_raw (fd, gz, glen - glen / 3, IMG_MT_OCI_LAYER_GZIP, m.diff, false);
        ok (r.r < 0 && strstr (r.msg, "layer 'sha256:test'")
              && (strstr (r.msg, "gzip: unexpected end") || strstr (r.msg, "tar")),
            "%s: truncated gzip blob fails: %s", how, r.msg);
        close (fd);
        free (r.msg);
      }
      {
        cleanup_free char *root = new_root (&fd);
        r = apply_raw (fd, gz, glen - 4, IMG_MT_OCI_LAYER_GZIP, m.diff, false);
        ok (r.r < 0 && strstr (r.msg, "gzip: unexpected end of the compressed stream"),
            "%s: a gzip blob cut in its trailer fails: %s", how, r.msg);
        close (fd);
        free (r.msg);
      }
      {
        cleanup_free char *root = new_root (&fd);
        r = apply_raw (fd, zs, zlen - 10, IMG_MT_OCI_LAYER_ZSTD, m.diff, false);
        ok (r.r < 0 && strstr (r.msg, "zstd: unexpected end of the compressed stream"),
            "%s: a truncated zstd blob fails: %s", how, r.msg);
        close (fd);
        free (r.msg);
      }
      /* The tar fails at its first entry while the stream has megabytes to
       * go: the producer is stopped, nothing hangs. */
      {
        static const struct ent evil[] = { { "../evil", 'f', 0644, "x", 0, 0, NULL, NULL } };
        size_t elen, eglen;
        cleanup_free unsigned char *etar = make_tar (evil, N (evil), &elen);
        cleanup_free unsigned char *big = xmalloc (elen + m.len), *egz = NULL;
        cleanup_free char *root = new_root (&fd);

        memcpy (big, etar, elen - 1024); /* without the end-of-archive blocks */
        memcpy (big + elen - 1024, m.tar, m.len);
        egz = gzip_data (big, elen - 1024 + m.len, &eglen);
        r = apply_raw (fd, egz, eglen, IMG_MT_OCI_LAYER_GZIP, NULL, false);
        ok (r.r < 0 && strstr (r.msg, "../evil"), "%s: an early tar error stops the stream: %s", how, r.msg);
        close (fd);
        free (r.msg);
      }
    }
  layer_stream_threads = -1;
  many_layer_free (&m);
}

int
main (void)
{
  char tmpl[] = "/tmp/test-img-apply.XXXXXX";
  berr_t *err = NULL;

  tmpdir = mkdtemp (tmpl);
  if (tmpdir == NULL)
    return 99;
  test_media_types ();
  test_rootless_encode ();
  test_basic ();
  test_compressed ();
  test_diff_id ();
  test_whiteouts ();
  {
    size_t keep = layer_written_mem_max;
    layer_written_mem_max = 2;
    diag ("the same whiteout cases with the written set spilled after every 2 paths");
    test_whiteouts ();
    layer_written_mem_max = keep;
  }
  test_whiteouts_spilled ();
  test_parent_cache ();
  test_create_modes ();
  test_hostile ();
  test_rootless ();
  test_dir_aliases ();
  test_ownership ();
  test_limits ();
  test_threaded ();
  util_rm_rf_at (AT_FDCWD, tmpdir, &err);
  berr_free (err);
  return tap_done ();
}
