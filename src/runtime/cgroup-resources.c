/* berth - linux.resources -> cgroup v2 interface files.
 *
 * Every OCI field is mapped to the file the cgroup v2 kernel interface has
 * for it, with the conversions runc (opencontainers/cgroups fs2) and crun
 * use, so that a config means the same to berth as to them: cpu.shares to
 * cpu.weight, blkio weights to io.weight, memory+swap to memory.swap.max.
 * What v2 cannot express (realtime cpu, net_cls/net_prio, swappiness, leaf
 * weights) is an error naming the field; what runc ignores with a warning
 * (kernel memory, disableOOMKiller) is ignored with a warning.
 *
 * The whole of r is checked before the first write, so a bad config leaves
 * the cgroup untouched.  Files are opened in cg->dirfd, never created: a
 * missing file means the controller is not enabled there (or the kernel
 * lacks the feature) and the error says which. */
#include <config.h>

#include "cgroup.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

#define RES "linux.resources"
#define CPU_PERIOD_DEFAULT 100000

/* ---- writing one file ------------------------------------------------- */

static bool
controller_enabled (const struct cgroup *cg, const char *name, size_t len)
{
  cleanup_free char *list = NULL;
  berr_t *e = NULL;
  char *tok, *save = NULL;

  if (util_read_file_at (cg->dirfd, "cgroup.controllers", &list, NULL, &e) < 0)
    {
      berr_free (e);
      return true; /* cannot tell: report the file as missing */
    }
  for (tok = strtok_r (list, " \n", &save); tok; tok = strtok_r (NULL, " \n", &save))
    if (strlen (tok) == len && strncmp (tok, name, len) == 0)
      return true;
  return false;
}

/* field: the JSON path for the message; file: relative to cg->dirfd. */
static int
res_open (const struct cgroup *cg, const char *field, const char *file, berr_t **err)
{
  const char *dot = strchr (file, '.');
  size_t clen = dot ? (size_t)(dot - file) : strlen (file);
  int fd;

  /* O_APPEND: kernfs ignores the offset; in the plain files of a unit
   * test's stand-in cgroup every write then follows the previous one. */
  fd = openat (cg->dirfd, file, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return berr_make (err, errno, "%s: open %s in cgroup '%s'", field, file, cg->path);
  if (dot && strncmp (file, "cgroup", clen) != 0 && !controller_enabled (cg, file, clen))
    return berr_make (err, 0, "%s: cgroup '%s' has no %s: the %.*s controller is not enabled for it", field,
                      cg->path, file, (int)clen, file);
  return berr_make (err, 0, "%s: cgroup '%s' has no %s (not supported by this kernel)", field, cg->path,
                    file);
}

/* Returns 0 or -errno, without an error value: for callers that retry. */
static int
res_write_fd (int fd, const char *value)
{
  size_t len = strlen (value);
  cleanup_free char *line = xasprintf ("%s\n", value);
  ssize_t n;

  do
    n = write (fd, line, len + 1);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -errno;
  /* A cgroup file takes a write whole or refuses it. */
  return (size_t)n == len + 1 ? 0 : -EIO;
}

static int
res_write_errno (const struct cgroup *cg, const char *field, const char *file, const char *value, int *errno_,
                 berr_t **err)
{
  cleanup_close int fd = res_open (cg, field, file, err);
  int r;

  *errno_ = 0;
  if (fd < 0)
    return -1;
  r = res_write_fd (fd, value);
  if (r < 0)
    {
      *errno_ = -r;
      return berr_make (err, -r, "%s: write %s=%s", field, file, value);
    }
  return 0;
}

static int
res_write (const struct cgroup *cg, const char *field, const char *file, const char *value, berr_t **err)
{
  int e;

  return res_write_errno (cg, field, file, value, &e, err);
}

static bool
res_has_file (const struct cgroup *cg, const char *file)
{
  return faccessat (cg->dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* -1 "max", else the number. */
static void
fmt_max (char *buf, size_t size, int64_t v)
{
  if (v < 0)
    snprintf (buf, size, "max");
  else
    snprintf (buf, size, "%" PRId64, v);
}

/* ---- conversions ------------------------------------------------------ */

/* No libm: it is one more library for every berth start to map and
 * relocate, for this one formula.  ln(m), m in [1,2), is 2 atanh(s) with
 * s = (m-1)/(m+1) <= 1/3; e^r, |r| <= ln2/2, is its Taylor series.  Both
 * in long double, rounded to double like glibc's log2() and pow(): the
 * unit test checks every shares value against libm. */
#define LN2_L 0.693147180559945309417232121458176568L
#define LN10_L 2.302585092994045684017991454684364208L

static long double
ln_mantissa (long double m)
{
  long double s = (m - 1) / (m + 1), s2 = s * s, term = s, sum = 0;
  int k;

  for (k = 1; k < 60; k += 2)
    {
      sum += term / k;
      term *= s2;
    }
  return 2 * sum;
}

static double
log2_u64 (uint64_t x)
{
  int k = 63 - __builtin_clzll (x);

  return (double)(k + ln_mantissa ((long double)x / (long double)(1ULL << k)) / LN2_L);
}

static double
pow10_of (double e)
{
  long double y = e * LN10_L, r, term = 1, sum = 1;
  int n = (int)(y / LN2_L + (y >= 0 ? 0.5L : -0.5L)), k;

  r = y - n * LN2_L;
  for (k = 1; k < 30; k++)
    {
      term *= r / k;
      sum += term;
    }
  for (; n > 0; n--)
    sum *= 2;
  for (; n < 0; n++)
    sum /= 2;
  return (double)sum;
}

/* cgroup v1 cpu.shares is 2..262144 (default 1024), v2 cpu.weight 1..10000
 * (default 100).  runc >= 1.3 and crun map them with a quadratic in
 * log2(shares) through the three points (2,1), (1024,100),
 * (262144,10000), so that the defaults line up and the ends meet. */
uint64_t
cgroup_shares_to_weight (uint64_t shares)
{
  double l, exponent, v;
  uint64_t w;

  if (shares == 0)
    return 0;
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  l = log2_u64 (shares);
  exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  v = pow10_of (exponent);
  w = (uint64_t)v;
  return (double)w < v ? w + 1 : w;
}

/* blkio.weight 10..1000 onto io.weight 1..10000, linearly (runc). */
static uint64_t
blkio_to_io_weight (uint16_t w)
{
  return w == 0 ? 0 : 1 + ((uint64_t)w - 10) * 9999 / 990;
}

/* OCI swap is memory+swap; memory.swap.max is the swap alone.  *out is the
 * value for memory.swap.max: -1 "max", -2 nothing to write; 0 (swap ==
 * limit) turns swap off. */
static int
swap_to_v2 (const oci_linux_memory *m, int64_t *out, berr_t **err)
{
  int64_t limit = m->limit_present ? m->limit : 0;
  int64_t swap = m->swap_present ? m->swap : 0;

  /* As with v1: an unlimited memory without a swap setting is unlimited swap. */
  if (limit == -1 && swap == 0)
    *out = -1;
  else if (swap == -1)
    *out = -1;
  else if (swap == 0)
    *out = -2; /* 0 is "unset" */
  else if (limit == -1)
    *out = swap;
  else if (limit == 0)
    return berr_make (err, 0,
                      RES ".memory.swap: cannot set a swap limit without a memory limit (memory.limit)");
  else if (swap < limit)
    return berr_make (err, 0,
                      RES ".memory.swap: %" PRId64 " is below memory.limit %" PRId64
                          " (swap is the limit of memory+swap, it must be >= the memory limit)",
                      swap, limit);
  else
    *out = swap - limit;
  return 0;
}

/* ---- checks before any write ------------------------------------------ */

static int
check_bytes (const char *field, bool present, int64_t v, berr_t **err)
{
  if (present && v < -1)
    return berr_make (err, 0, RES ".memory.%s: invalid value %" PRId64 " (bytes, or -1 for no limit)", field,
                      v);
  return 0;
}

static int
check_memory (const oci_linux_memory *m, berr_t **err)
{
  int64_t swap;

  if (check_bytes ("limit", m->limit_present, m->limit, err) < 0
      || check_bytes ("reservation", m->reservation_present, m->reservation, err) < 0
      || check_bytes ("swap", m->swap_present, m->swap, err) < 0 || swap_to_v2 (m, &swap, err) < 0)
    return -1;
  if (m->swappiness_present)
    return berr_make (err, 0,
                      RES ".memory.swappiness: not supported on cgroup v2 (there is no memory.swappiness)");
  if (m->use_hierarchy_present && !m->use_hierarchy)
    return berr_make (err, 0,
                      RES ".memory.useHierarchy: cgroup v2 is always hierarchical, false is not possible");
  return 0;
}

static int
check_cpu (const oci_linux_cpu *c, berr_t **err)
{
  if (c->realtime_runtime_present && c->realtime_runtime != 0)
    return berr_make (err, 0, RES ".cpu.realtimeRuntime: not supported on cgroup v2 (no cpu.rt_runtime_us)");
  if (c->realtime_period_present && c->realtime_period != 0)
    return berr_make (err, 0, RES ".cpu.realtimePeriod: not supported on cgroup v2 (no cpu.rt_period_us)");
  return 0;
}

static int
check_weight (const char *field, uint16_t w, berr_t **err)
{
  if (w != 0 && (w < 10 || w > 1000))
    return berr_make (err, 0, RES ".blockIO.%s: %u out of range (10-1000)", field, (unsigned)w);
  return 0;
}

static int
check_devnum (const char *field, size_t i, bool maj_p, int64_t maj, bool min_p, int64_t min, berr_t **err)
{
  if (!maj_p || !min_p || maj < 0 || min < 0 || maj > UINT32_MAX || min > UINT32_MAX)
    return berr_make (err, 0, RES ".blockIO.%s[%zu]: needs a major and a minor number (>= 0)", field, i);
  return 0;
}

static int
check_throttle (const char *field, oci_linux_throttle_device **t, size_t n, berr_t **err)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      if (check_devnum (field, i, t[i]->major_present, t[i]->major, t[i]->minor_present, t[i]->minor, err)
          < 0)
        return -1;
      if (!t[i]->rate_present)
        return berr_make (err, 0, RES ".blockIO.%s[%zu]: rate is missing", field, i);
    }
  return 0;
}

static int
check_block_io (const oci_linux_block_io *b, berr_t **err)
{
  size_t i;

  if (check_weight ("weight", b->weight, err) < 0)
    return -1;
  if (b->leaf_weight_present && b->leaf_weight != 0)
    return berr_make (err, 0, RES ".blockIO.leafWeight: not supported on cgroup v2");
  for (i = 0; i < b->weight_device_len; i++)
    {
      const oci_linux_weight_device *d = b->weight_device[i];
      char f[64];

      snprintf (f, sizeof (f), "weightDevice[%zu].weight", i);
      if (check_devnum ("weightDevice", i, d->major_present, d->major, d->minor_present, d->minor, err) < 0
          || check_weight (f, d->weight, err) < 0)
        return -1;
      if (d->leaf_weight_present && d->leaf_weight != 0)
        return berr_make (err, 0, RES ".blockIO.weightDevice[%zu].leafWeight: not supported on cgroup v2", i);
    }
  if (check_throttle ("throttleReadBpsDevice", b->throttle_read_bps_device, b->throttle_read_bps_device_len,
                      err)
        < 0
      || check_throttle ("throttleWriteBpsDevice", b->throttle_write_bps_device,
                         b->throttle_write_bps_device_len, err)
           < 0
      || check_throttle ("throttleReadIOPSDevice", b->throttle_read_iops_device,
                         b->throttle_read_iops_device_len, err)
           < 0
      || check_throttle ("throttleWriteIOPSDevice", b->throttle_write_iops_device,
                         b->throttle_write_iops_device_len, err)
           < 0)
    return -1;
  return 0;
}

/* "2MB", "1GB", "64KB": the OCI page size, as the kernel names its files. */
static bool
page_size_valid (const char *s)
{
  size_t n = 0;

  while (isdigit ((unsigned char)s[n]))
    n++;
  return n > 0 && s[0] != '0' && (s[n] == 'K' || s[n] == 'M' || s[n] == 'G') && s[n + 1] == 'B'
         && s[n + 2] == 0;
}

static int
check_hugepages (oci_linux_hugepage_limit **h, size_t n, berr_t **err)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      if (h[i]->page_size == NULL || !page_size_valid (h[i]->page_size))
        return berr_make (err, 0,
                          RES ".hugepageLimits[%zu].pageSize: '%s' is not a page size like '2MB' or '1GB'", i,
                          h[i]->page_size ? h[i]->page_size : "");
      if (!h[i]->limit_present)
        return berr_make (err, 0, RES ".hugepageLimits[%zu].limit: missing", i);
    }
  return 0;
}

static int
check_rdma (const oci_linux_rdma_map *m, berr_t **err)
{
  size_t i;

  for (i = 0; i < m->len; i++)
    {
      const char *k = m->keys[i];

      if (*k == 0 || strpbrk (k, " \t\n/") != NULL)
        return berr_make (err, 0, RES ".rdma: '%s' is not an RDMA device name", k);
      if (!m->values[i]->hca_handles_present && !m->values[i]->hca_objects_present)
        return berr_make (err, 0, RES ".rdma[\"%s\"]: neither hcaHandles nor hcaObjects is set", k);
    }
  return 0;
}

/* The cgroup core's own files: berth writes them itself (procs, freezing,
 * killing), a config must not.  runc leaves this to the kernel; refusing
 * them here keeps a config from moving or freezing the container behind
 * berth's back. */
static const char *const unified_cgroup_allowed[] = {
  "cgroup.max.depth", "cgroup.max.descendants", "cgroup.subtree_control", "cgroup.pressure", NULL,
};

static int
check_unified_key (const char *k, berr_t **err)
{
  const char *dot = strchr (k, '.');
  size_t i;

  if (strchr (k, '/') != NULL)
    return berr_make (err, 0, RES ".unified: key '%s' must be a file name (no '/')", k);
  if (dot == NULL || dot == k || dot[1] == 0)
    return berr_make (err, 0, RES ".unified: key '%s' is not of the form CONTROLLER.PARAMETER", k);
  if (!util_str_has_prefix (k, "cgroup."))
    return 0;
  for (i = 0; unified_cgroup_allowed[i]; i++)
    if (strcmp (k, unified_cgroup_allowed[i]) == 0)
      return 0;
  return berr_make (err, 0, RES ".unified: key '%s' is managed by berth and cannot be set", k);
}

static int
check_resources (const oci_linux_resources *r, berr_t **err)
{
  size_t i;

  if (r->memory && check_memory (r->memory, err) < 0)
    return -1;
  if (r->cpu && check_cpu (r->cpu, err) < 0)
    return -1;
  if (r->pids && r->pids->limit_present && r->pids->limit < -1)
    return berr_make (err, 0, RES ".pids.limit: invalid value %" PRId64 " (-1 for no limit)", r->pids->limit);
  if (r->block_io && check_block_io (r->block_io, err) < 0)
    return -1;
  if (check_hugepages (r->hugepage_limits, r->hugepage_limits_len, err) < 0)
    return -1;
  if (r->rdma && check_rdma (r->rdma, err) < 0)
    return -1;
  if (r->network && (r->network->class_id_present || r->network->priorities_len > 0))
    return berr_make (err, 0,
                      RES ".network: classID and priorities need the cgroup v1 net_cls/net_prio controllers, "
                          "cgroup v2 has none");
  if (r->unified)
    for (i = 0; i < r->unified->len; i++)
      if (check_unified_key (r->unified->keys[i], err) < 0)
        return -1;
  return 0;
}

/* ---- the controllers ----------------------------------------------------- */

static int
memory_check_before_update (const struct cgroup *cg, const oci_linux_memory *m, berr_t **err)
{
  cleanup_free char *cur = NULL;
  unsigned long long usage;
  berr_t *e = NULL;
  char *end;

  /* As runc: best effort, an unreadable usage lets the update go on. */
  if (util_read_file_at (cg->dirfd, "memory.current", &cur, NULL, &e) < 0)
    {
      berr_free (e);
      return 0;
    }
  errno = 0;
  usage = strtoull (cur, &end, 10);
  if (errno != 0 || end == cur)
    return 0;
  if (m->swap_present && m->swap > 0 && (unsigned long long)m->swap <= usage)
    return berr_make (err, 0, RES ".memory.swap: rejecting memory+swap limit %" PRId64 " <= usage %llu",
                      m->swap, usage);
  if (m->limit_present && m->limit > 0 && (unsigned long long)m->limit <= usage)
    return berr_make (err, 0, RES ".memory.limit: rejecting memory limit %" PRId64 " <= usage %llu", m->limit,
                      usage);
  return 0;
}

static int
memory_apply (const struct cgroup *cg, const oci_linux_memory *m, bool update, berr_t **err)
{
  char buf[32];
  int64_t swap;
  int e;

  if (m->kernel_present || m->kernel_tcp_present)
    log_warning ("%s: kernel memory settings are ignored (cgroup v2 accounts kernel memory with the rest)",
                 m->kernel_present ? RES ".memory.kernel" : RES ".memory.kernelTCP");
  if (m->disable_oom_killer_present && m->disable_oom_killer)
    log_warning (RES ".memory.disableOOMKiller: ignored, cgroup v2 has no way to disable the OOM killer");
  if (update && m->check_before_update_present && m->check_before_update
      && memory_check_before_update (cg, m, err) < 0)
    return -1;

  if (swap_to_v2 (m, &swap, err) < 0)
    return -1;
  if (swap != -2)
    {
      fmt_max (buf, sizeof (buf), swap);
      /* Without swap accounting (or swap) the file is missing: asking for
       * no swap or for unlimited swap is then already true. */
      if ((swap == -1 || swap == 0) && !res_has_file (cg, "memory.swap.max"))
        log_debug ("memory.swap.max missing, '%s' not written", buf);
      else if (res_write_errno (cg, RES ".memory.swap", "memory.swap.max", buf, &e, err) < 0)
        return -1;
    }
  if (m->limit_present && m->limit != 0)
    {
      fmt_max (buf, sizeof (buf), m->limit);
      if (res_write (cg, RES ".memory.limit", "memory.max", buf, err) < 0)
        return -1;
    }
  if (m->reservation_present && m->reservation != 0)
    {
      fmt_max (buf, sizeof (buf), m->reservation);
      if (res_write (cg, RES ".memory.reservation", "memory.low", buf, err) < 0)
        return -1;
    }
  return 0;
}

static int
cpu_apply (const struct cgroup *cg, const oci_linux_cpu *c, berr_t **err)
{
  bool set_max = (c->quota_present && c->quota != 0) || (c->period_present && c->period != 0);
  bool burst_later = false;
  char buf[64];
  int e;

  if (c->idle_present)
    {
      snprintf (buf, sizeof (buf), "%" PRId64, c->idle);
      if (res_write (cg, RES ".cpu.idle", "cpu.idle", buf, err) < 0)
        return -1;
    }
  if (c->shares_present && c->shares != 0)
    {
      snprintf (buf, sizeof (buf), "%" PRIu64, cgroup_shares_to_weight (c->shares));
      if (res_write (cg, RES ".cpu.shares", "cpu.weight", buf, err) < 0)
        return -1;
    }
  /* The kernel wants burst <= quota: a burst above the old quota must
   * wait for the new one, a quota below the old burst for the new burst. */
  if (c->burst_present)
    {
      snprintf (buf, sizeof (buf), "%" PRIu64, c->burst);
      if (res_write_errno (cg, RES ".cpu.burst", "cpu.max.burst", buf, &e, err) < 0)
        {
          if (e != EINVAL || !set_max)
            return -1;
          berr_clear (err);
          burst_later = true;
        }
    }
  if (set_max)
    {
      uint64_t period = c->period_present && c->period != 0 ? c->period : CPU_PERIOD_DEFAULT;

      if (c->quota_present && c->quota > 0)
        snprintf (buf, sizeof (buf), "%" PRId64 " %" PRIu64, c->quota, period);
      else
        snprintf (buf, sizeof (buf), "max %" PRIu64, period);
      if (res_write (cg, c->quota_present ? RES ".cpu.quota" : RES ".cpu.period", "cpu.max", buf, err) < 0)
        return -1;
    }
  if (burst_later)
    {
      snprintf (buf, sizeof (buf), "%" PRIu64, c->burst);
      if (res_write (cg, RES ".cpu.burst", "cpu.max.burst", buf, err) < 0)
        return -1;
    }
  if (c->cpus && *c->cpus && res_write (cg, RES ".cpu.cpus", "cpuset.cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && *c->mems && res_write (cg, RES ".cpu.mems", "cpuset.mems", c->mems, err) < 0)
    return -1;
  return 0;
}

static int
pids_apply (const struct cgroup *cg, const oci_linux_pids *p, berr_t **err)
{
  char buf[32];

  if (!p->limit_present)
    return 0;
  /* runtime-spec 1.3 and runc >= 1.4: 0 is a real limit, written as 1 as
   * systemd's TasksMax cannot be 0 (the same process count in practice). */
  if (p->limit < 0)
    snprintf (buf, sizeof (buf), "max");
  else
    snprintf (buf, sizeof (buf), "%" PRId64, p->limit == 0 ? 1 : p->limit);
  return res_write (cg, RES ".pids.limit", "pids.max", buf, err);
}

static int
throttle_apply (const struct cgroup *cg, const char *field, const char *key, oci_linux_throttle_device **t,
                size_t n, berr_t **err)
{
  char f[96], buf[96];
  size_t i;

  for (i = 0; i < n; i++)
    {
      snprintf (f, sizeof (f), RES ".blockIO.%s[%zu]", field, i);
      snprintf (buf, sizeof (buf), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i]->major, t[i]->minor, key,
                t[i]->rate);
      if (res_write (cg, f, "io.max", buf, err) < 0)
        return -1;
    }
  return 0;
}

static int
block_io_apply (const struct cgroup *cg, const oci_linux_block_io *b, berr_t **err)
{
  /* BFQ's own weight (same 1-1000 scale as blkio) when the scheduler is
   * there, else io.weight (iocost) on its 1-10000 scale. */
  bool bfq = res_has_file (cg, "io.bfq.weight");
  const char *file = bfq ? "io.bfq.weight" : "io.weight";
  char f[96], buf[64];
  size_t i;

  if (b->weight_present && b->weight != 0)
    {
      snprintf (buf, sizeof (buf), "%" PRIu64, bfq ? (uint64_t)b->weight : blkio_to_io_weight (b->weight));
      if (res_write (cg, RES ".blockIO.weight", file, buf, err) < 0)
        return -1;
    }
  for (i = 0; i < b->weight_device_len; i++)
    {
      const oci_linux_weight_device *d = b->weight_device[i];

      if (!d->weight_present || d->weight == 0)
        continue;
      snprintf (f, sizeof (f), RES ".blockIO.weightDevice[%zu]", i);
      snprintf (buf, sizeof (buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                bfq ? (uint64_t)d->weight : blkio_to_io_weight (d->weight));
      if (res_write (cg, f, file, buf, err) < 0)
        return -1;
    }
  if (throttle_apply (cg, "throttleReadBpsDevice", "rbps", b->throttle_read_bps_device,
                      b->throttle_read_bps_device_len, err)
        < 0
      || throttle_apply (cg, "throttleWriteBpsDevice", "wbps", b->throttle_write_bps_device,
                         b->throttle_write_bps_device_len, err)
           < 0
      || throttle_apply (cg, "throttleReadIOPSDevice", "riops", b->throttle_read_iops_device,
                         b->throttle_read_iops_device_len, err)
           < 0
      || throttle_apply (cg, "throttleWriteIOPSDevice", "wiops", b->throttle_write_iops_device,
                         b->throttle_write_iops_device_len, err)
           < 0)
    return -1;
  return 0;
}

static int
hugetlb_apply (const struct cgroup *cg, oci_linux_hugepage_limit **h, size_t n, berr_t **err)
{
  char f[64], file[64], buf[32];
  bool rsvd = true;
  size_t i;

  for (i = 0; i < n; i++)
    {
      snprintf (f, sizeof (f), RES ".hugepageLimits[%zu]", i);
      snprintf (file, sizeof (file), "hugetlb.%s.max", h[i]->page_size);
      snprintf (buf, sizeof (buf), "%" PRIu64, h[i]->limit);
      if (res_write (cg, f, file, buf, err) < 0)
        return -1;
      /* Kernels >= 5.7 also limit reservations (mmap time, not fault
       * time): the same limit, as runc and crun set it. */
      snprintf (file, sizeof (file), "hugetlb.%s.rsvd.max", h[i]->page_size);
      if (rsvd && !res_has_file (cg, file))
        rsvd = false;
      if (rsvd && res_write (cg, f, file, buf, err) < 0)
        return -1;
    }
  return 0;
}

static int
rdma_apply (const struct cgroup *cg, const oci_linux_rdma_map *m, berr_t **err)
{
  char f[128], buf[160];
  size_t i;
  int n;

  for (i = 0; i < m->len; i++)
    {
      const oci_linux_rdma *v = m->values[i];

      snprintf (f, sizeof (f), RES ".rdma[\"%.64s\"]", m->keys[i]);
      n = snprintf (buf, sizeof (buf), "%s", m->keys[i]);
      if (v->hca_handles_present)
        n += snprintf (buf + n, sizeof (buf) - (size_t)n, " hca_handle=%" PRIu32, v->hca_handles);
      if (v->hca_objects_present)
        snprintf (buf + n, sizeof (buf) - (size_t)n, " hca_object=%" PRIu32, v->hca_objects);
      if (res_write (cg, f, "rdma.max", buf, err) < 0)
        return -1;
    }
  return 0;
}

/* Last, so that a raw value wins over the mapped fields (runc, crun).  A
 * multi-line value is written line by line (io.max for two devices). */
static int
unified_apply (const struct cgroup *cg, const oci_string_map *u, berr_t **err)
{
  size_t i;

  for (i = 0; i < u->len; i++)
    {
      cleanup_free char *f = xasprintf (RES ".unified[\"%s\"]", u->keys[i]);
      cleanup_free char *value = xstrdup (u->values[i] ? u->values[i] : "");
      cleanup_close int fd = -1;
      char *line, *save = NULL;
      int r;

      if (*value == 0)
        continue;
      fd = res_open (cg, f, u->keys[i], err);
      if (fd < 0)
        return -1;
      for (line = strtok_r (value, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
        if ((r = res_write_fd (fd, line)) < 0)
          return berr_make (err, -r, "%s: write %s=%s", f, u->keys[i], line);
    }
  return 0;
}

int
cgroup_apply_resources (const struct cgroup *cg, const oci_linux_resources *r, bool update, berr_t **err)
{
  if (r == NULL)
    return 0;
  if (check_resources (r, err) < 0)
    return -1;
  if (cg->dirfd < 0)
    return berr_make (err, 0, "cannot apply " RES ": the container has no cgroup");
  /* Devices first: their rules are checked before anything is written.
   * An update without device rules leaves the program alone (runc); one
   * with rules replaces it (crun). */
  if (r->devices && cgroup_devices_apply (cg, r->devices, r->devices_len, err) < 0)
    return -1;
  if (r->pids && pids_apply (cg, r->pids, err) < 0)
    return -1;
  if (r->memory && memory_apply (cg, r->memory, update, err) < 0)
    return -1;
  if (r->block_io && block_io_apply (cg, r->block_io, err) < 0)
    return -1;
  if (r->cpu && cpu_apply (cg, r->cpu, err) < 0)
    return -1;
  if (hugetlb_apply (cg, r->hugepage_limits, r->hugepage_limits_len, err) < 0)
    return -1;
  if (r->rdma && rdma_apply (cg, r->rdma, err) < 0)
    return -1;
  if (r->unified && unified_apply (cg, r->unified, err) < 0)
    return -1;
  return 0;
}

/* ---- the controllers r needs ------------------------------------------- */

static void
strv_add_unique (char ***v, size_t *n, const char *s, size_t len)
{
  size_t i;

  for (i = 0; i < *n; i++)
    if (strlen ((*v)[i]) == len && strncmp ((*v)[i], s, len) == 0)
      return;
  *v = xrealloc (*v, (*n + 2) * sizeof (char *));
  (*v)[(*n)++] = xstrndup (s, len);
  (*v)[*n] = NULL;
}

static bool
block_io_set (const oci_linux_block_io *b)
{
  return (b->weight_present && b->weight != 0) || b->weight_device_len || b->throttle_read_bps_device_len
         || b->throttle_write_bps_device_len || b->throttle_read_iops_device_len
         || b->throttle_write_iops_device_len;
}

char **
cgroup_resources_controllers (const oci_linux_resources *r)
{
  char **v = xzalloc (sizeof (char *));
  size_t n = 0, i;

  if (r == NULL)
    return v;
  if (r->cpu)
    {
      const oci_linux_cpu *c = r->cpu;

      if ((c->shares_present && c->shares) || c->quota_present || c->period_present || c->burst_present
          || c->idle_present)
        strv_add_unique (&v, &n, "cpu", 3);
      if ((c->cpus && *c->cpus) || (c->mems && *c->mems))
        strv_add_unique (&v, &n, "cpuset", 6);
    }
  if (r->block_io && block_io_set (r->block_io))
    strv_add_unique (&v, &n, "io", 2);
  if (r->memory && (r->memory->limit_present || r->memory->reservation_present || r->memory->swap_present))
    strv_add_unique (&v, &n, "memory", 6);
  if (r->pids && r->pids->limit_present)
    strv_add_unique (&v, &n, "pids", 4);
  if (r->hugepage_limits_len > 0)
    strv_add_unique (&v, &n, "hugetlb", 7);
  if (r->rdma && r->rdma->len > 0)
    strv_add_unique (&v, &n, "rdma", 4);
  if (r->unified)
    for (i = 0; i < r->unified->len; i++)
      {
        const char *k = r->unified->keys[i], *dot = strchr (k, '.');

        if (dot && dot != k && strncmp (k, "cgroup.", 7) != 0)
          strv_add_unique (&v, &n, k, (size_t)(dot - k));
      }
  return v;
}
