/* img - gc (placeholder: being written). */
#include <config.h>
