/* img - archive (placeholder: being written). */
#include <config.h>
