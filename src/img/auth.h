/* img - registry authentication: WWW-Authenticate challenges, credentials
 * from containers' auth.json and docker's config.json (searched in the
 * order podman and skopeo use), and img login/logout writing them. */
#ifndef IMG_AUTH_H
#define IMG_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* One parsed challenge: scheme "Bearer" or "Basic" and its parameters. */
struct img_auth_challenge
{
  char *scheme;
  char *realm;
  char *service;
  char *scope;
  char *error; /* Bearer error="insufficient_scope" etc. */
};

/* Parse a WWW-Authenticate header value.  The first challenge of a scheme
 * img knows (Bearer, Basic) is returned; an unknown scheme or a malformed
 * header is an error naming the header. */
int img_auth_challenge_parse (const char *header, struct img_auth_challenge *c, berr_t **err);
void img_auth_challenge_clear (struct img_auth_challenge *c);

/* The auth files searched, most specific first: $REGISTRY_AUTH_FILE,
 * $XDG_RUNTIME_DIR/containers/auth.json, $XDG_CONFIG_HOME/containers/auth.json
 * (~/.config/...), ~/.docker/config.json, ~/.dockercfg.  NULL-terminated,
 * malloc'd (cleanup_strv). */
char **img_auth_files (void);

/* Credentials for registry host (docker.io also matches docker's
 * "https://index.docker.io/v1/" key; "host/namespace" keys match the
 * longest prefix of repo).  Returns 1 and sets *user and *pass when found, 0
 * when none, -1 on a broken file (named). */
int img_auth_lookup (const char *host, const char *repo, char **user, char **pass, berr_t **err);

/* img login: store user:pass for host in path (default: the first auth.json
 * location), keeping the file's other entries; atomic, mode 0600. */
int img_auth_store (const char *path, const char *host, const char *user, const char *pass, berr_t **err);
/* img logout: remove host's entry; 0 when removed, 1 when there was none. */
int img_auth_remove (const char *path, const char *host, berr_t **err);

/* base64 (standard alphabet, padded), malloc'd. */
char *img_base64_encode (const void *data, size_t len);
/* -1 on invalid input. */
int img_base64_decode (const char *s, char **out, size_t *len);

#endif
