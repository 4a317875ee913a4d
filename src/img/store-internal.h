/* img - what the store's files (store.c, blob-writer.c) share and nobody
 * else uses. */
#ifndef IMG_STORE_INTERNAL_H
#define IMG_STORE_INTERNAL_H

#include "store.h"

/* .berth/NAME (NAME "" for .berth itself) as a directory, made on first
 * use: an O_DIRECTORY descriptor, or -1 with *err. */
int img_store_private_dir (struct img_store *s, const char *name, berr_t **err);

/* fsync the directory NAME under dirfd: 0, or -1 with errno. */
int img_store_fsync_dir (int dirfd, const char *name);

#endif
