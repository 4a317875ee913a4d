/* berth - signal names and numbers as `kill` accepts them. */
#ifndef BERTH_SIGNALS_H
#define BERTH_SIGNALS_H

#include "error.h"

/* "KILL", "SIGKILL", "kill", "9", "RTMIN+3" → number. */
int signal_parse (const char *s, int *sig, berr_t **err);

#endif
