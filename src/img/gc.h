/* img - gc (placeholder: being written). */
#ifndef IMG_GC_H
#define IMG_GC_H
#endif
