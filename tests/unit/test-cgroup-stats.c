/* Unit tests for src/runtime/cgroup-stats.c and cgroup-ops.c on a fake
 * cgroup directory (plain files with the kernel's formats): the exact JSON
 * `berth events --stats` prints, the oom_kill counter, the frozen state, the
 * pids of a subtree and kill's per-pid path.  The real cgroup v2 behaviour
 * is tested in the VM (tests/integration/cgroup-ops.bats). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "tap.h"
#include "util.h"

static int
put (int dirfd, const char *name, const char *content)
{
  cleanup_close int fd = openat (dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  size_t len = strlen (content);

  if (fd < 0 || write (fd, content, len) != (ssize_t)len)
    {
      printf ("Bail out! write '%s': %s\n", name, strerror (errno));
      exit (1);
    }
  return 0;
}

static char *
get (int dirfd, const char *name)
{
  char *data = NULL;
  berr_t *err = NULL;

  if (util_read_file_at (dirfd, name, &data, NULL, &err) < 0)
    {
      berr_free (err);
      return NULL;
    }
  return data;
}

static struct cgroup
fake_cgroup (const char *dir)
{
  struct cgroup cg = CGROUP_INIT;

  cg.path = xstrdup ("/fake");
  cg.dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return cg;
}

#define CPUSET_ZERO                                                                                          \
  "\"cpuset\":{\"cpu_exclusive\":0,\"mem_hardwall\":0,\"mem_exclusive\":0,\"memory_migrate\":0,"             \
  "\"memory_spread_page\":0,\"memory_spread_slab\":0,\"memory_pressure\":0,\"sched_load_balance\":0,"        \
  "\"sched_relax_domain_level\":0}"

/* Every controller enabled, with values whose conversions show. */
static void
test_full (const char *dir)
{
  struct cgroup cg = fake_cgroup (dir);
  berr_t *err = NULL;
  char *json = NULL;

  put (cg.dirfd, "cgroup.procs", "1\n2\n3\n");
  put (cg.dirfd, "cpu.stat",
       "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\nnr_periods 10\nnr_throttled 2\n"
       "throttled_usec 5000\nnr_bursts 0\nburst_usec 0\n");
  put (cg.dirfd, "memory.stat", "kernel_stack 16384\nanon 1048576\nfile 4096\n");
  put (cg.dirfd, "memory.current", "2097152\n");
  put (cg.dirfd, "memory.max", "max\n");
  put (cg.dirfd, "memory.peak", "3145728\n");
  put (cg.dirfd, "memory.swap.current", "4096\n");
  put (cg.dirfd, "memory.swap.max", "1048576\n");
  put (cg.dirfd, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\noom_group_kill 0\n");
  put (cg.dirfd, "pids.current", "3\n");
  put (cg.dirfd, "pids.max", "100\n");
  put (cg.dirfd, "io.stat",
       "8:16 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
       "253:0 rbytes=0 wbytes=512 rios=0 wios=1 dbytes=0 dios=0\n");
  put (cg.dirfd, "hugetlb.2MB.current", "4194304\n");
  put (cg.dirfd, "hugetlb.2MB.max", "max\n");
  put (cg.dirfd, "hugetlb.2MB.events", "max 0\n");
  put (cg.dirfd, "hugetlb.2MB.rsvd.current", "0\n");
  put (cg.dirfd, "hugetlb.1GB.current", "0\n");
  put (cg.dirfd, "hugetlb.1GB.events", "max 1\n");

  ok (cgroup_stats_json (&cg, &json, &err) == 0, "stats of a cgroup with every controller");
  if (err)
    diag (err->msg);
  is_str (json,
          "{\"cpu\":{\"usage\":{\"total\":123456000,\"kernel\":23456000,\"user\":100000000},"
          "\"throttling\":{\"periods\":10,\"throttledPeriods\":2,\"throttledTime\":5000000}}," CPUSET_ZERO ","
          "\"memory\":{\"cache\":4096,"
          "\"usage\":{\"limit\":18446744073709551615,\"usage\":2097152,\"max\":3145728,\"failcnt\":0},"
          "\"swap\":{\"limit\":18446744073709551615,\"usage\":2101248,\"failcnt\":0},"
          "\"kernel\":{\"limit\":0,\"failcnt\":0},\"kernelTCP\":{\"limit\":0,\"failcnt\":0},"
          "\"raw\":{\"anon\":1048576,\"file\":4096,\"kernel_stack\":16384}},"
          "\"pids\":{\"current\":3,\"limit\":100},"
          "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"minor\":16,\"op\":\"Read\",\"value\":4096},"
          "{\"major\":8,\"minor\":16,\"op\":\"Write\",\"value\":8192},{\"major\":253,\"op\":\"Read\"},"
          "{\"major\":253,\"op\":\"Write\",\"value\":512}],"
          "\"ioServicedRecursive\":[{\"major\":8,\"minor\":16,\"op\":\"Read\",\"value\":1},"
          "{\"major\":8,\"minor\":16,\"op\":\"Write\",\"value\":2},{\"major\":253,\"op\":\"Read\"},"
          "{\"major\":253,\"op\":\"Write\",\"value\":1}]},"
          "\"hugetlb\":{\"1GB\":{\"failcnt\":1},\"2MB\":{\"usage\":4194304,\"failcnt\":0}},"
          "\"intel_rdt\":{},\"network_interfaces\":null}",
          "runc's layout: ns, v1 swap meaning, omitempty zeros, sorted raw and hugetlb keys");
  free (json);
  is_int (cgroup_oom_kills (&cg), 2, "oom_kill from memory.events");

  /* A limited memory: swap limit is memory+swap. */
  put (cg.dirfd, "memory.max", "33554432\n");
  ok (cgroup_stats_json (&cg, &json, &err) == 0 && json
        && strstr (json, "\"swap\":{\"limit\":34603008,\"usage\":2101248,\"failcnt\":0}") != NULL,
      "swap limit is memory.max + memory.swap.max");
  free (json);

  /* Malformed input is an error naming the file. */
  put (cg.dirfd, "cpu.stat", "usage_usec lots\n");
  ok (cgroup_stats_json (&cg, &json, &err) < 0 && json == NULL, "a malformed cpu.stat fails");
  ok (err && strstr (err->msg, "cgroup '/fake'")
        && strstr (err->msg, "'cpu.stat': bad line 'usage_usec lots'"),
      "the error names the cgroup, the file and the line");
  if (err)
    diag (err->msg);
  berr_clear (&err);
  cgroup_clear (&cg);
}

/* A cgroup with no controller enabled: cpu.stat's usage lines, procs. */
static void
test_bare (const char *dir)
{
  struct cgroup cg = fake_cgroup (dir);
  berr_t *err = NULL;
  char *json = NULL;

  put (cg.dirfd, "cgroup.procs", "10\n11\n");
  put (cg.dirfd, "cpu.stat", "usage_usec 7\nuser_usec 0\nsystem_usec 7\n");
  ok (cgroup_stats_json (&cg, &json, &err) == 0, "stats of a cgroup without controllers");
  is_str (
    json,
    "{\"cpu\":{\"usage\":{\"total\":7000,\"kernel\":7000,\"user\":0},\"throttling\":{}}," CPUSET_ZERO ","
    "\"memory\":{\"usage\":{\"limit\":0,\"failcnt\":0},\"swap\":{\"limit\":0,\"failcnt\":0},"
    "\"kernel\":{\"limit\":0,\"failcnt\":0},\"kernelTCP\":{\"limit\":0,\"failcnt\":0}},"
    "\"pids\":{\"current\":2},\"blkio\":{},\"hugetlb\":{},\"intel_rdt\":{},\"network_interfaces\":null}",
    "missing controllers leave zeros; pids counted from cgroup.procs");
  free (json);
  is_int (cgroup_oom_kills (&cg), -1, "no memory.events: oom count unknown");
  cgroup_clear (&cg);

  ok (cgroup_stats_json (&cg, &json, &err) < 0 && err && strcmp (err->msg, "no cgroup") == 0,
      "no cgroup: a clear error");
  berr_clear (&err);
}

static void
test_frozen_pids (const char *dir)
{
  struct cgroup cg = fake_cgroup (dir);
  cleanup_free pid_t *pids = NULL;
  cleanup_free char *freeze = NULL;
  berr_t *err = NULL;
  size_t n = 0;
  int sub;

  put (cg.dirfd, "cgroup.procs", "40\n");
  put (cg.dirfd, "cgroup.events", "populated 1\nfrozen 0\n");
  is_int (cgroup_frozen (&cg), 0, "frozen 0 in cgroup.events: not frozen");
  put (cg.dirfd, "cgroup.events", "populated 1\nfrozen 1\n");
  is_int (cgroup_frozen (&cg), 1, "frozen 1 in cgroup.events: frozen");
  put (cg.dirfd, "cgroup.freeze", "0\n");
  ok (cgroup_freeze (&cg, true, &err) == 0, "freeze returns once cgroup.events says frozen");
  freeze = get (cg.dirfd, "cgroup.freeze");
  ok (freeze && freeze[0] == '1', "freeze wrote 1 to cgroup.freeze");

  mkdirat (cg.dirfd, "a", 0755);
  mkdirat (cg.dirfd, "a/b", 0755);
  mkdirat (cg.dirfd, "c", 0755);
  sub = openat (cg.dirfd, "a", O_RDONLY | O_DIRECTORY);
  put (sub, "cgroup.procs", "7\n");
  put (sub, "b/cgroup.procs", "300\n2\n");
  close (sub);
  put (cg.dirfd, "c/cgroup.procs", "");
  ok (cgroup_pids (&cg, &pids, &n, &err) == 0, "pids of a subtree");
  ok (n == 4 && pids[0] == 2 && pids[1] == 7 && pids[2] == 40 && pids[3] == 300,
      "every sub-cgroup's cgroup.procs, sorted (got %zu)", n);
  cgroup_clear (&cg);
  ok (cgroup_frozen (&cg) == -1, "no cgroup: frozen state unknown");
  ok (cgroup_freeze (&cg, true, &err) < 0, "no cgroup: freeze fails");
  berr_clear (&err);
}

/* Without cgroup.kill (as on Linux < 5.14) kill signals every listed pid. */
static void
test_kill_each (const char *dir)
{
  struct cgroup cg = fake_cgroup (dir);
  berr_t *err = NULL;
  char procs[64];
  pid_t child;
  int status = 0;

  child = fork ();
  if (child == 0)
    {
      pause ();
      _exit (0);
    }
  mkdirat (cg.dirfd, "k", 0755);
  snprintf (procs, sizeof (procs), "%d\n", (int)child);
  put (cg.dirfd, "cgroup.procs", "");
  put (cg.dirfd, "k/cgroup.procs", procs);
  ok (cgroup_kill (&cg, SIGUSR1, &err) == 0, "kill SIGUSR1 without cgroup.kill");
  if (err)
    diag (err->msg);
  berr_clear (&err);
  ok (waitpid (child, &status, 0) == child && WIFSIGNALED (status) && WTERMSIG (status) == SIGUSR1,
      "the process in the sub-cgroup got the signal");
  cgroup_clear (&cg);
}

int
main (void)
{
  char tmpl[] = "/tmp/berth-cgstats-XXXXXX";
  char *base = mkdtemp (tmpl);
  const char *subs[] = { "full", "bare", "frozen", "kill" };
  char path[4][128];
  size_t i;
  berr_t *err = NULL;

  if (base == NULL)
    {
      printf ("Bail out! mkdtemp: %s\n", strerror (errno));
      return 1;
    }
  for (i = 0; i < 4; i++)
    {
      snprintf (path[i], sizeof (path[i]), "%s/%s", base, subs[i]);
      mkdir (path[i], 0755);
    }
  test_full (path[0]);
  test_bare (path[1]);
  test_frozen_pids (path[2]);
  test_kill_each (path[3]);
  {
    int bfd = open (base, O_RDONLY | O_DIRECTORY);
    for (i = 0; i < 4; i++)
      util_rm_rf_at (bfd, subs[i], &err);
    close (bfd);
    rmdir (base);
    berr_clear (&err);
  }
  return tap_done ();
}
