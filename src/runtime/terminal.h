/* berth - process.terminal: the pty inside the container, the console
 * socket hand-over and the proxy `run` uses in the foreground. */
#ifndef BERTH_TERMINAL_H
#define BERTH_TERMINAL_H

#include <stdbool.h>

#include "error.h"

typedef struct oci_process oci_process;

/* In the container (after pivot_root): open a pty from the container's
 * /dev/ptmx, bind its slave onto /dev/console (when console is set: the
 * init, not exec), make it our controlling
 * terminal and stdio.  *master
 * gets the master, *name the slave's path inside the container. */
int terminal_create (const oci_process *p, bool console, int *master, char **name, berr_t **err);

/* Send master to the unix socket at path (runc's --console-socket
 * protocol: SCM_RIGHTS, the pty name as data). */
int terminal_send (const char *socket_path, int master, const char *name, berr_t **err);

/* Foreground proxy: put our stdin (when a tty) in raw mode and copy its
 * window size to the master; terminal_restore() undoes it. */
void terminal_proxy_begin (int master);
void terminal_resize (int master);
void terminal_restore (void);

/* Copy what is available from `from` to `to`; false on EOF/EIO. */
bool terminal_pump (int from, int to);

#endif
