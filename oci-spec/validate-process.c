/* berth - semantic validation of the process section (config.json
 * .process, or a whole `berth exec --process` document): arguments, working
 * directory, environment, capability and rlimit names, scheduler and I/O
 * priority.  Names are checked against the lists the kernel of today knows,
 * so a typo ("CAP_NET_BIND") fails at create time with its JSON path instead
 * of being dropped silently. */
#include <config.h>

#include "validate-internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const capabilities[] = { "CAP_CHOWN",
                                            "CAP_DAC_OVERRIDE",
                                            "CAP_DAC_READ_SEARCH",
                                            "CAP_FOWNER",
                                            "CAP_FSETID",
                                            "CAP_KILL",
                                            "CAP_SETGID",
                                            "CAP_SETUID",
                                            "CAP_SETPCAP",
                                            "CAP_LINUX_IMMUTABLE",
                                            "CAP_NET_BIND_SERVICE",
                                            "CAP_NET_BROADCAST",
                                            "CAP_NET_ADMIN",
                                            "CAP_NET_RAW",
                                            "CAP_IPC_LOCK",
                                            "CAP_IPC_OWNER",
                                            "CAP_SYS_MODULE",
                                            "CAP_SYS_RAWIO",
                                            "CAP_SYS_CHROOT",
                                            "CAP_SYS_PTRACE",
                                            "CAP_SYS_PACCT",
                                            "CAP_SYS_ADMIN",
                                            "CAP_SYS_BOOT",
                                            "CAP_SYS_NICE",
                                            "CAP_SYS_RESOURCE",
                                            "CAP_SYS_TIME",
                                            "CAP_SYS_TTY_CONFIG",
                                            "CAP_MKNOD",
                                            "CAP_LEASE",
                                            "CAP_AUDIT_WRITE",
                                            "CAP_AUDIT_CONTROL",
                                            "CAP_SETFCAP",
                                            "CAP_MAC_OVERRIDE",
                                            "CAP_MAC_ADMIN",
                                            "CAP_SYSLOG",
                                            "CAP_WAKE_ALARM",
                                            "CAP_BLOCK_SUSPEND",
                                            "CAP_AUDIT_READ",
                                            "CAP_PERFMON",
                                            "CAP_BPF",
                                            "CAP_CHECKPOINT_RESTORE",
                                            NULL };

static const char *const rlimits[] = { "RLIMIT_AS",
                                       "RLIMIT_CORE",
                                       "RLIMIT_CPU",
                                       "RLIMIT_DATA",
                                       "RLIMIT_FSIZE",
                                       "RLIMIT_LOCKS",
                                       "RLIMIT_MEMLOCK",
                                       "RLIMIT_MSGQUEUE",
                                       "RLIMIT_NICE",
                                       "RLIMIT_NOFILE",
                                       "RLIMIT_NPROC",
                                       "RLIMIT_RSS",
                                       "RLIMIT_RTPRIO",
                                       "RLIMIT_RTTIME",
                                       "RLIMIT_SIGPENDING",
                                       "RLIMIT_STACK",
                                       NULL };

static int
check_cap_set (struct vctx *v, const char *base, const char *set, char *const *caps, size_t n)
{
  char p[160];
  size_t i;

  for (i = 0; i < n; i++)
    if (!vin_list (caps[i], capabilities))
      {
        snprintf (p, sizeof (p), "%s.capabilities.%s[%zu]", base, set, i);
        return vfail (v, p, "unknown capability \"%s\"", caps[i]);
      }
  return 0;
}

static int
check_capabilities (struct vctx *v, const char *base, const oci_linux_capabilities *c)
{
  if (check_cap_set (v, base, "bounding", c->bounding, c->bounding_len) < 0
      || check_cap_set (v, base, "effective", c->effective, c->effective_len) < 0
      || check_cap_set (v, base, "inheritable", c->inheritable, c->inheritable_len) < 0
      || check_cap_set (v, base, "permitted", c->permitted, c->permitted_len) < 0
      || check_cap_set (v, base, "ambient", c->ambient, c->ambient_len) < 0)
    return -1;
  return 0;
}

static int
check_rlimits (struct vctx *v, const char *base, const oci_process *p)
{
  char path[160];
  size_t i, j;

  for (i = 0; i < p->rlimits_len; i++)
    {
      const oci_posix_rlimit *r = p->rlimits[i];
      snprintf (path, sizeof (path), "%s.rlimits[%zu].type", base, i);
      if (r->type == NULL)
        return vfail (v, path, "missing");
      if (!vin_list (r->type, rlimits))
        return vfail (v, path, "unknown rlimit \"%s\"", r->type);
      for (j = 0; j < i; j++)
        if (p->rlimits[j]->type && strcmp (p->rlimits[j]->type, r->type) == 0)
          return vfail (v, path, "duplicate rlimit \"%s\" (also at index %zu)", r->type, j);
      snprintf (path, sizeof (path), "%s.rlimits[%zu]", base, i);
      if (r->soft > r->hard)
        return vfail (v, path, "soft limit %" PRIu64 " is above hard limit %" PRIu64, r->soft, r->hard);
    }
  return 0;
}

/* As runc: "NAME=value", NAME non-empty; the kernel would take anything, but
 * programs in the container would misread it. */
static int
check_env (struct vctx *v, const char *base, const oci_process *p)
{
  char path[160];
  size_t i;

  for (i = 0; i < p->env_len; i++)
    {
      const char *eq = strchr (p->env[i], '=');
      snprintf (path, sizeof (path), "%s.env[%zu]", base, i);
      if (eq == NULL)
        return vfail (v, path, "\"%s\" has no '='", p->env[i]);
      if (eq == p->env[i])
        return vfail (v, path, "\"%s\" has an empty name", p->env[i]);
    }
  return 0;
}

static int
check_scheduler (struct vctx *v, const char *base, const oci_scheduler *s)
{
  static const char *const policies[] = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",       "SCHED_BATCH",
                                          "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE", NULL };
  static const char *const flags[] = { "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",
                                       "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_POLICY",
                                       "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
                                       "SCHED_FLAG_UTIL_CLAMP_MAX", NULL };
  char path[160];
  size_t i;

  snprintf (path, sizeof (path), "%s.scheduler.policy", base);
  if (s->policy == NULL)
    return vfail (v, path, "missing");
  if (!vin_list (s->policy, policies))
    return vfail (v, path, "unknown scheduler policy \"%s\"", s->policy);
  snprintf (path, sizeof (path), "%s.scheduler.nice", base);
  if (s->nice_present && (s->nice < -20 || s->nice > 19))
    return vfail (v, path, "%" PRId32 " is outside -20..19", s->nice);
  for (i = 0; i < s->flags_len; i++)
    if (!vin_list (s->flags[i], flags))
      {
        snprintf (path, sizeof (path), "%s.scheduler.flags[%zu]", base, i);
        return vfail (v, path, "unknown scheduler flag \"%s\"", s->flags[i]);
      }
  return 0;
}

static int
check_io_priority (struct vctx *v, const char *base, const oci_linux_io_priority *io)
{
  static const char *const classes[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL };
  char path[160];

  snprintf (path, sizeof (path), "%s.ioPriority.class", base);
  if (io->class == NULL)
    return vfail (v, path, "missing");
  if (!vin_list (io->class, classes))
    return vfail (v, path, "unknown I/O priority class \"%s\"", io->class);
  snprintf (path, sizeof (path), "%s.ioPriority.priority", base);
  if (io->priority_present && (io->priority < 0 || io->priority > 7))
    return vfail (v, path, "%" PRId32 " is outside 0..7", io->priority);
  return 0;
}

static int
check_args_cwd (struct vctx *v, const char *base, const oci_process *p)
{
  char path[160];

  snprintf (path, sizeof (path), "%s.args", base);
  if (p->args_len == 0)
    return vfail (v, path, "must not be empty");
  snprintf (path, sizeof (path), "%s.args[0]", base);
  if (p->args[0][0] == '\0')
    return vfail (v, path, "the program name must not be empty");
  snprintf (path, sizeof (path), "%s.cwd", base);
  if (p->cwd == NULL || p->cwd[0] == '\0')
    return vfail (v, path, "missing");
  if (p->cwd[0] != '/')
    return vfail (v, path, "\"%s\" is not an absolute path", p->cwd);
  return 0;
}

int
vcheck_process (struct vctx *v, const char *base, const oci_process *p)
{
  char path[160];

  if (check_args_cwd (v, base, p) < 0 || check_env (v, base, p) < 0 || check_rlimits (v, base, p) < 0)
    return -1;
  if (p->capabilities && check_capabilities (v, base, p->capabilities) < 0)
    return -1;
  if (p->scheduler && check_scheduler (v, base, p->scheduler) < 0)
    return -1;
  if (p->io_priority && check_io_priority (v, base, p->io_priority) < 0)
    return -1;
  snprintf (path, sizeof (path), "%s.oomScoreAdj", base);
  if (p->oom_score_adj_present && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
    return vfail (v, path, "%" PRId32 " is outside -1000..1000", p->oom_score_adj);
  return 0;
}
