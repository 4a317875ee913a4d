/* Unit tests for cgroup-ebpf.c: the device rules' validation, the generated
 * BPF_PROG_TYPE_CGROUP_DEVICE program run in a small interpreter (only the
 * instructions the generator emits) against hand-written expectations and
 * against a per-access-bit "last match wins" model, the kernel verifier's
 * verdict on every program, and (root, with a cgroup2 mount) the real
 * thing: a program attached to a cgroup of this test's own, replaced on a
 * second apply, deciding a child's open() of /dev/null and /dev/kmsg. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include "cgroup-ebpf.h"
#include "cgroup.h"
#include "cleanup.h"
#include "tap.h"
#include "util.h"

/* ---- rule lists in a compact form --------------------------------------- */

/* "+c 1:3 rw" allow, "-a *:* rwm" deny; type '?' = absent, '*' = absent
 * major/minor, access '-' = absent. */
static oci_linux_device_cgroup *
rule (const char *s)
{
  oci_linux_device_cgroup *d = xzalloc (sizeof *d);
  char type[8], maj[24], min[24], acc[8];

  if (sscanf (s + 1, " %7s %23[^:]:%23s %7s", type, maj, min, acc) != 4)
    abort ();
  d->allow_present = true;
  d->allow = s[0] == '+';
  if (strcmp (type, "?") != 0)
    d->type = xstrdup (type);
  if (strcmp (maj, "*") != 0)
    {
      d->major_present = true;
      d->major = strtoll (maj, NULL, 10);
    }
  if (strcmp (min, "*") != 0)
    {
      d->minor_present = true;
      d->minor = strtoll (min, NULL, 10);
    }
  if (strcmp (acc, "-") != 0)
    d->access = xstrdup (acc);
  return d;
}

struct rulelist
{
  oci_linux_device_cgroup **v;
  size_t n;
};

static struct rulelist
rules_of (const char *const *specs)
{
  struct rulelist l = { xzalloc (sizeof (void *)), 0 };
  for (; *specs; specs++)
    {
      l.v = xrealloc (l.v, (l.n + 2) * sizeof *l.v);
      l.v[l.n++] = rule (*specs);
    }
  return l;
}

static void
rules_free (struct rulelist *l)
{
  for (size_t i = 0; i < l->n; i++)
    {
      free (l->v[i]->type);
      free (l->v[i]->access);
      free (l->v[i]);
    }
  free (l->v);
}

/* ---- the interpreter ------------------------------------------------------ */

/* Runs insns on the context {access<<16 | type, major, minor}.  Returns
 * r0, or -1 on an instruction the generator should never emit. */
static int64_t
interpret (const struct bpf_insn *insns, size_t len, uint32_t type, uint32_t access, uint32_t major,
           uint32_t minor)
{
  const uint32_t ctx[3] = { access << 16 | type, major, minor };
  uint64_t r[11] = { 0 };
  bool r1_ctx = true;
  size_t pc = 0, steps = 0;

  while (pc < len && steps++ < 100000)
    {
      const struct bpf_insn *i = &insns[pc++];
      uint64_t *d = &r[i->dst_reg];
      bool taken;

      if (i->dst_reg > 10 || i->src_reg > 10)
        return -1;
      if (i->dst_reg == 1 && i->code != (BPF_JMP | BPF_JNE | BPF_K) && i->code != (BPF_JMP | BPF_JEQ | BPF_K))
        r1_ctx = false;
      switch (i->code)
        {
        case BPF_LDX | BPF_MEM | BPF_W:
          if (i->src_reg != 1 || !r1_ctx || i->off < 0 || i->off > 8 || i->off % 4)
            return -1;
          *d = ctx[i->off / 4];
          break;
        case BPF_ALU | BPF_AND | BPF_K:
          *d = (uint32_t)*d & (uint32_t)i->imm;
          break;
        case BPF_ALU | BPF_RSH | BPF_K:
          *d = (uint32_t)*d >> (i->imm & 31);
          break;
        case BPF_ALU | BPF_MOV | BPF_X:
          *d = (uint32_t)r[i->src_reg];
          break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
          *d = (uint64_t)(int64_t)i->imm;
          break;
        case BPF_JMP | BPF_JNE | BPF_K:
        case BPF_JMP | BPF_JEQ | BPF_K:
          taken = *d == (uint64_t)(int64_t)i->imm;
          if (BPF_OP (i->code) == BPF_JNE)
            taken = !taken;
          if (taken)
            pc += i->off;
          break;
        case BPF_JMP32 | BPF_JNE | BPF_K:
          if ((uint32_t)*d != (uint32_t)i->imm)
            pc += i->off;
          break;
        case BPF_JMP | BPF_EXIT:
          return (int64_t)r[0];
        default:
          return -1;
        }
    }
  return -1;
}

/* ---- the model: per access bit, the last matching rule decides ----------- */

static bool
model (const struct cgroup_dev_rule *rules, size_t n, char type, uint32_t access, uint32_t major,
       uint32_t minor)
{
  for (unsigned bit = 1; bit <= 4; bit <<= 1)
    {
      bool allowed = false;
      if (!(access & bit))
        continue;
      for (size_t i = 0; i < n; i++)
        {
          const struct cgroup_dev_rule *r = &rules[i];
          if ((r->type == 'a' || r->type == type) && (r->major < 0 || (uint32_t)r->major == major)
              && (r->minor < 0 || (uint32_t)r->minor == minor) && (r->access & bit))
            allowed = r->allow;
        }
      if (!allowed)
        return false;
    }
  return true;
}

static uint32_t
access_bits (const char *s)
{
  uint32_t a = 0;
  for (; *s; s++)
    a |= *s == 'r' ? BPF_DEVCG_ACC_READ : *s == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  return a;
}

/* ---- the table ------------------------------------------------------------ */

struct expect
{
  const char *req; /* "c 1:3 rw" */
  bool allow;
};

struct tcase
{
  const char *name;
  bool defaults;
  const char *rules[8];
  struct expect exp[12];
};

static const struct tcase cases[] = {
  { "no rules: default deny", false, { NULL }, { { "c 1:3 r", false }, { "b 8:0 m", false }, { NULL, 0 } } },
  { "allow all", false, { "+a *:* rwm" }, { { "c 1:3 rw", true }, { "b 8:0 m", true }, { NULL, 0 } } },
  { "deny all", false, { "-a *:* rwm" }, { { "c 1:3 r", false }, { "b 8:0 rwm", false }, { NULL, 0 } } },
  { "last match wins: deny after allow",
    false,
    { "+a *:* rwm", "-c 1:3 w" },
    { { "c 1:3 r", true }, { "c 1:3 w", false }, { "c 1:3 rw", false }, { "c 1:5 rw", true }, { NULL, 0 } } },
  { "last match wins: allow after deny",
    false,
    { "-c 1:3 w", "+a *:* rwm" },
    { { "c 1:3 w", true }, { "c 1:3 rwm", true }, { NULL, 0 } } },
  { "minor wildcard",
    false,
    { "-a *:* rwm", "+c 1:* r" },
    { { "c 1:9 r", true },
      { "c 1:9 w", false },
      { "c 1:9 rw", false },
      { "c 2:9 r", false },
      { "b 1:9 r", false },
      { NULL, 0 } } },
  { "major wildcard",
    false,
    { "-a *:* rwm", "+c *:5 rw" },
    { { "c 1:5 rw", true }, { "c 7:5 r", true }, { "c 1:6 r", false }, { "b 1:5 r", false }, { NULL, 0 } } },
  { "partial access from two rules",
    false,
    { "-a *:* rwm", "+c 1:3 r", "+c 1:3 w" },
    { { "c 1:3 rw", true }, { "c 1:3 m", false }, { "c 1:3 rwm", false }, { NULL, 0 } } },
  { "mknod only",
    false,
    { "-a *:* rwm", "+b 8:* m" },
    { { "b 8:0 m", true }, { "b 8:0 r", false }, { "c 8:0 m", false }, { NULL, 0 } } },
  { "mknod denied after allow",
    false,
    { "-a *:* rwm", "+c 1:3 rwm", "-c 1:3 m" },
    { { "c 1:3 m", false }, { "c 1:3 rw", true }, { "c 1:3 rwm", false }, { NULL, 0 } } },
  { "absent type and access mean all",
    false,
    { "+a *:* rwm", "-? 1:3 -" },
    { { "c 1:3 r", false }, { "b 1:3 m", false }, { "c 1:4 rw", true }, { NULL, 0 } } },
  { "type a with major/minor",
    false,
    { "-a *:* rwm", "+a 7:0 r" },
    { { "c 7:0 r", true }, { "b 7:0 r", true }, { "b 7:1 r", false }, { NULL, 0 } } },
  { "majors and minors above INT32_MAX",
    false,
    { "-a *:* rwm", "+c 4294967295:2147483648 r" },
    { { "c 4294967295:2147483648 r", true },
      { "c 2147483647:2147483648 r", false },
      { "c 4294967295:0 r", false },
      { NULL, 0 } } },
  { "rules before a full deny never matter",
    false,
    { "+c 1:3 r", "-a *:* rwm", "+c 1:5 r" },
    { { "c 1:3 r", false }, { "c 1:5 r", true }, { NULL, 0 } } },
  { "deny all with the default devices",
    true,
    { "-a *:* rwm" },
    { { "c 1:3 rw", true },
      { "c 1:5 r", true },
      { "c 5:1 rw", true },
      { "c 136:4 rw", true },
      { "c 5:2 rw", true },
      { "c 1:11 r", false },
      { "b 7:0 r", false },
      { "b 7:0 m", true },
      { "c 10:200 rw", true },
      { "c 4:1 w", false },
      { NULL, 0 } } },
  { "the default devices win over the config",
    true,
    { "-c 1:3 rwm", "-c *:* m" },
    { { "c 1:3 rw", true }, { "c 1:11 m", true }, { "c 1:11 r", false }, { NULL, 0 } } },
};

static bool
run_req (const struct bpf_insn *p, size_t len, const char *req, int64_t *got)
{
  char type;
  unsigned long long maj, min;
  char acc[8];

  if (sscanf (req, "%c %llu:%llu %7s", &type, &maj, &min, acc) != 4)
    return false;
  *got = interpret (p, len, type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, access_bits (acc),
                    (uint32_t)maj, (uint32_t)min);
  return true;
}

/* Every request of a grid, interpreter against model. */
static void
check_grid (const char *name, const struct cgroup_dev_rule *rules, size_t n, const struct bpf_insn *p,
            size_t len)
{
  static const uint32_t majors[] = { 0, 1, 2, 5, 7, 8, 10, 136, 2147483647u, 4294967295u };
  static const uint32_t minors[] = { 0, 1, 2, 3, 5, 7, 9, 11, 200, 2147483648u };
  size_t checked = 0, wrong = 0;

  for (int t = 0; t < 2; t++)
    for (size_t a = 0; a < sizeof majors / sizeof *majors; a++)
      for (size_t b = 0; b < sizeof minors / sizeof *minors; b++)
        for (uint32_t acc = 1; acc <= 7; acc++)
          {
            char type = t ? 'b' : 'c';
            int64_t got
              = interpret (p, len, t ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, acc, majors[a], minors[b]);
            bool want = model (rules, n, type, acc, majors[a], minors[b]);
            checked++;
            if (got != (want ? 1 : 0) && wrong++ < 3)
              printf ("#   %c %" PRIu32 ":%" PRIu32 " access %" PRIu32 ": program %" PRId64 ", model %d\n",
                      type, majors[a], minors[b], acc, got, want);
          }
  ok (wrong == 0, "%s: program agrees with the model on %zu requests", name, checked);
}

static int bpf_ok = -1; /* can this host load programs at all */

static void
test_case (const struct tcase *c)
{
  struct rulelist l = rules_of (c->rules);
  cleanup_berr berr_t *err = NULL;
  cleanup_free struct cgroup_dev_rule *rules = NULL;
  cleanup_free struct bpf_insn *p = NULL;
  size_t n = 0, len = 0;

  if (!ok (cgroup_devices_rules (l.v, l.n, c->defaults, &rules, &n, &err) == 0, "%s: rules valid", c->name))
    {
      printf ("#   %s\n", err->msg);
      rules_free (&l);
      return;
    }
  p = cgroup_devices_program (rules, n, &len);
  for (const struct expect *e = c->exp; e->req; e++)
    {
      int64_t got = -2;
      if (!ok (run_req (p, len, e->req, &got) && got == (e->allow ? 1 : 0), "%s: %s -> %s", c->name, e->req,
               e->allow ? "allow" : "deny"))
        printf ("#   got %" PRId64 "\n", got);
    }
  check_grid (c->name, rules, n, p, len);
  if (bpf_ok > 0)
    {
      cleanup_berr berr_t *lerr = NULL;
      cleanup_close int fd = cgroup_devices_load (p, len, &lerr);
      if (!ok (fd >= 0, "%s: the kernel's verifier accepts the program (%zu insns)", c->name, len))
        printf ("#   %s\n", lerr->msg);
    }
  rules_free (&l);
}

/* ---- validation ----------------------------------------------------------- */

static void
test_invalid (const char *const *specs, void (*tweak) (oci_linux_device_cgroup *), const char *want)
{
  struct rulelist l = rules_of (specs);
  cleanup_berr berr_t *err = NULL;
  cleanup_free struct cgroup_dev_rule *rules = NULL;
  size_t n = 0;
  struct cgroup cg = CGROUP_INIT;

  if (tweak)
    tweak (l.v[l.n - 1]);
  ok (cgroup_devices_rules (l.v, l.n, true, &rules, &n, &err) < 0, "refused: %s", want);
  is_str (err ? err->msg : NULL, want, "error names the rule: %s", want);
  berr_clear (&err);
  ok (cgroup_devices_apply (&cg, l.v, l.n, &err) < 0 && err && strcmp (err->msg, want) == 0,
      "apply refuses it too, without a cgroup");
  rules_free (&l);
}

static void
type_x (oci_linux_device_cgroup *d)
{
  free (d->type);
  d->type = xstrdup ("x");
}

static void
type_cb (oci_linux_device_cgroup *d)
{
  free (d->type);
  d->type = xstrdup ("cb");
}

static void
test_validation (void)
{
  static const char *const one[] = { "-a *:* rwm", "+c 1:3 rw", "+c 1:5 rwx", NULL };
  static const char *const two[] = { "-a *:* rwm", "+c 1:3 r", NULL };
  static const char *const neg[] = { "+c -2:3 r", NULL };
  static const char *const big[] = { "-a *:* rwm", "+c 1:4294967296 r", NULL };
  static const char *const ok_wild[] = { "+c -1:-1 r", NULL };
  struct rulelist l;
  cleanup_free struct cgroup_dev_rule *rules = NULL;
  cleanup_berr berr_t *err = NULL;
  size_t n = 0;

  test_invalid (one, NULL, "linux.resources.devices[2].access: 'rwx': 'x' is not one of r, w, m");
  test_invalid (two, type_x, "linux.resources.devices[1].type: 'x': not a (all), b or c");
  test_invalid (two, type_cb, "linux.resources.devices[1].type: 'cb': not a (all), b or c");
  test_invalid (neg, NULL, "linux.resources.devices[0].major: -2: want -1 (any) or 0..4294967295");
  test_invalid (big, NULL, "linux.resources.devices[1].minor: 4294967296: want -1 (any) or 0..4294967295");

  l = rules_of (two);
  free (l.v[1]->access);
  l.v[1]->access = xstrdup ("");
  ok (cgroup_devices_rules (l.v, l.n, false, &rules, &n, &err) < 0 && err
        && strstr (err->msg, "linux.resources.devices[1].access: '': empty") == err->msg,
      "empty access is refused, naming the rule");
  rules_free (&l);
  berr_clear (&err);

  l = rules_of (ok_wild);
  ok (cgroup_devices_rules (l.v, l.n, false, &rules, &n, &err) == 0 && n == 1 && rules[0].major == -1
        && rules[0].minor == -1,
      "-1 major and minor are wildcards");
  rules_free (&l);
}

/* ---- the kernel ----------------------------------------------------------- */

static void
probe_bpf (void)
{
  static const struct cgroup_dev_rule allow_all = { true, 'a', -1, -1, 7 };
  cleanup_free struct bpf_insn *p = NULL;
  cleanup_berr berr_t *err = NULL;
  size_t len;
  int fd;

  p = cgroup_devices_program (&allow_all, 1, &len);
  fd = cgroup_devices_load (p, len, &err);
  if (fd >= 0)
    {
      bpf_ok = 1;
      close (fd);
      return;
    }
  bpf_ok = 0;
  printf ("# bpf(BPF_PROG_LOAD) refused here, verifier checks skipped: %s\n", err->msg);
}

static void
test_verifier_log (void)
{
  /* r0 never set: the verifier must refuse, and its log must say so. */
  const struct bpf_insn bad[] = { { .code = BPF_JMP | BPF_EXIT } };
  cleanup_berr berr_t *err = NULL;
  int fd;

  if (bpf_ok <= 0)
    {
      printf ("ok %d # SKIP bpf() refused on this host\n", ++tap_n);
      return;
    }
  fd = cgroup_devices_load (bad, 1, &err);
  if (fd >= 0)
    close (fd);
  ok (fd < 0 && err && strstr (err->msg, "Permission denied; verifier log:\n")
        && strstr (err->msg, "R0 !read_ok"),
      "a refused program's error carries the verifier log");
  if (err)
    for (char *line = strtok (err->msg, "\n"); line; line = strtok (NULL, "\n"))
      printf ("#   %s\n", line);
}

/* In a child moved into the cgroup: open(path, flags); 0 or errno. */
static int
open_in (int dirfd, const char *path, int flags)
{
  int status;
  pid_t pid = fork ();

  if (pid == 0)
    {
      char buf[32];
      int fd = openat (dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC), n;
      n = snprintf (buf, sizeof buf, "%d", getpid ());
      if (fd < 0 || write (fd, buf, (size_t)n) != n)
        _exit (250);
      close (fd);
      fd = open (path, flags | O_CLOEXEC);
      _exit (fd < 0 ? errno : 0);
    }
  if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status))
    return -1;
  return WEXITSTATUS (status);
}

static size_t
attached (int dirfd)
{
  cleanup_free uint32_t *ids = NULL;
  cleanup_berr berr_t *err = NULL;
  size_t n = 0;

  if (cgroup_devices_query (dirfd, &ids, &n, &err) < 0)
    return (size_t)-1;
  return n;
}

static uint32_t
first_id (int dirfd)
{
  cleanup_free uint32_t *ids = NULL;
  cleanup_berr berr_t *err = NULL;
  size_t n = 0;

  return cgroup_devices_query (dirfd, &ids, &n, &err) == 0 && n > 0 ? ids[0] : 0;
}

static void
apply_specs (struct cgroup *cg, const char *const *specs, const char *what)
{
  struct rulelist l = rules_of (specs);
  cleanup_berr berr_t *err = NULL;

  if (!ok (cgroup_devices_apply (cg, l.v, l.n, &err) == 0, "apply %s", what))
    printf ("#   %s\n", err->msg);
  rules_free (&l);
}

static void
test_kernel (void)
{
  static const char *const deny_all[] = { "-a *:* rwm", NULL };
  static const char *const kmsg_r[] = { "-a *:* rwm", "+c 1:11 r", NULL };
  const char *base = "/sys/fs/cgroup/unified";
  cleanup_free char *dir = NULL, *rel = NULL;
  struct cgroup cg = CGROUP_INIT;
  struct statfs sfs;
  uint32_t id1, id2;

  if (bpf_ok <= 0 || geteuid () != 0)
    {
      printf ("ok %d # SKIP attach tests need root and bpf()\n", ++tap_n);
      return;
    }
  if (statfs (base, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
    base = CGROUP_ROOT;
  if (statfs (base, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
    {
      printf ("ok %d # SKIP no cgroup2 mount at /sys/fs/cgroup or /sys/fs/cgroup/unified\n", ++tap_n);
      return;
    }
  /* This test's own cgroup, next to the test process's. */
  rel = xasprintf ("/berth-unit-ebpf-%d", (int)getpid ());
  dir = xasprintf ("%s%s", base, rel);
  if (!ok (mkdir (dir, 0755) == 0, "mkdir %s", dir))
    return;
  cg.path = rel;
  cg.dirfd = open (dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

  ok (open_in (cg.dirfd, "/dev/kmsg", O_RDONLY) == 0, "before: /dev/kmsg opens in the cgroup");
  apply_specs (&cg, deny_all, "deny all");
  is_int (attached (cg.dirfd), 1, "one program attached");
  id1 = first_id (cg.dirfd);
  is_int (open_in (cg.dirfd, "/dev/kmsg", O_RDONLY), EPERM, "deny all: /dev/kmsg read is EPERM");
  is_int (open_in (cg.dirfd, "/dev/null", O_RDWR), 0, "deny all: /dev/null (a default device) opens rw");
  is_int (open_in (cg.dirfd, "/dev/zero", O_RDONLY), 0, "deny all: /dev/zero (a default device) opens");

  apply_specs (&cg, kmsg_r, "allow c 1:11 r");
  is_int (attached (cg.dirfd), 1, "still one program attached after the update");
  id2 = first_id (cg.dirfd);
  ok (id2 != 0 && id2 != id1, "the program was replaced (id %" PRIu32 " -> %" PRIu32 ")", id1, id2);
  is_int (open_in (cg.dirfd, "/dev/kmsg", O_RDONLY), 0, "update: /dev/kmsg read allowed");
  is_int (open_in (cg.dirfd, "/dev/kmsg", O_WRONLY), EPERM, "update: /dev/kmsg write still EPERM");

  /* Two programs there already (say an interrupted earlier attach): the
   * next apply leaves exactly its own. */
  {
    static const struct cgroup_dev_rule all = { true, 'a', -1, -1, 7 };
    cleanup_free struct bpf_insn *p = NULL;
    cleanup_berr berr_t *err = NULL;
    size_t len;
    cleanup_close int fd = -1;
    union bpf_attr attr;

    p = cgroup_devices_program (&all, 1, &len);
    fd = cgroup_devices_load (p, len, &err);
    memset (&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t)cg.dirfd;
    attr.attach_bpf_fd = (uint32_t)fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    ok (fd >= 0 && syscall (SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) == 0 && attached (cg.dirfd) == 2,
        "a second program attached by hand");
  }
  apply_specs (&cg, deny_all, "deny all again");
  is_int (attached (cg.dirfd), 1, "one program left of three");
  is_int (open_in (cg.dirfd, "/dev/kmsg", O_RDONLY), EPERM, "and it is the new one: /dev/kmsg EPERM");

  /* An unprivileged caller (rootless) cannot load BPF: the rules are
   * skipped with a warning, not an error, and the program stays. */
  {
    int status = -1;
    pid_t pid = fork ();
    if (pid == 0)
      {
        static const char *const all[] = { "+a *:* rwm", NULL };
        struct rulelist l = rules_of (all);
        berr_t *e = NULL;
        if (setresgid (65534, 65534, 65534) < 0 || setresuid (65534, 65534, 65534) < 0)
          _exit (3);
        _exit (cgroup_devices_apply (&cg, l.v, l.n, &e) == 0 ? 0 : 1);
      }
    waitpid (pid, &status, 0);
    ok (WIFEXITED (status) && WEXITSTATUS (status) == 0, "unprivileged: apply skips the device program");
    is_int (open_in (cg.dirfd, "/dev/kmsg", O_RDONLY), EPERM, "unprivileged: the program before stays");
  }

  close (cg.dirfd);
  ok (rmdir (dir) == 0, "rmdir %s", dir);
}

int
main (void)
{
  test_validation ();
  probe_bpf ();
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    test_case (&cases[i]);
  test_verifier_log ();
  test_kernel ();
  return tap_done ();
}
