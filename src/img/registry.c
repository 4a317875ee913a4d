/* img - the distribution API v2 client over libcurl: the client and its
 * requests, manifests and blob downloads (registry-auth.c: the session's
 * challenge and tokens; registry-push.c: uploads).
 *
 * One CURL easy handle per registry client, reset between requests, so the
 * connection is reused.  Every request names the token scope it needs; a
 * 401 answer's WWW-Authenticate challenge says how to get it, and the
 * request is sent once more (registry-auth.c).
 *
 * Blobs stream from the socket into a store blob writer, which hashes as it
 * writes; the writer's commit checks digest and size, so nothing unverified
 * is ever visible in the store.  A transfer that breaks off is resumed with
 * a Range request from the bytes already written. */
#include <config.h>

#include "registry.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry-internal.h"
#include "util.h"

#define BLOB_BUFFER (512 * 1024)
#define MANIFEST_ACCEPT                                                                                      \
  "Accept: " IMG_MT_OCI_INDEX ", " IMG_MT_OCI_MANIFEST ", " IMG_MT_DOCKER_LIST ", " IMG_MT_DOCKER_MANIFEST

void
reg_resp_clear (struct resp *p)
{
  free (p->body);
  free (p->ctype);
  free (p->dcd);
  free (p->location);
  free (p->www_auth);
  berr_free (p->werr);
  memset (p, 0, sizeof (*p));
}

const char *
reg_req_path (const struct req *q)
{
  const char *p = strstr (q->url, "://");
  p = p ? strchr (p + 3, '/') : NULL;
  return p ? p : q->url;
}

static CURLcode curl_init_rc;

static void
curl_init (void)
{
  curl_init_rc = curl_global_init (CURL_GLOBAL_DEFAULT);
}

static int
client_new (const char *host, const struct img_registry_opts *o, struct reg_session *ses,
            struct img_registry **out, berr_t **err)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  struct img_registry *r;

  pthread_once (&once, curl_init);
  if (curl_init_rc != 0)
    {
      reg_session_unref (ses);
      return berr_make (err, 0, "libcurl initialisation failed");
    }
  r = xzalloc (sizeof (*r));
  r->host = xstrdup (host);
  r->o = *o;
  r->ses = ses;
  r->c = curl_easy_init ();
  if (r->c == NULL)
    {
      img_registry_free (r);
      return berr_make (err, 0, "libcurl: cannot make a handle");
    }
  *out = r;
  return 0;
}

int
img_registry_new (const char *host, const struct img_registry_opts *o, struct img_registry **out,
                  berr_t **err)
{
  struct reg_session *ses = xzalloc (sizeof (*ses));
  struct img_registry_opts opts = *o;
  pthread_mutexattr_t ma;

  pthread_mutex_init (&ses->lock, NULL);
  pthread_mutexattr_init (&ma);
  pthread_mutexattr_settype (&ma, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init (&ses->auth_lock, &ma);
  pthread_mutexattr_destroy (&ma);
  ses->refs = 1;
  ses->base = xasprintf ("https://%s", host);
  if (o->user)
    {
      ses->user = xstrdup (o->user);
      ses->pass = xstrdup (o->pass ? o->pass : "");
      ses->creds_looked_up = true;
    }
  if (opts.retries <= 0)
    opts.retries = 5;
  if (opts.connect_timeout <= 0)
    opts.connect_timeout = 30;
  if (opts.stall_timeout <= 0)
    opts.stall_timeout = 30;
  opts.user = opts.pass = NULL; /* the session's copies are used */
  return client_new (host, &opts, ses, out, err);
}

int
img_registry_clone (struct img_registry *r, struct img_registry **out, berr_t **err)
{
  pthread_mutex_lock (&r->ses->lock);
  r->ses->refs++;
  pthread_mutex_unlock (&r->ses->lock);
  return client_new (r->host, &r->o, r->ses, out, err);
}

void
img_registry_free (struct img_registry *r)
{
  if (r == NULL)
    return;
  if (r->c)
    curl_easy_cleanup (r->c);
  reg_session_unref (r->ses);
  free (r->host);
  free (r->base);
  free (r);
}

void
img_registry_freep (struct img_registry **r)
{
  img_registry_free (*r);
}

const struct img_registry_stats *
img_registry_get_stats (const struct img_registry *r)
{
  return &r->st;
}

/* ---- curl callbacks ---- */

static size_t
on_header (char *buf, size_t size, size_t n, void *data)
{
  struct resp *p = data;
  size_t len = size * n, k;
  char **slot = NULL;
  const char *v;

  if (len >= 5 && strncmp (buf, "HTTP/", 5) == 0)
    {
      /* a new response (after a redirect or 100-continue): start over */
      free (p->location);
      free (p->www_auth);
      p->location = p->www_auth = NULL;
      return len;
    }
  for (k = 0; k < len && buf[k] != ':'; k++)
    ;
  if (k == len)
    return len;
  if (k == 12 && strncasecmp (buf, "Content-Type", 12) == 0)
    slot = &p->ctype;
  else if (k == 21 && strncasecmp (buf, "Docker-Content-Digest", 21) == 0)
    slot = &p->dcd;
  else if (k == 8 && strncasecmp (buf, "Location", 8) == 0)
    slot = &p->location;
  else if (k == 16 && strncasecmp (buf, "WWW-Authenticate", 16) == 0)
    slot = &p->www_auth;
  else if (k == 11 && strncasecmp (buf, "Retry-After", 11) == 0)
    {
      /* delta-seconds only; an HTTP-date falls back to the backoff */
      cleanup_free char *s = xstrndup (buf + k + 1, len - k - 1);
      long l;
      s[strcspn (s, "\r\n")] = '\0';
      if (util_parse_long (s + strspn (s, " "), &l) == 0 && l >= 0)
        p->retry_after = l;
      return len;
    }
  else if (k == 20 && strncasecmp (buf, "OCI-Chunk-Min-Length", 20) == 0)
    {
      cleanup_free char *s = xstrndup (buf + k + 1, len - k - 1);
      long l;
      s[strcspn (s, "\r\n")] = '\0';
      if (util_parse_long (s + strspn (s, " "), &l) == 0)
        p->chunk_min = l;
      return len;
    }
  if (slot == NULL)
    return len;
  v = buf + k + 1;
  while (v < buf + len && (*v == ' ' || *v == '\t'))
    v++;
  free (*slot);
  *slot = xstrndup (v, (size_t)(buf + len - v));
  (*slot)[strcspn (*slot, "\r\n")] = '\0';
  return len;
}

static size_t
on_body (char *buf, size_t size, size_t n, void *data)
{
  struct resp *p = data;
  struct req *q = p->req;
  size_t len = size * n;
  long status = 0;

  curl_easy_getinfo (p->reg->c, CURLINFO_RESPONSE_CODE, &status);
  if (q->w && status >= 200 && status < 300)
    {
      int64_t in_file = img_blob_writer_in_file (q->w);
      /* a registry that sends more than the descriptor's size is not
       * followed until the disk is full (a 200 after a Range request
       * holds the whole blob again: counted from its start) */
      int64_t upto = (status == 206 ? img_blob_writer_size (q->w) : p->got) + (int64_t)len;
      if (q->total >= 0 && upto > q->total)
        {
          berr_make (&p->werr, 0, "the registry sent more than its %lld bytes", (long long)q->total);
          return 0;
        }
      if (img_blob_writer_write (q->w, buf, len, &p->werr) < 0)
        return 0;
      p->got += (int64_t)len;
      /* progress counts the bytes in the temp file: what a follower
       * (pull --unpack) can read there */
      if (q->progress && img_blob_writer_in_file (q->w) != in_file)
        q->progress (q->pdata, q->digest, img_blob_writer_in_file (q->w), q->total);
      return len;
    }
  {
    size_t max = (q->w || status >= 300 || status < 200) ? ERROR_BODY_MAX : q->body_max;
    if (p->len + len > max)
      {
        if (status >= 200 && status < 300)
          {
            /* too large: abort the transfer, whatever Content-Length said */
            berr_make (&p->werr, 0, "registry '%s': %s %s: response too large (more than %zu bytes)",
                       p->reg->host, q->method, reg_req_path (q), max);
            return 0;
          }
        return len; /* an error body: keep the start */
      }
    p->body = xrealloc (p->body, p->len + len + 1);
    memcpy (p->body + p->len, buf, len);
    p->len += len;
    p->body[p->len] = '\0';
    p->got += (int64_t)len;
  }
  return len;
}

/* The stall timeout: libcurl's own low-speed check averages over a
 * window of seconds, so a transfer that stops after a burst would only
 * be dropped several seconds late; this counts from the last byte. */
static int
on_xferinfo (void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
  struct resp *p = data;
  const struct img_fetch_watch *watch = p->req->watch;
  struct timespec now;

  (void)dltotal;
  (void)ultotal;
  if (watch && watch->cancelled && watch->cancelled (watch->data))
    {
      berr_make (&p->werr, ECANCELED, "download stopped: its follower gave up");
      return 1;
    }
  clock_gettime (CLOCK_MONOTONIC, &now);
  if (dlnow + ulnow != p->seen || p->seen_at.tv_sec == 0)
    {
      p->seen = dlnow + ulnow;
      p->seen_at = now;
      return 0;
    }
  if ((now.tv_sec - p->seen_at.tv_sec) * 1000 + (now.tv_nsec - p->seen_at.tv_nsec) / 1000000
      >= (long)p->reg->o.stall_timeout * 1000)
    {
      p->stalled = true;
      return 1;
    }
  return 0;
}

/* libcurl sends a body again (a reused connection that turned out
 * closed, a redirect, an authentication round) only if it can rewind. */
static int
on_seek (void *data, curl_off_t off, int origin)
{
  struct req *q = data;
  int64_t len = q->up_data ? (int64_t)q->up_len : q->up_size;

  if (origin != SEEK_SET || off < 0 || off > len)
    return CURL_SEEKFUNC_CANTSEEK;
  q->up_done = off;
  return CURL_SEEKFUNC_OK;
}

static size_t
on_upload (char *buf, size_t size, size_t n, void *data)
{
  struct req *q = data;
  size_t want = size * n;
  ssize_t k;

  if (q->up_data)
    {
      size_t left = q->up_len - (size_t)q->up_done;
      if (want > left)
        want = left;
      memcpy (buf, q->up_data + q->up_done, want);
      q->up_done += (int64_t)want;
      return want;
    }
  if ((int64_t)want > q->up_size - q->up_done)
    want = (size_t)(q->up_size - q->up_done);
  if (want == 0)
    return 0;
  k = pread (q->up_fd, buf, want, q->up_off + q->up_done);
  if (k < 0)
    return CURL_READFUNC_ABORT;
  q->up_done += k;
  if (q->progress)
    q->progress (q->pdata, q->digest, q->up_off + q->up_done, q->total);
  return (size_t)k;
}

char *
reg_error_text (const struct resp *p)
{
  oci_registry_errors *e = NULL;
  char *out = NULL;

  if (p->body && p->len)
    e = oci_registry_errors_parse_data (p->body, p->len, "registry error", NULL);
  if (e && e->errors_len > 0 && e->errors[0]->code)
    out = xasprintf ("%s: %s", e->errors[0]->code, e->errors[0]->message ? e->errors[0]->message : "");
  else if (p->body && p->len && p->len < 200 && p->body[0] != '<')
    out = xstrndup (p->body, strcspn (p->body, "\r\n"));
  oci_registry_errors_free (e);
  return out;
}

/* ---- requests ---- */

int
reg_http_send (struct img_registry *r, struct req *q, struct resp *p, const struct req_auth *auth,
               berr_t **err)
{
  CURL *c = r->c;
  struct curl_slist *h = NULL, *it;
  char errbuf[CURL_ERROR_SIZE] = "";
  cleanup_free char *authz = NULL;
  CURLcode rc;

  curl_easy_reset (c);
  p->req = q;
  p->reg = r;
  curl_easy_setopt (c, CURLOPT_URL, q->url);
  curl_easy_setopt (c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (c, CURLOPT_HEADERDATA, p);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, p);
  curl_easy_setopt (c, CURLOPT_USERAGENT, "img/" PACKAGE_VERSION);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, (long)r->o.connect_timeout);
  /* a stalled transfer (no byte either way for the stall timeout, waiting
   * for the answer included) is an error, not a hang */
  curl_easy_setopt (c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (c, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
  curl_easy_setopt (c, CURLOPT_XFERINFODATA, p);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
  /* blobs arrive in large reads (libcurl's default is 16 KiB): fewer
   * recv/write pairs, and each write into the store costs a page-cache
   * update whatever its size */
  if (q->w)
    curl_easy_setopt (c, CURLOPT_BUFFERSIZE, (long)BLOB_BUFFER);
  /* and leave in large ones (the default is 64 KiB: a pread and a send each) */
  if (q->up_fd > 0)
    curl_easy_setopt (c, CURLOPT_UPLOAD_BUFFERSIZE, (long)BLOB_BUFFER);
  if (!r->o.tls_verify)
    {
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  if (q->follow)
    {
      curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt (c, CURLOPT_MAXREDIRS, 5L);
    }
  for (it = q->headers; it; it = it->next)
    h = curl_slist_append (h, it->data);
  if (auth && auth->basic)
    {
      curl_easy_setopt (c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
      curl_easy_setopt (c, CURLOPT_USERNAME, auth->user ? auth->user : "");
      curl_easy_setopt (c, CURLOPT_PASSWORD, auth->pass ? auth->pass : "");
    }
  else if (auth && auth->bearer)
    {
      authz = xasprintf ("Authorization: Bearer %s", auth->bearer);
      h = curl_slist_append (h, authz);
    }
  if (strcmp (q->method, "HEAD") == 0)
    curl_easy_setopt (c, CURLOPT_NOBODY, 1L);
  else if (strcmp (q->method, "GET") != 0)
    {
      curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, q->method);
      if (q->up_data || q->up_fd > 0 || strcmp (q->method, "PUT") == 0 || strcmp (q->method, "PATCH") == 0)
        {
          q->up_done = 0;
          curl_easy_setopt (c, CURLOPT_UPLOAD, 1L);
          curl_easy_setopt (c, CURLOPT_READFUNCTION, on_upload);
          curl_easy_setopt (c, CURLOPT_READDATA, q);
          curl_easy_setopt (c, CURLOPT_SEEKFUNCTION, on_seek);
          curl_easy_setopt (c, CURLOPT_SEEKDATA, q);
          curl_easy_setopt (c, CURLOPT_INFILESIZE_LARGE,
                            (curl_off_t)(q->up_data     ? (int64_t)q->up_len
                                         : q->up_fd > 0 ? q->up_size
                                                        : 0));
          h = curl_slist_append (h, "Expect:");
        }
      else
        {
          curl_easy_setopt (c, CURLOPT_POST, 1L);
          curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE, 0L);
        }
    }
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, h);
  r->st.requests++;
  p->retry_after = -1;
  rc = curl_easy_perform (c);
  p->curl = rc;
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &p->status);
  curl_slist_free_all (h);
  if (p->werr)
    {
      if (err)
        *err = steal_ptr (p->werr);
      return -1;
    }
  if (rc == CURLE_ABORTED_BY_CALLBACK && p->stalled)
    {
      p->curl = CURLE_OPERATION_TIMEDOUT;
      return berr_make (err, 0, "registry '%s': %s %s: timed out after %d s without data (--stall-timeout)",
                        r->host, q->method, reg_req_path (q), r->o.stall_timeout);
    }
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return berr_make (err, 0, "registry '%s': %s %s: connect timed out after %d s (--connect-timeout)",
                      r->host, q->method, reg_req_path (q), r->o.connect_timeout);
  if (rc != CURLE_OK)
    {
      bool tls = rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION
                 || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM;
      return berr_make (
        err, 0, "registry '%s': %s %s: %s%s", r->host, q->method, reg_req_path (q),
        errbuf[0] ? errbuf : curl_easy_strerror (rc),
        tls && r->o.tls_verify ? " (for a plain-http or self-signed registry: --tls-verify=false)" : "");
    }
  return 0;
}

/* Send with authentication: at most one challenge round. */
int
reg_http_do (struct img_registry *r, struct req *q, struct resp *p, berr_t **err)
{
  int attempt;

  for (attempt = 0; attempt < 2; attempt++)
    {
      struct req_auth a;
      int rc;

      reg_resp_clear (p);
      if (q->w && attempt > 0)
        return berr_make (err, 0, "registry '%s': %s %s: authentication needed mid-transfer", r->host,
                          q->method, reg_req_path (q));
      reg_auth_for (r, q->scope, &a);
      rc = reg_http_send (r, q, p, &a, err);
      if (rc == 0 && p->status == 401 && attempt == 0 && p->www_auth)
        rc = reg_answer_challenge (r, q, p->www_auth, a.bearer, err);
      else if (rc == 0)
        rc = 1;
      reg_req_auth_clear (&a);
      if (rc != 0)
        return rc < 0 ? -1 : 0;
    }
  return 0;
}

bool
reg_retryable (int rc, const struct resp *p)
{
  if (rc < 0)
    switch (p->curl)
      {
      case CURLE_COULDNT_CONNECT:
      case CURLE_OPERATION_TIMEDOUT:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
        return true;
      default:
        return false; /* TLS, DNS, redirects, a write into the store */
      }
  return p->status == 429 || (p->status >= 500 && p->status != 501 && p->status <= 599);
}

#define RETRY_AFTER_MAX 60

int
reg_backoff (struct img_registry *r, int attempt, const struct resp *p, const char *what, berr_t **err)
{
  if (p->status == 429 && p->retry_after > RETRY_AFTER_MAX)
    return berr_make (err, 0, "registry '%s': %s: too many requests (429): the registry asks to wait %lld s",
                      r->host, what, (long long)p->retry_after);
  if ((p->status == 429 || p->status == 503) && p->retry_after >= 0)
    {
      struct timespec ts = { .tv_sec = p->retry_after };
      while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
        ;
      return 0;
    }
  usleep (200000u << (attempt < 4 ? attempt : 4));
  return 0;
}

int
reg_http_retry (struct img_registry *r, struct req *q, struct resp *p, const char *what, berr_t **err)
{
  int attempt;

  for (attempt = 0;; attempt++)
    {
      berr_t *e = NULL;
      int rc = reg_http_do (r, q, p, &e);

      p->attempts = attempt + 1;
      if (!reg_retryable (rc, p) || attempt + 1 >= r->o.retries)
        {
          if (rc < 0)
            {
              if (err)
                *err = e;
              else
                berr_clear (&e);
              if (attempt > 0)
                berr_wrap (err, "%s: gave up after %d attempts", what, attempt + 1);
            }
          return rc;
        }
      berr_clear (&e);
      if (reg_backoff (r, attempt, p, what, err) < 0)
        return -1;
    }
}

int
reg_status_error (struct img_registry *r, const struct req *q, const struct resp *p, const char *what,
                  berr_t **err)
{
  cleanup_free char *why = reg_error_text (p);
  cleanup_free char *tries = p->attempts > 1 ? xasprintf (" (gave up after %d attempts)", p->attempts) : NULL;

  if (p->status == 401)
    return berr_make (err, 0, "registry '%s': %s: authentication required%s%s (use img login or --creds)",
                      r->host, what, why ? ": " : "", why ? why : "");
  return berr_make (err, 0, "registry '%s': %s: %s %s answered %ld%s%s%s", r->host, what, q->method,
                    reg_req_path (q), p->status, why ? ": " : "", why ? why : "", tries ? tries : "");
}

/* Pick https, or http when TLS is not verified and the host speaks no TLS:
 * once per session, whichever of its clients asks first. */
int
reg_ping (struct img_registry *r, berr_t **err)
{
  struct reg_session *ses = r->ses;
  struct req q = { .method = "GET", .body_max = ERROR_BODY_MAX };
  struct resp p = { 0 };
  cleanup_free char *url = NULL;
  berr_t *e = NULL;
  int ret = 0;

  if (r->base)
    return 0;
  pthread_mutex_lock (&ses->auth_lock);
  if (ses->pinged)
    goto done;
  url = xasprintf ("%s/v2/", ses->base);
  q.url = url;
  /* with TLS verified https is the only answer; otherwise a failed https
   * attempt falls back to http at once, and that one is retried */
  if ((r->o.tls_verify ? reg_http_retry (r, &q, &p, "ping", &e) : reg_http_do (r, &q, &p, &e)) < 0)
    {
      if (r->o.tls_verify)
        {
          if (err)
            *err = e;
          else
            berr_clear (&e);
          ret = -1;
          goto done;
        }
      berr_clear (&e);
      pthread_mutex_lock (&ses->lock);
      free (ses->base);
      ses->base = xasprintf ("http://%s", r->host);
      pthread_mutex_unlock (&ses->lock);
      free (url);
      url = xasprintf ("%s/v2/", ses->base);
      q.url = url;
      if (reg_http_retry (r, &q, &p, "ping", err) < 0)
        {
          ret = -1;
          goto done;
        }
    }
  ses->pinged = true;
done:
  if (ret == 0)
    r->base = xstrdup (ses->base);
  pthread_mutex_unlock (&ses->auth_lock);
  reg_resp_clear (&p);
  return ret;
}

char *
reg_scope_pull (const char *repo)
{
  return xasprintf ("repository:%s:pull", repo);
}

int
reg_manifest_do (struct img_registry *r, const char *repo, const char *ref, const char *header, long want,
                 const char *what, struct req *q, struct resp *p, berr_t **err)
{
  cleanup_free char *url = NULL;
  int ret;

  if (reg_ping (r, err) < 0)
    return -1;
  url = xasprintf ("%s/v2/%s/manifests/%s", r->base, repo, ref);
  q->url = url;
  q->headers = curl_slist_append (NULL, header);
  ret = reg_http_retry (r, q, p, what, err);
  if (ret == 0 && p->status != want)
    ret = reg_status_error (r, q, p, what, err);
  curl_slist_free_all (q->headers);
  q->headers = NULL;
  q->url = NULL;
  return ret < 0 ? -1 : 0;
}

int
img_registry_get_manifest (struct img_registry *r, const char *repo, const char *ref, char **data,
                           size_t *len, char **media_type, char **digest, berr_t **err)
{
  cleanup_free char *scope = reg_scope_pull (repo);
  cleanup_free char *got = NULL;
  cleanup_free char *what = xasprintf ("manifest '%s:%s'", repo, ref);
  struct req q = { .method = "GET", .scope = scope, .body_max = IMG_JSON_MAX, .follow = true };
  struct resp p = { 0 };
  enum img_digest_alg alg = IMG_DIGEST_SHA256;

  if (reg_manifest_do (r, repo, ref, MANIFEST_ACCEPT, 200, what, &q, &p, err) < 0)
    goto fail;
  if (img_digest_valid (ref))
    img_digest_parse (ref, &alg, NULL, NULL);
  got = img_digest_data (alg, p.body ? p.body : "", p.len);
  if (img_digest_valid (ref) && strcmp (ref, got) != 0)
    {
      berr_make (err, 0, "registry '%s': %s: the content hashes to '%s', not the digest asked for", r->host,
                 what, got);
      goto fail;
    }
  if (p.dcd && img_digest_valid (p.dcd) && util_str_has_prefix (p.dcd, img_digest_alg_name (alg))
      && strcmp (p.dcd, got) != 0)
    {
      berr_make (err, 0, "registry '%s': %s: Docker-Content-Digest '%s' does not match the content ('%s')",
                 r->host, what, p.dcd, got);
      goto fail;
    }
  *data = p.body ? steal_ptr (p.body) : xstrdup ("");
  if (len)
    *len = p.len;
  if (media_type)
    {
      *media_type = p.ctype ? xstrdup (p.ctype) : NULL;
      if (*media_type)
        (*media_type)[strcspn (*media_type, ";")] = '\0';
    }
  if (digest)
    *digest = steal_ptr (got);
  reg_resp_clear (&p);
  return 0;
fail:
  reg_resp_clear (&p);
  return -1;
}

int
img_registry_fetch_blob (struct img_registry *r, const char *repo, const oci_image_descriptor *d,
                         struct img_store *s, img_progress_fn progress, void *pdata,
                         const struct img_fetch_watch *watch, berr_t **err)
{
  cleanup_blob_writer struct img_blob_writer *w = NULL;
  cleanup_free char *url = NULL;
  cleanup_free char *scope = reg_scope_pull (repo);
  cleanup_free char *what = xasprintf ("blob '%s'", d->digest);
  enum img_digest_alg alg;
  int64_t have = 0;
  int attempt;

  if (img_digest_parse (d->digest, &alg, NULL, err) < 0)
    return -1;
  if (img_blob_exists (s, d->digest))
    return 0;
  if (reg_ping (r, err) < 0 || img_blob_writer_new (s, alg, &w, err) < 0)
    return -1;
  if (watch && watch->started)
    {
      int fd = img_blob_writer_open_reader (w, err);
      if (fd < 0)
        return -1;
      watch->started (watch->data, d->digest, fd);
    }
  url = xasprintf ("%s/v2/%s/blobs/%s", r->base, repo, d->digest);
  for (attempt = 0;; attempt++)
    {
      struct req q = { .method = "GET",
                       .url = url,
                       .scope = scope,
                       .w = w,
                       .follow = true,
                       .progress = progress,
                       .pdata = pdata,
                       .digest = d->digest,
                       .total = d->size_present ? d->size : -1,
                       .watch = watch };
      struct resp p = { 0 };
      cleanup_free char *range = NULL;
      berr_t *e = NULL;
      long status;
      int rc;

      have = img_blob_writer_size (w);
      /* everything arrived though the connection broke (a Content-Length
       * longer than the body): the commit verifies it */
      if (attempt > 0 && q.total >= 0 && have == q.total)
        break;
      if (have > 0)
        {
          range = xasprintf ("Range: bytes=%lld-", (long long)have);
          q.headers = curl_slist_append (NULL, range);
        }
      rc = reg_http_do (r, &q, &p, &e);
      curl_slist_free_all (q.headers);
      status = p.status;
      if (rc == 0 && have > 0 && status == 200)
        {
          /* the registry ignored the range and sent everything: the
           * writer has it twice; start over */
          reg_resp_clear (&p);
          if (img_blob_writer_reset (w, err) < 0)
            return -1;
          if (watch && watch->restarted)
            watch->restarted (watch->data, d->digest);
          continue;
        }
      if (rc == 0 && (status == 200 || status == 206))
        {
          reg_resp_clear (&p);
          break;
        }
      if (rc == 0 && status != 416 && !reg_retryable (rc, &p))
        {
          p.attempts = attempt + 1;
          reg_status_error (r, &q, &p, what, err);
          reg_resp_clear (&p);
          return -1;
        }
      if (rc < 0 && !reg_retryable (rc, &p))
        {
          reg_resp_clear (&p);
          if (err)
            *err = e;
          else
            berr_clear (&e);
          return berr_wrap (err, "%s", what);
        }
      /* an attempt that brought bytes does not count: a long download
       * over a connection that keeps dropping still ends (the size is
       * bounded by the descriptor's) */
      if (img_blob_writer_size (w) > have)
        attempt = 0;
      if (attempt + 1 >= r->o.retries)
        {
          p.attempts = attempt + 1;
          if (rc == 0)
            reg_status_error (r, &q, &p, what, err);
          reg_resp_clear (&p);
          if (rc == 0)
            {
              berr_clear (&e);
              return -1;
            }
          if (err)
            *err = e;
          else
            berr_clear (&e);
          return berr_wrap (err, "%s: gave up after %d attempts", what, attempt + 1);
        }
      berr_clear (&e);
      if (reg_backoff (r, attempt, &p, what, err) < 0)
        {
          reg_resp_clear (&p);
          return -1;
        }
      reg_resp_clear (&p);
      if (rc == 0 && status == 416)
        {
          if (img_blob_writer_reset (w, err) < 0)
            return -1;
          if (watch && watch->restarted)
            watch->restarted (watch->data, d->digest);
        }
    }
  /* everything in the temp file before a follower is told it is complete */
  if (img_blob_writer_flush (w, err) < 0)
    return berr_wrap (err, "registry '%s': %s", r->host, what);
  if (progress)
    progress (pdata, d->digest, img_blob_writer_in_file (w), d->size_present ? d->size : -1);
  if (img_blob_writer_commit (w, d->digest, d->size_present ? d->size : -1, NULL, NULL, err) < 0)
    return berr_wrap (err, "registry '%s': %s", r->host, what);
  return 0;
}

int
img_registry_check (struct img_registry *r, berr_t **err)
{
  cleanup_free char *url = NULL;
  struct req q = { .method = "GET", .body_max = ERROR_BODY_MAX, .auth_anyway = true };
  struct resp p = { 0 };
  int ret = 0;

  if (reg_ping (r, err) < 0)
    return -1;
  url = xasprintf ("%s/v2/", r->base);
  q.url = url;
  if (reg_http_do (r, &q, &p, err) < 0)
    ret = -1;
  else if (p.status != 200)
    ret = reg_status_error (r, &q, &p, "login", err);
  reg_resp_clear (&p);
  return ret;
}
