/* img - image (placeholder: being written). */
#include <config.h>
