/* img - bundle (placeholder: being written). */
#include <config.h>
