/* img - commit (placeholder: being written). */
#include <config.h>
