/* berth - the cgroup v2 core: host mode, the container's cgroup path,
 * create/enter/open/destroy.  (freeze, kill and pids: cgroup-ops.c.)
 *
 * Paths follow runc's cgroupfs (fs2) manager: an absolute cgroupsPath
 * starts at the root of the hierarchy; a relative one, and the default
 * (the container id), start at the PARENT of berth's own cgroup: its own
 * cgroup has berth in it, and the kernel's "no internal processes" rule
 * would forbid enabling controllers for a child there.  Unlike runc, which
 * cleans ".." away, a ".." is refused.  Every level below the root is
 * reached through directory fds (O_NOFOLLOW).
 *
 * Removal: the container's cgroup and everything below it; then, unlike
 * runc (fs2 Destroy removes dirPath only) and crun, which leave behind the
 * intermediate levels of a nested cgroupsPath they created, the levels
 * above it that berth itself created (recorded in the state), bottom up
 * and by rmdir alone, stopping at the first that still has a child or a
 * process.  Never a level berth found in place, and never by recursing
 * into a parent: LXC tried an upward recursive removal in 2017 and
 * reverted it for taking cgroups that were not its own. */
#include <config.h>

#include "cgroup.h"
#include "fault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

enum cgroup_host_mode
cgroup_host_mode (void)
{
  static int mode = -1;
  struct statfs s;

  if (mode >= 0)
    return (enum cgroup_host_mode)mode;
  if (statfs (CGROUP_ROOT, &s) < 0)
    mode = CGROUP_HOST_NONE;
  else if (s.f_type == CGROUP2_SUPER_MAGIC)
    mode = CGROUP_HOST_UNIFIED;
  else if (s.f_type != TMPFS_MAGIC)
    mode = CGROUP_HOST_NONE;
  else if (statfs (CGROUP_ROOT "/unified", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
    mode = CGROUP_HOST_HYBRID;
  else
    mode = CGROUP_HOST_LEGACY;
  return (enum cgroup_host_mode)mode;
}

enum cgroup_manager
cgroup_manager_from_ctx (const struct berth_ctx *ctx)
{
  if (ctx->cgroup_manager && strcmp (ctx->cgroup_manager, "disabled") == 0)
    return CGROUP_MANAGER_DISABLED;
  if (ctx->systemd_cgroup || (ctx->cgroup_manager && strcmp (ctx->cgroup_manager, "systemd") == 0))
    return CGROUP_MANAGER_SYSTEMD;
  return CGROUP_MANAGER_CGROUPFS;
}

/* ---- paths ------------------------------------------------------------ */

static char *cg_fs_path (const char *path);

/* "/a//./b/" -> "/a/b"; "" and "/" -> "/".  A ".." is refused: a cgroup
 * path must not climb out of where it is rooted. */
static int
cg_path_clean (const char *in, const char *what, char **out, berr_t **err)
{
  cleanup_free char *copy = xstrdup (in);
  char *res = xzalloc (strlen (in) + 2), *save = NULL, *tok;
  size_t n = 0;

  for (tok = strtok_r (copy, "/", &save); tok; tok = strtok_r (NULL, "/", &save))
    {
      if (strcmp (tok, ".") == 0)
        continue;
      if (strcmp (tok, "..") == 0)
        {
          free (res);
          return berr_make (err, 0, "%s '%s': '..' is not allowed in a cgroup path", what, in);
        }
      res[n++] = '/';
      memcpy (res + n, tok, strlen (tok));
      n += strlen (tok);
    }
  if (n == 0)
    res[n++] = '/';
  res[n] = '\0';
  *out = res;
  return 0;
}

/* Our own cgroup v2 path, from the "0::" line of /proc/self/cgroup. */
static int
cg_own_path (char **out, berr_t **err)
{
  cleanup_free char *data = NULL;
  char *line, *save = NULL;

  if (util_read_file ("/proc/self/cgroup", &data, NULL, err) < 0)
    return -1;
  for (line = strtok_r (data, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (util_str_has_prefix (line, "0::"))
      return cg_path_clean (line + 3, "berth's own cgroup", out, err);
  return berr_make (err, 0, "no cgroup v2 entry (\"0::\") in '/proc/self/cgroup'");
}

static char *
cg_join (const char *a, const char *b)
{
  if (strcmp (a, "/") == 0)
    return xstrdup (b);
  if (strcmp (b, "/") == 0)
    return xstrdup (a);
  return xasprintf ("%s%s", a, b);
}

static int
cg_choose_path (const char *id, const oci_spec *spec, char **path, berr_t **err)
{
  const char *want = spec->linux ? spec->linux->cgroups_path : NULL;
  cleanup_free char *inner = NULL;
  cleanup_free char *own = NULL;
  char *slash;

  if (want == NULL || *want == '\0')
    want = id;
  if (cg_path_clean (want, "config.json: .linux.cgroupsPath", &inner, err) < 0)
    return -1;
  if (want[0] == '/')
    {
      if (strcmp (inner, "/") == 0)
        return berr_make (
          err, 0, "config.json: .linux.cgroupsPath '%s': the root cgroup cannot be a container's cgroup",
          want);
      *path = steal_ptr (inner);
      return 0;
    }
  if (strcmp (inner, "/") == 0)
    return berr_make (err, 0, "config.json: .linux.cgroupsPath '%s': names no cgroup", want);
  if (cg_own_path (&own, err) < 0)
    return -1;
  slash = strrchr (own, '/');
  if (slash == own)
    own[1] = '\0';
  else
    *slash = '\0';
  *path = cg_join (own, inner);
  return 0;
}

int
cgroup_path_plan (const struct berth_ctx *ctx, const char *id, const oci_spec *spec, char **path,
                  berr_t **err)
{
  *path = NULL;
  if (cgroup_manager_from_ctx (ctx) != CGROUP_MANAGER_CGROUPFS || cgroup_host_mode () != CGROUP_HOST_UNIFIED)
    return 0;
  return cg_choose_path (id, spec, path, err);
}

size_t
cgroup_levels_missing (const char *path)
{
  cleanup_free char *p = cg_fs_path (path);
  size_t missing = 0;
  struct stat sb;
  char *slash;

  while (strlen (p) > strlen (CGROUP_ROOT) && stat (p, &sb) < 0 && errno == ENOENT)
    {
      missing++;
      slash = strrchr (p, '/');
      *slash = '\0';
    }
  return missing;
}

/* ---- what the config asks for ----------------------------------------- */

/* The JSON paths of the limits r sets (devices aside), comma-separated;
 * NULL when none. */
static char *
cg_requested_limits (const oci_linux_resources *r)
{
  const struct
  {
    bool set;
    const char *name;
  } f[] = {
    { r && r->memory, ".linux.resources.memory" },
    { r && r->cpu, ".linux.resources.cpu" },
    { r && r->pids, ".linux.resources.pids" },
    { r && r->block_io, ".linux.resources.blockIO" },
    { r && r->hugepage_limits_len > 0, ".linux.resources.hugepageLimits" },
    { r && r->network, ".linux.resources.network" },
    { r && r->rdma && r->rdma->len > 0, ".linux.resources.rdma" },
    { r && r->unified && r->unified->len > 0, ".linux.resources.unified" },
  };
  char *list = NULL;
  size_t i;

  for (i = 0; i < sizeof (f) / sizeof (f[0]); i++)
    {
      char *next;
      if (!f[i].set)
        continue;
      next = list ? xasprintf ("%s, %s", list, f[i].name) : xstrdup (f[i].name);
      free (list);
      list = next;
    }
  return list;
}

static bool
cg_has_cap_mknod (const oci_spec *spec)
{
  const oci_linux_capabilities *c = spec->process ? spec->process->capabilities : NULL;
  size_t i;

  for (i = 0; c && i < c->bounding_len; i++)
    if (strcmp (c->bounding[i], "CAP_MKNOD") == 0)
      return true;
  return false;
}

/* No cgroup of our own: say which requests cannot be honoured. */
static int
cg_report_unmanaged (enum cgroup_manager mgr, const oci_spec *spec, berr_t **err)
{
  const oci_linux_resources *r = spec->linux ? spec->linux->resources : NULL;
  cleanup_free char *limits = cg_requested_limits (r);
  const char *why;

  switch (cgroup_host_mode ())
    {
    case CGROUP_HOST_HYBRID:
      why = "/sys/fs/cgroup is not a cgroup v2 hierarchy (hybrid host)";
      break;
    case CGROUP_HOST_LEGACY:
      why = "/sys/fs/cgroup is not a cgroup v2 hierarchy (cgroup v1 host)";
      break;
    case CGROUP_HOST_NONE:
      why = "no cgroup file system is mounted at /sys/fs/cgroup";
      break;
    default:
      why = "cgroups are disabled (--cgroup-manager=disabled)";
    }
  if (mgr == CGROUP_MANAGER_DISABLED)
    why = "cgroups are disabled (--cgroup-manager=disabled)";
  if (limits && mgr != CGROUP_MANAGER_DISABLED)
    return berr_make (
      err, 0, "config.json: %s cannot be applied: %s; run with --cgroup-manager=disabled to ignore them",
      limits, why);
  if (limits)
    log_warning ("config.json: %s not applied: %s", limits, why);
  if (r && r->devices_len > 0)
    {
      /* berth creates only the listed device nodes; without CAP_MKNOD the
       * container cannot make others, so the rules lose little. */
      if (cg_has_cap_mknod (spec))
        log_warning (
          "config.json: .linux.resources.devices not enforced: %s, and the container has CAP_MKNOD", why);
      else
        log_debug ("config.json: .linux.resources.devices not enforced: %s", why);
    }
  return 0;
}

/* ---- creation --------------------------------------------------------- */

static bool
cg_word_in (const char *list, const char *word)
{
  size_t n = strlen (word);
  const char *p = list;

  while ((p = strstr (p, word)) != NULL)
    {
      bool start = p == list || p[-1] == ' ' || p[-1] == '\n';
      bool end = p[n] == '\0' || p[n] == ' ' || p[n] == '\n';
      if (start && end)
        return true;
      p += n;
    }
  return false;
}

/* The field of r a controller is needed for, for error messages. */
static const char *
cg_field_for (const oci_linux_resources *r, const char *c)
{
  if (r == NULL) /* no resources ask for no controller; for the analyzer */
    return ".linux.resources";
  if (strcmp (c, "memory") == 0 && r->memory)
    return ".linux.resources.memory";
  if ((strcmp (c, "cpu") == 0 || strcmp (c, "cpuset") == 0) && r->cpu)
    return ".linux.resources.cpu";
  if (strcmp (c, "io") == 0 && r->block_io)
    return ".linux.resources.blockIO";
  if (strcmp (c, "pids") == 0 && r->pids)
    return ".linux.resources.pids";
  if (strcmp (c, "hugetlb") == 0 && r->hugepage_limits_len > 0)
    return ".linux.resources.hugepageLimits";
  if (strcmp (c, "rdma") == 0 && r->rdma)
    return ".linux.resources.rdma";
  return ".linux.resources.unified";
}

/* Make the controllers available to the children of the cgroup at fd. */
static int
cg_enable (int fd, const char *where, char **ctrls, const oci_linux_resources *r, berr_t **err)
{
  cleanup_free char *avail = NULL;
  cleanup_free char *enabled = NULL;
  size_t i;

  if (util_read_file_at (fd, "cgroup.controllers", &avail, NULL, err) < 0
      || util_read_file_at (fd, "cgroup.subtree_control", &enabled, NULL, err) < 0)
    return berr_wrap (err, "cgroup '%s'", where);
  for (i = 0; ctrls[i]; i++)
    {
      cleanup_close int cfd = -1;
      cleanup_free char *plus = NULL;

      if (cg_word_in (enabled, ctrls[i]))
        continue;
      if (!cg_word_in (avail, ctrls[i]))
        return berr_make (err, 0,
                          "config.json: %s needs the '%s' controller, which cgroup '%s' does not have "
                          "(cgroup.controllers: '%.*s')",
                          cg_field_for (r, ctrls[i]), ctrls[i], where, (int)strcspn (avail, "\n"), avail);
      plus = xasprintf ("+%s", ctrls[i]);
      cfd = openat (fd, "cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
      if (cfd < 0 || write (cfd, plus, strlen (plus)) < 0)
        return berr_make (err, errno,
                          "config.json: %s: enable the '%s' controller in '%s/cgroup.subtree_control'",
                          cg_field_for (r, ctrls[i]), ctrls[i], where);
    }
  return 0;
}

static char *
cg_fs_path (const char *path)
{
  return xasprintf ("%s%s", CGROUP_ROOT, strcmp (path, "/") == 0 ? "" : path);
}

/* Remove what cg_make created: levels first_created..n-1 of path. */
static void
cg_rollback (const char *path, size_t first_created)
{
  cleanup_free char *p = cg_fs_path (path);
  size_t depth = 0;
  char *c;

  for (c = p + strlen (CGROUP_ROOT); *c; c++)
    depth += *c == '/';
  while (depth > first_created)
    {
      if (rmdir (p) < 0 && errno != ENOENT)
        log_debug ("remove cgroup '%s': %s", p, strerror (errno));
      *strrchr (p, '/') = '\0';
      depth--;
    }
}

static bool
cg_has_procs (int fd)
{
  cleanup_free char *procs = NULL;
  if (util_read_file_at (fd, "cgroup.procs", &procs, NULL, NULL) < 0)
    return false;
  return procs[0] != '\0';
}

struct cg_make_args
{
  const char *path;
  const oci_linux_resources *r;
  char **ctrls;
  bool limits; /* resources other than devices are asked for */
};

/* mkdir every level of a->path below the root, enabling the controllers
 * in each ancestor first.  *first: index of the first level we created
 * (the number of levels when none). */
static int
cg_mkdirs (const struct cg_make_args *a, int *leaf_fd, size_t *first, berr_t **err)
{
  cleanup_free char *copy = xstrdup (a->path);
  cleanup_free char *where = xstrdup ("/");
  cleanup_close int fd = open (CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char *save = NULL, *tok;
  size_t level = 0;

  *first = SIZE_MAX;
  if (fd < 0)
    return berr_make (err, errno, "open '%s'", CGROUP_ROOT);
  for (tok = strtok_r (copy, "/", &save); tok; tok = strtok_r (NULL, "/", &save), level++)
    {
      char *next_where;
      int next;

      if (a->ctrls[0] && cg_enable (fd, where, a->ctrls, a->r, err) < 0)
        return -1;
      next_where = strcmp (where, "/") == 0 ? xasprintf ("/%s", tok) : xasprintf ("%s/%s", where, tok);
      free (where);
      where = next_where;
      if (mkdirat (fd, tok, 0755) == 0)
        {
          if (*first == SIZE_MAX)
            *first = level;
        }
      else if (errno != EEXIST)
        return berr_make (err, errno, "create cgroup '%s'", where);
      next = openat (fd, tok, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        return berr_make (err, errno, "open cgroup '%s'", where);
      close (fd);
      fd = next;
    }
  if (*first == SIZE_MAX)
    *first = level;
  *leaf_fd = steal_fd (fd);
  return 0;
}

static int
cg_make (const struct cg_make_args *a, struct cgroup *cg, berr_t **err)
{
  const oci_linux_resources *r = a->r;
  size_t first = 0, levels = 0;
  int fd = -1;
  const char *c;

  for (c = a->path; *c; c++)
    levels += *c == '/';
  if (cg_mkdirs (a, &fd, &first, err) < 0)
    {
      int e = *err ? (*err)->status : 0;
      if (first != SIZE_MAX)
        cg_rollback (a->path, first);
      /* As runc and crun: a rootless container that may not have a cgroup
       * runs without one, unless it asks for limits. */
      if (!a->limits && (e == EACCES || e == EPERM || e == EROFS))
        {
          log_debug ("no cgroup for the container: %s", (*err)->msg);
          berr_clear (err);
          return 0;
        }
      return -1;
    }
  if (first == levels && cg_has_procs (fd))
    {
      close (fd);
      return berr_make (err, 0, "config.json: .linux.cgroupsPath: cgroup '%s' already has processes in it",
                        a->path);
    }
  cg->path = xstrdup (a->path);
  cg->dirfd = fd;
  cg->owned = first < levels;
  cg->made = levels - first;
  fault_point ("create.cgroup-made");
  if (r && (a->limits || r->devices_len > 0) && cgroup_apply_resources (cg, r, false, err) < 0)
    {
      close (cg->dirfd);
      cg->dirfd = -1;
      if (first < levels)
        cg_rollback (a->path, first);
      cgroup_clear (cg);
      return -1;
    }
  return 0;
}

int
cgroup_create (const struct berth_ctx *ctx, const char *id, const oci_spec *spec, struct cgroup *cg,
               berr_t **err)
{
  const oci_linux_resources *r = spec->linux ? spec->linux->resources : NULL;
  enum cgroup_manager mgr = cgroup_manager_from_ctx (ctx);
  cleanup_free char *limits = NULL;
  cleanup_free char *path = NULL;
  cleanup_strv char **ctrls = NULL;
  struct cg_make_args a;

  *cg = (struct cgroup)CGROUP_INIT;
  /* A scope made before the clone (a holder process keeps it until the
   * init is in: cgroup_systemd_release_holder); refused on non-v2 hosts. */
  if (mgr == CGROUP_MANAGER_SYSTEMD)
    return cgroup_systemd_setup (id, spec, cg, err);
  if (mgr == CGROUP_MANAGER_DISABLED || cgroup_host_mode () != CGROUP_HOST_UNIFIED)
    return cg_report_unmanaged (mgr, spec, err);
  if (cg_choose_path (id, spec, &path, err) < 0)
    return -1;
  limits = cg_requested_limits (r);
  ctrls = r ? cgroup_resources_controllers (r) : xzalloc (sizeof (char *));
  a = (struct cg_make_args){ .path = path, .r = r, .ctrls = ctrls, .limits = limits != NULL };
  if (cg_make (&a, cg, err) < 0)
    return -1;
  if (cg->path)
    log_debug ("container '%s': cgroup '%s'%s", id, cg->path, cg->owned ? "" : " (existing)");
  return 0;
}

/* ---- joining, reopening ----------------------------------------------- */

int
cgroup_enter (const struct cgroup *cg, pid_t pid, const char *sub, berr_t **err)
{
  cleanup_free char *clean = NULL;
  cleanup_free char *where = NULL;
  cleanup_close int subfd = -1;
  cleanup_close int procs = -1;
  char buf[32];
  int fd = cg->dirfd, n;

  if (cg->path == NULL)
    return 0;
  if (cg->dirfd < 0)
    return berr_make (err, 0, "cgroup '%s' no longer exists", cg->path);
  if (sub && cg_path_clean (sub, "sub-cgroup", &clean, err) < 0)
    return -1;
  where = clean && strcmp (clean, "/") != 0 ? cg_join (cg->path, clean) : xstrdup (cg->path);
  if (clean && strcmp (clean, "/") != 0)
    {
      subfd = openat (cg->dirfd, clean + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (subfd < 0 && errno == ENOENT)
        return berr_make (err, 0, "sub-cgroup '%s' of cgroup '%s' does not exist", sub, cg->path);
      if (subfd < 0)
        return berr_make (err, errno, "open cgroup '%s'", where);
      fd = subfd;
    }
  procs = openat (fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
  if (procs < 0)
    return berr_make (err, errno, "open '%s/cgroup.procs'", where);
  n = snprintf (buf, sizeof (buf), "%d", (int)pid);
  if (write (procs, buf, (size_t)n) < 0)
    return berr_make (err, errno, "move process %d into cgroup '%s'", pid ? (int)pid : (int)getpid (), where);
  return 0;
}

int
cgroup_open (const char *path, const char *scope, struct cgroup *cg, berr_t **err)
{
  cleanup_free char *clean = NULL;
  cleanup_free char *full = NULL;

  *cg = (struct cgroup)CGROUP_INIT;
  if (scope && *scope)
    cg->scope = xstrdup (scope);
  if (path == NULL || *path == '\0')
    return 0;
  if (cg_path_clean (path, "recorded cgroup", &clean, err) < 0)
    return -1;
  if (strcmp (clean, "/") == 0)
    return berr_make (err, 0, "recorded cgroup '%s' is the root cgroup", path);
  full = cg_fs_path (clean);
  cg->dirfd = open (full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (cg->dirfd < 0 && errno != ENOENT)
    {
      berr_make (err, errno, "open cgroup '%s'", clean);
      cgroup_clear (cg);
      return -1;
    }
  cg->path = steal_ptr (clean);
  cg->owned = true;
  return 0;
}

/* ---- destruction ------------------------------------------------------ */

/* SIGKILL every process in the cgroup at fd and below (kernels without
 * cgroup.kill). */
static void
cg_kill_tree (int fd, int depth)
{
  cleanup_free char *procs = NULL;
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  char *line, *save = NULL;
  int dup_fd;

  if (util_read_file_at (fd, "cgroup.procs", &procs, NULL, NULL) == 0)
    for (line = strtok_r (procs, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
      {
        long pid;
        if (util_parse_long (line, &pid) == 0 && pid > 0)
          kill ((pid_t)pid, SIGKILL);
      }
  if (depth > 64 || (dup_fd = openat (fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return;
  d = fdopendir (dup_fd);
  if (d == NULL)
    {
      close (dup_fd);
      return;
    }
  while ((de = readdir (d)) != NULL)
    {
      cleanup_close int sub = -1;
      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      sub = openat (fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0)
        cg_kill_tree (sub, depth + 1);
    }
}

static bool
cg_populated (int fd)
{
  cleanup_free char *ev = NULL;
  if (util_read_file_at (fd, "cgroup.events", &ev, NULL, NULL) < 0)
    return false;
  return strstr (ev, "populated 1") != NULL;
}

/* Kill everything in it and wait (at most 5 s) until it is empty. */
static int
cg_kill_and_wait (const struct cgroup *cg, berr_t **err)
{
  struct timespec ts = { 0, 10 * 1000 * 1000 };
  cleanup_close int kfd = openat (cg->dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
  bool have_kill = kfd >= 0 && write (kfd, "1", 1) == 1;
  int i;

  for (i = 0; i < 500; i++)
    {
      if (!cg_populated (cg->dirfd))
        return 0;
      /* Without cgroup.kill a process may fork between our reads. */
      if (!have_kill)
        cg_kill_tree (cg->dirfd, 0);
      nanosleep (&ts, NULL);
    }
  return berr_make (err, 0, "cgroup '%s': processes still running 5 s after SIGKILL", cg->path);
}

/* rmdir, retrying while the kernel still tears down the last process. */
static int
cg_rmdir_at (int dirfd, const char *name)
{
  struct timespec ts = { 0, 10 * 1000 * 1000 };
  int i;

  for (i = 0; i < 100; i++)
    {
      if (unlinkat (dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY)
        return -1;
      nanosleep (&ts, NULL);
    }
  return -1;
}

/* Remove every cgroup below fd, depth first. */
static int
cg_remove_children (int fd, const char *where, int depth, berr_t **err)
{
  int dup_fd = openat (fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  struct dirent *de;

  if (d == NULL)
    {
      if (dup_fd >= 0)
        close (dup_fd);
      return berr_make (err, errno, "list cgroup '%s'", where);
    }
  if (depth > 64)
    return berr_make (err, 0, "cgroup '%s': nested too deep", where);
  while ((de = readdir (d)) != NULL)
    {
      cleanup_close int sub = -1;
      cleanup_free char *sub_where = NULL;
      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      sub_where = xasprintf ("%s/%s", where, de->d_name);
      sub = openat (fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0 && errno == ENOENT)
        continue;
      if (sub < 0)
        return berr_make (err, errno, "open cgroup '%s'", sub_where);
      if (cg_remove_children (sub, sub_where, depth + 1, err) < 0)
        return -1;
      if (cg_rmdir_at (fd, de->d_name) < 0)
        return berr_make (err, errno, "remove cgroup '%s'", sub_where);
    }
  return 0;
}

/* The levels above the leaf that berth made (cg->made - 1 of them), bottom
 * up: rmdir only, so a level with another child cgroup or a process stays
 * (EBUSY), and so does everything above it.  One already gone (a delete
 * killed half-way) is passed over. */
static void
cg_remove_made_levels (const struct cgroup *cg)
{
  cleanup_free char *p = cg_fs_path (cg->path);
  size_t i;

  for (i = 1; i < cg->made; i++)
    {
      char *slash = strrchr (p, '/');
      if (slash == NULL || (size_t)(slash - p) <= strlen (CGROUP_ROOT))
        return; /* never the root, whatever the state says */
      *slash = '\0';
      if (rmdir (p) == 0 || errno == ENOENT)
        continue;
      if (errno == EBUSY || errno == ENOTEMPTY)
        log_debug ("cgroup '%s' kept: it has other cgroups or processes in it", p + strlen (CGROUP_ROOT));
      else
        log_warning ("remove cgroup '%s', made for the container: %s", p + strlen (CGROUP_ROOT),
                     strerror (errno));
      return;
    }
}

int
cgroup_destroy (struct cgroup *cg, berr_t **err)
{
  int r = 0;

  if (cg->path && cg->dirfd >= 0)
    {
      r = cg_kill_and_wait (cg, err);
      if (r == 0 && cg->owned)
        r = cg_remove_children (cg->dirfd, cg->path, 0, err);
      if (r == 0 && cg->owned)
        {
          cleanup_free char *full = cg_fs_path (cg->path);
          cleanup_free char *parent = xstrdup (full);
          cleanup_close int pfd = -1;
          *strrchr (parent, '/') = '\0';
          pfd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (pfd < 0 && errno != ENOENT)
            r = berr_make (err, errno, "open cgroup '%s'", parent);
          else if (pfd >= 0 && cg_rmdir_at (pfd, strrchr (full, '/') + 1) < 0)
            r = berr_make (err, errno, "remove cgroup '%s'", cg->path);
        }
      if (r == 0)
        log_debug ("cgroup '%s' removed", cg->path);
    }
  if (r == 0 && cg->path && cg->owned && cg->made > 1)
    {
      fault_point ("delete.cgroup-leaf-removed");
      cg_remove_made_levels (cg);
    }
  if (r == 0 && cg->scope && cgroup_systemd_destroy (cg->scope, err) < 0)
    r = -1;
  cgroup_clear (cg);
  return r;
}

void
cgroup_clear (struct cgroup *cg)
{
  free (cg->path);
  free (cg->scope);
  if (cg->dirfd >= 0)
    close (cg->dirfd);
  *cg = (struct cgroup)CGROUP_INIT;
}
