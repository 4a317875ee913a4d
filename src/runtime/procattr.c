/* berth - per-task kernel attributes of the container process.
 *
 * scheduler (sched_setattr), ioPriority (ioprio_set), personality and
 * execCPUAffinity are applied by the init and by `exec` in the process
 * itself, because they are inherited across execve and cannot be set from
 * outside for a process in another user namespace.  glibc has no wrappers
 * for sched_setattr and ioprio_set, hence the raw syscalls.  This file also
 * decides which linux.sysctl keys are allowed: only those the kernel keeps
 * per namespace, and only when the container has that namespace, so that a
 * config can never change the host's kernel settings. */
#include <config.h>

#include "procattr.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci-spec.h"
#include "util.h"

/* The kernel's struct sched_attr, SCHED_ATTR_SIZE_VER0 (no util clamps). */
struct berth_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

struct name_value
{
  const char *name;
  unsigned long value;
};

static const struct name_value sched_policies[] = {
  { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },       { "SCHED_BATCH", 3 },
  { "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 }, { NULL, 0 },
};

static const struct name_value sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 }, { NULL, 0 },
};

static const struct name_value ioprio_classes[] = {
  { "IOPRIO_CLASS_RT", 1 },
  { "IOPRIO_CLASS_BE", 2 },
  { "IOPRIO_CLASS_IDLE", 3 },
  { NULL, 0 },
};

static const struct name_value personality_flags[] = {
  { "UNAME26", UNAME26 },
  { "ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE },
  { "FDPIC_FUNCPTRS", FDPIC_FUNCPTRS },
  { "MMAP_PAGE_ZERO", MMAP_PAGE_ZERO },
  { "ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT },
  { "READ_IMPLIES_EXEC", READ_IMPLIES_EXEC },
  { "ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT },
  { "SHORT_INODE", SHORT_INODE },
  { "WHOLE_SECONDS", WHOLE_SECONDS },
  { "STICKY_TIMEOUTS", STICKY_TIMEOUTS },
  { "ADDR_LIMIT_3GB", ADDR_LIMIT_3GB },
  { NULL, 0 },
};

static int
lookup (const struct name_value *t, const char *name, unsigned long *out)
{
  for (; name && t->name; t++)
    if (strcmp (t->name, name) == 0)
      {
        *out = t->value;
        return 0;
      }
  return -1;
}

/* "0-3,6,8-9" → set; -1 on a malformed list or a cpu beyond CPU_SETSIZE. */
static int
parse_cpu_list (const char *s, cpu_set_t *set)
{
  CPU_ZERO (set);
  while (*s)
    {
      char *end;
      unsigned long a = strtoul (s, &end, 10), b;
      if (end == s)
        return -1;
      b = a;
      if (*end == '-')
        {
          s = end + 1;
          b = strtoul (s, &end, 10);
          if (end == s || b < a)
            return -1;
        }
      if (b >= CPU_SETSIZE)
        return -1;
      for (; a <= b; a++)
        CPU_SET (a, set);
      if (*end == ',')
        end++;
      else if (*end != '\0')
        return -1;
      s = end;
    }
  return CPU_COUNT (set) > 0 ? 0 : -1;
}

int
procattr_validate_process (const oci_process *p, berr_t **err)
{
  const oci_cpu_affinity *a = p->exec_cpu_affinity;
  cpu_set_t set;

  if (a && a->initial && *a->initial && parse_cpu_list (a->initial, &set) < 0)
    return berr_make (err, 0, "config.json: .process.execCPUAffinity.initial: invalid cpu list '%s'",
                      a->initial);
  if (a && a->final && *a->final && parse_cpu_list (a->final, &set) < 0)
    return berr_make (err, 0, "config.json: .process.execCPUAffinity.final: invalid cpu list '%s'", a->final);
  return 0;
}

/* Whether the container has a namespace of this type other than ours: a
 * new one, or one joined by a path that is not our own (runc refuses a
 * sysctl for a "joined" namespace that is the host's). */
static bool
has_namespace (const oci_spec *spec, const char *type, const char *proc)
{
  size_t i;
  for (i = 0; spec->linux && i < spec->linux->namespaces_len; i++)
    {
      const oci_linux_namespace *n = spec->linux->namespaces[i];
      cleanup_free char *self = NULL;
      struct stat a, b;

      if (n->type == NULL || strcmp (n->type, type) != 0)
        continue;
      if (n->path == NULL || *n->path == '\0')
        return true;
      self = xasprintf ("/proc/self/ns/%s", proc);
      return !(stat (n->path, &a) == 0 && stat (self, &b) == 0 && a.st_dev == b.st_dev
               && a.st_ino == b.st_ino);
    }
  return false;
}

/* The namespace a sysctl key lives in ("ipc", "network", "uts"; *proc gets
 * its /proc/self/ns name), or NULL when the kernel has one value for the
 * whole machine. */
static const char *
sysctl_namespace (const char *key, const char **proc)
{
  static const char *const ipc[]
    = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",          "kernel.sem", "kernel.shmall",
        "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL };
  size_t i;

  *proc = NULL;
  for (i = 0; ipc[i]; i++)
    if (strcmp (key, ipc[i]) == 0)
      return *proc = "ipc";
  if (util_str_has_prefix (key, "fs.mqueue."))
    return *proc = "ipc";
  if (util_str_has_prefix (key, "net."))
    {
      *proc = "net";
      return "network";
    }
  if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
    return *proc = "uts";
  return NULL;
}

static int
check_sysctls (const oci_spec *spec, berr_t **err)
{
  const oci_string_map *m = spec->linux ? spec->linux->sysctl : NULL;
  size_t i;

  for (i = 0; m && i < m->len; i++)
    {
      cleanup_free char *key = xstrdup (m->keys[i]);
      const char *ns, *proc;
      char *c;

      /* runc accepts both spellings: net/ipv4/ip_forward, net.ipv4.ip_forward */
      for (c = key; *c; c++)
        if (*c == '/')
          *c = '.';
      ns = sysctl_namespace (key, &proc);
      if (ns == NULL)
        return berr_make (
          err, 0, "config.json: .linux.sysctl: '%s' is not namespaced, setting it would change the host",
          m->keys[i]);
      if (!has_namespace (spec, ns, proc))
        return berr_make (err, 0,
                          "config.json: .linux.sysctl: '%s' needs a %s namespace of the container's own "
                          "in .linux.namespaces",
                          m->keys[i], ns);
    }
  return 0;
}

int
procattr_validate (const oci_spec *spec, berr_t **err)
{
  const oci_linux_personality *pers = spec->linux ? spec->linux->personality : NULL;
  unsigned long v;
  size_t i;

  for (i = 0; pers && i < pers->flags_len; i++)
    if (lookup (personality_flags, pers->flags[i], &v) < 0)
      return berr_make (err, 0, "config.json: .linux.personality.flags[%zu]: unknown flag '%s'", i,
                        pers->flags[i]);
  if (spec->process && procattr_validate_process (spec->process, err) < 0)
    return -1;
  return check_sysctls (spec, err);
}

static int
fill_sched_attr (const oci_scheduler *s, struct berth_sched_attr *a, berr_t **err)
{
  unsigned long v;
  size_t i;

  memset (a, 0, sizeof (*a));
  a->size = sizeof (*a);
  if (lookup (sched_policies, s->policy, &v) < 0)
    return berr_make (err, 0, "config.json: .process.scheduler.policy: unknown policy '%s'",
                      s->policy ? s->policy : "");
  a->sched_policy = (uint32_t)v;
  for (i = 0; i < s->flags_len; i++)
    {
      if (lookup (sched_flags, s->flags[i], &v) < 0)
        return berr_make (err, 0, "config.json: .process.scheduler.flags[%zu]: unknown flag '%s'", i,
                          s->flags[i]);
      a->sched_flags |= v;
    }
  a->sched_nice = s->nice;
  a->sched_priority = (uint32_t)s->priority;
  a->sched_runtime = s->runtime;
  a->sched_deadline = s->deadline;
  a->sched_period = s->period;
  return 0;
}

int
procattr_set_scheduler (const oci_process *p, berr_t **err)
{
  struct berth_sched_attr a;

  if (p->scheduler == NULL)
    return 0;
  if (fill_sched_attr (p->scheduler, &a, err) < 0)
    return -1;
  if (syscall (SYS_sched_setattr, 0, &a, 0) < 0)
    return berr_make (err, errno, "set scheduler policy '%s' (priority %d, nice %d)", p->scheduler->policy,
                      (int)p->scheduler->priority, (int)p->scheduler->nice);
  return 0;
}

int
procattr_set_io_priority (const oci_process *p, berr_t **err)
{
  const oci_linux_io_priority *io = p->io_priority;
  unsigned long cls;

  if (io == NULL)
    return 0;
  if (lookup (ioprio_classes, io->class, &cls) < 0)
    return berr_make (err, 0, "config.json: .process.ioPriority.class: unknown class '%s'",
                      io->class ? io->class : "");
  if (io->priority < 0 || io->priority > 7)
    return berr_make (err, 0, "config.json: .process.ioPriority.priority: %d is not in 0..7",
                      (int)io->priority);
  /* IOPRIO_WHO_PROCESS = 1, who = 0: ourselves; class in the top bits. */
  if (syscall (SYS_ioprio_set, 1, 0, (int)((cls << 13) | (unsigned long)io->priority)) < 0)
    return berr_make (err, errno, "set I/O priority '%s' %d", io->class, (int)io->priority);
  return 0;
}

int
procattr_set_personality (const oci_linux_personality *pers, berr_t **err)
{
  unsigned long v, persona;
  size_t i;

  if (pers == NULL)
    return 0;
  persona = pers->domain && strcmp (pers->domain, "LINUX32") == 0 ? PER_LINUX32 : PER_LINUX;
  for (i = 0; i < pers->flags_len; i++)
    {
      if (lookup (personality_flags, pers->flags[i], &v) < 0)
        return berr_make (err, 0, "config.json: .linux.personality.flags[%zu]: unknown flag '%s'", i,
                          pers->flags[i]);
      persona |= v;
    }
  if (personality (persona) < 0)
    return berr_make (err, errno, "set personality '%s'", pers->domain ? pers->domain : "LINUX");
  return 0;
}

static int
set_affinity (const char *list, const char *which, berr_t **err)
{
  cpu_set_t set;

  if (list == NULL || *list == '\0')
    return 0;
  if (parse_cpu_list (list, &set) < 0)
    return berr_make (err, 0, "config.json: .process.execCPUAffinity.%s: invalid cpu list '%s'", which, list);
  if (sched_setaffinity (0, sizeof (set), &set) < 0)
    return berr_make (err, errno, "set cpu affinity '%s' (execCPUAffinity.%s)", list, which);
  return 0;
}

int
procattr_set_affinity_initial (const oci_process *p, berr_t **err)
{
  return p->exec_cpu_affinity ? set_affinity (p->exec_cpu_affinity->initial, "initial", err) : 0;
}

int
procattr_set_affinity_final (const oci_process *p, berr_t **err)
{
  return p->exec_cpu_affinity ? set_affinity (p->exec_cpu_affinity->final, "final", err) : 0;
}
