/* img - tar-write (placeholder: being written). */
#include <config.h>
