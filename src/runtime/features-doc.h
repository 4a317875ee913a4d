/* berth - the `berth features` document: what this build really does.
 * (Not "features.h": that name would shadow glibc's <features.h> for
 * anything built with -I src/runtime.) */
#ifndef BERTH_FEATURES_DOC_H
#define BERTH_FEATURES_DOC_H

#include "error.h"

int features_json (char **out, berr_t **err);

#endif
