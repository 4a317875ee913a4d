/* berth - the `berth features` document: what this build really does. */
#ifndef BERTH_FEATURES_H
#define BERTH_FEATURES_H

#include "error.h"

int features_json (char **out, berr_t **err);

#endif
