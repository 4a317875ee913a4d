/* Unit tests for src/runtime/cgroup-resources.c: linux.resources applied to
 * a stand-in cgroup (a temporary directory of empty interface files).  Each
 * case checks exactly what lands in which file (the writes are appended, one
 * line each), the conversions (shares, blkio weight, memory+swap), and the
 * errors: unsupported v2 fields, missing files, bad unified keys, and the
 * update-time memory check.  Runs unprivileged on any host. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup.h"
#include "oci-spec.h"
#include "tap.h"
#include "util.h"

static const char *const default_files[] = {
  "memory.max",           "memory.low",      "memory.swap.max", "memory.current",   "memory.high",
  "cpu.weight",           "cpu.max",         "cpu.max.burst",   "cpu.idle",         "cpuset.cpus",
  "cpuset.mems",          "pids.max",        "io.weight",       "io.max",           "hugetlb.2MB.max",
  "hugetlb.2MB.rsvd.max", "hugetlb.1GB.max", "rdma.max",        "cgroup.max.depth", NULL,
};

static char tmpdir[64];
static struct cgroup cg = CGROUP_INIT;

static void
put (const char *file, const char *content)
{
  int fd = openat (cg.dirfd, file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  if (fd < 0 || write (fd, content, strlen (content)) != (ssize_t)strlen (content))
    {
      perror (file);
      exit (2);
    }
  close (fd);
}

static void
fake_end (void)
{
  berr_t *err = NULL;

  if (cg.dirfd >= 0)
    {
      util_rm_rf_at (AT_FDCWD, tmpdir, &err);
      berr_clear (&err);
    }
  free (cg.path);
  if (cg.dirfd >= 0)
    close (cg.dirfd);
  cg = (struct cgroup)CGROUP_INIT;
}

/* A fresh stand-in cgroup with the default files and controllers. */
static void
fake_new (void)
{
  size_t i;

  fake_end ();
  snprintf (tmpdir, sizeof (tmpdir), "/tmp/berth-cgres-XXXXXX");
  if (mkdtemp (tmpdir) == NULL)
    {
      perror ("mkdtemp");
      exit (2);
    }
  cg.dirfd = open (tmpdir, O_DIRECTORY | O_CLOEXEC);
  cg.path = xstrdup ("/test");
  for (i = 0; default_files[i]; i++)
    put (default_files[i], "");
  put ("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
}

static void
drop (const char *file)
{
  unlinkat (cg.dirfd, file, 0);
}

/* The file's content ("" when empty), or "(missing)". */
static const char *
got (const char *file)
{
  static char buf[4][512];
  static int k;
  char *b = buf[k++ % 4];
  int fd = openat (cg.dirfd, file, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return "(missing)";
  n = read (fd, b, sizeof (buf[0]) - 1);
  close (fd);
  b[n < 0 ? 0 : n] = 0;
  return b;
}

/* Apply the JSON resources; returns 0 or -1 and the message in *msg. */
static int
apply_json (const char *json, bool update, char **msg)
{
  berr_t *err = NULL;
  oci_linux_resources *r = oci_linux_resources_parse_data (json, strlen (json), "resources", &err);
  int ret;

  *msg = NULL;
  if (r == NULL)
    {
      printf ("# parse: %s\n", err->msg);
      berr_clear (&err);
      return -2;
    }
  ret = cgroup_apply_resources (&cg, r, update, &err);
  if (err)
    *msg = xstrdup (err->msg);
  berr_clear (&err);
  oci_linux_resources_free (r);
  return ret;
}

static void
apply_ok (const char *json, const char *what)
{
  char *msg;

  if (!ok (apply_json (json, false, &msg) == 0, "%s: applied", what))
    printf ("#   error: %s\n", msg ? msg : "(none)");
  free (msg);
}

static void
apply_fails (const char *json, bool update, const char *want, const char *what)
{
  char *msg;
  int r = apply_json (json, update, &msg);

  ok (r == -1, "%s: refused", what);
  is_str (msg, want, "%s: message", what);
  free (msg);
}

static void
test_shares (void)
{
  static const unsigned long long pairs[][2] = {
    { 0, 0 },          { 1, 1 },          { 2, 1 },          { 3, 2 },
    { 10, 4 },         { 100, 17 },       { 512, 59 },       { 1024, 100 },
    { 2048, 174 },     { 4096, 303 },     { 100000, 4340 },  { 260000, 9929 },
    { 262143, 10000 }, { 262144, 10000 }, { 262145, 10000 }, { 1ULL << 40, 10000 },
  };
  size_t i;

  for (i = 0; i < sizeof (pairs) / sizeof (pairs[0]); i++)
    is_int (cgroup_shares_to_weight (pairs[i][0]), pairs[i][1], "shares %llu -> weight %llu", pairs[i][0],
            pairs[i][1]);
}

/* berth computes the formula without libm: every shares value must give
 * what glibc's log2(), pow() and ceil() give (runc and crun use those). */
static void
test_shares_vs_libm (void)
{
  uint64_t s, first_bad = 0, bad = 0;

  for (s = 3; s < 262144; s++)
    {
      double l = log2 ((double)s);
      uint64_t want = (uint64_t)ceil (pow (10, (l * l + 125 * l) / 612.0 - 7.0 / 34.0));

      if (cgroup_shares_to_weight (s) != want && bad++ == 0)
        first_bad = s;
    }
  is_int (bad, 0, "shares 3..262143: weight equals libm's formula (first mismatch: %llu)",
          (unsigned long long)first_bad);
}

static void
test_memory (void)
{
  fake_new ();
  apply_ok ("{\"memory\":{\"limit\":1048576,\"reservation\":524288}}", "memory limit");
  is_str (got ("memory.max"), "1048576\n", "limit -> memory.max");
  is_str (got ("memory.low"), "524288\n", "reservation -> memory.low");
  is_str (got ("memory.swap.max"), "", "no swap given: memory.swap.max untouched");

  fake_new ();
  apply_ok ("{\"memory\":{\"limit\":1048576,\"swap\":3145728}}", "memory+swap");
  is_str (got ("memory.swap.max"), "2097152\n", "swap.max = swap - limit");
  is_str (got ("memory.max"), "1048576\n", "memory.max with swap");

  fake_new ();
  apply_ok ("{\"memory\":{\"limit\":1048576,\"swap\":1048576}}", "swap == limit");
  is_str (got ("memory.swap.max"), "0\n", "swap == limit: no swap at all");

  fake_new ();
  apply_ok ("{\"memory\":{\"limit\":1048576,\"swap\":-1}}", "swap -1");
  is_str (got ("memory.swap.max"), "max\n", "swap -1 -> max");

  fake_new ();
  apply_ok ("{\"memory\":{\"limit\":-1}}", "limit -1");
  is_str (got ("memory.max"), "max\n", "limit -1 -> max");
  is_str (got ("memory.swap.max"), "max\n", "limit -1 without swap: unlimited swap too (runc)");

  fake_new ();
  apply_ok ("{\"memory\":{\"limit\":-1,\"swap\":4096}}", "limit -1, swap set");
  is_str (got ("memory.swap.max"), "4096\n", "unlimited memory: swap taken as is");

  fake_new ();
  apply_ok ("{\"memory\":{\"limit\":0,\"reservation\":0}}", "zeros");
  is_str (got ("memory.max"), "", "limit 0 is unset");
  is_str (got ("memory.low"), "", "reservation 0 is unset");

  fake_new ();
  apply_fails ("{\"memory\":{\"swap\":2097152}}", false,
               "linux.resources.memory.swap: cannot set a swap limit without a memory limit (memory.limit)",
               "swap without limit");
  apply_fails ("{\"memory\":{\"limit\":2097152,\"swap\":1048576}}", false,
               "linux.resources.memory.swap: 1048576 is below memory.limit 2097152 (swap is the limit of "
               "memory+swap, it must be >= the memory limit)",
               "swap below limit");
  apply_fails ("{\"memory\":{\"limit\":-5}}", false,
               "linux.resources.memory.limit: invalid value -5 (bytes, or -1 for no limit)", "limit -5");
  is_str (got ("memory.max"), "", "refused configs wrote nothing");

  apply_fails (
    "{\"memory\":{\"swappiness\":60}}", false,
    "linux.resources.memory.swappiness: not supported on cgroup v2 (there is no memory.swappiness)",
    "swappiness");
  apply_fails ("{\"memory\":{\"useHierarchy\":false}}", false,
               "linux.resources.memory.useHierarchy: cgroup v2 is always hierarchical, false is not possible",
               "useHierarchy false");
  apply_ok (
    "{\"memory\":{\"kernel\":1048576,\"kernelTCP\":1048576,\"disableOOMKiller\":true,\"useHierarchy\":"
    "true}}",
    "kernel, kernelTCP, disableOOMKiller ignored with a warning");
  is_str (got ("memory.max"), "", "ignored fields wrote nothing");

  /* Without swap accounting the file is missing: max/0 are then moot. */
  fake_new ();
  drop ("memory.swap.max");
  apply_ok ("{\"memory\":{\"limit\":1048576,\"swap\":-1}}", "swap -1 without memory.swap.max");
  is_str (got ("memory.max"), "1048576\n", "memory.max still written");
  apply_ok ("{\"memory\":{\"limit\":1048576,\"swap\":1048576}}", "swap off without memory.swap.max");
  apply_fails (
    "{\"memory\":{\"limit\":1048576,\"swap\":2097152}}", false,
    "linux.resources.memory.swap: cgroup '/test' has no memory.swap.max (not supported by this kernel)",
    "a swap limit without memory.swap.max");
}

static void
test_check_before_update (void)
{
  const char *json = "{\"memory\":{\"limit\":1000000,\"checkBeforeUpdate\":true}}";
  char *msg;

  fake_new ();
  put ("memory.current", "5000000\n");
  apply_fails (json, true, "linux.resources.memory.limit: rejecting memory limit 1000000 <= usage 5000000",
               "checkBeforeUpdate: limit below usage");
  is_str (got ("memory.max"), "", "memory.max untouched");
  put ("memory.current", "13000000\n");
  apply_fails ("{\"memory\":{\"limit\":10000000,\"swap\":12000000,\"checkBeforeUpdate\":true}}", true,
               "linux.resources.memory.swap: rejecting memory+swap limit 12000000 <= usage 13000000",
               "checkBeforeUpdate: memory+swap below usage");
  put ("memory.current", "5000000\n");
  ok (apply_json ("{\"memory\":{\"limit\":10000000,\"checkBeforeUpdate\":true}}", true, &msg) == 0,
      "checkBeforeUpdate: a limit above usage passes");
  free (msg);
  is_str (got ("memory.max"), "10000000\n", "and is written");
  ok (apply_json (json, false, &msg) == 0, "not an update (create): no check");
  free (msg);
  ok (apply_json ("{\"memory\":{\"limit\":1000000}}", true, &msg) == 0,
      "update without checkBeforeUpdate: no check");
  free (msg);
}

static void
test_cpu (void)
{
  fake_new ();
  apply_ok ("{\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000}}", "cpu shares quota period");
  is_str (got ("cpu.weight"), "100\n", "shares 1024 -> cpu.weight 100");
  is_str (got ("cpu.max"), "50000 100000\n", "quota/period -> cpu.max");

  fake_new ();
  apply_ok ("{\"cpu\":{\"quota\":-1,\"period\":200000}}", "quota -1");
  is_str (got ("cpu.max"), "max 200000\n", "quota -1 -> max PERIOD");
  fake_new ();
  apply_ok ("{\"cpu\":{\"period\":50000}}", "period alone");
  is_str (got ("cpu.max"), "max 50000\n", "period alone -> max PERIOD");
  fake_new ();
  apply_ok ("{\"cpu\":{\"quota\":20000}}", "quota alone");
  is_str (got ("cpu.max"), "20000 100000\n", "quota alone: the default period");
  fake_new ();
  apply_ok ("{\"cpu\":{\"shares\":0,\"quota\":0,\"period\":0}}", "zeros");
  is_str (got ("cpu.weight"), "", "shares 0 is unset");
  is_str (got ("cpu.max"), "", "quota/period 0 are unset");

  fake_new ();
  apply_ok ("{\"cpu\":{\"quota\":50000,\"burst\":10000,\"idle\":1,\"cpus\":\"0-1\",\"mems\":\"0\"}}",
            "burst idle cpus mems");
  is_str (got ("cpu.max.burst"), "10000\n", "burst -> cpu.max.burst");
  is_str (got ("cpu.idle"), "1\n", "idle -> cpu.idle");
  is_str (got ("cpuset.cpus"), "0-1\n", "cpus -> cpuset.cpus");
  is_str (got ("cpuset.mems"), "0\n", "mems -> cpuset.mems");

  apply_fails ("{\"cpu\":{\"realtimeRuntime\":950000}}", false,
               "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2 (no cpu.rt_runtime_us)",
               "realtimeRuntime");
  apply_fails ("{\"cpu\":{\"realtimePeriod\":1000000}}", false,
               "linux.resources.cpu.realtimePeriod: not supported on cgroup v2 (no cpu.rt_period_us)",
               "realtimePeriod");
  apply_ok ("{\"cpu\":{\"realtimeRuntime\":0,\"realtimePeriod\":0}}", "realtime 0 (unset) is fine");
}

static void
test_pids (void)
{
  fake_new ();
  apply_ok ("{\"pids\":{\"limit\":100}}", "pids 100");
  is_str (got ("pids.max"), "100\n", "pids.limit -> pids.max");
  fake_new ();
  apply_ok ("{\"pids\":{\"limit\":-1}}", "pids -1");
  is_str (got ("pids.max"), "max\n", "-1 -> max");
  fake_new ();
  apply_ok ("{\"pids\":{\"limit\":0}}", "pids 0");
  is_str (got ("pids.max"), "1\n", "0 is a real limit, written as 1 (runc >= 1.4)");
  fake_new ();
  apply_ok ("{\"pids\":{}}", "pids without limit");
  is_str (got ("pids.max"), "", "no limit given: nothing written");
  apply_fails ("{\"pids\":{\"limit\":-2}}", false,
               "linux.resources.pids.limit: invalid value -2 (-1 for no limit)", "pids -2");
}

static void
test_block_io (void)
{
  fake_new ();
  apply_ok ("{\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":10}],"
            "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
            "\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":16,\"rate\":2097152}],"
            "\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":100}],"
            "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":50}]}}",
            "blockIO without bfq");
  is_str (got ("io.weight"), "4950\n8:0 1\n", "weight 500 -> io.weight 4950, device weight 10 -> 1");
  is_str (got ("io.max"), "8:0 rbps=1048576\n8:16 wbps=2097152\n8:0 riops=100\n8:0 wiops=50\n",
          "throttles -> io.max lines");

  fake_new ();
  put ("io.bfq.weight", "");
  apply_ok ("{\"blockIO\":{\"weight\":1000,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":300}]}}",
            "blockIO with bfq");
  is_str (got ("io.bfq.weight"), "1000\n8:0 300\n", "bfq takes the blkio scale as is");
  is_str (got ("io.weight"), "", "io.weight untouched when bfq is there");
  fake_new ();
  apply_ok ("{\"blockIO\":{\"weight\":10}}", "weight 10");
  is_str (got ("io.weight"), "1\n", "weight 10 -> io.weight 1");

  apply_fails ("{\"blockIO\":{\"weight\":5}}", false,
               "linux.resources.blockIO.weight: 5 out of range (10-1000)", "weight 5");
  apply_fails ("{\"blockIO\":{\"leafWeight\":500}}", false,
               "linux.resources.blockIO.leafWeight: not supported on cgroup v2", "leafWeight");
  apply_fails ("{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"rate\":1}]}}", false,
               "linux.resources.blockIO.throttleReadBpsDevice[0]: needs a major and a minor number (>= 0)",
               "throttle without minor");
  fake_new ();
  drop ("io.weight");
  apply_fails (
    "{\"blockIO\":{\"weight\":100}}", false,
    "linux.resources.blockIO.weight: cgroup '/test' has no io.weight (not supported by this kernel)",
    "no io.weight nor io.bfq.weight");
}

static void
test_hugetlb_rdma (void)
{
  fake_new ();
  apply_ok (
    "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304},{\"pageSize\":\"1GB\",\"limit\":0}]}",
    "hugepage limits");
  is_str (got ("hugetlb.2MB.max"), "4194304\n", "2MB -> hugetlb.2MB.max");
  is_str (got ("hugetlb.2MB.rsvd.max"), "4194304\n", "and hugetlb.2MB.rsvd.max");
  is_str (got ("hugetlb.1GB.max"), "0\n", "1GB -> hugetlb.1GB.max");
  is_str (got ("hugetlb.1GB.rsvd.max"), "(missing)", "no rsvd file: not created");
  apply_fails ("{\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]}", false,
               "linux.resources.hugepageLimits[0].pageSize: '2M' is not a page size like '2MB' or '1GB'",
               "page size 2M");
  apply_fails ("{\"hugepageLimits\":[{\"pageSize\":\"../2MB\",\"limit\":1}]}", false,
               "linux.resources.hugepageLimits[0].pageSize: '../2MB' is not a page size like '2MB' or '1GB'",
               "page size with a path");
  apply_fails (
    "{\"hugepageLimits\":[{\"pageSize\":\"64KB\",\"limit\":1}]}", false,
    "linux.resources.hugepageLimits[0]: cgroup '/test' has no hugetlb.64KB.max (not supported by this "
    "kernel)",
    "page size the kernel lacks");

  apply_ok ("{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000},\"mlx4_0\":{\"hcaObjects\":7}}}",
            "rdma");
  is_str (got ("rdma.max"), "mlx5_1 hca_handle=3 hca_object=10000\nmlx4_0 hca_object=7\n",
          "rdma -> rdma.max");
  apply_fails ("{\"rdma\":{\"mlx5_1\":{}}}", false,
               "linux.resources.rdma[\"mlx5_1\"]: neither hcaHandles nor hcaObjects is set",
               "rdma without limits");

  fake_new ();
  drop ("rdma.max");
  put ("cgroup.controllers", "cpu memory pids\n");
  apply_fails ("{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}}}", false,
               "linux.resources.rdma[\"mlx5_1\"]: cgroup '/test' has no rdma.max: the rdma controller is not "
               "enabled for it",
               "rdma controller not enabled");
}

static void
test_missing_and_errors (void)
{
  char *msg;
  int fd;

  fake_new ();
  drop ("memory.max");
  put ("cgroup.controllers", "cpu pids\n");
  apply_fails ("{\"memory\":{\"limit\":1048576}}", false,
               "linux.resources.memory.limit: cgroup '/test' has no memory.max: the memory controller is not "
               "enabled for it",
               "memory controller not enabled");
  put ("cgroup.controllers", "cpu memory pids\n");
  apply_fails (
    "{\"memory\":{\"limit\":1048576}}", false,
    "linux.resources.memory.limit: cgroup '/test' has no memory.max (not supported by this kernel)",
    "memory.max missing with the controller enabled");

  apply_fails (
    "{\"network\":{\"classID\":1048577}}", false,
    "linux.resources.network: classID and priorities need the cgroup v1 net_cls/net_prio controllers, "
    "cgroup v2 has none",
    "network classID");
  apply_fails (
    "{\"network\":{\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]}}", false,
    "linux.resources.network: classID and priorities need the cgroup v1 net_cls/net_prio controllers, "
    "cgroup v2 has none",
    "network priorities");
  apply_ok ("{\"network\":{}}", "an empty network object is fine");

  /* Everything is checked before the first write. */
  fake_new ();
  apply_fails (
    "{\"pids\":{\"limit\":10},\"memory\":{\"limit\":1048576},\"network\":{\"classID\":1}}", false,
    "linux.resources.network: classID and priorities need the cgroup v1 net_cls/net_prio controllers, "
    "cgroup v2 has none",
    "a bad field after good ones");
  is_str (got ("pids.max"), "", "nothing written before the refusal (pids)");
  is_str (got ("memory.max"), "", "nothing written before the refusal (memory)");

  /* A write the kernel refuses: /dev/full stands in for memory.max. */
  drop ("memory.max");
  if (mknodat (cg.dirfd, "memory.max", S_IFCHR | 0666, makedev (1, 7)) == 0
      && (fd = openat (cg.dirfd, "memory.max", O_WRONLY | O_CLOEXEC)) >= 0)
    {
      close (fd);
      apply_fails ("{\"memory\":{\"limit\":1048576}}", false,
                   "linux.resources.memory.limit: write memory.max=1048576: No space left on device",
                   "a failed write names field, file, value and errno");
    }
  else
    {
      ok (1, "# SKIP mknod /dev/full stand-in: %s", strerror (errno));
      ok (1, "# SKIP mknod /dev/full stand-in");
    }

  {
    struct cgroup none = CGROUP_INIT;
    berr_t *err = NULL;
    oci_linux_resources r = { 0 };
    oci_linux_pids p = { .limit = 5, .limit_present = true };

    r.pids = &p;
    ok (cgroup_apply_resources (&none, &r, false, &err) < 0, "no cgroup: refused");
    is_str (err ? err->msg : NULL, "cannot apply linux.resources: the container has no cgroup",
            "no cgroup: message");
    berr_clear (&err);
    ok (cgroup_apply_resources (&none, NULL, false, &err) == 0, "NULL resources: nothing to do");
  }
  (void)msg;
}

static void
test_unified (void)
{
  fake_new ();
  apply_ok (
    "{\"memory\":{\"limit\":1048576},\"unified\":{\"memory.high\":\"524288\",\"memory.max\":\"2097152\","
    "\"io.max\":\"8:0 rbps=1\\n8:16 wbps=2\\n\",\"cgroup.max.depth\":\"3\",\"pids.max\":\"\"}}",
    "unified");
  is_str (got ("memory.high"), "524288\n", "unified key written verbatim");
  is_str (got ("memory.max"), "1048576\n2097152\n", "unified is written last: it wins over memory.limit");
  is_str (got ("io.max"), "8:0 rbps=1\n8:16 wbps=2\n", "a multi-line value: one write per line");
  is_str (got ("cgroup.max.depth"), "3\n", "cgroup.max.depth allowed");
  is_str (got ("pids.max"), "", "an empty value writes nothing");

  apply_fails ("{\"unified\":{\"../memory.max\":\"1\"}}", false,
               "linux.resources.unified: key '../memory.max' must be a file name (no '/')",
               "key with a slash");
  apply_fails ("{\"unified\":{\"memoryhigh\":\"1\"}}", false,
               "linux.resources.unified: key 'memoryhigh' is not of the form CONTROLLER.PARAMETER",
               "key without dot");
  apply_fails ("{\"unified\":{\".high\":\"1\"}}", false,
               "linux.resources.unified: key '.high' is not of the form CONTROLLER.PARAMETER", "key '.high'");
  apply_fails ("{\"unified\":{\"cgroup.procs\":\"1\"}}", false,
               "linux.resources.unified: key 'cgroup.procs' is managed by berth and cannot be set",
               "cgroup.procs");
  apply_fails ("{\"unified\":{\"cgroup.freeze\":\"1\"}}", false,
               "linux.resources.unified: key 'cgroup.freeze' is managed by berth and cannot be set",
               "cgroup.freeze");
  apply_fails ("{\"unified\":{\"cgroup.kill\":\"1\"}}", false,
               "linux.resources.unified: key 'cgroup.kill' is managed by berth and cannot be set",
               "cgroup.kill");
  apply_fails ("{\"unified\":{\"misc.max\":\"res_a 1\"}}", false,
               "linux.resources.unified[\"misc.max\"]: cgroup '/test' has no misc.max (not supported by this "
               "kernel)",
               "unified key naming no file");
  apply_fails (
    "{\"unified\":{\"foo.bar\":\"1\"}}", false,
    "linux.resources.unified[\"foo.bar\"]: cgroup '/test' has no foo.bar: the foo controller is not "
    "enabled for it",
    "unified key of an unknown controller");
}

static void
test_controllers (void)
{
  const char *json = "{\"memory\":{\"limit\":1},\"cpu\":{\"shares\":2,\"cpus\":\"0\"},\"pids\":{\"limit\":1},"
                     "\"blockIO\":{\"weight\":100},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}],"
                     "\"rdma\":{\"m\":{\"hcaHandles\":1}},\"unified\":{\"misc.max\":\"x 1\","
                     "\"cgroup.max.depth\":\"1\",\"memory.high\":\"1\",\"io.bfq.weight\":\"1\"}}";
  berr_t *err = NULL;
  oci_linux_resources *r = oci_linux_resources_parse_data (json, strlen (json), "r", &err);
  char **v, *joined = NULL;
  size_t i;

  v = cgroup_resources_controllers (r);
  for (i = 0; v[i]; i++)
    {
      char *j = xasprintf ("%s%s%s", joined ? joined : "", joined ? " " : "", v[i]);

      free (joined);
      joined = j;
    }
  is_str (joined, "cpu cpuset io memory pids hugetlb rdma misc", "controllers for every kind of field");
  for (i = 0; v[i]; i++)
    free (v[i]);
  free (v);
  free (joined);
  oci_linux_resources_free (r);

  json = "{\"memory\":{\"kernel\":1},\"cpu\":{\"shares\":0},\"devices\":[]}";
  r = oci_linux_resources_parse_data (json, strlen (json), "r", &err);
  v = cgroup_resources_controllers (r);
  ok (v[0] == NULL, "fields that write nothing need no controller");
  free (v);
  oci_linux_resources_free (r);
  v = cgroup_resources_controllers (NULL);
  ok (v[0] == NULL, "no resources: no controllers");
  free (v);
}

int
main (void)
{
  test_shares ();
  test_shares_vs_libm ();
  test_memory ();
  test_check_before_update ();
  test_cpu ();
  test_pids ();
  test_block_io ();
  test_hugetlb_rdma ();
  test_missing_and_errors ();
  test_unified ();
  test_controllers ();
  fake_end ();
  return tap_done ();
}
