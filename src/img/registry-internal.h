/* img - what the registry client's files (registry.c, registry-auth.c,
 * registry-push.c) share: the client, the session its clones share, one
 * request and its answer. */
#ifndef IMG_REGISTRY_INTERNAL_H
#define IMG_REGISTRY_INTERNAL_H

#include <curl/curl.h>
#include <pthread.h>
#include <time.h>

#include "auth.h"
#include "registry.h"

#define ERROR_BODY_MAX (64 * 1024)

struct token
{
  char *scope;
  char *value;
  time_t expires;
};

/* What the clients of one pull or push share (img_registry_clone): the
 * scheme the /v2/ ping settled on, the credentials, the challenge and the
 * tokens.  `lock` guards the fields; `auth_lock` (recursive) is held across
 * the ping and a token fetch, so concurrent clients wait for the one doing
 * it and use its answer instead of asking again. */
struct reg_session
{
  pthread_mutex_t lock;
  pthread_mutex_t auth_lock;
  int refs;
  char *base; /* "https://host" or "http://host" */
  bool pinged;
  char *user;
  char *pass;
  bool creds_looked_up;
  bool have_challenge;
  struct img_auth_challenge chal;
  struct token *tokens;
  size_t ntokens;
};

struct img_registry
{
  char *host;
  char *base; /* the session's, once pinged */
  struct img_registry_opts o;
  CURL *c;
  struct reg_session *ses;
  struct img_registry_stats st;
};

/* The authentication one request is sent with (copied out of the session). */
struct req_auth
{
  char *bearer;
  bool basic;
  char *user;
  char *pass;
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
  size_t body_max;
  img_progress_fn progress;
  void *pdata;
  const char *digest;
  int64_t total;
  bool follow;
  bool auth_anyway;                    /* fetch a token even without a scope (login) */
  const struct img_fetch_watch *watch; /* a download's follower (may be NULL) */
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
  int64_t got;         /* body bytes of this response */
  CURLcode curl;       /* libcurl's result (CURLE_OK: an answer came) */
  int64_t retry_after; /* Retry-After in seconds, -1 when absent */
  int attempts;        /* how many times reg_http_retry sent the request */
  curl_off_t seen;     /* bytes moved either way, and when the count last changed */
  struct timespec seen_at;
  bool stalled; /* aborted: nothing moved for the stall timeout */
  struct req *req;
  struct img_registry *reg;
  berr_t *werr; /* a write into the store failed */
};

/* ---- registry.c ---- */

void reg_resp_clear (struct resp *p);
/* The path of the request's URL, for messages. */
const char *reg_req_path (const struct req *q);
/* The registry's error text of an answer (malloc'd), or NULL. */
char *reg_error_text (const struct resp *p);
/* One request as it is (auth may be NULL). */
int reg_http_send (struct img_registry *r, struct req *q, struct resp *p, const struct req_auth *auth,
                   berr_t **err);
/* One request, authenticated as the session knows how, answering one
 * challenge. */
int reg_http_do (struct img_registry *r, struct req *q, struct resp *p, berr_t **err);
/* Whether an attempt that ended so (rc of reg_http_do, and P) is worth
 * another: a dropped, refused or timed-out connection, 5xx but 501, 429. */
bool reg_retryable (int rc, const struct resp *p);
/* Sleep before attempt+2 (0.2 s doubling, or P's Retry-After): -1 with
 * an error naming WHAT when the registry asks to wait too long. */
int reg_backoff (struct img_registry *r, int attempt, const struct resp *p, const char *what, berr_t **err);
/* reg_http_do, tried again (at most the retries option's times) while
 * reg_retryable; for requests that can be repeated (GET, HEAD, PUT of a
 * manifest, POST that opens an upload).  p->attempts says how many. */
int reg_http_retry (struct img_registry *r, struct req *q, struct resp *p, const char *what, berr_t **err);
/* "registry 'HOST': WHAT: METHOD PATH answered STATUS: text" (or the
 * authentication hint), -1. */
int reg_status_error (struct img_registry *r, const struct req *q, const struct resp *p, const char *what,
                      berr_t **err);
/* Q on /v2/REPO/manifests/REF after the ping, with one HEADER (Accept or
 * Content-Type); an answer other than WANT is reg_status_error's error
 * naming WHAT.  Q's url and headers are the call's own; the caller clears
 * P. */
int reg_manifest_do (struct img_registry *r, const char *repo, const char *ref, const char *header, long want,
                     const char *what, struct req *q, struct resp *p, berr_t **err);
/* The /v2/ ping (once per session): sets r->base. */
int reg_ping (struct img_registry *r, berr_t **err);
char *reg_scope_pull (const char *repo);

/* ---- registry-auth.c ---- */

void reg_req_auth_clear (struct req_auth *a);
void reg_session_unref (struct reg_session *ses);
/* What a request for scope is sent with now. */
void reg_auth_for (struct img_registry *r, const char *scope, struct req_auth *a);
/* After a 401 with a challenge: learn it, fetch a token for the request's
 * scope unless another client of the session did since the request was
 * sent with the token `sent`.  0: send again; 1: the 401 stands; -1. */
int reg_answer_challenge (struct img_registry *r, const struct req *q, const char *www_auth, const char *sent,
                          berr_t **err);

#endif
