/* img - registry authentication for a session (the clients of one pull or
 * push): the WWW-Authenticate challenge of a 401 says how to get in —
 * Bearer: ask the realm for a token for the request's scopes, with Basic
 * credentials when there are some; Basic: send the credentials.  The
 * challenge and the tokens (cached per scope until they expire) are the
 * session's, and one client at a time fetches, so each scope costs one
 * token request however many clients need it. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry-internal.h"
#include "util.h"

#define TOKEN_DEFAULT_TTL 60

void
reg_req_auth_clear (struct req_auth *a)
{
  free (a->bearer);
  free (a->user);
  free (a->pass);
  memset (a, 0, sizeof (*a));
}

void
reg_session_unref (struct reg_session *ses)
{
  size_t i;
  int left;

  if (ses == NULL)
    return;
  pthread_mutex_lock (&ses->lock);
  left = --ses->refs;
  pthread_mutex_unlock (&ses->lock);
  if (left > 0)
    return;
  for (i = 0; i < ses->ntokens; i++)
    {
      free (ses->tokens[i].scope);
      free (ses->tokens[i].value);
    }
  free (ses->tokens);
  img_auth_challenge_clear (&ses->chal);
  free (ses->base);
  free (ses->user);
  free (ses->pass);
  pthread_mutex_destroy (&ses->lock);
  pthread_mutex_destroy (&ses->auth_lock);
  free (ses);
}

/* Under ses->lock. */
static void
lookup_creds (struct img_registry *r, const char *repo)
{
  struct reg_session *ses = r->ses;
  berr_t *e = NULL;

  if (ses->creds_looked_up)
    return;
  ses->creds_looked_up = true;
  if (img_auth_lookup (strcmp (r->host, "registry-1.docker.io") == 0 ? "docker.io" : r->host, repo,
                       &ses->user, &ses->pass, &e)
      < 0)
    {
      fprintf (stderr, "img: warning: %s\n", e->msg);
      berr_clear (&e);
    }
}

/* Under ses->lock. */
static const char *
token_for (struct reg_session *ses, const char *scope)
{
  size_t i;
  time_t now = time (NULL);

  for (i = 0; i < ses->ntokens; i++)
    if (strcmp (ses->tokens[i].scope, scope ? scope : "") == 0 && ses->tokens[i].expires > now)
      return ses->tokens[i].value;
  return NULL;
}

/* What a request for scope is sent with now. */
void
reg_auth_for (struct img_registry *r, const char *scope, struct req_auth *a)
{
  struct reg_session *ses = r->ses;

  memset (a, 0, sizeof (*a));
  pthread_mutex_lock (&ses->lock);
  if (ses->have_challenge && strcasecmp (ses->chal.scheme, "Bearer") == 0)
    {
      const char *t = token_for (ses, scope);
      a->bearer = t ? xstrdup (t) : NULL;
    }
  else if (ses->have_challenge && ses->user)
    a->basic = true;
  if (ses->user)
    {
      a->user = xstrdup (ses->user);
      a->pass = xstrdup (ses->pass ? ses->pass : "");
    }
  pthread_mutex_unlock (&ses->lock);
}

/* Under ses->auth_lock: ask the realm for a token for scope. */
static int
fetch_token (struct img_registry *r, const char *scope, berr_t **err)
{
  struct reg_session *ses = r->ses;
  cleanup_free char *url = NULL;
  cleanup_free char *svc = NULL;
  cleanup_free char *realm = NULL;
  struct resp p = { 0 };
  struct req q = { .method = "GET", .body_max = 1 << 20, .follow = true };
  struct req_auth a = { 0 };
  oci_registry_token *t = NULL;
  const char *val;
  char *esc;
  int ret = -1;

  pthread_mutex_lock (&ses->lock);
  realm = xstrdup (ses->chal.realm);
  esc = curl_easy_escape (r->c, ses->chal.service ? ses->chal.service : "", 0);
  if (ses->user)
    {
      a.basic = true;
      a.user = xstrdup (ses->user);
      a.pass = xstrdup (ses->pass ? ses->pass : "");
    }
  pthread_mutex_unlock (&ses->lock);
  svc = xstrdup (esc);
  curl_free (esc);
  url = xasprintf ("%s%sservice=%s", realm, strchr (realm, '?') ? "&" : "?", svc);
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
  if (reg_http_send (r, &q, &p, &a, err) < 0)
    goto out;
  r->st.tokens_fetched++;
  if (p.status != 200)
    {
      cleanup_free char *why = reg_error_text (&p);
      berr_make (err, 0, "registry '%s': token endpoint '%s' answered %ld%s%s", r->host, realm, p.status,
                 why ? ": " : "", why ? why : "");
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
  pthread_mutex_lock (&ses->lock);
  ses->tokens = xrealloc (ses->tokens, (ses->ntokens + 1) * sizeof (*ses->tokens));
  ses->tokens[ses->ntokens].scope = xstrdup (scope ? scope : "");
  ses->tokens[ses->ntokens].value = xstrdup (val);
  /* a little early, so a token never expires in flight */
  ses->tokens[ses->ntokens].expires
    = time (NULL) + (t->expires_in_present && t->expires_in > 10 ? t->expires_in - 5 : TOKEN_DEFAULT_TTL);
  ses->ntokens++;
  pthread_mutex_unlock (&ses->lock);
  ret = 0;
out:
  reg_req_auth_clear (&a);
  oci_registry_token_free (t);
  reg_resp_clear (&p);
  return ret;
}

/* After a 401 with a challenge: learn it, and fetch a token for the
 * request's scope unless another client of the session did so since this
 * request was sent with `sent`.  0: send again; 1: the 401 stands. */
int
reg_answer_challenge (struct img_registry *r, const struct req *q, const char *www_auth, const char *sent,
                      berr_t **err)
{
  struct reg_session *ses = r->ses;
  struct img_auth_challenge chal = { 0 };
  bool bearer, fetch = false;
  int ret = 0;

  if (img_auth_challenge_parse (www_auth, &chal, err) < 0)
    return berr_wrap (err, "registry '%s'", r->host);
  bearer = strcasecmp (chal.scheme, "Bearer") == 0;
  pthread_mutex_lock (&ses->auth_lock);
  pthread_mutex_lock (&ses->lock);
  img_auth_challenge_clear (&ses->chal);
  ses->chal = chal;
  ses->have_challenge = true;
  lookup_creds (r, NULL);
  if (bearer)
    {
      /* the /v2/ ping only learns the challenge: tokens are fetched for
       * the scope of the request that needs one */
      const char *have = token_for (ses, q->scope);
      if (q->scope == NULL && !q->auth_anyway)
        ret = 1;
      else
        fetch = have == NULL || (sent && strcmp (have, sent) == 0);
    }
  else if (ses->user == NULL)
    ret = 1; /* Basic without credentials: the 401 stands */
  pthread_mutex_unlock (&ses->lock);
  if (fetch && fetch_token (r, q->scope, err) < 0)
    ret = -1;
  pthread_mutex_unlock (&ses->auth_lock);
  return ret;
}
