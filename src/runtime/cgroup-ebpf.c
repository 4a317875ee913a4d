/* berth - device access control for cgroup v2: linux.resources.devices as a
 * BPF_PROG_TYPE_CGROUP_DEVICE program.
 *
 * cgroup v2 has no devices.allow/deny files; the kernel asks a BPF program
 * attached to the cgroup, with the device's type, major, minor and the
 * access wanted (read, write, mknod; an O_RDWR open asks for both r and w at
 * once).  This file owns the whole path from the OCI rule list to that
 * program: validation, generation (raw instructions, no libbpf: the
 * program is a dozen instruction kinds and bpf(2) is four commands),
 * BPF_PROG_LOAD with the verifier's log on failure, and the attach that
 * replaces the program berth attached before.
 *
 * Semantics (runtime-spec config-linux.md, "allowed device list"): rules in
 * order, the last one that matches wins, default deny.  A rule covers a
 * subset of "rwm", so "last match wins" is decided per access bit: a request
 * is allowed when, for every bit it asks for, the last rule naming that bit
 * and matching the device is an allow rule.  The program walks the rules
 * from last to first keeping the bits not decided yet in r6: an allow rule
 * clears its bits (all cleared: allow), a deny rule that names a pending bit
 * denies.  That is what cgroup v1's devices controller did for a request,
 * and it makes "deny c 1:3 w" after "allow a rwm" refuse an O_RDWR open of
 * /dev/null, which a whole-request subset match (crun's) lets through. */
#include <config.h>

#include "cgroup.h"
#include "cgroup-ebpf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "userns.h"
#include "util.h"

#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

/* Appended after the config's rules, so that they win, as runc
 * (specconv.AllowedDevices) and crun (default_devices) both do:
 *  - the nodes berth creates in every container's /dev (devices.c):
 *    null, zero, full, random, urandom, tty; /dev/console (5:1), /dev/ptmx
 *    (5:2) and the container's own devpts terminals (136:*), which a
 *    terminal container's stdio and /dev/console are;
 *  - mknod of any char or block device: berth's init creates the
 *    linux.devices nodes with mknod from inside the cgroup, and runc and
 *    crun never refused that; opening such a node still needs an r or w
 *    rule, which is the part that protects the host;
 *  - /dev/net/tun (10:200), which docker-era configs rely on (runc
 *    restored it in 1.2 after removing it broke users).
 * A config therefore cannot deny these; neither runc's nor crun's can. */
static const struct cgroup_dev_rule default_rules[] = {
  { true, 'c', -1, -1, BPF_DEVCG_ACC_MKNOD },
  { true, 'b', -1, -1, BPF_DEVCG_ACC_MKNOD },
  { true, 'c', 1, 3, ACC_ALL },
  { true, 'c', 1, 5, ACC_ALL },
  { true, 'c', 1, 7, ACC_ALL },
  { true, 'c', 1, 8, ACC_ALL },
  { true, 'c', 1, 9, ACC_ALL },
  { true, 'c', 5, 0, ACC_ALL },
  { true, 'c', 5, 1, ACC_ALL },
  { true, 'c', 5, 2, ACC_ALL },
  { true, 'c', 136, -1, ACC_ALL },
  { true, 'c', 10, 200, ACC_ALL },
};

static int
rule_number (const char *what, size_t i, bool present, int64_t v, int64_t *out, berr_t **err)
{
  *out = -1;
  if (!present)
    return 0;
  /* The kernel hands the program a u32 major and minor. */
  if (v < -1 || v > (int64_t)UINT32_MAX)
    return berr_make (err, 0, "linux.resources.devices[%zu].%s: %" PRId64 ": want -1 (any) or 0..%" PRIu32, i,
                      what, v, UINT32_MAX);
  *out = v;
  return 0;
}

static int
rule_access (size_t i, const char *s, unsigned *out, berr_t **err)
{
  const char *p;

  /* Absent means all, as an absent type, major or minor does. */
  *out = ACC_ALL;
  if (s == NULL)
    return 0;
  if (*s == '\0')
    return berr_make (err, 0, "linux.resources.devices[%zu].access: '': empty (want letters of r, w, m)", i);
  *out = 0;
  for (p = s; *p; p++)
    switch (*p)
      {
      case 'r':
        *out |= BPF_DEVCG_ACC_READ;
        break;
      case 'w':
        *out |= BPF_DEVCG_ACC_WRITE;
        break;
      case 'm':
        *out |= BPF_DEVCG_ACC_MKNOD;
        break;
      default:
        return berr_make (err, 0, "linux.resources.devices[%zu].access: '%s': '%c' is not one of r, w, m", i,
                          s, *p);
      }
  return 0;
}

static int
rule_from_oci (size_t i, const oci_linux_device_cgroup *d, struct cgroup_dev_rule *r, berr_t **err)
{
  if (d == NULL)
    return berr_make (err, 0, "linux.resources.devices[%zu]: null", i);
  r->allow = d->allow_present && d->allow;
  r->type = 'a';
  if (d->type && d->type[0])
    {
      if (strcmp (d->type, "a") != 0 && strcmp (d->type, "b") != 0 && strcmp (d->type, "c") != 0)
        return berr_make (err, 0, "linux.resources.devices[%zu].type: '%s': not a (all), b or c", i, d->type);
      r->type = d->type[0];
    }
  if (rule_number ("major", i, d->major_present, d->major, &r->major, err) < 0
      || rule_number ("minor", i, d->minor_present, d->minor, &r->minor, err) < 0)
    return -1;
  return rule_access (i, d->access, &r->access, err);
}

int
cgroup_devices_rules (oci_linux_device_cgroup **devs, size_t n, bool defaults, struct cgroup_dev_rule **rules,
                      size_t *nrules, berr_t **err)
{
  size_t nd = defaults ? sizeof default_rules / sizeof default_rules[0] : 0, i;
  cleanup_free struct cgroup_dev_rule *v = xmalloc ((n + nd + 1) * sizeof *v);

  for (i = 0; i < n; i++)
    if (rule_from_oci (i, devs[i], &v[i], err) < 0)
      return -1;
  if (nd)
    memcpy (v + n, default_rules, sizeof default_rules);
  *nrules = n + nd;
  *rules = steal_ptr (v);
  return 0;
}

/* ---- generation ---------------------------------------------------------- */

struct prog
{
  struct bpf_insn *insns;
  size_t len, cap;
};

static void
emit (struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  if (p->len == p->cap)
    {
      p->cap = p->cap ? p->cap * 2 : 64;
      p->insns = xrealloc (p->insns, p->cap * sizeof *p->insns);
    }
  p->insns[p->len++]
    = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

static void
emit_return (struct prog *p, int v)
{
  emit (p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, v);
  emit (p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* One rule: the device tests jump past the block when they fail (their
 * offsets are patched once the block's length is known), then the access
 * step described at the top of the file. */
static void
emit_rule (struct prog *p, const struct cgroup_dev_rule *r)
{
  size_t skips[3], nskip = 0, i;

  if (r->type != 'a')
    {
      skips[nskip++] = p->len;
      emit (p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
            r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
    }
  /* 32-bit compares: a major or minor above INT32_MAX stays unsigned. */
  if (r->major >= 0)
    {
      skips[nskip++] = p->len;
      emit (p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int32_t)(uint32_t)r->major);
    }
  if (r->minor >= 0)
    {
      skips[nskip++] = p->len;
      emit (p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int32_t)(uint32_t)r->minor);
    }
  if (r->allow)
    {
      emit (p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_6, 0, 0, (int32_t)~r->access);
      emit (p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_6, 0, 2, 0);
      emit_return (p, 1);
    }
  else
    {
      emit (p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0);
      emit (p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t)r->access);
      emit (p, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, 2, 0);
      emit_return (p, 0);
    }
  for (i = 0; i < nskip; i++)
    p->insns[skips[i]].off = (int16_t)(p->len - skips[i] - 1);
}

struct bpf_insn *
cgroup_devices_program (const struct cgroup_dev_rule *rules, size_t n, size_t *len)
{
  struct prog p = { NULL, 0, 0 };
  size_t i;

  /* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }:
   * the device type is the low half of access_type, the access the high. */
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
  emit (&p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
  emit (&p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
  emit (&p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_3, 0, 0);
  for (i = n; i-- > 0;)
    {
      const struct cgroup_dev_rule *r = &rules[i];
      emit_rule (&p, r);
      /* A rule for every device and every access decides every request
       * (the program walks backwards): the rules before it never run. */
      if (r->type == 'a' && r->major < 0 && r->minor < 0 && r->access == ACC_ALL)
        break;
    }
  emit_return (&p, 0);
  *len = p.len;
  return p.insns;
}

/* ---- bpf(2) -------------------------------------------------------------- */

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int)syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

/* Before 5.11 BPF programs were charged to RLIMIT_MEMLOCK, whose default
 * soft limit is small; raise it as far as we may and let the retry say. */
static void
raise_memlock (void)
{
  struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

  if (setrlimit (RLIMIT_MEMLOCK, &rl) == 0 || getrlimit (RLIMIT_MEMLOCK, &rl) < 0)
    return;
  rl.rlim_cur = rl.rlim_max;
  (void)setrlimit (RLIMIT_MEMLOCK, &rl);
}

static int
prog_load (const struct bpf_insn *insns, size_t len, char *log, size_t logsz)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = (uint32_t)len;
  /* The program calls no helper, so no GPL-only check can apply; the
   * kernel only needs a readable string. */
  attr.license = (uint64_t)(uintptr_t) "GPL";
  /* What `bpftool cgroup show` lists it as. */
  strncpy (attr.prog_name, "berth_devices", sizeof attr.prog_name - 1);
  if (log)
    {
      log[0] = '\0';
      attr.log_level = 1;
      attr.log_buf = (uint64_t)(uintptr_t)log;
      attr.log_size = (uint32_t)logsz;
    }
  return sys_bpf (BPF_PROG_LOAD, &attr);
}

/* The end of the verifier's log says why; its start can be long. */
static const char *
log_tail (char *log)
{
  size_t len = strlen (log);
  const char *nl;

  while (len > 0 && (log[len - 1] == '\n' || log[len - 1] == ' '))
    log[--len] = '\0';
  if (len == 0)
    return "(empty)";
  if (len <= 4000)
    return log;
  nl = strchr (log + len - 4000, '\n');
  return nl ? nl + 1 : log + len - 4000;
}

int
cgroup_devices_load (const struct bpf_insn *insns, size_t len, berr_t **err)
{
  cleanup_free char *log = NULL;
  size_t logsz = 64 * 1024;
  int fd, saved;

  fd = prog_load (insns, len, NULL, 0);
  if (fd < 0 && errno == EPERM)
    {
      raise_memlock ();
      fd = prog_load (insns, len, NULL, 0);
    }
  if (fd >= 0)
    return fd;
  saved = errno;
  if (saved != EINVAL && saved != EACCES)
    return berr_make (err, saved, "load the device cgroup program (bpf BPF_PROG_LOAD)");
  /* Only now pay for the verifier's log, which says why. */
  for (;;)
    {
      log = xrealloc (log, logsz);
      fd = prog_load (insns, len, log, logsz);
      if (fd >= 0)
        return fd;
      if (errno != ENOSPC || logsz >= 4 * 1024 * 1024)
        break;
      logsz *= 4;
    }
  log[logsz - 1] = '\0';
  return berr_make (err, 0, "load the device cgroup program (%zu instructions): %s; verifier log:\n%s", len,
                    strerror (saved), log_tail (log));
}

int
cgroup_devices_query (int dirfd, uint32_t **ids, size_t *n, berr_t **err)
{
  cleanup_free uint32_t *v = NULL;
  uint32_t cap = 64;
  union bpf_attr attr;

  for (;;)
    {
      v = xrealloc (v, cap * sizeof *v);
      memset (&attr, 0, sizeof attr);
      attr.query.target_fd = (uint32_t)dirfd;
      attr.query.attach_type = BPF_CGROUP_DEVICE;
      attr.query.prog_ids = (uint64_t)(uintptr_t)v;
      attr.query.prog_cnt = cap;
      if (sys_bpf (BPF_PROG_QUERY, &attr) == 0)
        break;
      if (errno != ENOSPC || cap >= 65536)
        return berr_make (err, errno, "query the cgroup's device programs (bpf BPF_PROG_QUERY)");
      cap *= 4;
    }
  *n = attr.query.prog_cnt;
  *ids = steal_ptr (v);
  return 0;
}

static int
prog_fd_by_id (uint32_t id)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.prog_id = id;
  return sys_bpf (BPF_PROG_GET_FD_BY_ID, &attr);
}

static int
prog_attach (int dirfd, int progfd, int replacefd)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)dirfd;
  attr.attach_bpf_fd = (uint32_t)progfd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (replacefd >= 0)
    {
      attr.attach_flags |= BPF_F_REPLACE;
      attr.replace_bpf_fd = (uint32_t)replacefd;
    }
  return sys_bpf (BPF_PROG_ATTACH, &attr);
}

/* A program that vanished meanwhile (ENOENT) needs no detaching. */
static int
prog_detach (int dirfd, uint32_t id, berr_t **err)
{
  cleanup_close int fd = prog_fd_by_id (id);
  union bpf_attr attr;

  if (fd < 0)
    return errno == ENOENT ? 0 : berr_make (err, errno, "open the old device program %" PRIu32, id);
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)dirfd;
  attr.attach_bpf_fd = (uint32_t)fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (sys_bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
    return berr_make (err, errno, "detach the old device program %" PRIu32, id);
  return 0;
}

/* With one old program, BPF_F_REPLACE swaps it atomically (5.6+).
 * Otherwise the new one is attached next to the old ones first (with
 * BPF_F_ALLOW_MULTI every attached program must allow, so in between the
 * stricter set applies, never none) and the old ones are detached after. */
int
cgroup_devices_attach (int dirfd, int progfd, berr_t **err)
{
  cleanup_free uint32_t *old = NULL;
  size_t nold = 0, i;

  if (cgroup_devices_query (dirfd, &old, &nold, err) < 0)
    return -1;
  if (nold == 1)
    {
      cleanup_close int replacefd = prog_fd_by_id (old[0]);
      if (replacefd >= 0 && prog_attach (dirfd, progfd, replacefd) == 0)
        return 0;
      /* EINVAL: a kernel without BPF_F_REPLACE; ENOENT: the old program
       * went meanwhile.  The general path below handles both. */
    }
  if (prog_attach (dirfd, progfd, -1) < 0)
    return berr_make (err, errno, "attach the device cgroup program (bpf BPF_PROG_ATTACH)");
  for (i = 0; i < nold; i++)
    if (prog_detach (dirfd, old[i], err) < 0)
      return -1;
  return 0;
}

int
cgroup_devices_apply (const struct cgroup *cg, oci_linux_device_cgroup **devs, size_t n, berr_t **err)
{
  cleanup_free struct cgroup_dev_rule *rules = NULL;
  cleanup_free struct bpf_insn *insns = NULL;
  cleanup_close int progfd = -1;
  size_t nrules = 0, len = 0;

  /* Validate first: a bad rule is refused even without a cgroup. */
  if (cgroup_devices_rules (devs, n, true, &rules, &nrules, err) < 0)
    return -1;
  if (cg->path == NULL)
    return 0;
  if (cg->dirfd < 0)
    return berr_make (err, ENOENT, "linux.resources.devices: cgroup '%s' is not open", cg->path);
  insns = cgroup_devices_program (rules, nrules, &len);
  progfd = cgroup_devices_load (insns, len, err);
  /* Rootless (a delegated cgroup): BPF needs CAP_BPF in the initial user
   * namespace, which the caller lacks; it also cannot reach a device node
   * beyond its own file permissions, so there is nothing for the program
   * to protect.  crun skips it there too. */
  if (progfd < 0 && err && *err && (*err)->status == EPERM && (geteuid () != 0 || !userns_in_initial ()))
    {
      log_warning ("linux.resources.devices: not applied to cgroup '%s' (rootless: %s)", cg->path,
                   (*err)->msg);
      berr_clear (err);
      return 0;
    }
  if (progfd < 0 || cgroup_devices_attach (cg->dirfd, progfd, err) < 0)
    return berr_wrap (err, "linux.resources.devices: cgroup '%s'", cg->path);
  return 0;
}
