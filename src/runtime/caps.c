/* berth - capabilities of the container process, all five sets.
 *
 * The order matters: the bounding set can only be reduced while we still
 * hold CAP_SETPCAP (before the uid switch); PR_SET_KEEPCAPS keeps the
 * permitted set across setuid(); ambient capabilities can only be raised
 * once they are both permitted and inheritable. */
#include <config.h>

#include "caps.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#ifdef HAVE_CAPS
#include <sys/capability.h>
#endif

#include "log.h"
#include "oci-spec.h"
#include "util.h"

#ifdef HAVE_CAPS
static int
last_cap (void)
{
  static int last = -1;
  if (last < 0)
    {
      cleanup_free char *s = NULL;
      berr_t *e = NULL;
      long v;
      if (util_read_file ("/proc/sys/kernel/cap_last_cap", &s, NULL, &e) == 0)
        {
          s[strcspn (s, "\n")] = '\0';
          last = util_parse_long (s, &v) == 0 ? (int)v : CAP_LAST_CAP;
        }
      else
        last = CAP_LAST_CAP;
      berr_free (e);
    }
  return last;
}

static int
parse_list (char **names, size_t n, const char *set, uint64_t *out, berr_t **err)
{
  size_t i;

  *out = 0;
  for (i = 0; i < n; i++)
    {
      cleanup_free char *lower = xstrdup (names[i]);
      cap_value_t v;
      char *p;
      for (p = lower; *p; p++)
        *p = (char)tolower ((unsigned char)*p);
      if (cap_from_name (lower, &v) < 0)
        return berr_make (err, 0, "%s[%zu]: unknown capability '%s'", set, i, names[i]);
      /* A capability newer than the running kernel cannot be granted;
       * runc skips it too. */
      if (v > last_cap ())
        continue;
      *out |= 1ULL << v;
    }
  return 0;
}
#endif

int
caps_plan_build_process (const oci_process *p, struct caps_plan *plan, berr_t **err)
{
  memset (plan, 0, sizeof (*plan));
  if (p == NULL || p->capabilities == NULL)
    return 0;
#ifdef HAVE_CAPS
  {
    const oci_linux_capabilities *c = p->capabilities;
    if (parse_list (c->bounding, c->bounding_len, "config.json: .process.capabilities.bounding",
                    &plan->bounding, err)
          < 0
        || parse_list (c->effective, c->effective_len, "config.json: .process.capabilities.effective",
                       &plan->effective, err)
             < 0
        || parse_list (c->inheritable, c->inheritable_len, "config.json: .process.capabilities.inheritable",
                       &plan->inheritable, err)
             < 0
        || parse_list (c->permitted, c->permitted_len, "config.json: .process.capabilities.permitted",
                       &plan->permitted, err)
             < 0
        || parse_list (c->ambient, c->ambient_len, "config.json: .process.capabilities.ambient",
                       &plan->ambient, err)
             < 0)
      return -1;
  }
  return 0;
#else
  {
    const oci_linux_capabilities *c = p->capabilities;
    if (c->bounding_len + c->effective_len + c->inheritable_len + c->permitted_len + c->ambient_len > 0)
      return berr_make (err, 0, "config.json: .process.capabilities: berth was built without libcap support");
  }
  return 0;
#endif
}

int
caps_plan_build (const oci_spec *spec, struct caps_plan *plan, berr_t **err)
{
  return caps_plan_build_process (spec->process, plan, err);
}

int
caps_plan_add (struct caps_plan *plan, const char *name, berr_t **err)
{
#ifdef HAVE_CAPS
  char *names[] = { (char *)name };
  uint64_t bit;

  if (parse_list (names, 1, "--cap", &bit, err) < 0)
    return -1;
  plan->bounding |= bit;
  plan->effective |= bit;
  plan->permitted |= bit;
  return 0;
#else
  return berr_make (err, 0, "--cap '%s': berth was built without libcap support", name);
#endif
}

#ifdef HAVE_CAPS
int
caps_prepare (const struct caps_plan *plan, berr_t **err)
{
  int i;

  for (i = 0; i <= last_cap (); i++)
    if (!(plan->bounding & (1ULL << i)) && prctl (PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL)
      return berr_make (err, errno, "drop capability %d from the bounding set", i);
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return berr_make (err, errno, "prctl PR_SET_KEEPCAPS");
  return 0;
}

static void
set_flag (cap_t caps, cap_flag_t flag, uint64_t bits)
{
  cap_value_t v;
  for (v = 0; v <= last_cap (); v++)
    if (bits & (1ULL << v))
      cap_set_flag (caps, flag, 1, &v, CAP_SET);
}

int
caps_apply (const struct caps_plan *plan, berr_t **err)
{
  cap_t caps = cap_init ();
  int i, r;

  if (caps == NULL)
    return berr_make (err, errno, "cap_init");
  set_flag (caps, CAP_EFFECTIVE, plan->effective);
  set_flag (caps, CAP_PERMITTED, plan->permitted);
  set_flag (caps, CAP_INHERITABLE, plan->inheritable);
  r = cap_set_proc (caps);
  cap_free (caps);
  if (r < 0)
    return berr_make (err, errno, "set process capabilities");
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return berr_make (err, errno, "prctl PR_SET_KEEPCAPS");
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return berr_make (err, errno, "clear ambient capabilities");
  for (i = 0; i <= last_cap (); i++)
    {
      uint64_t bit = 1ULL << i;
      if (!(plan->ambient & bit))
        continue;
      /* The kernel only allows ambient capabilities that are permitted and
       * inheritable; runc's default spec lists ambient without inheritable,
       * and runc skips those with a warning rather than failing. */
      if (!(plan->permitted & bit) || !(plan->inheritable & bit))
        {
          log_debug ("ambient capability %d is not permitted and inheritable, skipped", i);
          continue;
        }
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0)
        return berr_make (err, errno, "raise ambient capability %d", i);
    }
  return 0;
}
#else
int
caps_prepare (const struct caps_plan *plan, berr_t **err)
{
  return 0;
}

int
caps_apply (const struct caps_plan *plan, berr_t **err)
{
  return 0;
}
#endif
