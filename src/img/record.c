/* img - record (placeholder: being written; see record.h). */
#include <config.h>

#include "record.h"

int
img_record_write (int bundlefd, int rootfd, berr_t **err)
{
  return berr_make (err, 0, "the unpack record is not implemented yet");
}
