/* berth - SELinux labels: process.selinuxLabel (and exec --process-label);
 * linux.mountLabel is applied by the mount code (rootfs.c). */
#ifndef BERTH_SELINUX_H
#define BERTH_SELINUX_H

#include <stdbool.h>

#include "error.h"

typedef struct oci_spec oci_spec;

/* SELinux is enabled on this host (libselinux's is_selinux_enabled()). */
bool selinux_host_enabled (void);
/* berth was built with libselinux (`berth features`). */
bool selinux_built_in (void);

/* Before any syscall.  A process label on a host without SELinux is an
 * error, as in runc ("selinux label is specified in config, but selinux is
 * disabled or not supported"); a build without libselinux refuses any
 * label.  `what` names the field or option. */
int selinux_check_process_label (const char *label, const char *what, berr_t **err);
/* The same for config.json as a whole (process label and mountLabel). */
int selinux_check_spec (const oci_spec *spec, berr_t **err);

/* In the container process, right before exec: the label execve gives the
 * new program (setexeccon). */
int selinux_set_exec_label (const char *label, berr_t **err);
/* The label of the keys this thread creates from now on (setkeycreatecon;
 * NULL: back to the default), for the container's session keyring. */
int selinux_set_key_label (const char *label, berr_t **err);

#endif
