/* berth - process.apparmorProfile (and exec --apparmor). */
#ifndef BERTH_APPARMOR_H
#define BERTH_APPARMOR_H

#include <stdbool.h>

#include "error.h"

/* AppArmor is loaded and enabled: /sys/module/apparmor/parameters/enabled
 * says Y (when unreadable: /sys/kernel/security/apparmor exists). */
bool apparmor_host_enabled (void);

/* Before any syscall: a profile asked for on a host without AppArmor is an
 * error, never silently dropped.  `what` names the field or option. */
int apparmor_check_profile (const char *profile, const char *what, berr_t **err);

/* In the container process: the profile the next execve switches to
 * ("exec PROFILE" in attr/apparmor/exec, as aa_change_onexec). */
int apparmor_set_exec_profile (const char *profile, berr_t **err);

#endif
