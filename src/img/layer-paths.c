/* img - the path bookkeeping of a layer apply: a small hash set of paths
 * (directory fixups) and the set of paths the current layer wrote, which
 * whiteouts and opaque markers consult (image-spec: they hide only what
 * lower layers made).  The written set must not grow with the number of
 * entries: it keeps the most recent paths in memory and spills the rest,
 * sorted in tree order, as runs to an unnamed temp file (O_TMPFILE) on the
 * rootfs's own file system.  Each run keeps one key per block of entries in
 * memory, so a lookup reads one block.  Lookups only happen while a
 * whiteout or opaque marker removes what lower layers left. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layer-internal.h"
#include "record.h"
#include "util.h"

/* Entries per block of a run. */
#define RUN_BLOCK 64

size_t layer_written_mem_max = 16384;

/* ---- path sets ---- */

static uint64_t
str_hash (const char *s)
{
  uint64_t h = 1469598103934665603ULL;

  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static size_t
path_set_slot (const struct path_set *s, const char *path)
{
  size_t i = (size_t)str_hash (path) & (s->cap - 1);

  while (s->slots[i] && strcmp (s->slots[i], path) != 0)
    i = (i + 1) & (s->cap - 1);
  return i;
}

bool
path_set_has (const struct path_set *s, const char *path)
{
  return s->cap > 0 && s->slots[path_set_slot (s, path)] != NULL;
}

bool
path_set_get (const struct path_set *s, const char *path, size_t *val)
{
  size_t i;

  if (s->cap == 0)
    return false;
  i = path_set_slot (s, path);
  if (s->slots[i] == NULL)
    return false;
  *val = s->vals[i];
  return true;
}

void
path_set_put (struct path_set *s, const char *path, size_t val)
{
  size_t i;

  if ((s->len + 1) * 2 > s->cap)
    {
      struct path_set bigger = { NULL, NULL, s->cap ? s->cap * 2 : 256, 0 };

      bigger.slots = xzalloc (bigger.cap * sizeof (char *));
      bigger.vals = xzalloc (bigger.cap * sizeof (size_t));
      for (i = 0; i < s->cap; i++)
        if (s->slots[i])
          {
            size_t j = path_set_slot (&bigger, s->slots[i]);
            bigger.slots[j] = s->slots[i];
            bigger.vals[j] = s->vals[i];
            bigger.len++;
          }
      free (s->slots);
      free (s->vals);
      *s = bigger;
    }
  i = path_set_slot (s, path);
  if (s->slots[i] == NULL)
    {
      s->slots[i] = xstrdup (path);
      s->len++;
    }
  s->vals[i] = val;
}

void
path_set_add (struct path_set *s, const char *path)
{
  path_set_put (s, path, 0);
}

void
path_set_clear (struct path_set *s)
{
  size_t i;

  for (i = 0; i < s->cap; i++)
    free (s->slots[i]);
  free (s->slots);
  free (s->vals);
  memset (s, 0, sizeof (*s));
}

/* ---- the written set ---- */

struct written_run
{
  off_t off, end;   /* its bytes in the spill file */
  char **keys;      /* the first path of each block */
  off_t *block_off; /* where each block starts */
  size_t nblocks;
};

static int
key_cmp (const void *a, const void *b)
{
  return img_path_cmp (*(char *const *)a, *(char *const *)b);
}

static bool
write_all (int fd, const char *p, size_t n, off_t off)
{
  while (n > 0)
    {
      ssize_t w = pwrite (fd, p, n, off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return false;
      p += w;
      n -= (size_t)w;
      off += w;
    }
  return true;
}

static int
spill_open (int rootfd)
{
  const char *tmp = getenv ("TMPDIR");
  int fd = openat (rootfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

  if (fd < 0)
    fd = open (tmp && *tmp ? tmp : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  return fd;
}

/* The in-memory written paths go to a new run (their ancestors are
 * found there as prefixes).  A
 * failure to spill (no O_TMPFILE, a full disk) keeps them in memory. */
static void
written_spill (struct written_set *w)
{
  size_t n = 0, i, cap = w->mem.len, total, used;
  cleanup_free char **v = NULL;
  cleanup_free char *buf = NULL;
  struct written_run *r;
  off_t off;

  if (w->fd == -1)
    w->fd = spill_open (w->rootfd);
  if (w->fd < 0)
    {
      w->fd = -2; /* do not try again */
      return;
    }
  v = xmalloc ((cap ? cap : 1) * sizeof (char *));
  /* Written paths only: an ancestor is a prefix of one of them. */
  for (i = 0; i < w->mem.cap; i++)
    if (w->mem.slots[i] && w->mem.vals[i] == 0)
      v[n++] = w->mem.slots[i];
  qsort (v, n, sizeof (char *), key_cmp);
  w->runs = xrealloc (w->runs, (w->nruns + 1) * sizeof (*w->runs));
  r = &w->runs[w->nruns];
  memset (r, 0, sizeof (*r));
  r->keys = xmalloc ((n / RUN_BLOCK + 1) * sizeof (char *));
  r->block_off = xmalloc ((n / RUN_BLOCK + 1) * sizeof (off_t));
  /* One write for the run (its size is about what the set held). */
  for (i = 0, total = 0; i < n; i++)
    total += strlen (v[i]) + 1;
  buf = xmalloc (total ? total : 1);
  off = r->off = w->size;
  for (i = 0, used = 0; i < n; i++)
    {
      size_t len = strlen (v[i]) + 1;

      if (i % RUN_BLOCK == 0)
        {
          r->keys[r->nblocks] = xstrdup (v[i]);
          r->block_off[r->nblocks++] = off + (off_t)used;
        }
      memcpy (buf + used, v[i], len);
      used += len;
    }
  if (!write_all (w->fd, buf, used, off))
    {
      while (r->nblocks)
        free (r->keys[--r->nblocks]);
      free (r->keys);
      free (r->block_off);
      return; /* kept in memory */
    }
  off += (off_t)used;
  r->end = w->size = off;
  w->nruns++;
  path_set_clear (&w->mem);
}

void
written_add (struct written_set *w, const char *path)
{
  cleanup_free char *p = xstrdup (path);
  char *slash;

  path_set_put (&w->mem, p, 0);
  /* Value 1: an ancestor only.  One already here has its own ancestors. */
  while ((slash = strrchr (p, '/')) != NULL)
    {
      *slash = '\0';
      if (path_set_has (&w->mem, p))
        break;
      path_set_put (&w->mem, p, 1);
    }
  if (w->mem.len >= layer_written_mem_max && w->fd != -2)
    written_spill (w);
}

/* In run r: 1 if path is in it (exact: a path written; prefix: a path
 * below it was written), 0 if not, -1 on a read error. */
static int
run_find (const struct written_set *w, const struct written_run *r, const char *path, bool exact)
{
  size_t lo = 0, hi = r->nblocks, b, plen = strlen (path);
  cleanup_free char *buf = NULL;
  off_t from, to;
  char *p;

  /* The last block whose first key is <= path. */
  while (lo < hi)
    {
      size_t mid = (lo + hi) / 2;
      if (img_path_cmp (r->keys[mid], path) <= 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    {
      /* Every key is greater: only a prefix match on the first key. */
      return !exact && r->nblocks > 0 && strncmp (r->keys[0], path, plen) == 0 && r->keys[0][plen] == '/';
    }
  b = lo - 1;
  from = r->block_off[b];
  to = b + 1 < r->nblocks ? r->block_off[b + 1] : r->end;
  buf = xmalloc ((size_t)(to - from) + 1);
  if (pread (w->fd, buf, (size_t)(to - from), from) != to - from)
    return -1;
  buf[to - from] = '\0';
  for (p = buf; p < buf + (to - from); p += strlen (p) + 1)
    {
      int c = img_path_cmp (p, path);
      if (c == 0)
        return 1;
      if (c > 0)
        return !exact && strncmp (p, path, plen) == 0 && p[plen] == '/';
    }
  /* Past the block: the next block's first key. */
  if (!exact && b + 1 < r->nblocks)
    return strncmp (r->keys[b + 1], path, plen) == 0 && r->keys[b + 1][plen] == '/';
  return 0;
}

static bool
written_find (const struct written_set *w, const char *path, bool exact)
{
  size_t v, i;

  if (path_set_get (&w->mem, path, &v) && (!exact || v == 0))
    return true;
  for (i = 0; i < w->nruns; i++)
    {
      int k = run_find (w, &w->runs[i], path, exact);
      /* A run that cannot be read: assume written, the safe side (the
       * entry stays). */
      if (k != 0)
        return true;
    }
  return false;
}

bool
written_has (const struct written_set *w, const char *path)
{
  return written_find (w, path, true);
}

bool
written_has_below (const struct written_set *w, const char *path)
{
  return written_find (w, path, false);
}

void
written_clear (struct written_set *w)
{
  size_t i;

  path_set_clear (&w->mem);
  for (i = 0; i < w->nruns; i++)
    {
      while (w->runs[i].nblocks)
        free (w->runs[i].keys[--w->runs[i].nblocks]);
      free (w->runs[i].keys);
      free (w->runs[i].block_off);
    }
  free (w->runs);
  w->runs = NULL;
  w->nruns = 0;
  w->size = 0;
  if (w->fd >= 0)
    close (w->fd);
  w->fd = -1;
}
