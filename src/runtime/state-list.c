/* berth - `berth list`: every container under the state root in one pass.
 *
 * With a thousand containers the cost is almost all system calls, so each
 * container costs one fstatat (its directory: owner, not a symlink), one
 * openat2 + read + close of state.json, and nothing else while its recorded
 * pid is not a live process.  Liveness: one scan of /proc, made after every
 * state.json was read (a pid recorded later than the scan cannot be missed),
 * rules out the dead pids; a pid the scan saw still goes through
 * state_process_alive's start-time check, so a reused pid shows "stopped".
 *
 * From LIST_CACHE_MIN containers on, <root>/.berth-list keeps the text of
 * each state.json with the inode and ctime of its directory: a container
 * whose directory is unchanged costs the fstatat alone.  Every state.json
 * update is a rename into that directory, which moves its ctime; an entry is
 * only kept once its ctime is LIST_CACHE_SETTLE seconds old (as git treats
 * "racily clean" files), so that two updates within one timestamp tick
 * cannot look like none.  The owner and the status are never cached. */
#include <config.h>

#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Below this many recorded pids, reading /proc/PID/stat for each is
 * cheaper than listing /proc. */
#define PROC_SCAN_MIN 16

#define LIST_CACHE ".berth-list"
#define LIST_CACHE_MAGIC "berth list cache 2\n"
#define LIST_CACHE_MIN 64
#define LIST_CACHE_SETTLE 2

struct pidset
{
  pid_t *v;
  size_t n;
};

struct cache_entry
{
  const char *id; /* not NUL-terminated */
  size_t id_len;
  unsigned long long ino;
  long long sec;
  long nsec;
  const char *data; /* the fields list needs, as cache_encode writes them */
  size_t len;
  char *own; /* data when it is not in the cache file's text */
};

struct list_cache
{
  char *map; /* the cache file's text */
  size_t map_len, map_alloc;
  struct cache_entry *v;    /* its entries, sorted by id */
  size_t n, next;           /* next: where the (sorted) lookup resumes */
  struct cache_entry *keep; /* what the next cache holds */
  size_t nkeep;
  bool dirty;
};

static int
cmp_pid (const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return x < y ? -1 : x > y;
}

/* The processes (thread-group leaders) /proc shows now; false if /proc
 * cannot be listed (then nothing is ruled out). */
static bool
pidset_scan (struct pidset *ps)
{
  int fd = open ("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;
  size_t cap = 0;

  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return false;
    }
  while ((de = readdir (d)) != NULL)
    {
      char *end;
      long pid;
      if (de->d_name[0] < '1' || de->d_name[0] > '9')
        continue;
      pid = strtol (de->d_name, &end, 10);
      if (*end != '\0' || pid <= 0)
        continue;
      if (ps->n == cap)
        {
          cap = cap ? cap * 2 : 512;
          ps->v = xrealloc (ps->v, cap * sizeof (pid_t));
        }
      ps->v[ps->n++] = (pid_t)pid;
    }
  closedir (d);
  qsort (ps->v, ps->n, sizeof (pid_t), cmp_pid);
  return true;
}

static bool
pidset_has (pid_t pid, void *data)
{
  const struct pidset *ps = data;
  return bsearch (&pid, ps->v, ps->n, sizeof (pid_t), cmp_pid) != NULL;
}

/* The whole cache, or an empty one when it is missing or malformed.  Read,
 * not mapped (a file truncated under a mapping is a SIGBUS), into memory
 * populated in one call rather than page fault by page fault. */
static void
cache_load (int rootfd, struct list_cache *c, size_t count)
{
  cleanup_close int fd = openat (rootfd, LIST_CACHE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  const size_t magic = sizeof (LIST_CACHE_MAGIC) - 1;
  size_t cap = 0;
  struct stat sb;
  const char *p, *end;
  void *m;

  memset (c, 0, sizeof (*c));
  c->keep = xmalloc (count * sizeof (*c->keep));
  if (fd < 0 || fstat (fd, &sb) < 0 || !S_ISREG (sb.st_mode) || sb.st_size <= (off_t)magic
      || sb.st_size > (256 << 20))
    return;
  m = mmap (NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1,
            0);
  if (m == MAP_FAILED)
    return;
  c->map = m;
  c->map_alloc = (size_t)sb.st_size;
  while (c->map_len < c->map_alloc)
    {
      ssize_t r = read (fd, c->map + c->map_len, c->map_alloc - c->map_len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      c->map_len += (size_t)r;
    }
  if (c->map_len <= magic)
    goto bad;
  if (memcmp (c->map, LIST_CACHE_MAGIC, magic) != 0)
    goto bad;
  p = c->map + magic;
  end = c->map + c->map_len;
  /* "ID INO SEC NSEC LEN\n" JSON "\n", strictly sorted by id */
  while (p < end)
    {
      struct cache_entry e = { 0 };
      unsigned long long v[4];
      const char *sp = memchr (p, ' ', (size_t)(end - p));
      int i;
      if (sp == NULL || sp == p)
        goto bad;
      e.id = p;
      e.id_len = (size_t)(sp - p);
      p = sp;
      for (i = 0; i < 4; i++)
        {
          v[i] = 0;
          if (p >= end || *p++ != ' ' || p >= end || *p < '0' || *p > '9')
            goto bad;
          while (p < end && *p >= '0' && *p <= '9' && v[i] < (1ULL << 60))
            v[i] = v[i] * 10 + (unsigned long long)(*p++ - '0');
        }
      e.ino = v[0];
      e.sec = (long long)v[1];
      e.nsec = (long)v[2];
      e.len = v[3];
      if (p >= end || *p != '\n' || e.len >= (size_t)(end - p - 1) || p[1 + e.len] != '\n')
        goto bad;
      e.data = p + 1;
      p += e.len + 2;
      if (c->n > 0)
        {
          const struct cache_entry *l = &c->v[c->n - 1];
          int d = memcmp (l->id, e.id, l->id_len < e.id_len ? l->id_len : e.id_len);
          if (d > 0 || (d == 0 && l->id_len >= e.id_len))
            goto bad;
        }
      if (c->n == cap)
        {
          cap = cap ? cap * 2 : count + 16;
          c->v = xrealloc (c->v, cap * sizeof (*c->v));
        }
      c->v[c->n++] = e;
    }
  return;

bad:
  c->n = 0;
  c->dirty = true;
}

static int
cmp_id (const struct cache_entry *e, const char *id, size_t len)
{
  int d = memcmp (e->id, id, e->id_len < len ? e->id_len : len);
  return d ? d : (e->id_len > len) - (e->id_len < len);
}

/* The entry for id if it is still valid for the directory sb describes;
 * ids are asked for in sorted order, as the cache keeps them. */
static const struct cache_entry *
cache_find (struct list_cache *c, const char *id, const struct stat *sb)
{
  size_t len = strlen (id);

  while (c->next < c->n)
    {
      const struct cache_entry *e = &c->v[c->next];
      int d = cmp_id (e, id, len);
      if (d > 0)
        return NULL;
      c->next++;
      if (d < 0)
        {
          c->dirty = true; /* a container that is gone */
          continue;
        }
      if (e->ino == (unsigned long long)sb->st_ino && e->sec == (long long)sb->st_ctim.tv_sec
          && e->nsec == sb->st_ctim.tv_nsec)
        return e;
      c->dirty = true;
      return NULL;
    }
  return NULL;
}

/* An entry's data: "PID PID_START FLAGS NANN\n", then bundle, rootfs,
 * created, config_path, cgroup_path, cgroup_scope and NANN annotation
 * key/value pairs, each as "LEN:" and LEN bytes.  No JSON parser on the hot
 * path, no escaping: any byte may be in a string. */
static char *
cache_encode (const struct container_state *st, size_t *len)
{
  const char *strs[6]
    = { st->bundle, st->rootfs, st->created, st->config_path, st->cgroup_path, st->cgroup_scope };
  size_t i, cap = 64, n;
  char *out;

  for (i = 0; i < 6; i++)
    cap += (strs[i] ? strlen (strs[i]) : 0) + 24;
  for (i = 0; i < st->ann_len; i++)
    cap += strlen (st->ann_keys[i]) + strlen (st->ann_values[i]) + 48;
  out = xmalloc (cap);
  n = (size_t)snprintf (out, cap, "%d %llu %d %zu\n", (int)st->pid, st->pid_start,
                        (st->own_pidns ? 1 : 0) | (st->paused ? 2 : 0) | (st->cgroup_owned ? 4 : 0)
                          | (int)(st->cgroup_made < 4096 ? st->cgroup_made << 3 : 0),
                        st->ann_len);
  for (i = 0; i < 6 + 2 * st->ann_len; i++)
    {
      const char *v
        = i < 6 ? strs[i] : (i % 2 == 0 ? st->ann_keys[(i - 6) / 2] : st->ann_values[(i - 6) / 2]);
      size_t l = v ? strlen (v) : 0;
      n += (size_t)snprintf (out + n, cap - n, "%zu:", l);
      memcpy (out + n, v ? v : "", l);
      n += l;
    }
  *len = n;
  return out;
}

static bool
take_num (const char **p, const char *end, char sep, unsigned long long *v)
{
  const char *q = *p;

  *v = 0;
  if (q >= end || *q < '0' || *q > '9')
    return false;
  while (q < end && *q >= '0' && *q <= '9' && *v < (1ULL << 60))
    *v = *v * 10 + (unsigned long long)(*q++ - '0');
  if (q >= end || *q != sep)
    return false;
  *p = q + 1;
  return true;
}

static bool
take_str (const char **p, const char *end, char **out)
{
  unsigned long long l;

  if (!take_num (p, end, ':', &l) || l > (unsigned long long)(end - *p))
    return false;
  *out = xstrndup (*p, (size_t)l);
  *p += l;
  return true;
}

/* The fields of st (id and owner already set) from an entry's data. */
static bool
cache_decode (const char *data, size_t len, struct container_state *st)
{
  const char *p = data, *end = data + len;
  struct container_state t = { 0 };
  char **strs[6] = { &t.bundle, &t.rootfs, &t.created, &t.config_path, &t.cgroup_path, &t.cgroup_scope };
  unsigned long long pid, start, flags, nann;
  size_t i;

  if (!take_num (&p, end, ' ', &pid) || !take_num (&p, end, ' ', &start) || !take_num (&p, end, ' ', &flags)
      || !take_num (&p, end, '\n', &nann) || pid > INT32_MAX || nann > len)
    return false;
  if (nann > 0)
    {
      t.ann_keys = xzalloc ((nann + 1) * sizeof (char *));
      t.ann_values = xzalloc ((nann + 1) * sizeof (char *));
    }
  for (i = 0; i < 6; i++)
    if (!take_str (&p, end, strs[i]))
      goto bad;
  for (t.ann_len = 0; t.ann_len < nann; t.ann_len++)
    if (!take_str (&p, end, &t.ann_keys[t.ann_len]) || !take_str (&p, end, &t.ann_values[t.ann_len]))
      goto bad;
  if (p != end)
    goto bad;
  t.id = st->id;
  t.owner = st->owner;
  t.pid = (pid_t)pid;
  t.pid_start = start;
  t.own_pidns = flags & 1;
  t.paused = flags & 2;
  t.cgroup_owned = flags & 4;
  t.cgroup_made = (size_t)(flags >> 3);
  *st = t;
  return true;

bad:
  /* a key without its value */
  if (t.ann_len < nann && t.ann_keys[t.ann_len])
    t.ann_len++;
  state_clear (&t);
  return false;
}

/* Keep id's entry for the next cache (own: data to free). */
static void
cache_keep (struct list_cache *c, const char *id, const struct stat *sb, const char *json, size_t len,
            char *own)
{
  struct cache_entry *e = &c->keep[c->nkeep++];

  e->id = id;
  e->id_len = strlen (id);
  e->ino = (unsigned long long)sb->st_ino;
  e->sec = (long long)sb->st_ctim.tv_sec;
  e->nsec = sb->st_ctim.tv_nsec;
  e->data = json;
  e->len = len;
  e->own = own;
}

static void
cache_write (int rootfd, const struct list_cache *c)
{
  berr_t *ignored = NULL;
  cleanup_free char *data = NULL;
  size_t i, len = sizeof (LIST_CACHE_MAGIC) - 1, cap = len;

  for (i = 0; i < c->nkeep; i++)
    cap += c->keep[i].id_len + c->keep[i].len + 96;
  data = xmalloc (cap);
  memcpy (data, LIST_CACHE_MAGIC, len);
  for (i = 0; i < c->nkeep; i++)
    {
      const struct cache_entry *e = &c->keep[i];
      /* An id is [a-zA-Z0-9][a-zA-Z0-9_+.-]*, but a directory made by hand
       * might not be: such a name is simply not cached. */
      if (memchr (e->id, ' ', e->id_len) || memchr (e->id, '\n', e->id_len) || e->sec < 0 || e->nsec < 0)
        continue;
      memcpy (data + len, e->id, e->id_len);
      len += e->id_len;
      len
        += (size_t)snprintf (data + len, cap - len, " %llu %lld %ld %zu\n", e->ino, e->sec, e->nsec, e->len);
      memcpy (data + len, e->data, e->len);
      len += e->len;
      data[len++] = '\n';
    }
  /* A root we may read but not write is no error: the next list reads the
   * state files again. */
  util_write_file_atomic_at (rootfd, LIST_CACHE, data, len, 0600, &ignored);
  berr_free (ignored);
}

static void
cache_finish (int rootfd, struct list_cache *c)
{
  size_t i;

  if (c->next < c->n)
    c->dirty = true;
  if (c->dirty)
    cache_write (rootfd, c);
  for (i = 0; i < c->nkeep; i++)
    free (c->keep[i].own);
  free (c->keep);
  free (c->v);
  if (c->map)
    munmap (c->map, c->map_alloc);
}

static int
open_state_file (int rootfd, const char *id)
{
  static bool no_openat2;
  struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
                          .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  char path[1100 + sizeof (STATE_FILE)];
  cleanup_close int dirfd = -1;
  int fd;

  if (!no_openat2)
    {
      snprintf (path, sizeof (path), "%s/" STATE_FILE, id);
      fd = (int)syscall (SYS_openat2, rootfd, path, &how, sizeof (how));
      if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
        return fd;
      no_openat2 = true;
    }
  dirfd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0)
    return -1;
  return openat (dirfd, STATE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}

/* state.json into buf, or into *heap when it does not fit; -1 with errno. */
static ssize_t
read_state_file (int rootfd, const char *id, char *buf, size_t size, char **heap)
{
  cleanup_close int fd = open_state_file (rootfd, id);
  size_t n = 0, cap = size;
  char *p = buf;

  if (fd < 0)
    return -1;
  for (;;)
    {
      ssize_t r = read (fd, p + n, cap - n - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      n += (size_t)r;
      /* state.json is a regular file replaced by rename, never written in
       * place: a short read is its end, no need for a read that returns 0. */
      if (r == 0 || n < cap - 1)
        break;
      cap *= 2;
      if (p == buf)
        {
          *heap = xmalloc (cap);
          memcpy (*heap, buf, n);
        }
      else
        *heap = xrealloc (*heap, cap);
      p = *heap;
    }
  p[n] = '\0';
  return (ssize_t)n;
}

/* 1: loaded; 0: gone or not a container directory (skip it). */
static int
load_one (int rootfd, const char *id, struct list_cache *c, time_t settled, struct container_state *st,
          berr_t **err)
{
  cleanup_free char *heap = NULL;
  const struct cache_entry *e;
  char buf[8192];
  struct stat sb;
  ssize_t n;

  if (fstatat (rootfd, id, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (sb.st_mode))
    return 0;
  memset (st, 0, sizeof (*st));
  st->id = xstrdup (id);
  st->owner = state_owner_name (sb.st_uid);
  e = c->keep ? cache_find (c, id, &sb) : NULL;
  if (e && cache_decode (e->data, e->len, st))
    {
      cache_keep (c, st->id, &sb, e->data, e->len, NULL);
      return 1;
    }
  if (e)
    c->dirty = true;
  n = read_state_file (rootfd, id, buf, sizeof (buf), &heap);
  if (n < 0)
    /* No state.json yet: a container being created (as state_read says). */
    return errno == ENOENT ? 1 : 0;
  if (state_parse (heap ? heap : buf, (size_t)n, id, st, err) < 0)
    return -1;
  if (c->keep && sb.st_ctim.tv_sec < settled && st->pid >= 0)
    {
      size_t len;
      char *data = cache_encode (st, &len);
      cache_keep (c, st->id, &sb, data, len, data);
      c->dirty = true;
    }
  return 1;
}

int
state_list_load (int rootfd, struct container_state **sts, enum container_status **ss, size_t *n,
                 berr_t **err)
{
  cleanup_strv char **ids = NULL;
  struct pidset live = { NULL, 0 };
  struct list_cache cache;
  struct timespec now;
  bool scanned = false;
  size_t len, i, k = 0, pids = 0;

  *sts = NULL;
  *ss = NULL;
  *n = 0;
  if (state_list_ids (rootfd, &ids, &len, err) < 0)
    return -1;
  if (len == 0)
    {
      unlinkat (rootfd, LIST_CACHE, 0);
      return 0;
    }
  *sts = xzalloc (len * sizeof (**sts));
  *ss = xzalloc (len * sizeof (**ss));
  clock_gettime (CLOCK_REALTIME, &now);
  if (len >= LIST_CACHE_MIN)
    cache_load (rootfd, &cache, len);
  else
    {
      /* Too few to be worth it: leave no stale cache behind either. */
      memset (&cache, 0, sizeof (cache));
      unlinkat (rootfd, LIST_CACHE, 0);
    }
  for (i = 0; i < len; i++)
    {
      berr_t *ignored = NULL;
      int r = load_one (rootfd, ids[i], &cache, now.tv_sec - LIST_CACHE_SETTLE, &(*sts)[k], &ignored);
      /* A corrupt state.json hides that container, as runc does. */
      if (r < 0)
        state_clear (&(*sts)[k]);
      else if (r > 0)
        pids += (*sts)[k++].pid > 0;
      berr_free (ignored);
    }
  if (cache.keep)
    cache_finish (rootfd, &cache);
  if (pids >= PROC_SCAN_MIN)
    scanned = pidset_scan (&live);
  for (i = 0; i < k; i++)
    {
      char fifo[1100 + sizeof (STATE_EXEC_FIFO)];
      snprintf (fifo, sizeof (fifo), "%s/" STATE_EXEC_FIFO, (*sts)[i].id);
      (*ss)[i] = state_status_at (rootfd, fifo, &(*sts)[i], scanned ? pidset_has : NULL, &live);
    }
  free (live.v);
  *n = k;
  return 0;
}

void
state_list_free (struct container_state *sts, enum container_status *ss, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    state_clear (&sts[i]);
  free (sts);
  free (ss);
}
