/* berth - the one header for the OCI JSON documents.
 *
 * Types and parse/generate/free functions are generated from the *.types
 * descriptions into $(builddir)/oci-spec/gen/ (see oci-spec/README.md for the
 * contract); validate.h adds the semantic checks of config.json. */
#ifndef BERTH_OCI_SPEC_H
#define BERTH_OCI_SPEC_H

#include "oci-json.h"
#include "gen/runtime-spec.h"
#include "gen/state.h"
#include "gen/features.h"
#include "gen/image-spec.h"
#include "gen/docker-schema2.h"
#include "gen/registry.h"
#include "gen/img-bundle.h"
#include "gen/hooks-dir.h"
#include "validate.h"

#endif
