/* img - tar-write (placeholder: being written). */
#ifndef IMG_TAR_WRITE_H
#define IMG_TAR_WRITE_H
#endif
