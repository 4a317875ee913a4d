/* berth - the store fixture of img's unit tests (img-fixture.h). */
#include <config.h>

#include "img-fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void __attribute__ ((noreturn)) fixture_die (const char *what, berr_t *err)
{
  printf ("# %s: %s\n", what, err ? err->msg : "failed");
  exit (1);
}

struct img_store *
fixture_store_new (const char *name, char **dir)
{
  cleanup_free char *path = NULL;
  struct img_store *s = NULL;
  berr_t *err = NULL;

  *dir = xasprintf ("/tmp/%s.XXXXXX", name);
  if (mkdtemp (*dir) == NULL)
    {
      printf ("# mkdtemp '%s': %s\n", *dir, strerror (errno));
      exit (1);
    }
  path = xasprintf ("%s/store", *dir);
  if (img_store_open (path, true, &s, &err) < 0)
    fixture_die ("store", err);
  return s;
}

void
fixture_store_free (struct img_store *s, char *dir)
{
  img_store_close (s);
  util_rm_rf_at (AT_FDCWD, dir, NULL);
  free (dir);
}

char *
fixture_blob_put (struct img_store *s, const char *data)
{
  char *d = NULL;
  berr_t *err = NULL;

  if (img_blob_put (s, data, strlen (data), &d, &err) < 0)
    fixture_die ("put", err);
  return d;
}

oci_image_descriptor *
fixture_desc_new (const char *mt, const char *digest, size_t size)
{
  oci_image_descriptor *d = xzalloc (sizeof (*d));

  d->media_type = mt ? xstrdup (mt) : NULL;
  d->digest = xstrdup (digest);
  d->size = size;
  d->size_present = true;
  return d;
}

void
fixture_image_put (struct img_store *s, const char *cfgjson, const char *layer_content,
                   struct fixture_image *im)
{
  cleanup_free char *json = NULL;

  im->config = fixture_blob_put (s, cfgjson);
  im->layer = fixture_blob_put (s, layer_content);
  json = xasprintf (
    "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\",\"digest\":\"%s\","
    "\"size\":%zu},\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}]}",
    IMG_MT_OCI_MANIFEST, IMG_MT_OCI_CONFIG, im->config, strlen (cfgjson), IMG_MT_OCI_LAYER, im->layer,
    strlen (layer_content));
  im->manifest = fixture_blob_put (s, json);
  im->manifest_size = strlen (json);
}

void
fixture_image_clear (struct fixture_image *im)
{
  free (im->config);
  free (im->layer);
  free (im->manifest);
  memset (im, 0, sizeof (*im));
}
