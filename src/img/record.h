/* img - the record of what unpack wrote into a rootfs (one line of
 * metadata per path), and the walk that finds what changed since: the
 * change finder of `img commit`.  Metadata first; content is never re-read
 * for a path whose inode, size, mtime and ctime are unchanged.
 *
 * (Owner: the commit work.  Refine the interface as needed and say so.) */
#ifndef IMG_RECORD_H
#define IMG_RECORD_H

#include "error.h"

/* Walk rootfd and write the record to bundlefd/NAME atomically. */
#define IMG_RECORD_NAME "img-rootfs.record"
int img_record_write (int bundlefd, int rootfd, berr_t **err);

#endif
