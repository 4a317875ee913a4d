/* img - uploads to a registry: a HEAD to skip blobs it has, a
 * cross-repository mount, a monolithic or chunked (PATCH) upload, and the
 * manifest PUT whose Docker-Content-Digest must be the manifest's. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry-internal.h"
#include "util.h"

int
img_registry_blob_exists (struct img_registry *r, const char *repo, const char *digest, berr_t **err)
{
  cleanup_free char *url = NULL;
  cleanup_free char *scope = reg_scope_pull (repo);
  cleanup_free char *what = xasprintf ("blob '%s'", digest);
  struct req q = { .method = "HEAD", .scope = scope, .follow = true };
  struct resp p = { 0 };
  int ret;

  if (reg_ping (r, err) < 0)
    return -1;
  url = xasprintf ("%s/v2/%s/blobs/%s", r->base, repo, digest);
  q.url = url;
  if (reg_http_retry (r, &q, &p, what, err) < 0)
    ret = -1;
  else if (p.status == 200)
    ret = 1;
  else if (p.status == 404)
    ret = 0;
  else
    ret = reg_status_error (r, &q, &p, what, err);
  reg_resp_clear (&p);
  return ret;
}

static char *
absolute_location (struct img_registry *r, const char *loc)
{
  if (util_str_has_prefix (loc, "http://") || util_str_has_prefix (loc, "https://"))
    return xstrdup (loc);
  return xasprintf ("%s%s%s", r->base, loc[0] == '/' ? "" : "/", loc);
}

static char *
with_query (const char *url, const char *key, const char *val)
{
  return xasprintf ("%s%s%s=%s", url, strchr (url, '?') ? "&" : "?", key, val);
}

/* What one upload needs, whichever attempt it is. */
struct upload
{
  const char *repo;
  const oci_image_descriptor *d;
  const char *scope;
  const char *start_url; /* POST: .../blobs/uploads/ (with ?mount=) */
  const char *what;
  int fd;
  int64_t size;
  img_progress_fn progress;
  void *pdata;
};

/* What a failed attempt of an upload leaves for the next: whether it is
 * worth starting over (a drop, 5xx, 429), and the answer's status and
 * Retry-After, which reg_backoff honours as it does for every request. */
struct upload_failure
{
  bool again;
  struct resp last; /* status and retry_after only */
};

/* One answer that is not the one wanted. */
static int
upload_step_failed (struct img_registry *r, const struct upload *u, struct req *q, struct resp *p, int rc,
                    struct upload_failure *f, berr_t **err)
{
  f->again = reg_retryable (rc, p);
  f->last.status = rc < 0 ? 0 : p->status;
  f->last.retry_after = rc < 0 ? -1 : p->retry_after;
  if (rc < 0)
    return -1;
  return reg_status_error (r, q, p, u->what, err);
}

/* POST, PATCH..., PUT: 1 when mounted, 0 when uploaded, -1 (with *f). */
static int
upload_once (struct img_registry *r, const struct upload *u, struct upload_failure *f, berr_t **err)
{
  cleanup_free char *loc = NULL;
  struct req q = { .method = "POST", .url = u->start_url, .scope = u->scope };
  struct resp p = { 0 };
  int64_t chunk, off = 0;
  int rc, ret = -1;

  *f = (struct upload_failure){ .last = { .retry_after = -1 } };
  rc = reg_http_do (r, &q, &p, err);
  if (rc == 0 && p.status == 201)
    {
      r->st.blobs_mounted++;
      reg_resp_clear (&p);
      return 1;
    }
  if (rc < 0 || p.status != 202 || p.location == NULL)
    {
      upload_step_failed (r, u, &q, &p, rc, f, err);
      goto out;
    }
  loc = absolute_location (r, p.location);
  chunk = r->o.chunk_size;
  if (chunk > 0 && p.chunk_min > chunk)
    chunk = p.chunk_min;
  reg_resp_clear (&p);

  /* chunked: PATCH ranges, each answer names the next location */
  while (chunk > 0 && off < u->size)
    {
      int64_t n = u->size - off < chunk ? u->size - off : chunk;
      cleanup_free char *cr
        = xasprintf ("Content-Range: %lld-%lld", (long long)off, (long long)(off + n - 1));
      q = (struct req){ .method = "PATCH",
                        .url = loc,
                        .scope = u->scope,
                        .up_fd = u->fd,
                        .up_off = off,
                        .up_size = n,
                        .progress = u->progress,
                        .pdata = u->pdata,
                        .digest = u->d->digest,
                        .total = u->size };
      q.headers = curl_slist_append (NULL, "Content-Type: application/octet-stream");
      q.headers = curl_slist_append (q.headers, cr);
      rc = reg_http_do (r, &q, &p, err);
      curl_slist_free_all (q.headers);
      q.headers = NULL;
      if (rc < 0 || p.status != 202 || p.location == NULL)
        {
          upload_step_failed (r, u, &q, &p, rc, f, err);
          goto out;
        }
      free (loc);
      loc = absolute_location (r, p.location);
      reg_resp_clear (&p);
      off += n;
    }
  {
    cleanup_free char *put = with_query (loc, "digest", u->d->digest);
    q = (struct req){ .method = "PUT",
                      .url = put,
                      .scope = u->scope,
                      .progress = u->progress,
                      .pdata = u->pdata,
                      .digest = u->d->digest,
                      .total = u->size };
    if (chunk <= 0)
      {
        q.up_fd = u->fd;
        q.up_size = u->size;
      }
    q.headers = curl_slist_append (NULL, "Content-Type: application/octet-stream");
    rc = reg_http_do (r, &q, &p, err);
    curl_slist_free_all (q.headers);
    q.headers = NULL;
    if (rc < 0 || p.status != 201)
      {
        upload_step_failed (r, u, &q, &p, rc, f, err);
        goto out;
      }
  }
  ret = 0;
out:
  reg_resp_clear (&p);
  return ret;
}

int
img_registry_push_blob (struct img_registry *r, const char *repo, const oci_image_descriptor *d,
                        struct img_store *s, const char *mount_from, bool *uploaded, img_progress_fn progress,
                        void *pdata, berr_t **err)
{
  cleanup_free char *scope = NULL;
  cleanup_free char *url = NULL;
  cleanup_free char *rel = NULL;
  cleanup_free char *what = xasprintf ("blob '%s'", d->digest);
  cleanup_close int fd = -1;
  struct upload u;
  struct stat st;
  int has, attempt, rc;

  if (uploaded)
    *uploaded = false;
  has = img_registry_blob_exists (r, repo, d->digest, err);
  if (has != 0)
    return has < 0 ? -1 : 0;
  if (img_blob_relpath (d->digest, &rel, err) < 0)
    return -1;
  fd = openat (s->dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 || fstat (fd, &st) < 0)
    return berr_make (err, errno, "%s is missing from image store '%s'", what, s->path);
  if (d->size_present && st.st_size != d->size)
    return berr_make (err, 0, "%s in image store '%s' is corrupt: %lld bytes, expected %lld", what, s->path,
                      (long long)st.st_size, (long long)d->size);

  scope = mount_from && strcmp (mount_from, repo) != 0
            ? xasprintf ("repository:%s:pull,push repository:%s:pull", repo, mount_from)
            : xasprintf ("repository:%s:pull,push", repo);
  url = xasprintf ("%s/v2/%s/blobs/uploads/", r->base, repo);
  if (mount_from && strcmp (mount_from, repo) != 0)
    {
      char *e = curl_easy_escape (r->c, mount_from, 0);
      char *m = xasprintf ("%s?mount=%s&from=%s", url, d->digest, e);
      curl_free (e);
      free (url);
      url = m;
    }
  u = (struct upload){ .repo = repo,
                       .d = d,
                       .scope = scope,
                       .start_url = url,
                       .what = what,
                       .fd = fd,
                       .size = st.st_size,
                       .progress = progress,
                       .pdata = pdata };
  /* An upload that broke off starts over with a new session (a registry
   * need not keep a broken one); the HEAD first, since the PUT may have
   * been stored when only its answer was lost. */
  for (attempt = 0;; attempt++)
    {
      berr_t *e = NULL;
      struct upload_failure f;

      rc = upload_once (r, &u, &f, &e);
      if (rc >= 0)
        break;
      if (!f.again || attempt + 1 >= r->o.retries)
        {
          if (err)
            *err = e;
          else
            berr_clear (&e);
          if (f.again)
            berr_wrap (err, "%s: gave up after %d attempts", what, attempt + 1);
          return -1;
        }
      berr_clear (&e);
      if (reg_backoff (r, attempt, &f.last, what, err) < 0)
        return -1;
      has = img_registry_blob_exists (r, repo, d->digest, err);
      if (has < 0)
        return -1;
      if (has > 0)
        return 0;
    }
  if (rc == 0)
    {
      r->st.blobs_uploaded++;
      if (uploaded)
        *uploaded = true;
    }
  return 0;
}

int
img_registry_put_manifest (struct img_registry *r, const char *repo, const char *ref, const char *data,
                           size_t len, const char *media_type, berr_t **err)
{
  cleanup_free char *scope = xasprintf ("repository:%s:pull,push", repo);
  cleanup_free char *ct = xasprintf ("Content-Type: %s", media_type);
  cleanup_free char *want = img_digest_data (IMG_DIGEST_SHA256, data, len);
  cleanup_free char *what = xasprintf ("manifest '%s:%s'", repo, ref);
  struct req q = { .method = "PUT", .scope = scope, .up_data = data, .up_len = len };
  struct resp p = { 0 };
  int ret = -1;

  if (reg_manifest_do (r, repo, ref, ct, 201, what, &q, &p, err) < 0)
    goto out;
  if (p.dcd && strcmp (p.dcd, want) != 0)
    {
      berr_make (err, 0, "registry '%s': %s: stored as '%s', but its content is '%s'", r->host, what, p.dcd,
                 want);
      goto out;
    }
  ret = 0;
out:
  reg_resp_clear (&p);
  return ret;
}
