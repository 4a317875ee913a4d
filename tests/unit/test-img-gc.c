/* Unit tests for img's gc and archive helpers (src/img/gc.c, archive.c):
 * the digest set, the reachability walk (index → manifests → config,
 * layers, subject; unreadable manifests reported; a descriptor without a
 * media type sniffed), gc's sweep (exactly the unreferenced blobs, both
 * algorithms, dry run, stray temps), a layer's diff_id through gzip, and
 * docker's familiar names. */
#include <config.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "img-archive.h"
#include "gc.h"
#include "img-fixture.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static void
test_digest_set (void)
{
  cleanup_digest_set struct img_digest_set *set = img_digest_set_new ();
  char buf[80];
  int i, all = 1;

  ok (img_digest_set_add (set, "sha256:aa"), "add a new digest");
  ok (!img_digest_set_add (set, "sha256:aa"), "adding it again reports it was there");
  for (i = 0; i < 1000; i++)
    {
      snprintf (buf, sizeof (buf), "sha256:%064d", i);
      img_digest_set_add (set, buf);
    }
  for (i = 0; i < 1000; i++)
    {
      snprintf (buf, sizeof (buf), "sha256:%064d", i);
      all &= img_digest_set_has (set, buf);
    }
  ok (all && img_digest_set_len (set) == 1001, "1001 digests after growth, all found");
  ok (!img_digest_set_has (set, "sha256:bb"), "an absent digest is not found");
}

struct seen
{
  char log[4096];
  int unreadable;
};

static int
visit (const oci_image_descriptor *d, enum img_reach_role role, void *data, berr_t **err)
{
  struct seen *s = data;
  static const char *names[] = { "root", "manifest", "config", "layer", "subject" };
  snprintf (s->log + strlen (s->log), sizeof (s->log) - strlen (s->log), "%s:%.13s ", names[role], d->digest);
  return 0;
}

static int
unreadable (const oci_image_descriptor *d, enum img_reach_role role, berr_t *why, void *data, berr_t **err)
{
  ((struct seen *)data)->unreadable++;
  return 0;
}

/* An image: config + one layer + manifest; returns the manifest JSON's
 * descriptor; *layer gets the layer digest. */
static oci_image_descriptor *
make_image (struct img_store *s, const char *layer_content, char **layer)
{
  const char *cfgjson = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}";
  struct fixture_image im;
  oci_image_descriptor *d;

  fixture_image_put (s, cfgjson, layer_content, &im);
  d = fixture_desc_new (IMG_MT_OCI_MANIFEST, im.manifest, im.manifest_size);
  *layer = steal_ptr (im.layer);
  fixture_image_clear (&im);
  return d;
}

static void
test_walk (struct img_store *s)
{
  cleanup_free char *l1 = NULL, *l2 = NULL, *idxd = NULL, *json = NULL, *nomt = NULL;
  oci_image_descriptor *m1 = make_image (s, "layer one", &l1), *m2 = make_image (s, "layer two", &l2), *i;
  struct seen seen = { "", 0 };
  struct img_reach r = { visit, unreadable, &seen };
  berr_t *err = NULL;

  /* an index with m1 and a subject m2 */
  json = xasprintf (
    "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\","
    "\"size\":%lld}],\"subject\":{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld}}",
    IMG_MT_OCI_INDEX, IMG_MT_OCI_MANIFEST, m1->digest, (long long)m1->size, IMG_MT_OCI_MANIFEST, m2->digest,
    (long long)m2->size);
  idxd = fixture_blob_put (s, json);
  i = fixture_desc_new (IMG_MT_OCI_INDEX, idxd, strlen (json));
  ok (img_reach_walk (s, i, &r, &err) == 0, "walk an index");
  ok (strstr (seen.log, "root:sha256:") == seen.log, "the index first");
  ok (strstr (seen.log, "manifest:") && strstr (seen.log, "subject:"), "its manifest and its subject");
  is_int (strstr (seen.log, "config:") != NULL
            && strstr (seen.log + (strstr (seen.log, "config:") - seen.log) + 1, "config:") != NULL,
          1, "the configs of both manifests");
  ok (strstr (seen.log, "layer:") != NULL && seen.unreadable == 0, "layers, nothing unreadable");

  /* no media type: sniffed as a manifest */
  seen.log[0] = '\0';
  free (i->media_type);
  i->media_type = NULL;
  i->digest = (free (i->digest), xstrdup (m1->digest));
  i->size = m1->size;
  ok (img_reach_walk (s, i, &r, &err) == 0 && strstr (seen.log, "layer:"),
      "a descriptor without media type: sniffed");

  /* a missing manifest */
  seen.log[0] = '\0';
  nomt = img_digest_data (IMG_DIGEST_SHA256, "nothing", 7);
  free (i->digest);
  i->digest = xstrdup (nomt);
  i->media_type = xstrdup (IMG_MT_OCI_MANIFEST);
  ok (img_reach_walk (s, i, &r, &err) == 0 && seen.unreadable == 1,
      "a missing manifest is reported, the walk goes on");
  r.unreadable = NULL;
  ok (img_reach_walk (s, i, &r, &err) < 0 && err && strstr (err->msg, nomt + 7),
      "without a handler, it stops naming it");
  berr_clear (&err);
  oci_image_descriptor_free (i);
  oci_image_descriptor_free (m1);
  oci_image_descriptor_free (m2);
}

/* Docker schema2: a manifest list → a manifest → config and layer. */
static void
test_walk_docker (struct img_store *s)
{
  cleanup_free char *cfg = fixture_blob_put (s, "{\"os\":\"linux\"}"),
                    *lay = fixture_blob_put (s, "docker layer"), *mj = NULL, *m = NULL;
  cleanup_free char *lj = NULL, *l = NULL;
  struct seen seen = { "", 0 };
  struct img_reach r = { visit, unreadable, &seen };
  oci_image_descriptor *d;
  berr_t *err = NULL;

  mj = xasprintf (
    "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\",\"digest\":\"%s\","
    "\"size\":15},\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":12}]}",
    IMG_MT_DOCKER_MANIFEST, IMG_MT_DOCKER_CONFIG, cfg, IMG_MT_DOCKER_LAYER_GZIP, lay);
  m = fixture_blob_put (s, mj);
  lj = xasprintf (
    "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\","
    "\"size\":%zu,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}",
    IMG_MT_DOCKER_LIST, IMG_MT_DOCKER_MANIFEST, m, strlen (mj));
  l = fixture_blob_put (s, lj);
  d = fixture_desc_new (IMG_MT_DOCKER_LIST, l, strlen (lj));
  ok (img_reach_walk (s, d, &r, &err) == 0 && seen.unreadable == 0, "walk a Docker manifest list");
  ok (strstr (seen.log, "manifest:") && strstr (seen.log, "config:") && strstr (seen.log, "layer:"),
      "its manifest, config and layer are reached");
  oci_image_descriptor_free (d);
}

static void
test_gc (struct img_store *s)
{
  cleanup_free char *l1 = NULL, *l2 = NULL, *junk = NULL, *p = NULL, *tmp = NULL;
  oci_image_descriptor *m1 = make_image (s, "gc layer one", &l1), *m2 = make_image (s, "gc layer two", &l2);
  struct img_gc_opts dry = { true }, real = { false };
  struct img_gc_result res;
  berr_t *err = NULL;
  enum img_digest_alg saved = s->alg;
  int fd;

  ok (img_index_tag (s, m1, "one", &err) == 0 && img_index_tag (s, m2, NULL, &err) == 0,
      "tag one, m2 untagged");
  s->alg = IMG_DIGEST_SHA512;
  junk = fixture_blob_put (s, "unreferenced sha512");
  s->alg = saved;
  free (fixture_blob_put (s, "unreferenced sha256"));
  p = xasprintf ("%s/.berth/tmp", s->path);
  util_mkdir_p (p, 0700, NULL);
  tmp = xasprintf ("%s/blob-stray", p);
  fd = open (tmp, O_WRONLY | O_CREAT, 0600);
  close (fd);

  ok (img_gc (s, &dry, &res, &err) == 0 && res.blobs >= 2 && res.temps == 1,
      "dry run: counts blobs and temps");
  ok (img_blob_exists (s, junk) && access (tmp, F_OK) == 0, "dry run removes nothing");
  img_gc_result_clear (&res);
  ok (img_gc (s, &real, &res, &err) == 0, "gc");
  ok (!img_blob_exists (s, junk) && access (tmp, F_OK) != 0, "the sha512 junk and the stray temp are gone");
  ok (img_blob_exists (s, l1) && img_blob_exists (s, l2) && img_blob_exists (s, m1->digest)
        && img_blob_exists (s, m2->digest),
      "tagged and untagged entries' blobs stay");
  is_int (res.n_missing, 0, "nothing missing");
  img_gc_result_clear (&res);
  ok (img_gc (s, &real, &res, &err) == 0 && res.blobs == 0 && res.bytes == 0, "a second gc finds nothing");
  img_gc_result_clear (&res);

  /* a missing layer: reported with the tag, not fatal */
  {
    cleanup_free char *rel = NULL;
    img_blob_relpath (l1, &rel, NULL);
    unlinkat (s->dirfd, rel, 0);
  }
  ok (img_gc (s, &real, &res, &err) == 0 && res.n_missing == 1
        && strstr (res.missing[0], "(layer of 'one'): missing"),
      "a missing layer is reported, naming its tag");
  img_gc_result_clear (&res);
  oci_image_descriptor_free (m1);
  oci_image_descriptor_free (m2);
}

static char *
gzip_data (const char *in, size_t len, size_t *outlen)
{
  z_stream z = { 0 };
  char *out = xmalloc (len + 128);
  deflateInit2 (&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  z.next_in = (unsigned char *)in;
  z.avail_in = len;
  z.next_out = (unsigned char *)out;
  z.avail_out = len + 128;
  deflate (&z, Z_FINISH);
  *outlen = z.total_out;
  deflateEnd (&z);
  return out;
}

static void
test_diff_id (struct img_store *s)
{
  cleanup_free char *data = xmalloc (100000), *gz = NULL, *want = NULL, *got = NULL, *gzd = NULL;
  cleanup_free char *plain = NULL, *got2 = NULL;
  cleanup_blob_writer struct img_blob_writer *w = NULL;
  berr_t *err = NULL;
  int64_t usize = 0, size;
  size_t gzlen, i;

  for (i = 0; i < 100000; i++)
    data[i] = "abcdefgh"[i % 7];
  want = img_digest_data (IMG_DIGEST_SHA256, data, 100000);
  gz = gzip_data (data, 100000, &gzlen);
  img_blob_writer_new (s, IMG_DIGEST_SHA256, &w, &err);
  img_blob_writer_write (w, gz, gzlen, &err);
  ok (img_blob_writer_commit (w, NULL, -1, &gzd, &size, &err) == 0, "a gzip layer stored");
  ok (img_layer_diff_id (s, gzd, size, &got, &usize, &err) == 0, "its diff_id");
  is_str (got, want, "the diff_id is the digest of the uncompressed data");
  is_int (usize, 100000, "the uncompressed size");
  img_blob_writer_free (steal_ptr (w));
  img_blob_writer_new (s, IMG_DIGEST_SHA256, &w, &err);
  img_blob_writer_write (w, data, 100000, &err);
  img_blob_writer_commit (w, NULL, -1, &plain, &size, &err);
  ok (img_layer_diff_id (s, plain, size, &got2, NULL, &err) == 0 && strcmp (got2, plain) == 0,
      "an uncompressed layer's diff_id is its digest");
}

static void
test_names (void)
{
  cleanup_free char *a = img_archive_familiar_name ("docker.io/library/busybox:latest");
  cleanup_free char *b = img_archive_familiar_name ("docker.io/foo/bar:v1");
  cleanup_free char *c = img_archive_familiar_name ("quay.io/x/y:z");
  is_str (a, "busybox:latest", "docker.io/library/ is dropped");
  is_str (b, "foo/bar:v1", "docker.io/ is dropped");
  is_str (c, "quay.io/x/y:z", "another registry is kept");
}

int
main (void)
{
  char *dir;
  struct img_store *s = fixture_store_new ("test-img-gc", &dir);

  test_digest_set ();
  test_walk (s);
  test_walk_docker (s);
  test_gc (s);
  test_diff_id (s);
  test_names ();
  fixture_store_free (s, dir);
  return tap_done ();
}
