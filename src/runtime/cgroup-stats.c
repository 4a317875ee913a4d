/* berth - cgroup v2 statistics in the layout of runc's `events --stats`.
 *
 * containerd (`ctr task metrics`, through go-runc) and podman decode the
 * "data" object of runc's events with runc's own Go types (runc's
 * types/events.go), so the object is that one, field for field: the same
 * names, nanoseconds for cpu (cpu.stat's *_usec times 1000), bytes for
 * memory, Go's encoding rules (a field tagged omitempty is left out when
 * zero, map keys sorted, "network_interfaces" null).  The cgroup v2 files
 * map to runc's fields the way runc's fs2 driver maps them: swap is
 * reported as memory+swap (cgroup v1's meaning), pids.max "max" as limit 0,
 * io.stat as the v1 blkio tables.  Controllers that are not enabled leave
 * their part zero, as in runc. */
#include <config.h>

#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "cleanup.h"
#include "util.h"

/* ---- reading ----------------------------------------------------------- */

/* A cgroup value: "max" is UINT64_MAX, a negative number 0 (as runc). */
static int
parse_u64 (const char *s, uint64_t *v)
{
  char *end;

  if (strncmp (s, "max", 3) == 0 && (s[3] == '\0' || s[3] == '\n'))
    {
      *v = UINT64_MAX;
      return 0;
    }
  errno = 0;
  if (*s == '-')
    {
      strtoll (s, &end, 10);
      *v = 0;
    }
  else
    *v = strtoull (s, &end, 10);
  if (errno != 0 || end == s || (*end != '\0' && *end != '\n' && *end != ' '))
    return -1;
  return 0;
}

/* The whole file, or NULL with *missing set when it does not exist. */
static char *
read_cg_file (int dirfd, const char *file, bool *missing, berr_t **err)
{
  cleanup_berr berr_t *e = NULL;
  char *data = NULL;

  *missing = false;
  if (util_read_file_at (dirfd, file, &data, NULL, &e) == 0)
    return data;
  if (e->status == ENOENT)
    *missing = true;
  else
    berr_make (err, e->status, "read '%s'", file);
  return NULL;
}

/* 1: read, 0: the file does not exist (*v = 0), -1: error. */
static int
read_u64 (int dirfd, const char *file, uint64_t *v, berr_t **err)
{
  cleanup_free char *data = NULL;
  bool missing;

  *v = 0;
  data = read_cg_file (dirfd, file, &missing, err);
  if (data == NULL)
    return missing ? 0 : -1;
  if (parse_u64 (data, v) < 0)
    return berr_make (err, 0, "'%s': not a number: '%.32s'", file, data);
  return 1;
}

typedef void (*kv_fn) (const char *key, uint64_t v, void *data);

/* A flat-keyed file ("key value" lines): fn for every line.  1: read,
 * 0: missing, -1: error. */
static int
read_keyed (int dirfd, const char *file, kv_fn fn, void *data, berr_t **err)
{
  cleanup_free char *text = NULL;
  char *line, *save = NULL;
  bool missing;

  text = read_cg_file (dirfd, file, &missing, err);
  if (text == NULL)
    return missing ? 0 : -1;
  for (line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *sp = strchr (line, ' ');
      uint64_t v;

      if (sp == NULL || parse_u64 (sp + 1, &v) < 0)
        return berr_make (err, 0, "'%s': bad line '%s'", file, line);
      *sp = '\0';
      fn (line, v, data);
    }
  return 1;
}

struct kv_find
{
  const char *key;
  uint64_t v;
  bool found;
};

static void
kv_find_fn (const char *key, uint64_t v, void *data)
{
  struct kv_find *f = data;
  if (strcmp (key, f->key) == 0)
    {
      f->v = v;
      f->found = true;
    }
}

/* ---- generating -------------------------------------------------------- */

static void
gen_key (yajl_gen g, const char *k)
{
  yajl_gen_string (g, (const unsigned char *)k, strlen (k));
}

static void
gen_u64 (yajl_gen g, uint64_t v)
{
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%" PRIu64, v);
  yajl_gen_number (g, buf, (size_t)n);
}

static void
gen_field (yajl_gen g, const char *k, uint64_t v)
{
  gen_key (g, k);
  gen_u64 (g, v);
}

/* Go's omitempty: a zero is left out. */
static void
gen_field_nz (yajl_gen g, const char *k, uint64_t v)
{
  if (v != 0)
    gen_field (g, k, v);
}

/* ---- cpu --------------------------------------------------------------- */

struct cpu_stat
{
  uint64_t usage, user, system, periods, throttled, throttled_usec;
};

static void
cpu_fn (const char *key, uint64_t v, void *data)
{
  struct cpu_stat *c = data;

  if (strcmp (key, "usage_usec") == 0)
    c->usage = v;
  else if (strcmp (key, "user_usec") == 0)
    c->user = v;
  else if (strcmp (key, "system_usec") == 0)
    c->system = v;
  else if (strcmp (key, "nr_periods") == 0)
    c->periods = v;
  else if (strcmp (key, "nr_throttled") == 0)
    c->throttled = v;
  else if (strcmp (key, "throttled_usec") == 0)
    c->throttled_usec = v;
}

/* cpu.stat exists without the cpu controller too (the usage lines only). */
static int
gen_cpu (yajl_gen g, int dirfd, berr_t **err)
{
  struct cpu_stat c = { 0 };

  if (read_keyed (dirfd, "cpu.stat", cpu_fn, &c, err) < 0)
    return -1;
  gen_key (g, "cpu");
  yajl_gen_map_open (g);
  gen_key (g, "usage");
  yajl_gen_map_open (g);
  gen_field_nz (g, "total", c.usage * 1000);
  gen_field (g, "kernel", c.system * 1000);
  gen_field (g, "user", c.user * 1000);
  yajl_gen_map_close (g);
  gen_key (g, "throttling");
  yajl_gen_map_open (g);
  gen_field_nz (g, "periods", c.periods);
  gen_field_nz (g, "throttledPeriods", c.throttled);
  gen_field_nz (g, "throttledTime", c.throttled_usec * 1000);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  return 0;
}

/* runc fills cpuset statistics from cgroup v1 files only: on v2 the
 * object has its non-omitempty fields, all zero. */
static void
gen_cpuset (yajl_gen g)
{
  static const char *const fields[] = { "cpu_exclusive",
                                        "mem_hardwall",
                                        "mem_exclusive",
                                        "memory_migrate",
                                        "memory_spread_page",
                                        "memory_spread_slab",
                                        "memory_pressure",
                                        "sched_load_balance",
                                        "sched_relax_domain_level",
                                        NULL };
  const char *const *f;

  gen_key (g, "cpuset");
  yajl_gen_map_open (g);
  for (f = fields; *f; f++)
    gen_field (g, *f, 0);
  yajl_gen_map_close (g);
}

/* ---- memory ------------------------------------------------------------ */

struct kv_list
{
  char **keys;
  uint64_t *vals;
  size_t n, cap;
};

static void
kv_list_fn (const char *key, uint64_t v, void *data)
{
  struct kv_list *l = data;

  if (l->n == l->cap)
    {
      l->cap = l->cap ? l->cap * 2 : 64;
      l->keys = xrealloc (l->keys, l->cap * sizeof (char *));
      l->vals = xrealloc (l->vals, l->cap * sizeof (uint64_t));
    }
  l->keys[l->n] = xstrdup (key);
  l->vals[l->n++] = v;
}

static void
kv_list_free (struct kv_list *l)
{
  size_t i;

  for (i = 0; i < l->n; i++)
    free (l->keys[i]);
  free (l->keys);
  free (l->vals);
}

struct mem_entry
{
  uint64_t limit, usage, max;
};

static void
gen_mem_entry (yajl_gen g, const char *key, const struct mem_entry *m)
{
  gen_key (g, key);
  yajl_gen_map_open (g);
  gen_field (g, "limit", m->limit);
  gen_field_nz (g, "usage", m->usage);
  gen_field_nz (g, "max", m->max);
  gen_field (g, "failcnt", 0); /* cgroup v2 has no failcnt */
  yajl_gen_map_close (g);
}

/* memory.<name>.current, .max and .peak (peak: Linux 5.19+, swap 6.5+). */
static int
read_mem_entry (int dirfd, const char *name, struct mem_entry *m, berr_t **err)
{
  char cur[64], max[64], peak[64];
  int r;

  snprintf (cur, sizeof (cur), "memory%s%s.current", *name ? "." : "", name);
  snprintf (max, sizeof (max), "memory%s%s.max", *name ? "." : "", name);
  snprintf (peak, sizeof (peak), "memory%s%s.peak", *name ? "." : "", name);
  r = read_u64 (dirfd, cur, &m->usage, err);
  if (r <= 0)
    return r;
  if (read_u64 (dirfd, max, &m->limit, err) < 0 || read_u64 (dirfd, peak, &m->max, err) < 0)
    return -1;
  return 1;
}

static int
cmp_idx_key (const void *a, const void *b, void *keys)
{
  char **k = keys;
  return strcmp (k[*(const size_t *)a], k[*(const size_t *)b]);
}

static void
gen_raw (yajl_gen g, const struct kv_list *raw)
{
  cleanup_free size_t *idx = NULL;
  size_t i;

  if (raw->n == 0)
    return;
  idx = xmalloc (raw->n * sizeof (size_t));
  for (i = 0; i < raw->n; i++)
    idx[i] = i;
  qsort_r (idx, raw->n, sizeof (size_t), cmp_idx_key, raw->keys);
  gen_key (g, "raw");
  yajl_gen_map_open (g);
  for (i = 0; i < raw->n; i++)
    gen_field (g, raw->keys[idx[i]], raw->vals[idx[i]]);
  yajl_gen_map_close (g);
}

static int
gen_memory (yajl_gen g, int dirfd, berr_t **err)
{
  struct kv_list raw = { NULL, NULL, 0, 0 };
  struct mem_entry usage = { 0 }, swap = { 0 }, zero = { 0 };
  uint64_t cache = 0;
  size_t i;
  int r;

  r = read_keyed (dirfd, "memory.stat", kv_list_fn, &raw, err);
  if (r > 0
      && (read_mem_entry (dirfd, "", &usage, err) < 0 || read_mem_entry (dirfd, "swap", &swap, err) < 0))
    r = -1;
  if (r < 0)
    {
      kv_list_free (&raw);
      return -1;
    }
  if (r > 0)
    {
      for (i = 0; i < raw.n; i++)
        if (strcmp (raw.keys[i], "file") == 0)
          cache = raw.vals[i];
      /* cgroup v1 meaning: swap is memory+swap; its peak is unknown.  (runc
       * adds the limits modulo 2^64 when memory.max is "max"; berth keeps
       * "max".) */
      swap.usage += usage.usage;
      if (swap.limit != UINT64_MAX)
        swap.limit = usage.limit == UINT64_MAX || usage.limit > UINT64_MAX - swap.limit
                       ? UINT64_MAX
                       : swap.limit + usage.limit;
      swap.max = 0;
    }
  gen_key (g, "memory");
  yajl_gen_map_open (g);
  gen_field_nz (g, "cache", cache);
  gen_mem_entry (g, "usage", &usage);
  gen_mem_entry (g, "swap", &swap);
  gen_mem_entry (g, "kernel", &zero);
  gen_mem_entry (g, "kernelTCP", &zero);
  gen_raw (g, &raw);
  yajl_gen_map_close (g);
  kv_list_free (&raw);
  return 0;
}

/* ---- pids -------------------------------------------------------------- */

static int
gen_pids (yajl_gen g, int dirfd, berr_t **err)
{
  uint64_t current = 0, limit = 0;
  int r;

  r = read_u64 (dirfd, "pids.current", &current, err);
  if (r < 0)
    return -1;
  if (r > 0 && read_u64 (dirfd, "pids.max", &limit, err) < 0)
    return -1;
  if (r == 0)
    {
      /* No pids controller: count cgroup.procs, as runc does. */
      cleanup_free char *procs = NULL;
      bool missing;
      char *p;

      procs = read_cg_file (dirfd, "cgroup.procs", &missing, err);
      if (procs == NULL && !missing)
        return -1;
      for (p = procs; p && *p; p++)
        current += *p == '\n';
    }
  if (limit == UINT64_MAX)
    limit = 0;
  gen_key (g, "pids");
  yajl_gen_map_open (g);
  gen_field_nz (g, "current", current);
  gen_field_nz (g, "limit", limit);
  yajl_gen_map_close (g);
  return 0;
}

/* ---- blkio (io.stat) --------------------------------------------------- */

struct blk_entry
{
  uint64_t major, minor, value;
  const char *op; /* "Read" or "Write" */
};

struct blk_table
{
  struct blk_entry *v;
  size_t n, cap;
};

static void
blk_add (struct blk_table *t, uint64_t major, uint64_t minor, const char *op, uint64_t value)
{
  if (t->n == t->cap)
    {
      t->cap = t->cap ? t->cap * 2 : 8;
      t->v = xrealloc (t->v, t->cap * sizeof (*t->v));
    }
  t->v[t->n++] = (struct blk_entry){ major, minor, value, op };
}

static void
gen_blk_table (yajl_gen g, const char *key, const struct blk_table *t)
{
  size_t i;

  if (t->n == 0)
    return;
  gen_key (g, key);
  yajl_gen_array_open (g);
  for (i = 0; i < t->n; i++)
    {
      yajl_gen_map_open (g);
      gen_field_nz (g, "major", t->v[i].major);
      gen_field_nz (g, "minor", t->v[i].minor);
      gen_key (g, "op");
      yajl_gen_string (g, (const unsigned char *)t->v[i].op, strlen (t->v[i].op));
      gen_field_nz (g, "value", t->v[i].value);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

/* "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N": bytes go to
 * ioServiceBytesRecursive, ios to ioServicedRecursive (v1's tables). */
static int
parse_io_line (char *line, struct blk_table *bytes, struct blk_table *ios)
{
  char *tok, *save = NULL;
  unsigned long long major, minor;
  int n;

  tok = strtok_r (line, " ", &save);
  if (tok == NULL || sscanf (tok, "%llu:%llu%n", &major, &minor, &n) != 2 || tok[n] != '\0')
    return -1;
  while ((tok = strtok_r (NULL, " ", &save)) != NULL)
    {
      char *eq = strchr (tok, '=');
      struct blk_table *t = NULL;
      const char *op = NULL;
      uint64_t v;

      if (eq == NULL)
        continue;
      *eq = '\0';
      if (strcmp (tok, "rbytes") == 0 || strcmp (tok, "wbytes") == 0)
        t = bytes;
      else if (strcmp (tok, "rios") == 0 || strcmp (tok, "wios") == 0)
        t = ios;
      if (t == NULL)
        continue;
      op = tok[0] == 'r' ? "Read" : "Write";
      if (parse_u64 (eq + 1, &v) < 0)
        return -1;
      blk_add (t, major, minor, op, v);
    }
  return 0;
}

static int
gen_blkio (yajl_gen g, int dirfd, berr_t **err)
{
  struct blk_table bytes = { NULL, 0, 0 }, ios = { NULL, 0, 0 };
  cleanup_free char *text = NULL;
  char *line, *save = NULL;
  bool missing;
  int r = 0;

  text = read_cg_file (dirfd, "io.stat", &missing, err);
  if (text == NULL && !missing)
    return -1;
  for (line = text ? strtok_r (text, "\n", &save) : NULL; line && r == 0; line = strtok_r (NULL, "\n", &save))
    if (parse_io_line (line, &bytes, &ios) < 0)
      r = berr_make (err, 0, "'io.stat': bad line '%s'", line);
  if (r == 0)
    {
      gen_key (g, "blkio");
      yajl_gen_map_open (g);
      gen_blk_table (g, "ioServiceBytesRecursive", &bytes);
      gen_blk_table (g, "ioServicedRecursive", &ios);
      yajl_gen_map_close (g);
    }
  free (bytes.v);
  free (ios.v);
  return r;
}

/* ---- hugetlb ----------------------------------------------------------- */

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* The page sizes ("2MB", "1GB") the cgroup has hugetlb.<size>.current for:
 * the kernel's names, which are runc's keys. */
static int
hugetlb_sizes (int dirfd, char ***sizes, size_t *n, berr_t **err)
{
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;
  char **v = NULL;
  size_t len = 0;

  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return berr_make (err, errno, "list the cgroup");
    }
  while ((de = readdir (d)) != NULL)
    {
      const char *s = de->d_name;
      size_t l = strlen (s);

      if (!util_str_has_prefix (s, "hugetlb.") || !util_str_has_suffix (s, ".current") || l <= 16
          || memchr (s + 8, '.', l - 16) != NULL) /* hugetlb.2MB.rsvd.current */
        continue;
      v = xrealloc (v, (len + 2) * sizeof (char *));
      v[len++] = xstrndup (s + 8, l - 16);
      v[len] = NULL;
    }
  if (len > 1)
    qsort (v, len, sizeof (char *), cmp_str);
  *sizes = v;
  *n = len;
  return 0;
}

static int
gen_hugetlb (yajl_gen g, int dirfd, berr_t **err)
{
  cleanup_strv char **sizes = NULL;
  size_t i, n = 0;

  if (hugetlb_sizes (dirfd, &sizes, &n, err) < 0)
    return -1;
  gen_key (g, "hugetlb");
  yajl_gen_map_open (g);
  for (i = 0; i < n; i++)
    {
      cleanup_free char *cur = xasprintf ("hugetlb.%s.current", sizes[i]);
      cleanup_free char *events = xasprintf ("hugetlb.%s.events", sizes[i]);
      struct kv_find max = { "max", 0, false };
      uint64_t usage;

      if (read_u64 (dirfd, cur, &usage, err) < 0 || read_keyed (dirfd, events, kv_find_fn, &max, err) < 0)
        return -1;
      gen_key (g, sizes[i]);
      yajl_gen_map_open (g);
      gen_field_nz (g, "usage", usage);
      gen_field (g, "failcnt", max.v);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  return 0;
}

/* ---- the object -------------------------------------------------------- */

static int
gen_stats (yajl_gen g, int dirfd, berr_t **err)
{
  yajl_gen_map_open (g);
  if (gen_cpu (g, dirfd, err) < 0)
    return -1;
  gen_cpuset (g);
  if (gen_memory (g, dirfd, err) < 0 || gen_pids (g, dirfd, err) < 0 || gen_blkio (g, dirfd, err) < 0
      || gen_hugetlb (g, dirfd, err) < 0)
    return -1;
  /* Intel RDT is not managed by berth; runc has no network interfaces of
   * its own to count either (it only counts veth pairs it made). */
  gen_key (g, "intel_rdt");
  yajl_gen_map_open (g);
  yajl_gen_map_close (g);
  gen_key (g, "network_interfaces");
  yajl_gen_null (g);
  yajl_gen_map_close (g);
  return 0;
}

int
cgroup_stats_json (const struct cgroup *cg, char **json, berr_t **err)
{
  yajl_gen g;
  const unsigned char *buf;
  size_t len;
  int r;

  *json = NULL;
  if (cg->dirfd < 0)
    return berr_make (err, 0, "no cgroup%s%s%s", cg->path ? " '" : "", cg->path ? cg->path : "",
                      cg->path ? "'" : "");
  g = yajl_gen_alloc (NULL);
  r = gen_stats (g, cg->dirfd, err);
  if (r == 0 && yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
    r = berr_make (err, 0, "generate json");
  if (r == 0)
    *json = xstrndup ((const char *)buf, len);
  yajl_gen_free (g);
  if (r < 0 && cg->path)
    return berr_wrap (err, "statistics of cgroup '%s'", cg->path);
  return r;
}

long long
cgroup_oom_kills (const struct cgroup *cg)
{
  struct kv_find f = { "oom_kill", 0, false };

  if (cg->dirfd < 0 || read_keyed (cg->dirfd, "memory.events", kv_find_fn, &f, NULL) <= 0 || !f.found)
    return -1;
  return (long long)f.v;
}
