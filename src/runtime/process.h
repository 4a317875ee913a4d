/* berth - the container process's own settings, applied by the init (and
 * later by exec) just before execve: rlimits, user, umask, environment,
 * cwd, executable lookup, descriptors. */
#ifndef BERTH_PROCESS_H
#define BERTH_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

typedef struct oci_process oci_process;

/* Before any syscall: rlimit names are known. */
int process_validate (const oci_process *p, berr_t **err);

int process_set_rlimits (const oci_process *p, berr_t **err);
/* From the parent, into /proc/PID: the child may not own its /proc files
 * (non-dumpable, or in a user namespace). */
int process_set_oom_score_adj (pid_t pid, const oci_process *p, berr_t **err);
/* setgroups (additionalGids, or none), setgid, setuid. */
int process_set_user (const oci_process *p, berr_t **err);
int process_set_cwd (const oci_process *p, berr_t **err);
int process_set_no_new_privs (const oci_process *p, berr_t **err);
void process_set_umask (const oci_process *p);

/* args[0] resolved with the PATH of the container's env (runc's rule:
 * a name with a '/' is used as is). */
int process_find_executable (const oci_process *p, char **path, berr_t **err);

/* Everything above fd 2 (plus preserve_fds) becomes close-on-exec; the
 * preserved ones lose it (CVE-2024-21626: no host fd survives exec). */
int process_prepare_fds (int preserve_fds, berr_t **err);

/* Before berth opens any descriptor of its own: 3 .. 3+N-1 must be the
 * caller's, so that none of ours (sync socket, host /proc, namespace
 * fds) can land in the range and lose close-on-exec. */
int process_check_preserved_fds (int preserve_fds, berr_t **err);

/* systemd socket activation, as runc: when LISTEN_FDS is set for us
 * (LISTEN_PID is our pid), that many fds from 3 on pass into the
 * container before the --preserve-fds ones, and the process gets
 * LISTEN_FDS=N and LISTEN_PID=1. */
int process_listen_fds (void);
void process_set_listen_env (oci_process *p, int n);

/* Default signal dispositions and an empty mask, as a fresh process has. */
void process_reset_signals (void);

/* "HOME=<dir>" from the container's /etc/passwd (or "/") when process.env
 * has no HOME, as runc adds it; NULL when env has one. */
char *process_home_env (const oci_process *p);

struct caps_plan;

/* Everything above in runc's order, right before exec: cwd, rlimits,
 * bounding set, uid/gid, capabilities, no_new_privs, umask, then the
 * executable lookup (*exe), HOME (*home, may stay NULL) and the fd sweep. */
int process_setup (const oci_process *p, const struct caps_plan *caps, int preserve_fds, char **exe,
                   char **home, berr_t **err);

/* execve with process.env plus extra_env (may be NULL); returns only on
 * failure. */
int process_exec (const char *path, const oci_process *p, const char *extra_env, berr_t **err);

/* Set K=V in p->env: replaces an existing K= entry, or appends. */
void process_env_set (oci_process *p, const char *kv);

#endif
