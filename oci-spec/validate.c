/* berth - semantic validation of config.json, before any syscall.
 *
 * The parser has already checked every JSON type and integer range; this file
 * checks what the runtime would otherwise discover half-way through creating
 * a container (after namespaces exist and hooks may have run): versions,
 * absolute paths, known names, id-mapping ranges, namespace prerequisites.
 * Each error names the JSON path so the user can find the line to fix.
 *
 * Choices, as runc: a relative mount destination is accepted and means
 * relative to "/" (older configs have them); an unknown capability is an
 * error here (crun's behaviour) because silently dropping a privilege a user
 * asked for is worse than refusing to start.  Process-level checks live in
 * validate-process.c. */
#include <config.h>

#include "validate.h"
#include "validate-internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int
vfail (struct vctx *v, const char *path, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  return berr_make (v->err, 0, "%s: %s: %s", v->origin, path, msg ? msg : "out of memory");
}

bool
vin_list (const char *s, const char *const *list)
{
  for (; *list; list++)
    if (strcmp (s, *list) == 0)
      return true;
  return false;
}

int
vcheck_abs (struct vctx *v, const char *path, const char *value)
{
  if (value == NULL || value[0] == '\0')
    return vfail (v, path, "must not be empty");
  if (value[0] != '/')
    return vfail (v, path, "\"%s\" is not an absolute path", value);
  return 0;
}

static const char *const namespace_types[]
  = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time", NULL };

static const oci_linux_namespace *
find_namespace (const oci_spec *spec, const char *type)
{
  size_t i;

  if (spec->linux == NULL || spec->linux->namespaces == NULL)
    return NULL;
  for (i = 0; i < spec->linux->namespaces_len; i++)
    if (spec->linux->namespaces[i]->type && strcmp (spec->linux->namespaces[i]->type, type) == 0)
      return spec->linux->namespaces[i];
  return NULL;
}

static int
check_namespaces (struct vctx *v, const oci_linux *l)
{
  char p[128];
  size_t i, j;

  for (i = 0; i < l->namespaces_len; i++)
    {
      const oci_linux_namespace *ns = l->namespaces[i];
      snprintf (p, sizeof (p), ".linux.namespaces[%zu].type", i);
      if (ns->type == NULL)
        return vfail (v, p, "missing");
      if (!vin_list (ns->type, namespace_types))
        return vfail (v, p, "unknown namespace type \"%s\"", ns->type);
      for (j = 0; j < i; j++)
        if (l->namespaces[j]->type && strcmp (l->namespaces[j]->type, ns->type) == 0)
          return vfail (v, p, "duplicate namespace type \"%s\" (also at index %zu)", ns->type, j);
      snprintf (p, sizeof (p), ".linux.namespaces[%zu].path", i);
      if (ns->path && vcheck_abs (v, p, ns->path) < 0)
        return -1;
    }
  return 0;
}

/* Ranges [start, start+size) in one id space must not overlap, else the
 * kernel refuses the whole map with EINVAL and the user is left guessing. */
static bool
ranges_overlap (uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
  return a < b + bn && b < a + an;
}

int
vcheck_id_mappings (struct vctx *v, const char *base, oci_linux_id_mapping *const *m, size_t n)
{
  char p[160];
  size_t i, j;

  for (i = 0; i < n; i++)
    {
      snprintf (p, sizeof (p), "%s[%zu].size", base, i);
      if (!m[i]->size_present || m[i]->size == 0)
        return vfail (v, p, "must be greater than 0");
      if ((uint64_t)m[i]->container_id + m[i]->size > UINT32_MAX + 1ULL
          || (uint64_t)m[i]->host_id + m[i]->size > UINT32_MAX + 1ULL)
        return vfail (v, p, "range %" PRIu32 "+%" PRIu32 " goes past 4294967295",
                      m[i]->container_id > m[i]->host_id ? m[i]->container_id : m[i]->host_id, m[i]->size);
      snprintf (p, sizeof (p), "%s[%zu]", base, i);
      for (j = 0; j < i; j++)
        {
          if (ranges_overlap (m[i]->container_id, m[i]->size, m[j]->container_id, m[j]->size))
            return vfail (v, p, "containerID range overlaps %s[%zu]", base, j);
          if (ranges_overlap (m[i]->host_id, m[i]->size, m[j]->host_id, m[j]->size))
            return vfail (v, p, "hostID range overlaps %s[%zu]", base, j);
        }
    }
  return 0;
}

static int
check_mounts (struct vctx *v, const oci_spec *spec)
{
  char p[128];
  size_t i;

  for (i = 0; i < spec->mounts_len; i++)
    {
      const oci_mount *m = spec->mounts[i];
      snprintf (p, sizeof (p), ".mounts[%zu].destination", i);
      if (m->destination == NULL || m->destination[0] == '\0')
        return vfail (v, p, "must not be empty");
      snprintf (p, sizeof (p), ".mounts[%zu].uidMappings", i);
      if (vcheck_id_mappings (v, p, m->uid_mappings, m->uid_mappings_len) < 0)
        return -1;
      snprintf (p, sizeof (p), ".mounts[%zu].gidMappings", i);
      if (vcheck_id_mappings (v, p, m->gid_mappings, m->gid_mappings_len) < 0)
        return -1;
      /* An idmapped mount needs both maps: the kernel takes one userns. */
      if ((m->uid_mappings_len > 0) != (m->gid_mappings_len > 0))
        return vfail (v, p, "idmapped mounts need both uidMappings and gidMappings");
    }
  return 0;
}

static int
check_hook_list (struct vctx *v, const char *name, oci_hook *const *h, size_t n)
{
  char p[128];
  size_t i;

  for (i = 0; i < n; i++)
    {
      snprintf (p, sizeof (p), ".hooks.%s[%zu].path", name, i);
      if (vcheck_abs (v, p, h[i]->path) < 0)
        return -1;
      snprintf (p, sizeof (p), ".hooks.%s[%zu].timeout", name, i);
      if (h[i]->timeout_present && h[i]->timeout <= 0)
        return vfail (v, p, "must be greater than 0, got %" PRId32, h[i]->timeout);
    }
  return 0;
}

static int
check_hooks (struct vctx *v, const oci_hooks *h)
{
  if (check_hook_list (v, "prestart", h->prestart, h->prestart_len) < 0
      || check_hook_list (v, "createRuntime", h->create_runtime, h->create_runtime_len) < 0
      || check_hook_list (v, "createContainer", h->create_container, h->create_container_len) < 0
      || check_hook_list (v, "startContainer", h->start_container, h->start_container_len) < 0
      || check_hook_list (v, "poststart", h->poststart, h->poststart_len) < 0
      || check_hook_list (v, "poststop", h->poststop, h->poststop_len) < 0)
    return -1;
  return 0;
}

static int
check_devices (struct vctx *v, const oci_linux *l)
{
  static const char *const types[] = { "c", "b", "u", "p", NULL };
  char p[128];
  size_t i;

  for (i = 0; i < l->devices_len; i++)
    {
      const oci_linux_device *d = l->devices[i];
      snprintf (p, sizeof (p), ".linux.devices[%zu].path", i);
      if (vcheck_abs (v, p, d->path) < 0)
        return -1;
      snprintf (p, sizeof (p), ".linux.devices[%zu].type", i);
      if (d->type == NULL)
        return vfail (v, p, "missing");
      if (!vin_list (d->type, types))
        return vfail (v, p, "unknown device type \"%s\" (want c, b, u or p)", d->type);
      /* A fifo has no numbers; every other node needs both. */
      snprintf (p, sizeof (p), ".linux.devices[%zu]", i);
      if (strcmp (d->type, "p") != 0 && (!d->major_present || !d->minor_present))
        return vfail (v, p, "major and minor are required for type \"%s\"", d->type);
    }
  return 0;
}

static int
check_sysctl (struct vctx *v, const oci_string_map *s)
{
  size_t i;

  for (i = 0; s && i < s->len; i++)
    if (s->keys[i][0] == '\0')
      return vfail (v, ".linux.sysctl", "empty sysctl name");
    else if (strchr (s->keys[i], '\n') || strstr (s->keys[i], ".."))
      return vfail (v, ".linux.sysctl", "invalid sysctl name \"%s\"", s->keys[i]);
  return 0;
}

static int
check_time_offsets (struct vctx *v, const oci_spec *spec)
{
  static const char *const clocks[] = { "boottime", "monotonic", NULL };
  const oci_linux_time_offset_map *t = spec->linux->time_offsets;
  char p[128];
  size_t i;

  if (t == NULL)
    return 0;
  if (t->len > 0 && find_namespace (spec, "time") == NULL)
    return vfail (v, ".linux.timeOffsets", "requires a time namespace in .linux.namespaces");
  for (i = 0; i < t->len; i++)
    {
      snprintf (p, sizeof (p), ".linux.timeOffsets[\"%s\"]", t->keys[i]);
      if (!vin_list (t->keys[i], clocks))
        return vfail (v, p, "unknown clock (want boottime or monotonic)");
      if (t->values[i]->nanosecs_present && t->values[i]->nanosecs >= 1000000000)
        return vfail (v, p, "nanosecs must be below 1000000000");
    }
  return 0;
}

static int
check_user_mappings (struct vctx *v, const oci_spec *spec)
{
  const oci_linux *l = spec->linux;
  const oci_linux_namespace *userns = find_namespace (spec, "user");

  if (vcheck_id_mappings (v, ".linux.uidMappings", l->uid_mappings, l->uid_mappings_len) < 0
      || vcheck_id_mappings (v, ".linux.gidMappings", l->gid_mappings, l->gid_mappings_len) < 0)
    return -1;
  if ((l->uid_mappings_len > 0 || l->gid_mappings_len > 0) && userns == NULL)
    return vfail (v, l->uid_mappings_len ? ".linux.uidMappings" : ".linux.gidMappings",
                  "mappings given but .linux.namespaces has no user namespace");
  /* A new user namespace without maps is accepted: as crun, the runtime
   * then maps the caller's own ids (`crun spec --rootless` writes that). */
  return 0;
}

static int
check_linux_misc (struct vctx *v, const oci_spec *spec)
{
  static const char *const propagations[]
    = { "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable", NULL };
  static const char *const domains[] = { "LINUX", "LINUX32", NULL };
  const oci_linux *l = spec->linux;

  if (l->rootfs_propagation && l->rootfs_propagation[0] && !vin_list (l->rootfs_propagation, propagations))
    return vfail (v, ".linux.rootfsPropagation", "unknown propagation \"%s\"", l->rootfs_propagation);
  if (l->personality && (l->personality->domain == NULL || !vin_list (l->personality->domain, domains)))
    return vfail (v, ".linux.personality.domain", "unknown personality domain \"%s\" (want LINUX or LINUX32)",
                  l->personality->domain ? l->personality->domain : "");
  if (l->net_devices && l->net_devices->len > 0 && find_namespace (spec, "network") == NULL)
    return vfail (v, ".linux.netDevices", "requires a network namespace in .linux.namespaces");
  if (l->masked_paths)
    for (size_t i = 0; i < l->masked_paths_len; i++)
      {
        char p[64];
        snprintf (p, sizeof (p), ".linux.maskedPaths[%zu]", i);
        if (vcheck_abs (v, p, l->masked_paths[i]) < 0)
          return -1;
      }
  for (size_t i = 0; i < l->readonly_paths_len; i++)
    {
      char p[64];
      snprintf (p, sizeof (p), ".linux.readonlyPaths[%zu]", i);
      if (vcheck_abs (v, p, l->readonly_paths[i]) < 0)
        return -1;
    }
  return 0;
}

static int
check_linux (struct vctx *v, const oci_spec *spec)
{
  const oci_linux *l = spec->linux;

  if (check_namespaces (v, l) < 0 || check_user_mappings (v, spec) < 0 || check_devices (v, l) < 0
      || check_sysctl (v, l->sysctl) < 0 || check_time_offsets (v, spec) < 0
      || check_linux_misc (v, spec) < 0)
    return -1;
  if (l->seccomp && vcheck_seccomp (v, l->seccomp) < 0)
    return -1;
  if (l->resources && vcheck_resources (v, ".linux.resources", l->resources) < 0)
    return -1;
  return 0;
}

static int
check_version (struct vctx *v, const char *version)
{
  if (version == NULL || version[0] == '\0')
    return vfail (v, ".ociVersion", "missing");
  if (!util_str_has_prefix (version, "1."))
    return vfail (v, ".ociVersion", "unsupported version \"%s\" (want 1.x)", version);
  return 0;
}

int
oci_spec_validate (const oci_spec *spec, berr_t **err)
{
  struct vctx v = { .origin = "config.json", .err = err };

  if (spec == NULL)
    return berr_make (err, EINVAL, "config.json: no configuration");
  if (check_version (&v, spec->oci_version) < 0)
    return -1;
  if (spec->root == NULL)
    return vfail (&v, ".root", "missing");
  if (spec->root->path == NULL || spec->root->path[0] == '\0')
    return vfail (&v, ".root.path", "missing");
  if (spec->process && vcheck_process (&v, ".process", spec->process) < 0)
    return -1;
  /* Setting the hostname of the host's UTS namespace would change the host. */
  if ((spec->hostname || spec->domainname) && find_namespace (spec, "uts") == NULL)
    return vfail (&v, spec->hostname ? ".hostname" : ".domainname",
                  "setting it needs a uts namespace in .linux.namespaces");
  if (check_mounts (&v, spec) < 0)
    return -1;
  if (spec->hooks && check_hooks (&v, spec->hooks) < 0)
    return -1;
  if (spec->linux && check_linux (&v, spec) < 0)
    return -1;
  return 0;
}

int
oci_process_validate (const oci_process *process, const char *origin, berr_t **err)
{
  struct vctx v = { .origin = origin ? origin : "process.json", .err = err };

  if (process == NULL)
    return berr_make (err, EINVAL, "%s: no process", v.origin);
  return vcheck_process (&v, "", process);
}

int
oci_linux_resources_validate (const oci_linux_resources *r, const char *origin, berr_t **err)
{
  struct vctx v = { .origin = origin ? origin : "resources.json", .err = err };

  if (r == NULL)
    return berr_make (err, EINVAL, "%s: no resources", v.origin);
  return vcheck_resources (&v, "", r);
}
