/* img - record (placeholder: being written). */
#include <config.h>
