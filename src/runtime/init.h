/* berth - the container init: what the cloned child does before execve. */
#ifndef BERTH_INIT_H
#define BERTH_INIT_H

#include <stdbool.h>

#include "caps.h"
#include "namespaces.h"
#include "rootfs.h"
#include "seccomp.h"

struct init_config
{
  const oci_spec *spec;
  struct rootfs_config rootfs;
  const struct ns_plan *ns;
  struct caps_plan caps;
  /* compiled by berth before clone(); NULL or no insns: no filter */
  const struct seccomp_prog *seccomp;
  int sync_fd;      /* our end of the socketpair */
  int fifo_fd;      /* O_PATH descriptor of <state>/exec.fifo */
  int proc_fd;      /* the host's /proc, to reopen fifo_fd after pivot_root */
  int parent_fd;    /* pidfd of berth (-1: none): did it die before we could notice? */
  int preserve_fds; /* --preserve-fds: 3 .. 3+N-1 pass into the container */
  const char *id;   /* names the session keyring */
  bool new_keyring; /* not --no-new-keyring */
  int close_fds[4]; /* parent-only descriptors (state lock!), -1 terminated */
};

/* Runs in the child returned by clone(); never returns.  Failures travel to
 * the parent as SYNC_ERROR with their message. */
void init_run (const struct init_config *c) __attribute__ ((noreturn));

#endif
