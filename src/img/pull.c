/* img - pull and push: walking a manifest (or an index and the manifests it
 * lists) and moving its blobs between a registry and the store.
 *
 * Blobs move in parallel: a small pool of threads, each with its own
 * registry client (its own connection) cloned from the pull's or push's
 * client, so the /v2/ ping and each token are fetched once, takes blobs
 * from a shared list.  The manifest is stored (pull) or PUT (push) only after all
 * its blobs are in place, and the tag is written last, so an interrupted
 * pull never leaves a tag naming missing blobs. */
#include <config.h>

#include "pull.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "gc.h"
#include "progress.h"
#include "unpack.h"
#include "reference.h"
#include "util.h"

#define DEFAULT_JOBS 3

/* ---- the blob pool ---- */

/* A layer download someone follows (pull --unpack). */
enum stream_state
{
  ST_WAITING,
  ST_RUNNING,
  ST_DONE, /* committed to the store */
  ST_FAILED,
};

struct stream
{
  const char *digest;
  int fd; /* reads the temp file as it grows; -1 before it starts */
  int64_t avail;
  enum stream_state state;
  bool restarted;
};

struct pool
{
  struct img_registry *reg; /* the workers' clients are its clones */
  const char *repo;
  const struct img_transfer_opts *o;
  struct img_store *s;
  struct img_progress *prog;
  bool push;
  const char *mount_from;
  oci_image_descriptor **blobs;
  size_t n, next;
  pthread_mutex_t lock;
  berr_t *err; /* the first error */
  int uploaded;
  bool cancel;
  /* pull --unpack: one stream per layer, and a condition for followers */
  struct stream *streams;
  size_t nstreams;
  pthread_cond_t cond;
  pthread_t th[16];
  int started;
};

static struct stream *
stream_of (struct pool *p, const char *digest)
{
  size_t i;
  for (i = 0; i < p->nstreams; i++)
    if (strcmp (p->streams[i].digest, digest) == 0)
      return &p->streams[i];
  return NULL;
}

static void
pool_progress (void *data, const char *digest, int64_t done, int64_t total)
{
  struct pool *p = data;
  struct stream *st;

  img_progress_update (p->prog, digest, done, total);
  if (p->nstreams == 0)
    return;
  pthread_mutex_lock (&p->lock);
  st = stream_of (p, digest);
  if (st && done > st->avail)
    {
      st->avail = done;
      pthread_cond_broadcast (&p->cond);
    }
  pthread_mutex_unlock (&p->lock);
}

static void
watch_started (void *data, const char *digest, int fd)
{
  struct pool *p = data;
  struct stream *st;

  pthread_mutex_lock (&p->lock);
  st = stream_of (p, digest);
  if (st && st->fd < 0)
    {
      st->fd = fd;
      st->state = ST_RUNNING;
      fd = -1;
      pthread_cond_broadcast (&p->cond);
    }
  pthread_mutex_unlock (&p->lock);
  if (fd >= 0)
    close (fd);
}

static void
watch_restarted (void *data, const char *digest)
{
  struct pool *p = data;
  struct stream *st;

  pthread_mutex_lock (&p->lock);
  st = stream_of (p, digest);
  if (st)
    {
      st->restarted = true;
      pthread_cond_broadcast (&p->cond);
    }
  pthread_mutex_unlock (&p->lock);
}

static void
stream_finish (struct pool *p, const char *digest, bool ok)
{
  struct stream *st;

  if (p->nstreams == 0)
    return;
  pthread_mutex_lock (&p->lock);
  st = stream_of (p, digest);
  if (st)
    st->state = ok ? ST_DONE : ST_FAILED;
  pthread_cond_broadcast (&p->cond);
  pthread_mutex_unlock (&p->lock);
}

static void *
worker (void *data)
{
  struct pool *p = data;
  cleanup_registry struct img_registry *r = NULL;
  berr_t *err = NULL;

  if (img_registry_clone (p->reg, &r, &err) < 0)
    goto fail;
  for (;;)
    {
      oci_image_descriptor *d;
      bool up = false;
      const char *note = NULL;

      pthread_mutex_lock (&p->lock);
      if (p->next >= p->n || p->err || p->cancel)
        {
          pthread_mutex_unlock (&p->lock);
          break;
        }
      d = p->blobs[p->next++];
      pthread_mutex_unlock (&p->lock);
      if (p->push)
        {
          if (img_registry_push_blob (r, p->repo, d, p->s, p->mount_from, &up, img_progress_update, p->prog,
                                      &err)
              < 0)
            goto fail;
          fault_point ("push.blob-uploaded");
          note = up ? NULL : "skipped: already in the registry";
          if (up)
            {
              pthread_mutex_lock (&p->lock);
              p->uploaded++;
              pthread_mutex_unlock (&p->lock);
            }
        }
      else
        {
          struct img_fetch_watch watch = { watch_started, watch_restarted, p };
          if (img_blob_exists (p->s, d->digest))
            {
              note = "skipped: already in the store";
              stream_finish (p, d->digest, true);
            }
          else if (img_registry_fetch_blob (r, p->repo, d, p->s, pool_progress, p,
                                            p->nstreams ? &watch : NULL, &err)
                   < 0)
            {
              stream_finish (p, d->digest, false);
              goto fail;
            }
          stream_finish (p, d->digest, true);
        }
      img_progress_done (p->prog, d->digest, d->size, note);
    }
  return NULL;
fail:
  pthread_mutex_lock (&p->lock);
  if (p->err == NULL)
    p->err = err;
  else
    berr_free (err);
  pthread_cond_broadcast (&p->cond);
  pthread_mutex_unlock (&p->lock);
  return NULL;
}

static void
pool_start (struct pool *p)
{
  int jobs = p->o->jobs > 0 ? p->o->jobs : DEFAULT_JOBS, i;

  if (jobs > 16)
    jobs = 16;
  if ((size_t)jobs > p->n)
    jobs = (int)p->n;
  pthread_mutex_init (&p->lock, NULL);
  pthread_cond_init (&p->cond, NULL);
  p->started = 0;
  for (i = 0; i < jobs; i++)
    if (pthread_create (&p->th[p->started], NULL, worker, p) == 0)
      p->started++;
}

static int
pool_join (struct pool *p, berr_t **err)
{
  int i;

  if (p->started == 0 && p->n > 0)
    worker (p);
  for (i = 0; i < p->started; i++)
    pthread_join (p->th[i], NULL);
  pthread_mutex_destroy (&p->lock);
  pthread_cond_destroy (&p->cond);
  if (p->err)
    {
      if (err)
        *err = p->err;
      else
        berr_free (p->err);
      p->err = NULL;
      return -1;
    }
  return 0;
}

static int
run_pool (struct pool *p, berr_t **err)
{
  pool_start (p);
  return pool_join (p, err);
}

/* ---- pull ---- */

/* ---- pull --unpack: layers applied while they download ---- */

struct follow
{
  struct pool *p;
  struct stream *st;
  int64_t off;
  struct img_blob_reader *stored; /* the layer was in the store already */
};

static ssize_t
follow_read (void *data, void *buf, size_t len, berr_t **err)
{
  struct follow *f = data;
  struct pool *p = f->p;
  struct stream *st = f->st;
  ssize_t n;

  if (f->stored)
    return img_blob_read (f->stored, buf, len, err);
  pthread_mutex_lock (&p->lock);
  for (;;)
    {
      if (st->restarted)
        {
          pthread_mutex_unlock (&p->lock);
          return berr_make (err, 0,
                            "the registry restarted the download of '%s' from byte 0 (it ignored a Range "
                            "request): pull it again",
                            st->digest);
        }
      if (st->state == ST_FAILED || (p->err && st->state != ST_DONE))
        {
          pthread_mutex_unlock (&p->lock);
          /* the caller names the layer; the pool's error names its blob */
          if (p->err)
            return berr_make (err, 0, "download failed: %s", p->err->msg);
          return berr_make (err, 0, "the download of '%s' failed", st->digest);
        }
      if (st->fd >= 0 && f->off < st->avail)
        break;
      if (st->state == ST_DONE && f->off >= st->avail)
        {
          pthread_mutex_unlock (&p->lock);
          return 0; /* committed: size and digest were checked */
        }
      pthread_cond_wait (&p->cond, &p->lock);
    }
  if ((int64_t)len > st->avail - f->off)
    len = (size_t)(st->avail - f->off);
  pthread_mutex_unlock (&p->lock);
  do
    n = pread (st->fd, buf, len, f->off);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return berr_make (err, errno, "read the download of '%s'", st->digest);
  f->off += n;
  return n;
}

struct follow_src
{
  struct pool *p;
  const oci_image_manifest *m;
  struct follow cur;
};

static int
follow_open (void *data, size_t i, struct img_layer_src *src, berr_t **err)
{
  struct follow_src *fs = data;
  struct pool *p = fs->p;
  const oci_image_descriptor *l = fs->m->layers[i];
  struct stream *st;
  bool done;

  memset (&fs->cur, 0, sizeof (fs->cur));
  fs->cur.p = p;
  pthread_mutex_lock (&p->lock);
  st = stream_of (p, l->digest);
  /* a layer that was in the store, or that an earlier position already
   * consumed (the same layer twice): read it from the store, verified */
  done = st == NULL || (st->state == ST_DONE && st->fd < 0) || (st->state == ST_DONE && st->avail == 0);
  pthread_mutex_unlock (&p->lock);
  if (done || img_blob_exists (p->s, l->digest))
    {
      if (img_blob_open (p->s, l->digest, l->size_present ? l->size : -1, &fs->cur.stored, err) < 0)
        return -1;
    }
  else
    fs->cur.st = st;
  src->read = follow_read;
  src->data = &fs->cur;
  return 0;
}

static void
follow_close (void *data, size_t i, bool ok)
{
  struct follow_src *fs = data;

  (void)i, (void)ok;
  img_blob_reader_free (fs->cur.stored);
  fs->cur.stored = NULL;
}

static int
unpack_while_pulling (struct pool *p, const oci_image_manifest *m, const char *mt, const char *data,
                      size_t len, const char *digest, const char *name, const struct img_transfer_opts *o,
                      berr_t **err)
{
  cleanup_image struct img_image *im = NULL;
  oci_image_descriptor desc
    = { .media_type = (char *)mt, .digest = (char *)digest, .size = (int64_t)len, .size_present = true };
  struct follow_src fs = { .p = p, .m = m };
  struct img_unpack_source src = { follow_open, follow_close, &fs };
  berr_t *perr = NULL;
  size_t i;
  int ur;

  /* the config first (the conversion to config.json needs it) */
  p->n = 1;
  if (run_pool (p, err) < 0 || img_image_from_manifest (p->s, &desc, data, len, &im, err) < 0)
    return -1;
  p->blobs++;
  p->n = m->layers_len;
  p->next = 0;
  p->streams = xzalloc (m->layers_len * sizeof (*p->streams));
  for (i = 0; i < m->layers_len; i++)
    if (stream_of (p, m->layers[i]->digest) == NULL)
      {
        p->streams[p->nstreams].digest = m->layers[i]->digest;
        p->streams[p->nstreams].fd = -1;
        p->nstreams++;
      }
  pool_start (p);
  ur = img_unpack (p->s, im, name, o->unpack_bundle, o->unpack, &src, err);
  pthread_mutex_lock (&p->lock);
  if (ur < 0)
    p->cancel = true; /* no more downloads: the bundle is gone anyway */
  pthread_mutex_unlock (&p->lock);
  if (pool_join (p, ur < 0 ? &perr : err) < 0 && ur == 0)
    ur = -1;
  berr_free (perr);
  for (i = 0; i < p->nstreams; i++)
    if (p->streams[i].fd >= 0)
      close (p->streams[i].fd);
  free (p->streams);
  p->streams = NULL;
  p->nstreams = 0;
  p->blobs--;
  return ur;
}

static int
by_size_desc (const void *a, const void *b)
{
  const oci_image_descriptor *x = *(oci_image_descriptor *const *)a;
  const oci_image_descriptor *y = *(oci_image_descriptor *const *)b;
  int64_t sx = x->size_present ? x->size : 0, sy = y->size_present ? y->size : 0;

  return sx < sy ? 1 : sx > sy ? -1 : 0;
}

static int
pull_manifest (struct img_registry *r, struct img_store *s, const struct img_reference *ref,
               const struct img_transfer_opts *o, const char *mt, const char *data, size_t len,
               const char *digest, const char *name, struct img_progress *prog, berr_t **err)
{
  cleanup_free char *origin = xasprintf ("manifest '%s'", digest);
  oci_image_manifest *m = oci_image_manifest_parse_data (data, len, origin, err);
  struct pool p = { 0 };
  size_t i;
  int ret = -1;

  if (m == NULL)
    return -1;
  if (img_manifest_check (m, origin, err) < 0)
    goto out;
  p.blobs = xzalloc ((m->layers_len + 1) * sizeof (*p.blobs));
  p.blobs[p.n++] = m->config;
  for (i = 0; i < m->layers_len; i++)
    p.blobs[p.n++] = m->layers[i];
  p.reg = r;
  p.repo = ref->repository;
  p.o = o;
  p.s = s;
  p.prog = prog;
  /* the largest blob bounds the pull: it starts first (pull --unpack keeps
   * the layers' order, which its unpacker follows) */
  if (!o->unpack_bundle)
    qsort (p.blobs, p.n, sizeof (*p.blobs), by_size_desc);
  if (o->unpack_bundle)
    {
      if (unpack_while_pulling (&p, m, mt, data, len, digest, name, o, err) < 0)
        goto out;
    }
  else if (run_pool (&p, err) < 0)
    goto out;
  fault_point ("pull.blobs-fetched");
  ret = img_blob_put_expect (s, data, len, digest, err);
  if (ret == 0)
    fault_point ("pull.manifest-stored");
out:
  free (p.blobs);
  oci_image_manifest_free (m);
  return ret;
}

int
img_pull (struct img_store *s, const char *refstr, const struct img_transfer_opts *o, char **tagged,
          berr_t **err)
{
  struct img_reference ref;
  cleanup_registry struct img_registry *r = NULL;
  cleanup_free char *data = NULL;
  cleanup_free char *mt = NULL;
  cleanup_free char *digest = NULL;
  cleanup_free char *name = NULL;
  struct img_progress *prog = NULL;
  oci_image_index *idx = NULL;
  oci_image_descriptor desc = { 0 };
  struct img_platform host = { 0 };
  const struct img_platform *want = o->platform;
  size_t len, i;
  int ret = -1;

  if (img_reference_parse (refstr, &ref, err) < 0)
    return -1;
  /* blobs land before the tag: keep gc from sweeping them in between */
  if (img_gc_writer_lock (s, err) < 0)
    goto out;
  name = o->name ? xstrdup (o->name) : img_reference_familiar (&ref);
  if (o->unpack_bundle && o->all_platforms)
    {
      berr_make (err, 0, "--unpack takes one image: it cannot be combined with --all");
      goto out;
    }
  if (img_registry_new (img_reference_api_host (&ref), &o->reg, &r, err) < 0)
    goto out;
  if (img_registry_get_manifest (r, ref.repository, ref.digest ? ref.digest : ref.tag, &data, &len, &mt,
                                 &digest, err)
      < 0)
    goto out;
  fault_point ("pull.manifest-fetched");
  prog = img_progress_new (o->progress, "Copying");
  /* a registry's Content-Type may be generic (application/json): only a
   * known one decides, else the document does */
  if (img_doc_kind (img_mt_is_index (mt) || img_mt_is_manifest (mt) ? mt : NULL, data, len) == IMG_DOC_INDEX)
    {
      cleanup_free char *origin = xasprintf ("index '%s'", digest);
      int best = -1, best_score = -1;

      idx = oci_image_index_parse_data (data, len, origin, err);
      if (idx == NULL)
        goto out;
      if (want == NULL)
        {
          img_platform_parse (NULL, &host, NULL);
          want = &host;
        }
      for (i = 0; i < idx->manifests_len; i++)
        {
          const oci_image_descriptor *d = idx->manifests[i];
          cleanup_free char *cd = NULL;
          cleanup_free char *cmt = NULL;
          cleanup_free char *cdig = NULL;
          size_t clen;
          int sc = img_platform_match (d->platform, want);

          if (d->digest == NULL || !img_digest_valid (d->digest))
            continue;
          if (!o->all_platforms)
            {
              if (sc > best_score)
                best_score = sc, best = (int)i;
              continue;
            }
          if (img_registry_get_manifest (r, ref.repository, d->digest, &cd, &clen, &cmt, &cdig, err) < 0
              || pull_manifest (r, s, &ref, o, cmt, cd, clen, cdig, name, prog, err) < 0)
            goto out;
        }
      if (o->all_platforms)
        {
          if (img_blob_put_expect (s, data, len, digest, err) < 0)
            goto out;
          desc.media_type = mt && mt[0] ? mt : (char *)IMG_MT_OCI_INDEX;
          desc.digest = digest;
          desc.size = (int64_t)len;
        }
      else
        {
          cleanup_free char *ps = xasprintf ("%s/%s%s%s", want->os, want->arch, want->variant ? "/" : "",
                                             want->variant ? want->variant : "");
          if (best < 0)
            {
              berr_make (err, 0, "'%s' has no image for platform '%s'", refstr, ps);
              goto out;
            }
          free (data);
          free (mt);
          free (digest);
          data = mt = digest = NULL;
          if (img_registry_get_manifest (r, ref.repository, idx->manifests[best]->digest, &data, &len, &mt,
                                         &digest, err)
                < 0
              || pull_manifest (r, s, &ref, o, mt, data, len, digest, name, prog, err) < 0)
            goto out;
          desc.media_type = mt && mt[0] ? mt : (char *)IMG_MT_OCI_MANIFEST;
          desc.digest = digest;
          desc.size = (int64_t)len;
        }
    }
  else
    {
      if (pull_manifest (r, s, &ref, o, mt, data, len, digest, name, prog, err) < 0)
        goto out;
      desc.media_type = mt && mt[0] ? mt : (char *)IMG_MT_OCI_MANIFEST;
      desc.digest = digest;
      desc.size = (int64_t)len;
    }
  desc.size_present = true;
  fault_point ("pull.before-tag");
  if (img_index_tag (s, &desc, name, err) < 0)
    goto out;
  fault_point ("pull.tagged");
  if (tagged)
    *tagged = steal_ptr (name);
  ret = 0;
out:
  if (ret < 0)
    berr_wrap (err, "pull '%s'", refstr);
  oci_image_index_free (idx);
  img_progress_free (prog);
  img_platform_clear (&host);
  img_reference_clear (&ref);
  return ret;
}

/* ---- push ---- */

int
img_push (struct img_store *s, const char *name, const char *dst, const struct img_transfer_opts *o,
          berr_t **err)
{
  struct img_reference ref;
  cleanup_registry struct img_registry *r = NULL;
  cleanup_image struct img_image *im = NULL;
  cleanup_free char *mdata = NULL;
  struct img_progress *prog = NULL;
  struct pool p = { 0 };
  cleanup_free char *mount_from = NULL;
  size_t mlen, i;
  int ret = -1;

  if (img_reference_parse (dst, &ref, err) < 0)
    return -1;
  if (img_image_load (s, name, o->platform, &im, err) < 0)
    goto out;
  /* the manifest as stored, byte for byte: its digest is what we push */
  if (img_blob_read_all (s, im->desc->digest, im->desc->size_present ? im->desc->size : -1, IMG_JSON_MAX,
                         &mdata, &mlen, err)
      < 0)
    goto out;
  if (img_registry_new (img_reference_api_host (&ref), &o->reg, &r, err) < 0)
    goto out;
  prog = img_progress_new (o->progress, "Pushing");
  p.blobs = xzalloc ((im->manifest->layers_len + 1) * sizeof (*p.blobs));
  for (i = 0; i < im->manifest->layers_len; i++)
    p.blobs[p.n++] = im->manifest->layers[i];
  p.blobs[p.n++] = im->manifest->config;
  p.reg = r;
  p.repo = ref.repository;
  p.o = o;
  p.s = s;
  p.prog = prog;
  p.push = true;
  {
    /* an image pulled from this registry: its blobs can be mounted from
     * the repository it came from instead of being uploaded again */
    struct img_reference src;
    if (img_reference_parse (name, &src, NULL) == 0)
      {
        if (strcmp (src.registry, ref.registry) == 0 && strcmp (src.repository, ref.repository) != 0)
          mount_from = xstrdup (src.repository);
        img_reference_clear (&src);
      }
    p.mount_from = mount_from;
  }
  if (run_pool (&p, err) < 0)
    goto out;
  {
    /* the media type the manifest was stored with (Docker schema2 stays
     * schema2: its bytes, and so its digest, are unchanged) */
    oci_image_manifest *raw = oci_image_manifest_parse_data (mdata, mlen, "manifest", NULL);
    const char *mt = raw && raw->media_type ? raw->media_type : IMG_MT_OCI_MANIFEST;
    fault_point ("push.before-manifest");
    ret = img_registry_put_manifest (r, ref.repository, ref.digest ? ref.digest : ref.tag, mdata, mlen, mt,
                                     err);
    if (ret == 0)
      fault_point ("push.manifest-put");
    oci_image_manifest_free (raw);
  }
out:
  if (ret < 0)
    berr_wrap (err, "push '%s' to '%s'", name, dst);
  free (p.blobs);
  img_progress_free (prog);
  img_reference_clear (&ref);
  return ret;
}
