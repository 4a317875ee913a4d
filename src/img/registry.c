/* img - the distribution API v2 client over libcurl.
 *
 * One CURL easy handle per registry client, reset between requests, so the
 * connection is reused.  Every request names the token scope it needs; a
 * 401 answer's WWW-Authenticate challenge says how to get it (Bearer: ask
 * the realm for a token for those scopes, with Basic credentials when the
 * auth files have some; Basic: send the credentials), and the request is
 * sent once more.  Tokens are cached per scope until they expire.
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
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "util.h"

#define ERROR_BODY_MAX (64 * 1024)
#define TOKEN_DEFAULT_TTL 60
#define MANIFEST_ACCEPT                                                                                      \
  "Accept: " IMG_MT_OCI_INDEX ", " IMG_MT_OCI_MANIFEST ", " IMG_MT_DOCKER_LIST ", " IMG_MT_DOCKER_MANIFEST

struct token
{
  char *scope;
  char *value;
  time_t expires;
};

struct img_registry
{
  char *host;
  char *base; /* "https://host" or "http://host" */
  struct img_registry_opts o;
  char *user;
  char *pass;
  bool creds_looked_up;
  CURL *c;
  bool have_challenge;
  struct img_auth_challenge chal;
  struct token *tokens;
  size_t ntokens;
  struct img_registry_stats st;
};

/* What one request sends and where its answer goes. */
struct req
{
  const char *method;
  const char *url;
  const char *scope; /* space-separated token scopes */
  struct curl_slist *headers;
  /* upload: a buffer, or a file range */
  const char *up_data;
  size_t up_len;
  int up_fd;
  int64_t up_off, up_size, up_done;
  /* download: into a blob writer (2xx only), else the body buffer */
  struct img_blob_writer *w;
  int64_t w_base; /* bytes the writer had before this request */
  size_t body_max;
  img_progress_fn progress;
  void *pdata;
  const char *digest;
  int64_t total;
  bool follow;
  bool auth_anyway; /* fetch a token even without a scope (login) */
};

struct resp
{
  long status;
  char *body;
  size_t len;
  char *ctype;
  char *dcd; /* Docker-Content-Digest */
  char *location;
  char *www_auth;
  int64_t chunk_min;
  int64_t got; /* body bytes of this response */
  struct req *req;
  struct img_registry *reg;
  berr_t *werr; /* a write into the store failed */
};

static void
resp_clear (struct resp *p)
{
  free (p->body);
  free (p->ctype);
  free (p->dcd);
  free (p->location);
  free (p->www_auth);
  berr_free (p->werr);
  memset (p, 0, sizeof (*p));
}

static const char *
req_path (const struct req *q)
{
  const char *p = strstr (q->url, "://");
  p = p ? strchr (p + 3, '/') : NULL;
  return p ? p : q->url;
}

int
img_registry_new (const char *host, const struct img_registry_opts *o, struct img_registry **out,
                  berr_t **err)
{
  static bool curl_ready;
  struct img_registry *r;

  if (!curl_ready)
    {
      if (curl_global_init (CURL_GLOBAL_DEFAULT) != 0)
        return berr_make (err, 0, "libcurl initialisation failed");
      curl_ready = true;
    }
  r = xzalloc (sizeof (*r));
  r->host = xstrdup (host);
  r->o = *o;
  if (r->o.retries <= 0)
    r->o.retries = 5;
  if (o->user)
    {
      r->user = xstrdup (o->user);
      r->pass = xstrdup (o->pass ? o->pass : "");
      r->creds_looked_up = true;
    }
  r->c = curl_easy_init ();
  if (r->c == NULL)
    {
      img_registry_free (r);
      return berr_make (err, 0, "libcurl: cannot make a handle");
    }
  r->base = xasprintf ("https://%s", host);
  *out = r;
  return 0;
}

void
img_registry_free (struct img_registry *r)
{
  size_t i;

  if (r == NULL)
    return;
  if (r->c)
    curl_easy_cleanup (r->c);
  for (i = 0; i < r->ntokens; i++)
    {
      free (r->tokens[i].scope);
      free (r->tokens[i].value);
    }
  free (r->tokens);
  img_auth_challenge_clear (&r->chal);
  free (r->host);
  free (r->base);
  free (r->user);
  free (r->pass);
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
      if (img_blob_writer_write (q->w, buf, len, &p->werr) < 0)
        return 0;
      p->got += (int64_t)len;
      if (q->progress)
        q->progress (q->pdata, q->digest, q->w_base + p->got, q->total);
      return len;
    }
  {
    size_t max = (q->w || status >= 300 || status < 200) ? ERROR_BODY_MAX : q->body_max;
    if (p->len + len > max)
      {
        if (status >= 200 && status < 300)
          return 0; /* too large: abort the transfer */
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

/* ---- auth ---- */

static void
lookup_creds (struct img_registry *r, const char *repo)
{
  berr_t *e = NULL;

  if (r->creds_looked_up)
    return;
  r->creds_looked_up = true;
  if (img_auth_lookup (strcmp (r->host, "registry-1.docker.io") == 0 ? "docker.io" : r->host, repo, &r->user,
                       &r->pass, &e)
      < 0)
    {
      fprintf (stderr, "img: warning: %s\n", e->msg);
      berr_clear (&e);
    }
}

static const char *
token_for (struct img_registry *r, const char *scope)
{
  size_t i;
  time_t now = time (NULL);

  for (i = 0; i < r->ntokens; i++)
    if (strcmp (r->tokens[i].scope, scope ? scope : "") == 0 && r->tokens[i].expires > now)
      return r->tokens[i].value;
  return NULL;
}

static char *
registry_error_text (const struct resp *p)
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

static int http_send (struct img_registry *r, struct req *q, struct resp *p, const char *auth_header,
                      berr_t **err);

static int
fetch_token (struct img_registry *r, const char *scope, berr_t **err)
{
  cleanup_free char *url = NULL;
  cleanup_free char *svc = NULL;
  struct resp p = { 0 };
  struct req q = { .method = "GET", .body_max = 1 << 20, .follow = true };
  oci_registry_token *t = NULL;
  const char *val;
  char *esc;
  int ret = -1;

  esc = curl_easy_escape (r->c, r->chal.service ? r->chal.service : "", 0);
  svc = xstrdup (esc);
  curl_free (esc);
  url = xasprintf ("%s%sservice=%s", r->chal.realm, strchr (r->chal.realm, '?') ? "&" : "?", svc);
  if (scope && scope[0])
    {
      cleanup_free char *copy = xstrdup (scope);
      char *save = NULL, *s;
      for (s = strtok_r (copy, " ", &save); s; s = strtok_r (NULL, " ", &save))
        {
          char *e = curl_easy_escape (r->c, s, 0);
          char *u = xasprintf ("%s&scope=%s", url, e);
          curl_free (e);
          free (url);
          url = u;
        }
    }
  q.url = url;
  if (http_send (r, &q, &p, r->user ? "basic" : NULL, err) < 0)
    goto out;
  r->st.tokens_fetched++;
  if (p.status != 200)
    {
      cleanup_free char *why = registry_error_text (&p);
      berr_make (err, 0, "registry '%s': token endpoint '%s' answered %ld%s%s", r->host, r->chal.realm,
                 p.status, why ? ": " : "", why ? why : "");
      goto out;
    }
  t = oci_registry_token_parse_data (p.body, p.len, "token response", err);
  if (t == NULL)
    goto out;
  val = t->token && t->token[0] ? t->token : t->access_token;
  if (val == NULL || val[0] == '\0')
    {
      berr_make (err, 0, "registry '%s': the token endpoint's answer has no token", r->host);
      goto out;
    }
  r->tokens = xrealloc (r->tokens, (r->ntokens + 1) * sizeof (*r->tokens));
  r->tokens[r->ntokens].scope = xstrdup (scope ? scope : "");
  r->tokens[r->ntokens].value = xstrdup (val);
  /* a little early, so a token never expires in flight */
  r->tokens[r->ntokens].expires
    = time (NULL) + (t->expires_in_present && t->expires_in > 10 ? t->expires_in - 5 : TOKEN_DEFAULT_TTL);
  r->ntokens++;
  ret = 0;
out:
  oci_registry_token_free (t);
  resp_clear (&p);
  return ret;
}

/* ---- requests ---- */

static int
http_send (struct img_registry *r, struct req *q, struct resp *p, const char *auth, berr_t **err)
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
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, 30L);
  /* a stalled transfer (under 1 byte/s for 30 s) is an error, not a hang */
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_TIME, 30L);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
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
  if (auth && strcmp (auth, "basic") == 0)
    {
      curl_easy_setopt (c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
      curl_easy_setopt (c, CURLOPT_USERNAME, r->user ? r->user : "");
      curl_easy_setopt (c, CURLOPT_PASSWORD, r->pass ? r->pass : "");
    }
  else if (auth)
    {
      authz = xasprintf ("Authorization: Bearer %s", auth);
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
  rc = curl_easy_perform (c);
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &p->status);
  curl_slist_free_all (h);
  if (p->werr)
    {
      if (err)
        *err = steal_ptr (p->werr);
      return -1;
    }
  if (rc != CURLE_OK)
    {
      bool tls = rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION
                 || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM;
      return berr_make (
        err, 0, "registry '%s': %s %s: %s%s", r->host, q->method, req_path (q),
        errbuf[0] ? errbuf : curl_easy_strerror (rc),
        tls && r->o.tls_verify ? " (for a plain-http or self-signed registry: --tls-verify=false)" : "");
    }
  return 0;
}

/* Send with authentication: at most one challenge round. */
static int
http_do (struct img_registry *r, struct req *q, struct resp *p, berr_t **err)
{
  int attempt;

  for (attempt = 0; attempt < 2; attempt++)
    {
      const char *auth = NULL;
      if (r->have_challenge && strcasecmp (r->chal.scheme, "Bearer") == 0)
        auth = token_for (r, q->scope);
      else if (r->have_challenge && r->user)
        auth = "basic";
      resp_clear (p);
      if (q->w && attempt > 0)
        return berr_make (err, 0, "registry '%s': %s %s: authentication needed mid-transfer", r->host,
                          q->method, req_path (q));
      if (http_send (r, q, p, auth, err) < 0)
        return -1;
      if (p->status != 401 || attempt > 0 || p->www_auth == NULL)
        return 0;
      img_auth_challenge_clear (&r->chal);
      r->have_challenge = false;
      if (img_auth_challenge_parse (p->www_auth, &r->chal, err) < 0)
        return berr_wrap (err, "registry '%s'", r->host);
      r->have_challenge = true;
      lookup_creds (r, NULL);
      if (strcasecmp (r->chal.scheme, "Bearer") == 0)
        {
          /* the /v2/ ping only learns the challenge: tokens are fetched for
           * the scope of the request that needs one */
          if (q->scope == NULL && !q->auth_anyway)
            return 0;
          if (fetch_token (r, q->scope, err) < 0)
            return -1;
        }
      else if (r->user == NULL)
        return 0; /* Basic without credentials: the 401 stands */
    }
  return 0;
}

static int
status_error (struct img_registry *r, const struct req *q, const struct resp *p, const char *what,
              berr_t **err)
{
  cleanup_free char *why = registry_error_text (p);

  if (p->status == 401)
    return berr_make (err, 0, "registry '%s': %s: authentication required%s%s (use img login or --creds)",
                      r->host, what, why ? ": " : "", why ? why : "");
  return berr_make (err, 0, "registry '%s': %s: %s %s answered %ld%s%s", r->host, what, q->method,
                    req_path (q), p->status, why ? ": " : "", why ? why : "");
}

/* Pick https, or http when TLS is not verified and the host speaks no TLS. */
static int
ping (struct img_registry *r, berr_t **err)
{
  static bool done;
  cleanup_free char *url = xasprintf ("%s/v2/", r->base);
  struct req q = { .method = "GET", .url = url, .body_max = ERROR_BODY_MAX };
  struct resp p = { 0 };
  berr_t *e = NULL;

  (void)done;
  if (r->st.requests > 0)
    return 0;
  if (http_do (r, &q, &p, &e) < 0)
    {
      if (r->o.tls_verify)
        {
          resp_clear (&p);
          if (err)
            *err = e;
          else
            berr_clear (&e);
          return -1;
        }
      berr_clear (&e);
      free (r->base);
      r->base = xasprintf ("http://%s", r->host);
      free (url);
      url = xasprintf ("%s/v2/", r->base);
      q.url = url;
      if (http_do (r, &q, &p, err) < 0)
        {
          resp_clear (&p);
          return -1;
        }
    }
  resp_clear (&p);
  return 0;
}

static char *
scope_pull (const char *repo)
{
  return xasprintf ("repository:%s:pull", repo);
}

int
img_registry_get_manifest (struct img_registry *r, const char *repo, const char *ref, char **data,
                           size_t *len, char **media_type, char **digest, berr_t **err)
{
  cleanup_free char *url = NULL;
  cleanup_free char *scope = scope_pull (repo);
  cleanup_free char *got = NULL;
  cleanup_free char *what = xasprintf ("manifest '%s:%s'", repo, ref);
  struct req q = { .method = "GET", .scope = scope, .body_max = IMG_JSON_MAX, .follow = true };
  struct resp p = { 0 };
  enum img_digest_alg alg = IMG_DIGEST_SHA256;

  if (ping (r, err) < 0)
    return -1;
  url = xasprintf ("%s/v2/%s/manifests/%s", r->base, repo, ref);
  q.url = url;
  q.headers = curl_slist_append (NULL, MANIFEST_ACCEPT);
  if (http_do (r, &q, &p, err) < 0)
    goto fail;
  if (p.status != 200)
    {
      status_error (r, &q, &p, what, err);
      goto fail;
    }
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
  curl_slist_free_all (q.headers);
  resp_clear (&p);
  return 0;
fail:
  curl_slist_free_all (q.headers);
  resp_clear (&p);
  return -1;
}

int
img_registry_fetch_blob (struct img_registry *r, const char *repo, const oci_image_descriptor *d,
                         struct img_store *s, img_progress_fn progress, void *pdata,
                         const struct img_fetch_watch *watch, berr_t **err)
{
  cleanup_blob_writer struct img_blob_writer *w = NULL;
  cleanup_free char *url = NULL;
  cleanup_free char *scope = scope_pull (repo);
  cleanup_free char *what = xasprintf ("blob '%s'", d->digest);
  enum img_digest_alg alg;
  int64_t have = 0;
  int attempt;

  if (img_digest_parse (d->digest, &alg, NULL, err) < 0)
    return -1;
  if (img_blob_exists (s, d->digest))
    return 0;
  if (ping (r, err) < 0 || img_blob_writer_new (s, alg, &w, err) < 0)
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
                       .total = d->size_present ? d->size : -1 };
      struct resp p = { 0 };
      cleanup_free char *range = NULL;
      berr_t *e = NULL;
      int rc;

      have = img_blob_writer_size (w);
      q.w_base = have;
      if (have > 0)
        {
          range = xasprintf ("Range: bytes=%lld-", (long long)have);
          q.headers = curl_slist_append (NULL, range);
        }
      rc = http_do (r, &q, &p, &e);
      curl_slist_free_all (q.headers);
      if (rc == 0 && have > 0 && p.status == 200)
        {
          /* the registry ignored the range and sent everything: the
           * writer has it twice; start over */
          resp_clear (&p);
          if (img_blob_writer_reset (w, err) < 0)
            return -1;
          if (watch && watch->restarted)
            watch->restarted (watch->data, d->digest);
          continue;
        }
      if (rc == 0 && (p.status == 200 || p.status == 206))
        {
          resp_clear (&p);
          break;
        }
      if (rc == 0 && p.status != 416)
        {
          status_error (r, &q, &p, what, err);
          resp_clear (&p);
          return -1;
        }
      resp_clear (&p);
      if (attempt + 1 >= r->o.retries)
        {
          if (err)
            *err = e;
          else
            berr_clear (&e);
          return berr_wrap (err, "%s: gave up after %d attempts", what, attempt + 1);
        }
      berr_clear (&e);
      usleep (200000u << (attempt < 4 ? attempt : 4));
      if (img_blob_writer_size (w) == have && rc == 0)
        {
          if (img_blob_writer_reset (w, err) < 0)
            return -1;
          if (watch && watch->restarted)
            watch->restarted (watch->data, d->digest);
        }
    }
  if (img_blob_writer_commit (w, d->digest, d->size_present ? d->size : -1, NULL, NULL, err) < 0)
    return berr_wrap (err, "registry '%s': %s", r->host, what);
  return 0;
}

int
img_registry_blob_exists (struct img_registry *r, const char *repo, const char *digest, berr_t **err)
{
  cleanup_free char *url = NULL;
  cleanup_free char *scope = scope_pull (repo);
  cleanup_free char *what = xasprintf ("blob '%s'", digest);
  struct req q = { .method = "HEAD", .scope = scope, .follow = true };
  struct resp p = { 0 };
  int ret;

  if (ping (r, err) < 0)
    return -1;
  url = xasprintf ("%s/v2/%s/blobs/%s", r->base, repo, digest);
  q.url = url;
  if (http_do (r, &q, &p, err) < 0)
    ret = -1;
  else if (p.status == 200)
    ret = 1;
  else if (p.status == 404)
    ret = 0;
  else
    ret = status_error (r, &q, &p, what, err);
  resp_clear (&p);
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
  if (http_do (r, &q, &p, err) < 0)
    goto fail;
  if (p.status == 201)
    {
      r->st.blobs_mounted++;
      resp_clear (&p);
      return 0;
    }
  if (p.status != 202 || p.location == NULL)
    {
      status_error (r, &q, &p, what, err);
      goto fail;
    }
  loc = absolute_location (r, p.location);
  chunk = r->o.chunk_size;
  if (chunk > 0 && p.chunk_min > chunk)
    chunk = p.chunk_min;
  resp_clear (&p);

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
      if (http_do (r, &q, &p, err) < 0)
        goto fail;
      curl_slist_free_all (q.headers);
      q.headers = NULL;
      if (p.status != 202 || p.location == NULL)
        {
          status_error (r, &q, &p, what, err);
          goto fail;
        }
      free (loc);
      loc = absolute_location (r, p.location);
      resp_clear (&p);
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
    if (http_do (r, &q, &p, err) < 0)
      goto fail;
    curl_slist_free_all (q.headers);
    q.headers = NULL;
    if (p.status != 201)
      {
        status_error (r, &q, &p, what, err);
        goto fail;
      }
  }
  r->st.blobs_uploaded++;
  if (uploaded)
    *uploaded = true;
  resp_clear (&p);
  return 0;
fail:
  curl_slist_free_all (q.headers);
  resp_clear (&p);
  return -1;
}

int
img_registry_put_manifest (struct img_registry *r, const char *repo, const char *ref, const char *data,
                           size_t len, const char *media_type, berr_t **err)
{
  cleanup_free char *url = NULL;
  cleanup_free char *scope = xasprintf ("repository:%s:pull,push", repo);
  cleanup_free char *ct = xasprintf ("Content-Type: %s", media_type);
  cleanup_free char *want = img_digest_data (IMG_DIGEST_SHA256, data, len);
  cleanup_free char *what = xasprintf ("manifest '%s:%s'", repo, ref);
  struct req q = { .method = "PUT", .scope = scope, .up_data = data, .up_len = len };
  struct resp p = { 0 };
  int ret = -1;

  if (ping (r, err) < 0)
    return -1;
  url = xasprintf ("%s/v2/%s/manifests/%s", r->base, repo, ref);
  q.url = url;
  q.headers = curl_slist_append (NULL, ct);
  if (http_do (r, &q, &p, err) < 0)
    goto out;
  if (p.status != 201)
    {
      status_error (r, &q, &p, what, err);
      goto out;
    }
  if (p.dcd && strcmp (p.dcd, want) != 0)
    {
      berr_make (err, 0, "registry '%s': %s: stored as '%s', but its content is '%s'", r->host, what, p.dcd,
                 want);
      goto out;
    }
  ret = 0;
out:
  curl_slist_free_all (q.headers);
  resp_clear (&p);
  return ret;
}

int
img_registry_check (struct img_registry *r, berr_t **err)
{
  cleanup_free char *url = NULL;
  struct req q = { .method = "GET", .body_max = ERROR_BODY_MAX, .auth_anyway = true };
  struct resp p = { 0 };
  int ret = 0;

  if (ping (r, err) < 0)
    return -1;
  url = xasprintf ("%s/v2/", r->base);
  q.url = url;
  if (http_do (r, &q, &p, err) < 0)
    ret = -1;
  else if (p.status != 200)
    ret = status_error (r, &q, &p, "login", err);
  resp_clear (&p);
  return ret;
}
