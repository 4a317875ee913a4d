/* berth - semantic validation of .linux.seccomp and .linux.resources (also a
 * standalone `berth update --resources` document).  Seccomp names are the
 * libseccomp spellings the spec uses; they are checked here, not when the
 * filter is built, so a typo fails before any namespace exists.  Resource
 * checks are the ones whose failure the kernel would report only as EINVAL
 * on some cgroup file. */
#include <config.h>

#include "validate-internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static const char *const seccomp_actions[]
  = { "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",   "SCMP_ACT_ERRNO",
      "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY", NULL };

static const char *const seccomp_ops[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
                                           "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL };

static const char *const seccomp_flags[]
  = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
      "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };

static int
check_syscall (struct vctx *v, size_t i, const oci_linux_syscall *sc, bool *notify)
{
  char p[160];
  size_t j;

  snprintf (p, sizeof (p), ".linux.seccomp.syscalls[%zu].names", i);
  if (sc->names_len == 0)
    return vfail (v, p, "must not be empty");
  for (j = 0; j < sc->names_len; j++)
    if (sc->names[j][0] == '\0')
      {
        snprintf (p, sizeof (p), ".linux.seccomp.syscalls[%zu].names[%zu]", i, j);
        return vfail (v, p, "empty syscall name");
      }
  snprintf (p, sizeof (p), ".linux.seccomp.syscalls[%zu].action", i);
  if (sc->action == NULL)
    return vfail (v, p, "missing");
  if (!vin_list (sc->action, seccomp_actions))
    return vfail (v, p, "unknown seccomp action \"%s\"", sc->action);
  if (strcmp (sc->action, "SCMP_ACT_NOTIFY") == 0)
    *notify = true;
  for (j = 0; j < sc->args_len; j++)
    {
      const oci_linux_seccomp_arg *a = sc->args[j];
      snprintf (p, sizeof (p), ".linux.seccomp.syscalls[%zu].args[%zu].index", i, j);
      /* A syscall has at most six arguments. */
      if (a->index >= 6)
        return vfail (v, p, "%" PRIu32 " is not below 6", a->index);
      snprintf (p, sizeof (p), ".linux.seccomp.syscalls[%zu].args[%zu].op", i, j);
      if (a->op == NULL)
        return vfail (v, p, "missing");
      if (!vin_list (a->op, seccomp_ops))
        return vfail (v, p, "unknown seccomp operator \"%s\"", a->op);
    }
  return 0;
}

int
vcheck_seccomp (struct vctx *v, const oci_linux_seccomp *s)
{
  char p[160];
  bool notify = false;
  size_t i;

  if (s->default_action == NULL)
    return vfail (v, ".linux.seccomp.defaultAction", "missing");
  if (!vin_list (s->default_action, seccomp_actions))
    return vfail (v, ".linux.seccomp.defaultAction", "unknown seccomp action \"%s\"", s->default_action);
  for (i = 0; i < s->architectures_len; i++)
    if (!util_str_has_prefix (s->architectures[i], "SCMP_ARCH_"))
      {
        snprintf (p, sizeof (p), ".linux.seccomp.architectures[%zu]", i);
        return vfail (v, p, "unknown architecture \"%s\"", s->architectures[i]);
      }
  for (i = 0; i < s->flags_len; i++)
    if (!vin_list (s->flags[i], seccomp_flags))
      {
        snprintf (p, sizeof (p), ".linux.seccomp.flags[%zu]", i);
        return vfail (v, p, "unknown seccomp flag \"%s\"", s->flags[i]);
      }
  for (i = 0; i < s->syscalls_len; i++)
    if (check_syscall (v, i, s->syscalls[i], &notify) < 0)
      return -1;
  /* The notify fd must go somewhere, or every such syscall would hang. */
  if ((notify || strcmp (s->default_action, "SCMP_ACT_NOTIFY") == 0)
      && (s->listener_path == NULL || s->listener_path[0] == '\0'))
    return vfail (v, ".linux.seccomp.listenerPath", "required by SCMP_ACT_NOTIFY");
  return 0;
}

static int
check_device_rules (struct vctx *v, const char *base, const oci_linux_resources *r)
{
  char p[160];
  size_t i;

  for (i = 0; i < r->devices_len; i++)
    {
      const oci_linux_device_cgroup *d = r->devices[i];
      snprintf (p, sizeof (p), "%s.devices[%zu].type", base, i);
      if (d->type && d->type[0] && strcmp (d->type, "a") != 0 && strcmp (d->type, "c") != 0
          && strcmp (d->type, "b") != 0)
        return vfail (v, p, "unknown device type \"%s\" (want a, c or b)", d->type);
      snprintf (p, sizeof (p), "%s.devices[%zu].access", base, i);
      if (d->access && d->access[strspn (d->access, "rwm")] != '\0')
        return vfail (v, p, "\"%s\" has letters other than r, w, m", d->access);
    }
  return 0;
}

static int
check_memory (struct vctx *v, const char *base, const oci_linux_memory *m)
{
  char p[160];

  /* The spec's swap is memory+swap (cgroup v1 semantics): below the limit
   * it cannot be honoured. */
  snprintf (p, sizeof (p), "%s.memory.swap", base);
  if (m->limit_present && m->swap_present && m->limit > 0 && m->swap > 0 && m->swap < m->limit)
    return vfail (v, p, "%" PRId64 " is below the memory limit %" PRId64 " (swap counts memory+swap)",
                  m->swap, m->limit);
  snprintf (p, sizeof (p), "%s.memory.swappiness", base);
  if (m->swappiness_present && m->swappiness > 100 && m->swappiness != UINT64_MAX)
    return vfail (v, p, "%" PRIu64 " is outside 0..100", m->swappiness);
  return 0;
}

static int
check_unified (struct vctx *v, const char *base, const oci_string_map *u)
{
  char p[160];
  size_t i;

  for (i = 0; u && i < u->len; i++)
    {
      snprintf (p, sizeof (p), "%s.unified", base);
      /* A key names a file in the container's own cgroup directory. */
      if (u->keys[i][0] == '\0' || strchr (u->keys[i], '/') || strcmp (u->keys[i], "..") == 0
          || strchr (u->keys[i], '.') == NULL)
        return vfail (v, p, "invalid cgroup file name \"%s\"", u->keys[i]);
    }
  return 0;
}

int
vcheck_resources (struct vctx *v, const char *base, const oci_linux_resources *r)
{
  char p[160];
  size_t i;

  if (check_device_rules (v, base, r) < 0)
    return -1;
  if (r->memory && check_memory (v, base, r->memory) < 0)
    return -1;
  for (i = 0; i < r->hugepage_limits_len; i++)
    if (r->hugepage_limits[i]->page_size == NULL || r->hugepage_limits[i]->page_size[0] == '\0')
      {
        snprintf (p, sizeof (p), "%s.hugepageLimits[%zu].pageSize", base, i);
        return vfail (v, p, "missing");
      }
  if (r->cpu && r->cpu->period_present && r->cpu->period == 0)
    {
      snprintf (p, sizeof (p), "%s.cpu.period", base);
      return vfail (v, p, "must be greater than 0");
    }
  return check_unified (v, base, r->unified);
}
