/* img - layer-apply (placeholder: being written). */
#include <config.h>
