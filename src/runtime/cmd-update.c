/* berth update: runc's options (the same names, units and rules) turned into
 * an OCI linux.resources document; container_update() does the work.  With
 * --resources the document is read from a file or stdin and every other
 * option is ignored, as in runc. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth-limits.h"
#include "cli.h"
#include "cleanup.h"
#include "container.h"
#include "oci-spec.h"
#include "util.h"

enum
{
  OPT_BLKIO_WEIGHT = 256,
  OPT_CPU_PERIOD,
  OPT_CPU_QUOTA,
  OPT_CPU_BURST,
  OPT_CPU_SHARE,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_MEMORY,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_PIDS_LIMIT,
  OPT_L3_CACHE_SCHEMA,
  OPT_MEM_BW_SCHEMA,
  OPT_CPU_IDLE,
  OPT_LAST,
};

static const struct cli_option options[] = {
  { "resources", 'r', true, "FILE",
    "file with the resources to update (linux.resources JSON), or - for stdin; other options are then "
    "ignored" },
  { "blkio-weight", OPT_BLKIO_WEIGHT, false, "N", "per-cgroup block IO weight (10-1000)" },
  { "cpu-period", OPT_CPU_PERIOD, false, "N", "CPU CFS period in usecs (0: the system default)" },
  { "cpu-quota", OPT_CPU_QUOTA, false, "N", "CPU CFS quota in usecs per period (-1: no limit)" },
  { "cpu-burst", OPT_CPU_BURST, false, "N", "CPU CFS burst in usecs" },
  { "cpu-share", OPT_CPU_SHARE, false, "N", "CPU shares (relative weight), written as cpu.weight" },
  { "cpu-rt-period", OPT_CPU_RT_PERIOD, false, "N", "CPU realtime period (not on cgroup v2)" },
  { "cpu-rt-runtime", OPT_CPU_RT_RUNTIME, false, "N", "CPU realtime runtime (not on cgroup v2)" },
  { "cpuset-cpus", OPT_CPUSET_CPUS, false, "LIST", "CPUs to use" },
  { "cpuset-mems", OPT_CPUSET_MEMS, false, "LIST", "memory nodes to use" },
  { "kernel-memory", OPT_KERNEL_MEMORY, false, "N", "(obsolete, ignored)" },
  { "kernel-memory-tcp", OPT_KERNEL_MEMORY_TCP, false, "N", "(obsolete, ignored)" },
  { "memory", OPT_MEMORY, false, "N", "memory limit in bytes (k, m, g suffixes; -1: no limit)" },
  { "memory-reservation", OPT_MEMORY_RESERVATION, false, "N", "memory reservation (memory.low) in bytes" },
  { "memory-swap", OPT_MEMORY_SWAP, false, "N", "memory plus swap limit in bytes (-1: unlimited swap)" },
  { "pids-limit", OPT_PIDS_LIMIT, false, "N", "maximum number of pids (-1: no limit)" },
  { "l3-cache-schema", OPT_L3_CACHE_SCHEMA, false, "S", "Intel RDT/CAT L3 cache schema" },
  { "mem-bw-schema", OPT_MEM_BW_SCHEMA, false, "S", "Intel RDT/MBA memory bandwidth schema" },
  { "cpu-idle", OPT_CPU_IDLE, false, "N", "cgroup SCHED_IDLE: 0 default, 1 idle" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "update", "[command options] <container-id>", "update container resource constraints", options, false,
};

struct update_args
{
  const char *resources;
  const char *val[OPT_LAST - OPT_BLKIO_WEIGHT];
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct update_args *a = data;

  if (key == 'r')
    a->resources = arg;
  else if (key >= OPT_BLKIO_WEIGHT && key < OPT_LAST)
    a->val[key - OPT_BLKIO_WEIGHT] = arg;
  else
    return berr_make (err, 0, "unknown option");
  return 0;
}

static int
bad_value (const char *opt, const char *s, const char *why, berr_t **err)
{
  return berr_make (err, 0, "invalid value for %s: '%s'%s%s", opt, s, why ? ": " : "", why ? why : "");
}

static int
parse_u64 (const char *opt, const char *s, uint64_t *out, berr_t **err)
{
  char *end;

  errno = 0;
  if (*s == '-' || *s == 0)
    return bad_value (opt, s, "not a non-negative integer", err);
  *out = strtoull (s, &end, 10);
  if (errno || *end)
    return bad_value (opt, s, errno == ERANGE ? "out of range" : "not a non-negative integer", err);
  return 0;
}

static int
parse_i64 (const char *opt, const char *s, int64_t *out, berr_t **err)
{
  char *end;

  errno = 0;
  *out = strtoll (s, &end, 10);
  if (*s == 0 || errno || *end)
    return bad_value (opt, s, errno == ERANGE ? "out of range" : "not an integer", err);
  return 0;
}

/* runc's sizes (docker/go-units RAMInBytes): a number, optionally a
 * space, then b or k/m/g/t/p with an optional "b" or "ib", any case, all
 * binary multiples ("100m", "1.5G", "64 MiB"); "-1" is no limit. */
static int
parse_ram (const char *opt, const char *s, int64_t *out, berr_t **err)
{
  static const char units[] = "kmgtp";
  const char *p, *sep = NULL, *sfx;
  cleanup_free char *num = NULL;
  char lower[4] = "";
  double size, mul = 1;
  char *end;
  size_t i, n;

  if (strcmp (s, "-1") == 0)
    {
      *out = -1;
      return 0;
    }
  for (p = s; *p; p++)
    if (strchr ("0123456789. ", *p))
      sep = p;
  if (sep == NULL)
    return bad_value (opt, s, "invalid size", err);
  num = xstrndup (s, (size_t)(sep - s) + (*sep == ' ' ? 0 : 1));
  sfx = sep + 1;
  errno = 0;
  size = strtod (num, &end);
  if (*num == 0 || *end || errno || strchr (num, 'x') || strchr (num, 'X'))
    return bad_value (opt, s, "invalid size", err);
  if (size < 0)
    return bad_value (opt, s, "invalid size", err);
  n = strlen (sfx);
  if (n > 3)
    return bad_value (opt, s, "invalid suffix", err);
  for (i = 0; i < n; i++)
    lower[i] = (char)(sfx[i] >= 'A' && sfx[i] <= 'Z' ? sfx[i] - 'A' + 'a' : sfx[i]);
  if (n > 0 && lower[0] == 'b')
    {
      if (n > 1)
        return bad_value (opt, s, "invalid suffix", err);
    }
  else if (n > 0)
    {
      const char *u = strchr (units, lower[0]);

      if (u == NULL || lower[0] == 0 || (n == 2 && lower[1] != 'b')
          || (n == 3 && strcmp (lower + 1, "ib") != 0))
        return bad_value (opt, s, "invalid suffix", err);
      for (i = 0; i <= (size_t)(u - units); i++)
        mul *= 1024;
    }
  size *= mul;
  if (size >= 9223372036854775808.0)
    return bad_value (opt, s, "too large", err);
  *out = (int64_t)size;
  return 0;
}

#define ENSURE(p) ((p) ? (p) : ((p) = xzalloc (sizeof (*(p)))))
#define V(opt) (a->val[(opt)-OPT_BLKIO_WEIGHT])

static int
resources_from_cpu_flags (const struct update_args *a, oci_linux_resources *r, berr_t **err)
{
  static const struct
  {
    int opt;
    const char *name;
  } u64s[] = { { OPT_CPU_BURST, "cpu-burst" },
               { OPT_CPU_PERIOD, "cpu-period" },
               { OPT_CPU_RT_PERIOD, "cpu-rt-period" },
               { OPT_CPU_SHARE, "cpu-share" } };
  oci_linux_cpu *c;
  uint64_t u = 0;
  size_t i;

  for (i = 0; i < sizeof (u64s) / sizeof (u64s[0]); i++)
    {
      const char *s = V (u64s[i].opt);

      if (s == NULL || *s == 0)
        continue;
      if (parse_u64 (u64s[i].name, s, &u, err) < 0)
        return -1;
      c = ENSURE (r->cpu);
      if (u64s[i].opt == OPT_CPU_BURST)
        c->burst = u, c->burst_present = true;
      else if (u64s[i].opt == OPT_CPU_PERIOD)
        c->period = u, c->period_present = true;
      else if (u64s[i].opt == OPT_CPU_RT_PERIOD)
        c->realtime_period = u, c->realtime_period_present = true;
      else
        c->shares = u, c->shares_present = true;
    }
  if (V (OPT_CPU_QUOTA) && *V (OPT_CPU_QUOTA)
      && parse_i64 ("cpu-quota", V (OPT_CPU_QUOTA), &ENSURE (r->cpu)->quota, err) < 0)
    return -1;
  if (V (OPT_CPU_QUOTA) && *V (OPT_CPU_QUOTA))
    r->cpu->quota_present = true;
  if (V (OPT_CPU_RT_RUNTIME) && *V (OPT_CPU_RT_RUNTIME))
    {
      if (parse_i64 ("cpu-rt-runtime", V (OPT_CPU_RT_RUNTIME), &ENSURE (r->cpu)->realtime_runtime, err) < 0)
        return -1;
      r->cpu->realtime_runtime_present = true;
    }
  if (V (OPT_CPU_IDLE) && *V (OPT_CPU_IDLE))
    {
      if (parse_i64 ("cpu-idle", V (OPT_CPU_IDLE), &ENSURE (r->cpu)->idle, err) < 0)
        return -1;
      r->cpu->idle_present = true;
    }
  if (V (OPT_CPUSET_CPUS) && *V (OPT_CPUSET_CPUS))
    ENSURE (r->cpu)->cpus = xstrdup (V (OPT_CPUSET_CPUS));
  if (V (OPT_CPUSET_MEMS) && *V (OPT_CPUSET_MEMS))
    ENSURE (r->cpu)->mems = xstrdup (V (OPT_CPUSET_MEMS));
  return 0;
}

static int
resources_from_memory_flags (const struct update_args *a, oci_linux_resources *r, berr_t **err)
{
  static const struct
  {
    int opt;
    const char *name;
  } sizes[] = { { OPT_MEMORY, "memory" },
                { OPT_MEMORY_SWAP, "memory-swap" },
                { OPT_KERNEL_MEMORY, "kernel-memory" },
                { OPT_KERNEL_MEMORY_TCP, "kernel-memory-tcp" },
                { OPT_MEMORY_RESERVATION, "memory-reservation" } };
  oci_linux_memory *m;
  int64_t v = 0;
  size_t i;

  for (i = 0; i < sizeof (sizes) / sizeof (sizes[0]); i++)
    {
      const char *s = V (sizes[i].opt);

      if (s == NULL || *s == 0)
        continue;
      if (parse_ram (sizes[i].name, s, &v, err) < 0)
        return -1;
      m = ENSURE (r->memory);
      switch (sizes[i].opt)
        {
        case OPT_MEMORY:
          m->limit = v, m->limit_present = true;
          break;
        case OPT_MEMORY_SWAP:
          m->swap = v, m->swap_present = true;
          break;
        case OPT_KERNEL_MEMORY:
          m->kernel = v, m->kernel_present = true;
          break;
        case OPT_KERNEL_MEMORY_TCP:
          m->kernel_tcp = v, m->kernel_tcp_present = true;
          break;
        default:
          m->reservation = v, m->reservation_present = true;
        }
    }
  return 0;
}

static int
resources_from_flags (const struct update_args *a, oci_linux_resources *r, berr_t **err)
{
  int64_t v = 0;

  if (V (OPT_L3_CACHE_SCHEMA) || V (OPT_MEM_BW_SCHEMA))
    return berr_make (err, 0, "--%s: Intel RDT is not supported by berth",
                      V (OPT_L3_CACHE_SCHEMA) ? "l3-cache-schema" : "mem-bw-schema");
  if (V (OPT_BLKIO_WEIGHT))
    {
      if (parse_i64 ("blkio-weight", V (OPT_BLKIO_WEIGHT), &v, err) < 0)
        return -1;
      if (v < 0 || v > UINT16_MAX)
        return bad_value ("blkio-weight", V (OPT_BLKIO_WEIGHT), "out of range (10-1000)", err);
      if (v != 0)
        {
          ENSURE (r->block_io)->weight = (uint16_t)v;
          r->block_io->weight_present = true;
        }
    }
  if (V (OPT_PIDS_LIMIT))
    {
      if (parse_i64 ("pids-limit", V (OPT_PIDS_LIMIT), &v, err) < 0)
        return -1;
      ENSURE (r->pids)->limit = v;
      r->pids->limit_present = true;
    }
  if (resources_from_cpu_flags (a, r, err) < 0 || resources_from_memory_flags (a, r, err) < 0)
    return -1;
  return 0;
}

static oci_linux_resources *
resources_from_file (const char *path, berr_t **err)
{
  cleanup_free char *data = NULL;
  size_t len = 0, cap = 0;
  ssize_t n;

  if (strcmp (path, "-") != 0)
    return oci_linux_resources_parse_file (path, err);
  for (;;)
    {
      if (len + 4096 > cap)
        data = xrealloc (data, cap = cap * 2 + 8192);
      n = read (STDIN_FILENO, data + len, cap - len - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          berr_make (err, errno, "read the resources from stdin");
          return NULL;
        }
      if (n == 0)
        break;
      len += (size_t)n;
      if (len > OCI_JSON_MAX_BYTES)
        {
          berr_make (err, 0, "stdin: too large (more than %d bytes)", OCI_JSON_MAX_BYTES);
          return NULL;
        }
    }
  data[len] = 0;
  return oci_linux_resources_parse_data (data, len, "stdin", err);
}

int
cmd_update (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct update_args a = { 0 };
  oci_linux_resources *r = NULL;
  int first, ret;

  ret = cli_parse (&command, argc, argv, on_option, &a, &first, err);
  if (ret != 0)
    return ret < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    return -1;
  if (a.resources)
    r = resources_from_file (a.resources, err);
  else
    {
      r = xzalloc (sizeof (*r));
      if (resources_from_flags (&a, r, err) < 0)
        {
          oci_linux_resources_free (r);
          return -1;
        }
    }
  if (r == NULL)
    return -1;
  ret = container_update (ctx, argv[first], r, err);
  oci_linux_resources_free (r);
  return ret < 0 ? -1 : 0;
}
