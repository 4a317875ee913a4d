/* berth - the container lifecycle as a library: what the cmd-<verb>.c files
 * call.  Every function takes the global context and fails with *err set. */
#ifndef BERTH_CONTAINER_H
#define BERTH_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "context.h"
#include "error.h"
#include "oci-spec.h"
#include "state.h"

struct create_opts
{
  const char *id;
  const char *bundle; /* NULL: the current directory */
  const char *pid_file;
  const char *console_socket;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  const char **hooks_dirs; /* --hooks-dir, in order (hooks-dir.h) */
  size_t n_hooks_dirs;
  /* run only */
  bool foreground; /* run without -d: a terminal may be proxied to our stdio */
  bool detach;
  bool keep;
};

/* create: returns once the container is `created` (init blocked on the
 * exec fifo).  On failure nothing is left behind: no state, no process. */
int container_create (struct berth_ctx *ctx, const struct create_opts *o, berr_t **err);
int container_start (struct berth_ctx *ctx, const char *id, berr_t **err);
/* run: create + start; in the foreground waits, forwarding signals, and
 * stores the container's exit status (128+N when killed by signal N). */
int container_run (struct berth_ctx *ctx, const struct create_opts *o, int *exit_status, berr_t **err);

struct exec_opts
{
  const char *id;
  const char *process_file; /* --process: a process.json replaces the defaults */
  char **args;              /* the command, when no --process */
  size_t n_args;
  char **env; /* -e VAR=VALUE, added to (or replacing in) process.env */
  size_t n_env;
  const char *cwd;
  const char *user; /* "UID[:GID]" */
  char **gids;      /* --additional-gids */
  size_t n_gids;
  char **caps; /* --cap */
  size_t n_caps;
  const char *pid_file;
  const char *console_socket;
  const char *process_label;
  const char *apparmor;
  bool tty;
  bool detach;
  bool no_new_privs;
  bool ignore_paused; /* exec into a paused container (the process runs on resume) */
  int preserve_fds;
  char **cgroups; /* --cgroup: "PATH" or "CONTROLLER[,CONTROLLER]:PATH", a sub-cgroup */
  size_t n_cgroups;
};

/* exec: a new process in the namespaces of a running container, with the
 * container's process settings (env, user, capabilities...) as defaults.
 * Foreground: waits and stores the process's exit status. */
int container_exec (struct berth_ctx *ctx, const struct exec_opts *o, int *exit_status, berr_t **err);

int container_kill (struct berth_ctx *ctx, const char *id, int sig, bool all, berr_t **err);
int container_delete (struct berth_ctx *ctx, const char *id, bool force, berr_t **err);

/* update: merge r into the resources of a created, running or paused
 * container (its saved config), write them to its cgroup, save them. */
int container_update (struct berth_ctx *ctx, const char *id, const oci_linux_resources *r, berr_t **err);

/* Read one container's state with its derived status. */
int container_load (struct berth_ctx *ctx, const char *id, struct container_state *st,
                    enum container_status *status, berr_t **err);
/* Ids of every container under --root (sorted). */
int container_list_ids (struct berth_ctx *ctx, char ***ids, size_t *n, berr_t **err);
/* Every container under --root with its status (state_list_load). */
int container_list_load (struct berth_ctx *ctx, struct container_state **sts, enum container_status **ss,
                         size_t *n, berr_t **err);

/* pause: freeze the container's cgroup (running or created); resume: thaw
 * a paused one.  Both need the container's cgroup. */
int container_pause (struct berth_ctx *ctx, const char *id, berr_t **err);
int container_resume (struct berth_ctx *ctx, const char *id, berr_t **err);

/* runc's `events` on stdout: with stats one {"type":"stats"} line, else
 * stats every interval_ms and {"type":"oom"} on each OOM kill until the
 * container's processes are gone. */
int container_events (struct berth_ctx *ctx, const char *id, bool stats, long long interval_ms, berr_t **err);

/* The pids of the container's processes (pid namespace walk). */
int container_pids (struct berth_ctx *ctx, const char *id, pid_t **pids, size_t *n, berr_t **err);

#endif
