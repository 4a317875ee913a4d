/* berth - the list of config.json features berth does not implement yet.
 *
 * A runtime that silently ignores a seccomp profile or a memory limit gives
 * the user a false sense of safety, so each unimplemented field is an error
 * that names it ("config.json: .linux.seccomp: seccomp is not implemented
 * yet").  This file shrinks as features land. */
#include <config.h>

#include "support.h"

#include <sched.h>
#include <stdbool.h>
#include <string.h>

#include "apparmor.h"
#include "namespaces.h"
#include "procattr.h"
#include "oci-spec.h"
#include "selinux.h"

#define NOT_YET(field, what) berr_make (err, 0, "config.json: %s: %s not implemented yet", field, what)

static bool
has_namespace (const oci_spec *spec, const char *type)
{
  size_t i;
  if (spec->linux == NULL)
    return false;
  for (i = 0; i < spec->linux->namespaces_len; i++)
    if (spec->linux->namespaces[i]->type && strcmp (spec->linux->namespaces[i]->type, type) == 0)
      return true;
  return false;
}

/* Listed without a path: created, not joined. */
static bool
has_new_namespace (const oci_spec *spec, const char *type)
{
  size_t i;
  for (i = 0; spec->linux && i < spec->linux->namespaces_len; i++)
    if (spec->linux->namespaces[i]->type && strcmp (spec->linux->namespaces[i]->type, type) == 0)
      return spec->linux->namespaces[i]->path == NULL || spec->linux->namespaces[i]->path[0] == '\0';
  return false;
}

static int
check_process (const oci_process *p, berr_t **err)
{
  if (p == NULL)
    return berr_make (err, 0, "config.json: .process: missing, there is nothing to run");
  if (p->args_len == 0)
    return berr_make (err, 0, "config.json: .process.args: must contain at least one entry");
  if (apparmor_check_profile (p->apparmor_profile, "config.json: .process.apparmorProfile", err) < 0)
    return -1;
  return 0;
}

static int
check_linux (const oci_spec *spec, berr_t **err)
{
  const oci_linux *l = spec->linux;

  if (l == NULL)
    return berr_make (err, 0, "config.json: .linux: missing, berth only runs Linux containers");
  if (has_new_namespace (spec, "user") && (l->uid_mappings_len == 0 || l->gid_mappings_len == 0))
    return berr_make (err, 0,
                      "config.json: .linux.uidMappings: a new user namespace needs uid and gid mappings");
  if (l->intel_rdt)
    return NOT_YET (".linux.intelRdt", "Intel RDT is");
  if (l->net_devices && l->net_devices->len > 0)
    return NOT_YET (".linux.netDevices", "moving network devices is");
  if (l->memory_policy)
    return NOT_YET (".linux.memoryPolicy", "memory policy is");
  /* linux.resources: applied, or reported by name, by cgroup_create. */
  return 0;
}

int
support_check_spec (const oci_spec *spec, berr_t **err)
{
  if (check_process (spec->process, err) < 0 || check_linux (spec, err) < 0)
    return -1;
  /* linux.seccomp is compiled (and refused by a build without it) in
   * seccomp_prog_build, also before any syscall. */
  if (selinux_check_spec (spec, err) < 0)
    return -1;
  if (procattr_validate (spec, err) < 0)
    return -1;
  if (!has_namespace (spec, "mount"))
    return berr_make (err, 0, "config.json: .linux.namespaces: a mount namespace is required");
  /* sethostname() outside a private UTS namespace would rename the host. */
  if (spec->hostname && *spec->hostname && !has_namespace (spec, "uts"))
    return berr_make (err, 0, "config.json: .hostname: setting the hostname needs a uts namespace");
  if (spec->domainname && *spec->domainname && !has_namespace (spec, "uts"))
    return berr_make (err, 0, "config.json: .domainname: setting the domainname needs a uts namespace");
  return 0;
}
