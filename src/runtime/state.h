/* berth - the container state store under --root.
 *
 * One directory per container (<root>/<id>), created with mkdir's O_EXCL
 * semantics; a flock on the directory guards every mutating command;
 * state.json is replaced atomically.  The status is never stored: it is
 * derived from the recorded pid, its start time and the exec fifo. */
#ifndef BERTH_STATE_H
#define BERTH_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define STATE_FILE "state.json"
#define STATE_EXEC_FIFO "exec.fifo"
#define STATE_CONFIG "config.json"
/* "PID START" of the init while state.json still says creating (container.c) */
#define STATE_INIT_PID "init.pid"

enum container_status
{
  STATUS_CREATING = 0,
  STATUS_CREATED,
  STATUS_RUNNING,
  STATUS_PAUSED,
  STATUS_STOPPED,
};

struct container_state
{
  char *id;
  pid_t pid;                    /* 0 while creating */
  unsigned long long pid_start; /* /proc/PID/stat field 22, guards against pid reuse */
  char *bundle;
  char *rootfs;
  char *created; /* RFC3339 with nanoseconds, UTC */
  char *config_path;
  char *owner; /* derived from the state directory's uid when read */
  bool own_pidns;
  bool paused;
  char *cgroup_path;  /* in the v2 hierarchy ("/berth/c1"); NULL or "": none */
  char *cgroup_scope; /* systemd's transient unit, NULL or "": none */
  bool cgroup_owned;  /* created by berth: delete removes it */
  size_t cgroup_made; /* levels of cgroup_path berth created (struct cgroup's made); 0: unknown */
  char **ann_keys;
  char **ann_values;
  size_t ann_len;
};

/* Open (creating as needed, mode 0700) the root directory. */
int state_root_open (const char *root, int *rootfd, berr_t **err);
/* For commands that only look: a missing root is no error, *rootfd = -1,
 * which state_dir_open() reports as "does not exist" and state_list_ids()
 * as empty. */
int state_root_open_existing (const char *root, int *rootfd, berr_t **err);

/* runc's rule: [a-zA-Z0-9][a-zA-Z0-9_+.-]*, at most 1024 bytes, never "." or "..". */
int state_id_validate (const char *id, berr_t **err);

/* Create <root>/<id> exclusively and lock it.  "container 'x' already exists". */
int state_dir_create (int rootfd, const char *id, int *dirfd, berr_t **err);
/* Open an existing container's directory, locked (exclusive) when lock is set.
 * "container 'x' does not exist". */
int state_dir_open (int rootfd, const char *id, bool lock, int *dirfd, berr_t **err);
/* Remove <root>/<id>; the caller holds the lock. */
int state_dir_remove (int rootfd, const char *id, berr_t **err);

int state_write (int dirfd, const struct container_state *st, berr_t **err);
/* A missing state.json is not an error: st is filled with id only (creating). */
int state_read (int dirfd, const char *id, struct container_state *st, berr_t **err);
void state_clear (struct container_state *st);
/* Fill st (id and owner already set) from the text of a state.json. */
int state_parse (const char *data, size_t len, const char *id, struct container_state *st, berr_t **err);
/* The user name of uid ("#UID" when it has none), remembered across calls. */
char *state_owner_name (uid_t uid);

enum container_status state_status (int dirfd, const struct container_state *st);
/* The same with the exec fifo at fifo relative to dirfd; maybe_alive, when
 * set, is a cheap test that may rule a pid out (false: surely gone) before
 * /proc/PID/stat is read. */
enum container_status state_status_at (int dirfd, const char *fifo, const struct container_state *st,
                                       bool (*maybe_alive) (pid_t, void *), void *data);
const char *state_status_name (enum container_status s);

/* The ids of all containers under root, sorted. */
int state_list_ids (int rootfd, char ***ids, size_t *n, berr_t **err);

/* Every container under root (sorted by id) with its status, for `berth
 * list`: one pass over the root, no locks; a container deleted or unreadable
 * meanwhile is left out.  Free with state_list_free. */
int state_list_load (int rootfd, struct container_state **sts, enum container_status **ss, size_t *n,
                     berr_t **err);
void state_list_free (struct container_state *sts, enum container_status *ss, size_t n);

/* The `berth state` document (runc's fields), indented as runc prints it. */
int state_to_json (const struct container_state *st, enum container_status s, bool indent, char **out,
                   berr_t **err);

/* The `berth list --format json` array of those documents, unindented. */
int state_list_to_json (const struct container_state *sts, const enum container_status *ss, size_t n,
                        char **out, size_t *len, berr_t **err);

/* The same with the status given by name (hooks: "creating" ...). */
int state_to_json_status (const struct container_state *st, const char *status, char **out, berr_t **err);

/* Start time (field 22 of /proc/PID/stat) and state letter of a process. */
int proc_stat_read (pid_t pid, unsigned long long *start, char *state);
/* Alive, not a zombie, and the same process as recorded. */
bool state_process_alive (const struct container_state *st);

/* Current time as RFC3339 with nanoseconds, UTC. */
char *state_now_rfc3339 (void);

#endif
