/* img - archive (placeholder: being written). */
#ifndef IMG_ARCHIVE_H
#define IMG_ARCHIVE_H
#endif
