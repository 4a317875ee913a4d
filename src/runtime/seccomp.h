/* berth - linux.seccomp: the filter, compiled by berth, loaded by the
 * container process, and its notify listener handed to an agent. */
#ifndef BERTH_SECCOMP_H
#define BERTH_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

typedef struct oci_linux_seccomp oci_linux_seccomp;

/* A compiled filter: classic BPF instructions and the seccomp(2) flags to
 * load them with.  Plain data, so it survives clone() and needs neither
 * libseccomp nor any file once the container process loads it. */
struct seccomp_prog
{
  void *insns;        /* struct sock_filter[], NULL: no filter */
  unsigned short len; /* number of instructions */
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
  bool notify;        /* some rule uses SCMP_ACT_NOTIFY: a listener fd results */
};

/* Compile linux.seccomp (s may be NULL: an empty program).  Unknown
 * syscall names are skipped (they may not exist on this architecture);
 * an unknown action, architecture, operator or flag is an error naming
 * its JSON path.  A build without libseccomp refuses any s. */
int seccomp_prog_build (const oci_linux_seccomp *s, struct seccomp_prog *out, berr_t **err);
void seccomp_prog_clear (struct seccomp_prog *p);

/* In the container process, the last step before exec: load the program.
 * With a notify rule the listener fd is sent over sync_fd as
 * SYNC_SECCOMP_FD (and closed here). */
int seccomp_prog_load (const struct seccomp_prog *p, int sync_fd, berr_t **err);

/* berth's side of the above: receive SYNC_SECCOMP_FD and send the
 * runtime-spec containerProcessState (state_json as its "state", pid,
 * listenerMetadata) with the fd to s->listenerPath. */
int seccomp_listener_forward (int sync_fd, const oci_linux_seccomp *s, pid_t pid, const char *state_json,
                              berr_t **err);

/* For `berth features`: NULL-terminated lists (free with cleanup_strv). */
enum seccomp_feature
{
  SECCOMP_FEATURE_ACTIONS,
  SECCOMP_FEATURE_OPERATORS,
  SECCOMP_FEATURE_ARCHS,
  SECCOMP_FEATURE_KNOWN_FLAGS,
  SECCOMP_FEATURE_SUPPORTED_FLAGS,
};
bool seccomp_enabled (void);
char **seccomp_feature_list (enum seccomp_feature what);

#endif
