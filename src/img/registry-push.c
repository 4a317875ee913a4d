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
  if (reg_http_do (r, &q, &p, err) < 0)
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

int
img_registry_push_blob (struct img_registry *r, const char *repo, const oci_image_descriptor *d,
                        struct img_store *s, const char *mount_from, bool *uploaded, img_progress_fn progress,
                        void *pdata, berr_t **err)
{
  cleanup_free char *scope = NULL;
  cleanup_free char *url = NULL;
  cleanup_free char *loc = NULL;
  cleanup_free char *rel = NULL;
  cleanup_free char *what = xasprintf ("blob '%s'", d->digest);
  cleanup_close int fd = -1;
  struct req q = { 0 };
  struct resp p = { 0 };
  struct stat st;
  int64_t chunk, off = 0;
  int has;

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
      char *u = xasprintf ("%s?mount=%s&from=%s", url, d->digest, e);
      curl_free (e);
      free (url);
      url = u;
    }
  q = (struct req){ .method = "POST", .url = url, .scope = scope };
  if (reg_http_do (r, &q, &p, err) < 0)
    goto fail;
  if (p.status == 201)
    {
      r->st.blobs_mounted++;
      reg_resp_clear (&p);
      return 0;
    }
  if (p.status != 202 || p.location == NULL)
    {
      reg_status_error (r, &q, &p, what, err);
      goto fail;
    }
  loc = absolute_location (r, p.location);
  chunk = r->o.chunk_size;
  if (chunk > 0 && p.chunk_min > chunk)
    chunk = p.chunk_min;
  reg_resp_clear (&p);

  /* chunked: PATCH ranges, each answer names the next location */
  while (chunk > 0 && off < st.st_size)
    {
      int64_t n = st.st_size - off < chunk ? st.st_size - off : chunk;
      cleanup_free char *cr
        = xasprintf ("Content-Range: %lld-%lld", (long long)off, (long long)(off + n - 1));
      q = (struct req){ .method = "PATCH",
                        .url = loc,
                        .scope = scope,
                        .up_fd = fd,
                        .up_off = off,
                        .up_size = n,
                        .progress = progress,
                        .pdata = pdata,
                        .digest = d->digest,
                        .total = st.st_size };
      q.headers = curl_slist_append (NULL, "Content-Type: application/octet-stream");
      q.headers = curl_slist_append (q.headers, cr);
      if (reg_http_do (r, &q, &p, err) < 0)
        goto fail;
      curl_slist_free_all (q.headers);
      q.headers = NULL;
      if (p.status != 202 || p.location == NULL)
        {
          reg_status_error (r, &q, &p, what, err);
          goto fail;
        }
      free (loc);
      loc = absolute_location (r, p.location);
      reg_resp_clear (&p);
      off += n;
    }
  {
    cleanup_free char *put = with_query (loc, "digest", d->digest);
    q = (struct req){ .method = "PUT",
                      .url = put,
                      .scope = scope,
                      .progress = progress,
                      .pdata = pdata,
                      .digest = d->digest,
                      .total = st.st_size };
    if (chunk <= 0)
      {
        q.up_fd = fd;
        q.up_size = st.st_size;
      }
    q.headers = curl_slist_append (NULL, "Content-Type: application/octet-stream");
    if (reg_http_do (r, &q, &p, err) < 0)
      goto fail;
    curl_slist_free_all (q.headers);
    q.headers = NULL;
    if (p.status != 201)
      {
        reg_status_error (r, &q, &p, what, err);
        goto fail;
      }
  }
  r->st.blobs_uploaded++;
  if (uploaded)
    *uploaded = true;
  reg_resp_clear (&p);
  return 0;
fail:
  curl_slist_free_all (q.headers);
  reg_resp_clear (&p);
  return -1;
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
