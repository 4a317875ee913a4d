/* img - commit (placeholder: being written). */
#ifndef IMG_COMMIT_H
#define IMG_COMMIT_H
#endif
