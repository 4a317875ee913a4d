/* berth - OCI hooks: programs run at fixed points of the lifecycle with
 * the container state on their stdin. */
#ifndef BERTH_HOOKS_H
#define BERTH_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct oci_hook oci_hook;
typedef struct oci_spec oci_spec;

/* Run hooks[0..n) in order, each with state_json on stdin; the first that
 * fails (non-zero exit, signal, timeout) fails the call, naming the stage
 * and the hook. */
int hooks_run (oci_hook **hooks, size_t n, const char *stage, const char *state_json, berr_t **err);

/* Whether the config has any hook at all (the init then asks for the state
 * document it hands to createContainer and startContainer hooks). */
bool hooks_any (const oci_spec *spec);

/* poststart / poststop for an existing container: read its config.json,
 * run that stage with the state document; failures are only logged, as the
 * spec asks for these two stages. */
struct container_state;
void hooks_run_logged (const struct container_state *st, const char *status, const char *stage);
/* The same in two steps, for delete: the config lives in the state dir,
 * which is gone by the time the poststop hooks run. */
oci_spec *hooks_load_spec (const struct container_state *st, const char *stage);
void hooks_run_logged_spec (const oci_spec *spec, const struct container_state *st, const char *status,
                            const char *stage);

#endif
