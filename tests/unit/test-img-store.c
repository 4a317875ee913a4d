/* Unit tests for img's store (src/img/store.c, image.c, digest.c): layout
 * creation and refusal, blobs written and verified (a corrupted or
 * truncated blob is reported, never returned), index.json tags and name
 * lookup, images written and loaded, a large blob through the writer's buffer
 * and flusher, streams checked by img_blob_put_stream, Docker schema2 read as OCI, platform
 * choice from an index, sha512. */
#include <config.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "digest.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static char tmpdir[] = "/tmp/test-img-store.XXXXXX";

static char *
path_in (const char *name)
{
  return xasprintf ("%s/%s", tmpdir, name);
}

static void
write_file (const char *path, const char *data)
{
  FILE *f = fopen (path, "w");
  fputs (data, f);
  fclose (f);
}

static char *
read_blob (struct img_store *s, const char *digest, int64_t size, berr_t **err)
{
  char *data = NULL;
  size_t len;
  if (img_blob_read_all (s, digest, size, 1 << 20, &data, &len, err) < 0)
    return NULL;
  return data;
}

static void
test_digest (void)
{
  cleanup_free char *d = img_digest_data (IMG_DIGEST_SHA256, "", 0);
  cleanup_free char *d5 = img_digest_data (IMG_DIGEST_SHA512, "abc", 3);
  berr_t *err = NULL;

  is_str (d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
  ok (util_str_has_prefix (d5, "sha512:ddaf35a193617aba"), "sha512 of abc");
  ok (img_digest_valid (d) && img_digest_valid (d5), "both digests are valid");
  ok (img_digest_parse ("sha256:../../etc/passwd", NULL, NULL, &err) < 0 && strstr (err->msg, "sha256:../"),
      "a path in a digest is refused, naming it");
  berr_clear (&err);
  ok (!img_digest_valid ("md5:d41d8cd98f00b204e9800998ecf8427e"), "md5 refused");
  ok (!img_digest_valid ("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
      "upper-case hex refused");
  ok (!img_digest_valid ("sha256:e3b0"), "short hex refused");
}

static void
test_open (void)
{
  cleanup_free char *p = path_in ("store");
  cleanup_free char *q = path_in ("notalayout");
  cleanup_free char *junk = path_in ("notalayout/file");
  cleanup_free char *missing = path_in ("missing");
  struct img_store *s = NULL;
  berr_t *err = NULL;
  struct stat st;

  ok (img_store_open (missing, false, &s, &err) < 0 && strstr (err->msg, "does not exist"),
      "a missing store is an error without create: %s", err ? err->msg : "");
  berr_clear (&err);
  ok (img_store_open (p, true, &s, &err) == 0, "create a store");
  img_store_close (s);
  s = NULL;
  {
    cleanup_free char *f = path_in ("store/oci-layout");
    cleanup_free char *i = path_in ("store/index.json");
    cleanup_free char *b = path_in ("store/blobs/sha256");
    ok (stat (f, &st) == 0 && stat (i, &st) == 0 && stat (b, &st) == 0 && S_ISDIR (st.st_mode),
        "oci-layout, index.json and blobs/sha256 exist");
  }
  ok (img_store_open (p, false, &s, &err) == 0, "reopen without create");
  img_store_close (s);
  s = NULL;
  mkdir (q, 0755);
  write_file (junk, "x");
  ok (img_store_open (q, true, &s, &err) < 0 && strstr (err->msg, "not an OCI image layout"),
      "a non-empty directory that is not a layout is refused: %s", err ? err->msg : "");
  berr_clear (&err);
}

static void
test_blobs (void)
{
  cleanup_free char *p = path_in ("store");
  cleanup_store struct img_store *s = NULL;
  cleanup_free char *d = NULL;
  cleanup_free char *d2 = NULL;
  cleanup_free char *rel = NULL;
  cleanup_free char *abs = NULL;
  cleanup_free char *data = NULL;
  cleanup_free char *tmpd = path_in ("store/.berth/tmp");
  berr_t *err = NULL;
  struct img_blob_writer *w = NULL;
  cleanup_dir DIR *dir = NULL;
  struct dirent *de;
  int n = 0;

  img_store_open (p, false, &s, &err);
  ok (img_blob_put (s, "hello", 5, &d, &err) == 0, "put a blob");
  ok (img_blob_exists (s, d), "it exists");
  data = read_blob (s, d, 5, &err);
  is_str (data, "hello", "read back verified");
  free (data);
  ok (img_blob_put (s, "hello", 5, &d2, &err) == 0 && strcmp (d, d2) == 0, "a second put is the same blob");
  data = read_blob (s, d, 6, &err);
  ok (data == NULL && strstr (err->msg, "corrupt"), "a wrong expected size is reported: %s",
      err ? err->msg : "");
  berr_clear (&err);

  /* corrupt it in place: same size, other content */
  img_blob_relpath (d, &rel, &err);
  abs = xasprintf ("%s/%s", p, rel);
  chmod (abs, 0644);
  write_file (abs, "jello");
  data = read_blob (s, d, 5, &err);
  ok (data == NULL && strstr (err->msg, "corrupt") && strstr (err->msg, d),
      "a corrupted blob is reported: %s", err ? err->msg : "");
  berr_clear (&err);
  write_file (abs, "hell");
  data = read_blob (s, d, -1, &err);
  ok (data == NULL && strstr (err->msg, "corrupt"), "a truncated blob (size unknown) is reported by digest");
  berr_clear (&err);

  /* a writer that checks an expected digest */
  ok (img_blob_writer_new (s, IMG_DIGEST_SHA256, &w, &err) == 0, "writer");
  img_blob_writer_write (w, "abc", 3, &err);
  ok (img_blob_writer_commit (w, d, -1, NULL, NULL, &err) < 0 && strstr (err->msg, "mismatch"),
      "a writer refuses content that does not match the expected digest: %s", err ? err->msg : "");
  berr_clear (&err);
  img_blob_writer_free (w);
  dir = opendir (tmpd);
  while (dir && (de = readdir (dir)))
    if (de->d_name[0] != '.')
      n++;
  is_int (n, 0, "an abandoned writer leaves no temp file");

  /* sha512 */
  s->alg = IMG_DIGEST_SHA512;
  free (d);
  d = NULL;
  ok (img_blob_put (s, "x512", 4, &d, &err) == 0 && util_str_has_prefix (d, "sha512:"), "a sha512 blob");
  data = read_blob (s, d, 4, &err);
  is_str (data, "x512", "sha512 blob read back verified");
  s->alg = IMG_DIGEST_SHA256;
}

struct mem
{
  const char *p;
  size_t left;
};

static ssize_t
mem_read (void *src, void *b, size_t len, berr_t **err)
{
  struct mem *m = src;
  (void)err;
  if (len > m->left)
    len = m->left;
  memcpy (b, m->p, len);
  m->p += len;
  m->left -= len;
  return (ssize_t)len;
}

/* A 40 MB blob through the writer in odd-sized writes: the write buffer,
 * the writeback and the flusher thread (past 32 MB) all run; what is
 * committed is byte for byte what was written.  A reset mid-way starts the
 * blob over; img_blob_put_stream checks a stream against its digest. */
static void
test_big_writer (void)
{
  cleanup_free char *p = path_in ("store");
  cleanup_store struct img_store *s = NULL;
  cleanup_free char *want = NULL;
  cleanup_free char *got = NULL;
  cleanup_free char *d = NULL;
  cleanup_free char *buf = xmalloc (3000017);
  cleanup_blob_reader struct img_blob_reader *r = NULL;
  struct img_hasher *h = img_hasher_new (IMG_DIGEST_SHA256);
  struct img_blob_writer *w = NULL;
  berr_t *err = NULL;
  int64_t total = 0, size = 0, in_file;
  bool wrote = true;
  size_t i, k;
  ssize_t n;

  img_store_open (p, false, &s, &err);
  ok (img_blob_writer_new (s, IMG_DIGEST_SHA256, &w, &err) == 0, "big writer");
  img_blob_writer_write (w, "thrown away", 11, &err);
  ok (img_blob_writer_reset (w, &err) == 0 && img_blob_writer_size (w) == 0, "reset before the big write");
  /* past ASYNC_AFTER a thread writes the buffers: a reset waits for it */
  memset (buf, 'x', 3000017);
  for (i = 0; i < 3; i++)
    img_blob_writer_write (w, buf, 3000017, &err);
  ok (img_blob_writer_reset (w, &err) == 0 && img_blob_writer_size (w) == 0
        && img_blob_writer_in_file (w) == 0,
      "reset after 9 MB (the writer thread running)");
  for (i = 0; total < 40 * 1000 * 1000; i++)
    {
      size_t len = i % 3 == 0 ? 16384 : i % 3 == 1 ? 3000017 : 777;
      for (k = 0; k < len; k++)
        buf[k] = (char)((total + (int64_t)k) * 131 >> 7);
      img_hasher_update (h, buf, len);
      if (img_blob_writer_write (w, buf, len, &err) < 0)
        wrote = false;
      total += (int64_t)len;
    }
  want = img_hasher_final (h);
  img_hasher_free (h);
  /* the writer thread may be up to its 4 buffers behind */
  in_file = img_blob_writer_in_file (w);
  ok (wrote && img_blob_writer_size (w) == total, "%lld bytes written", (long long)total);
  ok (in_file <= total && in_file > total - (6 << 20), "the file has all but the buffered tail (%lld)",
      (long long)in_file);
  ok (img_blob_writer_flush (w, &err) == 0 && img_blob_writer_in_file (w) == total,
      "flushed: all in the file");
  ok (img_blob_writer_commit (w, want, total, &d, &size, &err) == 0 && strcmp (d, want) == 0 && size == total,
      "committed under its digest: %s", err ? err->msg : "");
  img_blob_writer_free (w);
  ok (img_blob_open (s, want, total, &r, &err) == 0, "open the big blob");
  while (r && (n = img_blob_read (r, buf, 3000017, &err)) > 0)
    ;
  ok (err == NULL, "the big blob reads back verified: %s", err ? err->msg : "");
  berr_clear (&err);

  /* a stream that is not what its digest says: refused, new or not */
  {
    struct mem m = { "hello", 5 };
    free (d);
    d = NULL;
    ok (img_blob_put_stream (s, IMG_DIGEST_SHA256, mem_read, &m, NULL, -1, &d, &size, &err) == 0 && size == 5,
        "a stream stored: %s", d ? d : "");
    m = (struct mem){ "jello", 5 };
    ok (img_blob_put_stream (s, IMG_DIGEST_SHA256, mem_read, &m, d, -1, NULL, NULL, &err) < 0
          && strstr (err->msg, "corrupt"),
        "a stream that is not the stored blob it claims to be is refused: %s", err ? err->msg : "");
    berr_clear (&err);
    m = (struct mem){ "jello", 5 };
    free (got);
    got = img_digest_data (IMG_DIGEST_SHA256, "other", 5);
    ok (img_blob_put_stream (s, IMG_DIGEST_SHA256, mem_read, &m, got, -1, NULL, NULL, &err) < 0
          && strstr (err->msg, "mismatch"),
        "a stream that is not the new blob it claims to be is refused: %s", err ? err->msg : "");
    berr_clear (&err);
    m = (struct mem){ "hello", 5 };
    ok (img_blob_put_stream (s, IMG_DIGEST_SHA256, mem_read, &m, d, 6, NULL, NULL, &err) < 0
          && strstr (err->msg, "size"),
        "a stored blob streamed with the wrong size is refused: %s", err ? err->msg : "");
    berr_clear (&err);
  }
}

static oci_image_config *
make_config (const char *arch)
{
  cleanup_free char *json
    = xasprintf ("{\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/"
                 "sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
                 arch);
  return oci_image_config_parse_data (json, strlen (json), "test", NULL);
}

static void
test_images (void)
{
  cleanup_free char *p = path_in ("store");
  cleanup_store struct img_store *s = NULL;
  berr_t *err = NULL;
  oci_image_manifest m1 = { 0 }, m2 = { 0 };
  oci_image_config *c1 = make_config ("amd64"), *c2 = make_config ("arm64");
  oci_image_descriptor *d1 = NULL, *d2 = NULL;
  struct img_image *im = NULL;
  oci_image_index *idx;
  size_t pos;

  img_store_open (p, false, &s, &err);
  ok (img_image_write (s, &m1, c1, "busybox:latest", &d1, &err) == 0, "write an image");
  ok (img_image_write (s, &m2, c2, "other:1", &d2, &err) == 0, "write another");
  idx = img_index_load (s, &err);
  ok (idx && idx->manifests_len == 2, "index.json has two entries");
  ok (img_index_find (s, idx, "busybox", &pos, &err) == 0 && pos == 0, "'busybox' finds busybox:latest");
  ok (img_index_find (s, idx, d2->digest, &pos, &err) == 0 && pos == 1, "a digest finds its image");
  {
    cleanup_free char *prefix = xstrndup (strchr (d2->digest, ':') + 1, 12);
    ok (img_index_find (s, idx, prefix, &pos, &err) == 0 && pos == 1, "a 12-digit prefix finds its image");
  }
  ok (img_index_find (s, idx, "nope", &pos, &err) < 0 && strstr (err->msg, "'nope' not found"),
      "an unknown name: %s", err ? err->msg : "");
  berr_clear (&err);
  oci_image_index_free (idx);

  ok (img_image_load (s, "busybox", NULL, &im, &err) == 0, "load by name");
  ok (im && strcmp (im->config->architecture, "amd64") == 0 && strcmp (im->desc->digest, d1->digest) == 0,
      "the loaded image is the one written");
  img_image_free (im);
  im = NULL;

  /* retag: the tag moves, the old entry is replaced */
  ok (img_index_tag (s, d2, "busybox:latest", &err) == 0, "move a tag");
  idx = img_index_load (s, &err);
  ok (idx && idx->manifests_len == 2 && img_index_find (s, idx, "busybox:latest", &pos, &err) == 0
        && strcmp (idx->manifests[pos]->digest, d2->digest) == 0,
      "the tag names the other image; still two entries");
  oci_image_index_free (idx);

  /* several tags in one update, in order: the later of one name wins */
  {
    const oci_image_descriptor *ds[] = { d1, d2, d1 };
    const char *names[] = { "t:1", "t:2", "t:2" };
    struct stat before, after;
    cleanup_free char *ip = path_in ("store/index.json");

    stat (ip, &before);
    ok (img_index_tag_many (s, ds, names, 3, &err) == 0, "three tags in one update");
    stat (ip, &after);
    idx = img_index_load (s, &err);
    ok (idx && idx->manifests_len == 4 && img_index_find (s, idx, "t:1", &pos, &err) == 0
          && strcmp (idx->manifests[pos]->digest, d1->digest) == 0
          && img_index_find (s, idx, "t:2", &pos, &err) == 0
          && strcmp (idx->manifests[pos]->digest, d1->digest) == 0,
        "t:1 and t:2 added, t:2 the last one given");
    ok (before.st_ino != after.st_ino, "index.json replaced (renamed into place)");
    oci_image_index_free (idx);
  }

  /* an index with two platforms, tagged */
  {
    cleanup_free char *ij = xasprintf (
      "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":["
      "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld,\"platform\":{\"os\":\"linux\",\"architecture\":"
      "\"amd64\"}},"
      "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld,\"platform\":{\"os\":\"linux\",\"architecture\":"
      "\"arm64\",\"variant\":\"v8\"}}]}",
      IMG_MT_OCI_INDEX, IMG_MT_OCI_MANIFEST, d1->digest, (long long)d1->size, IMG_MT_OCI_MANIFEST, d2->digest,
      (long long)d2->size);
    cleanup_free char *id = NULL;
    oci_image_descriptor di
      = { .media_type = IMG_MT_OCI_INDEX, .size = (int64_t)strlen (ij), .size_present = true };
    struct img_platform pl;

    img_blob_put (s, ij, strlen (ij), &id, &err);
    di.digest = id;
    img_index_tag (s, &di, "multi", &err);
    img_platform_parse ("linux/arm64", &pl, &err);
    ok (img_image_load (s, "multi", &pl, &im, &err) == 0 && strcmp (im->config->architecture, "arm64") == 0,
        "--platform linux/arm64 picks the arm64 manifest");
    img_image_free (im);
    im = NULL;
    img_platform_clear (&pl);
    img_platform_parse ("linux/s390x", &pl, &err);
    ok (img_image_load (s, "multi", &pl, &im, &err) < 0
          && strstr (err->msg, "no image for platform 'linux/s390x'"),
        "a missing platform is named: %s", err ? err->msg : "");
    berr_clear (&err);
    img_platform_clear (&pl);
    ok (img_platform_parse ("linux", &pl, &err) < 0 && strstr (err->msg, "OS/ARCH"),
        "'linux' alone is refused");
    berr_clear (&err);
  }

  /* Docker schema2: read as OCI */
  {
    cleanup_free char *cdig = NULL;
    cleanup_free char *mdig = NULL;
    cleanup_free char *mj = NULL;
    const char *cj
      = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
        "\"diff_ids\":[\"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"]},"
        "\"container_config\":{\"Hostname\":\"x\"}}";
    oci_image_descriptor dm = { .media_type = IMG_MT_DOCKER_MANIFEST, .size_present = true };

    img_blob_put (s, cj, strlen (cj), &cdig, &err);
    mj = xasprintf (
      "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\",\"digest\":\"%s\","
      "\"size\":%zu},\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":1}]}",
      IMG_MT_DOCKER_MANIFEST, IMG_MT_DOCKER_CONFIG, cdig, strlen (cj), IMG_MT_DOCKER_LAYER_GZIP, cdig);
    img_blob_put (s, mj, strlen (mj), &mdig, &err);
    dm.digest = mdig;
    dm.size = (int64_t)strlen (mj);
    ok (img_image_load_desc (s, &dm, NULL, &im, &err) == 0, "load a Docker schema2 manifest");
    ok (im && strcmp (im->manifest->media_type, IMG_MT_OCI_MANIFEST) == 0
          && strcmp (im->manifest->config->media_type, IMG_MT_OCI_CONFIG) == 0
          && strcmp (im->manifest->layers[0]->media_type, IMG_MT_OCI_LAYER_GZIP) == 0,
        "its media types read as OCI");
    ok (im && strstr (im->config_json, "container_config") != NULL, "the raw config is kept as stored");
    img_image_free (im);
  }
  oci_image_config_free (c1);
  oci_image_config_free (c2);
  oci_image_descriptor_free (d1);
  oci_image_descriptor_free (d2);
  free (m1.media_type);
  free (m2.media_type);
  oci_image_descriptor_free (m1.config);
  oci_image_descriptor_free (m2.config);
}

static void
test_concurrent_tags (void)
{
  cleanup_free char *p = path_in ("store");
  const int N = 8;
  int i;
  pid_t pids[8];
  cleanup_store struct img_store *s = NULL;
  oci_image_index *idx;
  berr_t *err = NULL;
  bool all = true;

  for (i = 0; i < N; i++)
    {
      pids[i] = fork ();
      if (pids[i] == 0)
        {
          struct img_store *cs = NULL;
          oci_image_manifest m = { 0 };
          oci_image_config *c = make_config ("amd64");
          cleanup_free char *tag = xasprintf ("par:%d", i);
          int k;
          if (img_store_open (p, false, &cs, NULL) < 0)
            _exit (1);
          for (k = 0; k < 10; k++)
            if (img_image_write (cs, &m, c, tag, NULL, NULL) < 0)
              _exit (1);
          _exit (0);
        }
    }
  for (i = 0; i < N; i++)
    {
      int st = 0;
      waitpid (pids[i], &st, 0);
      all = all && WIFEXITED (st) && WEXITSTATUS (st) == 0;
    }
  ok (all, "8 processes tagging at once all succeed");
  img_store_open (p, false, &s, &err);
  idx = img_index_load (s, &err);
  ok (idx != NULL, "index.json still parses");
  for (i = 0; idx && i < N; i++)
    {
      cleanup_free char *tag = xasprintf ("par:%d", i);
      size_t pos;
      if (img_index_find (s, idx, tag, &pos, NULL) < 0)
        all = false;
    }
  ok (all, "every tag is present");
  oci_image_index_free (idx);
}

int
main (void)
{
  if (mkdtemp (tmpdir) == NULL)
    return 99;
  test_digest ();
  test_open ();
  test_blobs ();
  test_big_writer ();
  test_images ();
  test_concurrent_tags ();
  {
    berr_t *err = NULL;
    int fd = open ("/", O_RDONLY | O_DIRECTORY);
    util_rm_rf_at (fd, tmpdir + 1, &err);
    close (fd);
    berr_clear (&err);
  }
  return tap_done ();
}
