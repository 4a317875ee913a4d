/* Unit tests for `img fsck` (src/img/fsck.c): a clean store has no
 * problem; a flipped byte in a layer is a corrupt blob and a broken image,
 * and --repair removes the blob and nothing else; a missing config breaks
 * its image; a tag whose manifest is gone is dangling; a config that is
 * not an image config is reported; temp files of interrupted writes
 * (.berth/tmp, .index.json.tmp.PID) are debris that --repair removes;
 * a blob no image references is counted, never reported nor removed. */
#include <config.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsck.h"
#include "gc.h"
#include "img-fixture.h"
#include "store.h"
#include "tap.h"
#include "util.h"

/* An image (img-fixture.h) tagged name. */
static void
make_image (struct img_store *s, const char *name, const char *cfgjson, const char *layer_content,
            struct fixture_image *im)
{
  oci_image_descriptor *d;
  berr_t *err = NULL;

  fixture_image_put (s, cfgjson, layer_content, im);
  d = fixture_desc_new (IMG_MT_OCI_MANIFEST, im->manifest, im->manifest_size);
  if (img_index_tag (s, d, name, &err) < 0)
    {
      printf ("# tag: %s\n", err->msg);
      exit (1);
    }
  oci_image_descriptor_free (d);
}

#define CFG "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"

static char *
blob_path (struct img_store *s, const char *digest)
{
  return xasprintf ("%s/blobs/sha256/%s", s->path, strchr (digest, ':') + 1);
}

static bool
exists (const char *path)
{
  return access (path, F_OK) == 0;
}

static struct img_fsck_result
run (struct img_store *s, bool repair)
{
  struct img_fsck_opts o = { repair };
  struct img_fsck_result res;
  berr_t *err = NULL;

  if (img_fsck (s, &o, &res, &err) < 0)
    {
      printf ("# fsck: %s\n", err->msg);
      exit (1);
    }
  return res;
}

/* the problem of kind about object/path, or NULL */
static const struct img_fsck_problem *
find (const struct img_fsck_result *r, enum img_fsck_kind kind, const char *needle)
{
  size_t i;
  for (i = 0; i < r->n_problems; i++)
    {
      const struct img_fsck_problem *p = &r->problems[i];
      if (p->kind == kind
          && (strstr (p->object, needle) || (p->path && strstr (p->path, needle))
              || strstr (p->reason, needle)))
        return p;
    }
  return NULL;
}

static void
flip_byte (const char *path)
{
  int fd = open (path, O_RDWR);
  char c;
  if (fd < 0 || pread (fd, &c, 1, 0) != 1)
    exit (1);
  c ^= 1;
  if (pwrite (fd, &c, 1, 0) != 1)
    exit (1);
  close (fd);
}

static void
test_clean (struct img_store *s, struct fixture_image *a)
{
  struct img_fsck_result r = run (s, false);
  cleanup_free char *orphan = fixture_blob_put (s, "nobody references me");

  is_int (r.n_problems, 0, "a clean store has no problem");
  ok (r.images == 1 && r.blobs == 3, "one image and its three blobs checked (%zu, %zu)", r.images, r.blobs);
  img_fsck_result_clear (&r);
  r = run (s, true);
  is_int (r.n_problems, 0, "an unreferenced blob is not a problem");
  is_int (r.unreferenced, 1, "it is counted");
  ok (img_blob_exists (s, orphan), "--repair leaves it (gc's to remove)");
  img_blob_remove (s, orphan, NULL);
  img_fsck_result_clear (&r);
  (void)a;
}

static void
test_flipped (struct img_store *s, struct fixture_image *a)
{
  cleanup_free char *path = blob_path (s, a->layer);
  struct img_fsck_result r;
  const struct img_fsck_problem *p;

  flip_byte (path);
  r = run (s, false);
  p = find (&r, IMG_FSCK_CORRUPT, a->layer);
  ok (p && strstr (p->reason, "hashes to") && !p->repaired, "a flipped byte: the layer blob is corrupt");
  p = find (&r, IMG_FSCK_BROKEN, "image 'a:latest'");
  ok (p && strstr (p->reason, "is corrupt") && strstr (p->reason, "pull the image again"),
      "and image a is broken, with advice");
  is_int (r.n_problems, 2, "two problems");
  is_int (img_fsck_unrepaired (&r), 2, "none repaired without --repair");
  ok (exists (path), "without --repair the blob stays");
  img_fsck_result_clear (&r);

  r = run (s, true);
  p = find (&r, IMG_FSCK_CORRUPT, a->layer);
  ok (p && p->repaired, "--repair removes the corrupt blob");
  ok (!exists (path), "it is gone");
  ok (img_blob_exists (s, a->config) && img_blob_exists (s, a->manifest), "the healthy blobs stay");
  is_int (img_fsck_unrepaired (&r), 1, "the broken image remains a problem");
  img_fsck_result_clear (&r);

  r = run (s, false);
  p = find (&r, IMG_FSCK_BROKEN, a->layer);
  ok (p && strstr (p->reason, "is missing"), "next run: the layer is missing from image a");
  img_fsck_result_clear (&r);
  /* pull it again */
  free (fixture_blob_put (s, "layer a"));
  r = run (s, false);
  is_int (r.n_problems, 0, "the blob written again: clean");
  img_fsck_result_clear (&r);
}

static void
test_missing_and_dangling (struct img_store *s, struct fixture_image *a)
{
  cleanup_free char *cpath = blob_path (s, a->config);
  cleanup_free char *mpath = blob_path (s, a->manifest);
  cleanup_free char *keep = NULL;
  struct img_fsck_result r;
  const struct img_fsck_problem *p;
  size_t len;

  ok (util_read_file (cpath, &keep, &len, NULL) == 0, "save the config");
  unlink (cpath);
  r = run (s, true);
  p = find (&r, IMG_FSCK_BROKEN, a->config);
  ok (p && strstr (p->reason, "config blob") && strstr (p->reason, "is missing") && !p->repaired,
      "a missing config: the image is broken, --repair cannot help");
  img_fsck_result_clear (&r);
  free (fixture_blob_put (s, keep));

  unlink (mpath);
  r = run (s, false);
  p = find (&r, IMG_FSCK_BROKEN, "image 'a:latest'");
  ok (p && strstr (p->reason, "manifest blob") && strstr (p->reason, "is missing"),
      "a dangling tag: its manifest is missing");
  is_int (r.unreferenced, 2, "config and layer are now unreferenced");
  img_fsck_result_clear (&r);
}

static void
test_bad_config (struct img_store *s)
{
  struct fixture_image b = { 0 };
  struct img_fsck_result r;
  const struct img_fsck_problem *p;

  make_image (s, "b:latest", "{\"rootfs\": 42}", "layer b", &b);
  r = run (s, false);
  p = find (&r, IMG_FSCK_BROKEN, b.config);
  ok (p && strstr (p->reason, "does not parse as an image config"), "a config that is not an image config");
  img_fsck_result_clear (&r);
  fixture_image_clear (&b);
}

static void
test_debris (struct img_store *s)
{
  cleanup_free char *t1 = xasprintf ("%s/.berth/tmp/blob-1-abc", s->path);
  cleanup_free char *t2 = xasprintf ("%s/.index.json.tmp.4242", s->path);
  cleanup_free char *stray = xasprintf ("%s/blobs/sha256/.tmp-other-tool", s->path);
  struct img_fsck_result r;
  const struct img_fsck_problem *p;

  ok (util_write_file_atomic_at (AT_FDCWD, t1, "half", 4, 0644, NULL) == 0
        && util_write_file_atomic_at (AT_FDCWD, t2, "{", 1, 0644, NULL) == 0
        && util_write_file_atomic_at (AT_FDCWD, stray, "x", 1, 0644, NULL) == 0,
      "a temp blob, an index.json temp file, another tool's file");
  r = run (s, false);
  p = find (&r, IMG_FSCK_DEBRIS, ".berth/tmp/blob-1-abc");
  ok (p && strstr (p->reason, "interrupted write") && strstr (p->reason, "4 bytes"),
      "the temp blob is debris");
  ok (find (&r, IMG_FSCK_DEBRIS, ".index.json.tmp.4242") != NULL, "the index.json temp file is debris");
  ok (find (&r, IMG_FSCK_STRAY, ".tmp-other-tool") != NULL, "the unknown file in blobs/ is reported");
  img_fsck_result_clear (&r);
  r = run (s, true);
  ok (!exists (t1) && !exists (t2), "--repair removes the debris");
  ok (exists (stray), "and leaves the unknown file alone");
  is_int (img_fsck_unrepaired (&r), 1, "which remains a problem");
  img_fsck_result_clear (&r);
  unlink (stray);
  r = run (s, false);
  is_int (r.n_problems, 0, "clean again");
  img_fsck_result_clear (&r);
}

static void
test_live_writer (struct img_store *s)
{
  struct img_blob_writer *w = NULL;
  struct img_fsck_result r;
  berr_t *err = NULL;

  ok (img_blob_writer_new (s, IMG_DIGEST_SHA256, &w, &err) == 0, "a writer of this process");
  img_blob_writer_write (w, "abc", 3, &err);
  img_blob_writer_flush (w, &err);
  r = run (s, true);
  is_int (r.n_problems, 0, "its locked temp file is not debris");
  img_fsck_result_clear (&r);
  img_blob_writer_free (w);
}

int
main (void)
{
  char *dir;
  struct img_store *s = fixture_store_new ("test-img-fsck", &dir);
  struct fixture_image a = { 0 };

  make_image (s, "a:latest", CFG, "layer a", &a);
  test_clean (s, &a);
  test_flipped (s, &a);
  test_live_writer (s);
  test_debris (s);
  test_missing_and_dangling (s, &a);
  test_bad_config (s);
  fixture_image_clear (&a);
  fixture_store_free (s, dir);
  return tap_done ();
}
