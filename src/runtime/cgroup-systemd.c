/* berth - the systemd cgroup driver (--systemd-cgroup,
 * --cgroup-manager=systemd): each container gets a transient scope unit
 * that systemd creates over D-Bus with the container's init in it.
 *
 * This file owns the cgroupsPath rules ("slice:prefix:name", as runc) and
 * the D-Bus side: StartTransientUnit with Delegate=yes (the scope's cgroup
 * is then ours to write), waiting for the job's JobRemoved signal, the
 * scope's ControlGroup property, StopUnit.  Limits: cgroup.c writes
 * linux.resources into the delegated scope's files (cgroup_apply_resources,
 * the same code and errors as for cgroupfs), then the limits systemd
 * manages itself are also set as the scope's properties
 * (cgroup_systemd_set_resources): on `systemctl daemon-reload` systemd
 * rewrites memory.max, pids.max, cpu.max ... of every unit from its
 * properties, and would otherwise reset them to no limit.  What systemd
 * does not manage (io throttles, hugetlb, rdma, unified keys) stays as
 * written.
 *
 * Root talks to the system bus, or, where no dbus-daemon runs, to
 * systemd's private socket (as systemctl does); rootless uses the user's
 * session bus and user.slice.  Built without libsystemd, creating a scope
 * is an error that says so. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <dlfcn.h>
#include <systemd/sd-bus.h>
#endif

#include "cgroup-systemd.h"
#include "cgroup.h"
#include "util.h"

#define UNIT_NAME_MAX 255

static bool
unit_char_ok (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
         || c == '-' || c == '\\';
}

/* The first character of s not allowed in a unit name, or 0. */
static char
unit_bad_char (const char *s)
{
  for (; *s; s++)
    if (!unit_char_ok (*s))
      return *s;
  return 0;
}

static bool
ends_with (const char *s, const char *suffix)
{
  size_t n = strlen (s), m = strlen (suffix);
  return n >= m && strcmp (s + n - m, suffix) == 0;
}

char *
cgroup_systemd_slice_path (const char *slice)
{
  size_t n, i;
  char *out, *p;

  if (strcmp (slice, "-.slice") == 0)
    return xstrdup ("/");
  if (!ends_with (slice, ".slice") || strlen (slice) > UNIT_NAME_MAX || unit_bad_char (slice))
    return NULL;
  n = strlen (slice) - strlen (".slice");
  /* "a-b-c": no empty dash components */
  if (n == 0 || slice[0] == '-' || slice[n - 1] == '-' || memmem (slice, n, "--", 2))
    return NULL;
  /* "/a.slice/a-b.slice/a-b-c.slice": one ancestor per dash */
  out = p = xmalloc ((n + 7) * (n + 1) + 1);
  for (i = 0; i <= n; i++)
    if (i == n || slice[i] == '-')
      p += sprintf (p, "/%.*s.slice", (int)i, slice);
  return out;
}

int
cgroup_systemd_parse_path (const char *cgroups_path, const char *id, bool rootless, char **slice, char **unit,
                           berr_t **err)
{
  const char *what = cgroups_path ? cgroups_path : "";
  cleanup_free char *s = NULL, *prefix = NULL, *name = NULL, *check = NULL;
  const char *c1, *c2;
  char bad;

  *slice = NULL;
  *unit = NULL;
  if (cgroups_path == NULL || *cgroups_path == '\0')
    {
      s = xstrdup ("");
      prefix = xstrdup (CGROUP_SYSTEMD_PREFIX);
      name = xstrdup (id);
    }
  else
    {
      c1 = strchr (cgroups_path, ':');
      c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL || strchr (c2 + 1, ':'))
        return berr_make (err, 0,
                          "linux.cgroupsPath '%s': the systemd cgroup manager wants \"slice:prefix:name\" "
                          "(e.g. \"system.slice:berth:%s\")",
                          what, id);
      s = xstrndup (cgroups_path, c1 - cgroups_path);
      prefix = xstrndup (c1 + 1, c2 - c1 - 1);
      name = xstrdup (*(c2 + 1) ? c2 + 1 : id);
    }

  if (*s == '\0')
    {
      free (s);
      s = xstrdup (rootless ? CGROUP_SYSTEMD_SLICE_ROOTLESS : CGROUP_SYSTEMD_SLICE_ROOT);
    }
  check = cgroup_systemd_slice_path (s);
  if (check == NULL)
    return berr_make (err, 0,
                      "linux.cgroupsPath '%s': '%s' is not a systemd slice name (want NAME.slice, parents "
                      "joined by '-' as in \"machine-berth.slice\", no '/')",
                      what, s);
  if (ends_with (name, ".slice"))
    return berr_make (err, 0,
                      "linux.cgroupsPath '%s': name '%s' is a slice; the systemd cgroup manager puts a "
                      "container in a scope (\"prefix-name.scope\")",
                      what, name);
  if ((bad = unit_bad_char (prefix)))
    return berr_make (err, 0,
                      "linux.cgroupsPath '%s': prefix '%s': '%c' is not allowed in a systemd unit name", what,
                      prefix, bad);
  if ((bad = unit_bad_char (name)))
    return berr_make (err, 0, "linux.cgroupsPath '%s': name '%s': '%c' is not allowed in a systemd unit name",
                      what, name, bad);
  if (*name == '\0')
    return berr_make (err, 0, "linux.cgroupsPath '%s': empty unit name", what);

  *unit = *prefix ? xasprintf ("%s-%s.scope", prefix, name) : xasprintf ("%s.scope", name);
  if (strlen (*unit) > UNIT_NAME_MAX)
    {
      berr_make (err, 0, "linux.cgroupsPath '%s': unit name '%s' is longer than %d characters", what, *unit,
                 UNIT_NAME_MAX);
      free (steal_ptr (*unit));
      return -1;
    }
  *slice = steal_ptr (s);
  return 0;
}

/* ---- the holder: the scope's first process ----------------------------- */

static pid_t holder_pid = -1;
static int holder_pipe = -1; /* its read end's peer: EOF when berth is gone */

static pid_t
holder_spawn (berr_t **err)
{
  int p[2];
  pid_t pid;
  char c;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return berr_make (err, errno, "systemd scope: pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (p[0]);
      close (p[1]);
      return berr_make (err, errno, "systemd scope: fork the holder process");
    }
  if (pid == 0)
    {
      /* Wait until berth releases us, or dies. */
      close (p[1]);
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      while (read (p[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }
  close (p[0]);
  holder_pid = pid;
  holder_pipe = p[1];
  return pid;
}

void
cgroup_systemd_release_holder (void)
{
  if (holder_pipe >= 0)
    close (holder_pipe);
  holder_pipe = -1;
  if (holder_pid > 0)
    {
      kill (holder_pid, SIGKILL);
      while (waitpid (holder_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  holder_pid = -1;
}

int
cgroup_systemd_open_scope (const char *cgroups_path, const char *id, struct cgroup *cg, berr_t **err)
{
  cleanup_free char *scope = NULL, *path = NULL, *full = NULL;
  cleanup_berr berr_t *ignored = NULL;
  pid_t holder;

  *cg = (struct cgroup)CGROUP_INIT;
  holder = holder_spawn (err);
  if (holder < 0)
    return -1;
  if (cgroup_systemd_create (cgroups_path, id, holder, &scope, &path, err) < 0)
    {
      cgroup_systemd_release_holder ();
      return -1;
    }
  full = xasprintf ("%s%s", CGROUP_ROOT, path);
  cg->dirfd = open (full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (cg->dirfd < 0)
    {
      berr_make (err, errno, "systemd scope '%s': open its cgroup '%s'", scope, full);
      cgroup_systemd_release_holder ();
      cgroup_systemd_destroy (scope, &ignored);
      return -1;
    }
  cg->path = steal_ptr (path);
  cg->scope = steal_ptr (scope);
  cg->owned = false;
  return 0;
}

int
cgroup_systemd_setup (const char *id, const oci_spec *spec, struct cgroup *cg, berr_t **err)
{
  const char *cgpath = spec->linux ? spec->linux->cgroups_path : NULL;
  const oci_linux_resources *r = spec->linux ? spec->linux->resources : NULL;
  cleanup_free char *slice = NULL, *unit = NULL;
  cleanup_berr berr_t *ignored = NULL;

  *cg = (struct cgroup)CGROUP_INIT;
  if (cgroup_systemd_parse_path (cgpath, id, geteuid () != 0, &slice, &unit, err) < 0)
    return -1;
  if (cgroup_host_mode () != CGROUP_HOST_UNIFIED)
    return berr_make (
      err, 0,
      "the systemd cgroup manager is not supported on this host: berth manages cgroup v2 only and "
      "%s is not the unified hierarchy (use --cgroup-manager=cgroupfs or disabled)",
      CGROUP_ROOT);
  if (cgroup_systemd_open_scope (cgpath, id, cg, err) < 0)
    return -1;
  if (r && (cgroup_apply_resources (cg, r, false, err) < 0 || cgroup_systemd_set_resources (cg, r, err) < 0))
    {
      cgroup_systemd_release_holder ();
      cgroup_systemd_destroy (cg->scope, &ignored);
      cgroup_clear (cg);
      return -1;
    }
  return 0;
}

#ifdef HAVE_SYSTEMD

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_PRIVATE "unix:path=/run/systemd/private"
/* How long systemd may take to start or stop a scope (runc waits 30 s). */
#define JOB_TIMEOUT_USEC (30ULL * 1000000ULL)

/* libsystemd is opened on first use, not linked: with it come libgcrypt,
 * liblzma, libzstd, liblz4 and libgpg-error, and mapping and relocating
 * those cost every berth start ~1.5 ms although only this cgroup manager
 * talks to systemd.  It is loaded in the runtime's own process, before any
 * namespace is joined. */
#define SD_SYMBOLS(X)                                                                                        \
  X (sd_bus_call)                                                                                            \
  X (sd_bus_call_method)                                                                                     \
  X (sd_bus_error_free)                                                                                      \
  X (sd_bus_error_has_name)                                                                                  \
  X (sd_bus_error_is_set)                                                                                    \
  X (sd_bus_flush_close_unref)                                                                               \
  X (sd_bus_get_property_string)                                                                             \
  X (sd_bus_match_signal)                                                                                    \
  X (sd_bus_message_append)                                                                                  \
  X (sd_bus_message_append_array)                                                                            \
  X (sd_bus_message_close_container)                                                                         \
  X (sd_bus_message_new_method_call)                                                                         \
  X (sd_bus_message_open_container)                                                                          \
  X (sd_bus_message_read)                                                                                    \
  X (sd_bus_message_unref)                                                                                   \
  X (sd_bus_new)                                                                                             \
  X (sd_bus_open_system)                                                                                     \
  X (sd_bus_open_user)                                                                                       \
  X (sd_bus_process)                                                                                         \
  X (sd_bus_set_address)                                                                                     \
  X (sd_bus_slot_unref)                                                                                      \
  X (sd_bus_start)                                                                                           \
  X (sd_bus_unref)                                                                                           \
  X (sd_bus_wait)

static struct
{
#define SD_MEMBER(f) __typeof__ (f) *f;
  SD_SYMBOLS (SD_MEMBER)
#undef SD_MEMBER
} sd;

static int
sd_load (berr_t **err)
{
  static void *lib;
  void *h;

  if (lib)
    return 0;
  h = dlopen (LIBSYSTEMD_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return berr_make (err, 0, "the systemd cgroup manager needs %s: %s", LIBSYSTEMD_SONAME, dlerror ());
#define SD_RESOLVE(f)                                                                                        \
  if ((*(void **)&sd.f = dlsym (h, #f)) == NULL)                                                             \
    {                                                                                                        \
      dlclose (h);                                                                                           \
      return berr_make (err, 0, "the systemd cgroup manager needs %s with '%s'", LIBSYSTEMD_SONAME, #f);     \
    }
  SD_SYMBOLS (SD_RESOLVE)
#undef SD_RESOLVE
  lib = h;
  return 0;
}

static void
bus_message_unrefp (sd_bus_message **m)
{
  if (*m)
    sd.sd_bus_message_unref (*m);
}

static void
bus_error_freep (sd_bus_error *e)
{
  if (sd.sd_bus_error_free)
    sd.sd_bus_error_free (e);
}

struct sd_conn
{
  sd_bus *bus;
  bool direct;       /* systemd's private socket: no bus daemon, no sender names */
  sd_bus_slot *slot; /* the JobRemoved match */
  char *job;         /* the job we wait for */
  char *result;      /* its result once removed ("done", "failed", ...) */
};

static void
sd_conn_close (struct sd_conn *c)
{
  sd.sd_bus_slot_unref (c->slot);
  sd.sd_bus_flush_close_unref (c->bus);
  free (c->job);
  free (c->result);
  memset (c, 0, sizeof *c);
}

static int
bus_fail (berr_t **err, const sd_bus_error *e, int r, const char *what)
{
  if (e && sd.sd_bus_error_is_set (e))
    return berr_make (err, 0, "%s: %s", what, e->message ? e->message : e->name);
  return berr_make (err, r < 0 ? -r : 0, "%s", what);
}

static int
job_removed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  struct sd_conn *c = userdata;
  const char *path, *unit, *result;
  uint32_t id;

  (void)ret_error;
  if (sd.sd_bus_message_read (m, "uoss", &id, &path, &unit, &result) < 0)
    return 0;
  if (c->job && c->result == NULL && strcmp (path, c->job) == 0)
    c->result = xstrdup (result);
  return 0;
}

/* Connect and subscribe to JobRemoved (systemd sends its signals only to
 * subscribed clients). */
static int
sd_conn_open (struct sd_conn *c, berr_t **err)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  int r, r2;

  memset (c, 0, sizeof *c);
  if (sd_load (err) < 0)
    return -1;
  if (geteuid () != 0)
    {
      r = sd.sd_bus_open_user (&c->bus);
      if (r < 0)
        return berr_make (err, -r,
                          "connect to the user's D-Bus session bus (rootless needs a systemd user instance; "
                          "is DBUS_SESSION_BUS_ADDRESS or XDG_RUNTIME_DIR set?)");
    }
  else if ((r = sd.sd_bus_open_system (&c->bus)) < 0)
    {
      c->bus = NULL;
      r2 = sd.sd_bus_new (&c->bus);
      if (r2 >= 0)
        r2 = sd.sd_bus_set_address (c->bus, SD_PRIVATE);
      if (r2 >= 0)
        r2 = sd.sd_bus_start (c->bus);
      if (r2 < 0)
        {
          sd.sd_bus_unref (c->bus);
          c->bus = NULL;
          return berr_make (err, 0,
                            "cannot reach systemd over D-Bus (is it PID 1?): system bus: %s; "
                            "/run/systemd/private: %s",
                            strerror (-r), strerror (-r2));
        }
      c->direct = true;
    }

  r = sd.sd_bus_match_signal (c->bus, &c->slot, c->direct ? NULL : SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
                              job_removed, c);
  if (r < 0)
    {
      sd_conn_close (c);
      return berr_make (err, -r, "watch systemd's JobRemoved signal");
    }
  r = sd.sd_bus_call_method (c->bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &e, NULL, NULL);
  if (r < 0)
    {
      bus_fail (err, &e, r, "subscribe to systemd's signals");
      sd.sd_bus_error_free (&e);
      sd_conn_close (c);
      return -1;
    }
  return 0;
}

static uint64_t
now_usec (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* Take the job path from reply and wait for its JobRemoved; its result
 * must be "done". */
static int
job_wait (struct sd_conn *c, sd_bus_message *reply, const char *what, berr_t **err)
{
  uint64_t deadline = now_usec () + JOB_TIMEOUT_USEC, now;
  const char *job;
  int r;

  r = sd.sd_bus_message_read (reply, "o", &job);
  if (r < 0)
    return berr_make (err, -r, "%s: read the job from systemd's reply", what);
  c->job = xstrdup (job);
  while (c->result == NULL)
    {
      r = sd.sd_bus_process (c->bus, NULL);
      if (r < 0)
        return berr_make (err, -r, "%s: wait for job %s", what, c->job);
      if (r > 0)
        continue;
      now = now_usec ();
      if (now >= deadline)
        return berr_make (err, 0, "%s: systemd did not finish job %s within %llu s", what, c->job,
                          JOB_TIMEOUT_USEC / 1000000ULL);
      r = sd.sd_bus_wait (c->bus, deadline - now);
      if (r < 0 && r != -EINTR)
        return berr_make (err, -r, "%s: wait for job %s", what, c->job);
    }
  if (strcmp (c->result, "done") != 0)
    return berr_make (err, 0, "%s: systemd's job finished with result '%s'", what, c->result);
  return 0;
}

static void
reset_failed (struct sd_conn *c, const char *unit)
{
  /* A failed unit of the same name would make StartTransientUnit fail;
   * "not loaded" and the like are expected. */
  sd.sd_bus_call_method (c->bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", NULL, NULL, "s", unit);
}

static int
start_scope (struct sd_conn *c, const char *unit, const char *slice, const char *id, pid_t pid, berr_t **err)
{
  __attribute__ ((cleanup (bus_message_unrefp))) sd_bus_message *m = NULL, *reply = NULL;
  __attribute__ ((cleanup (bus_error_freep))) sd_bus_error e = SD_BUS_ERROR_NULL;
  cleanup_free char *what = xasprintf ("start systemd scope '%s' in '%s'", unit, slice);
  cleanup_free char *desc = xasprintf ("berth container %s", id);
  int r;

  r = sd.sd_bus_message_new_method_call (c->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
  if (r >= 0)
    r = sd.sd_bus_message_append (m, "ss", unit, "fail");
  if (r >= 0)
    r = sd.sd_bus_message_open_container (m, 'a', "(sv)");
  if (r >= 0)
    r = sd.sd_bus_message_append (m, "(sv)(sv)(sv)(sv)", "Description", "s", desc, "Slice", "s", slice,
                                  "PIDs", "au", 1, (uint32_t)pid, "Delegate", "b", 1);
  /* As runc: no implicit ordering against shutdown.target, and accounting
   * on so that the controllers are enabled down to the scope. */
  if (r >= 0)
    r = sd.sd_bus_message_append (m, "(sv)(sv)(sv)(sv)(sv)", "DefaultDependencies", "b", 0,
                                  "MemoryAccounting", "b", 1, "CPUAccounting", "b", 1, "IOAccounting", "b", 1,
                                  "TasksAccounting", "b", 1);
  if (r >= 0)
    r = sd.sd_bus_message_close_container (m);
  if (r >= 0)
    r = sd.sd_bus_message_append (m, "a(sa(sv))", 0);
  if (r < 0)
    return berr_make (err, -r, "%s: build the D-Bus message", what);

  reset_failed (c, unit);
  r = sd.sd_bus_call (c->bus, m, JOB_TIMEOUT_USEC, &e, &reply);
  if (r < 0 && sd.sd_bus_error_has_name (&e, "org.freedesktop.systemd1.UnitExists"))
    return berr_make (err, 0, "%s: the unit already exists (another container with this cgroupsPath?)", what);
  if (r < 0)
    return bus_fail (err, &e, r, what);
  return job_wait (c, reply, what, err);
}

static int
scope_cgroup (struct sd_conn *c, const char *unit, char **path, berr_t **err)
{
  __attribute__ ((cleanup (bus_message_unrefp))) sd_bus_message *reply = NULL;
  __attribute__ ((cleanup (bus_error_freep))) sd_bus_error e = SD_BUS_ERROR_NULL;
  cleanup_free char *what = xasprintf ("systemd scope '%s': read its ControlGroup", unit);
  const char *obj;
  char *cg = NULL;
  int r;

  r = sd.sd_bus_call_method (c->bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &e, &reply, "s", unit);
  if (r >= 0)
    r = sd.sd_bus_message_read (reply, "o", &obj);
  if (r >= 0)
    r = sd.sd_bus_get_property_string (c->bus, SD_DEST, obj, "org.freedesktop.systemd1.Scope", "ControlGroup",
                                       &e, &cg);
  if (r < 0)
    return bus_fail (err, &e, r, what);
  if (cg == NULL || cg[0] != '/')
    {
      free (cg);
      return berr_make (err, 0, "%s: systemd gave no cgroup", what);
    }
  *path = cg;
  return 0;
}

/* Stop unit and wait until it is gone; a unit systemd does not know is
 * already stopped. */
static int
stop_unit (struct sd_conn *c, const char *unit, berr_t **err)
{
  __attribute__ ((cleanup (bus_message_unrefp))) sd_bus_message *reply = NULL;
  __attribute__ ((cleanup (bus_error_freep))) sd_bus_error e = SD_BUS_ERROR_NULL;
  cleanup_free char *what = xasprintf ("stop systemd scope '%s'", unit);
  int r;

  r = sd.sd_bus_call_method (c->bus, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", &e, &reply, "ss", unit,
                             "replace");
  if (r < 0
      && (sd.sd_bus_error_has_name (&e, "org.freedesktop.systemd1.NoSuchUnit")
          || (e.message && strstr (e.message, "not loaded"))))
    return 0;
  if (r < 0)
    return bus_fail (err, &e, r, what);
  r = job_wait (c, reply, what, err);
  reset_failed (c, unit);
  return r;
}

/* After a failed create: stop the scope if our StartTransientUnit made it
 * (a job was queued; its start may still be running or have failed). */
static void
undo_start (struct sd_conn *c, const char *unit)
{
  cleanup_berr berr_t *ignored = NULL;

  if (c->job == NULL)
    return;
  free (c->job);
  free (c->result);
  c->job = c->result = NULL;
  stop_unit (c, unit, &ignored);
}

int
cgroup_systemd_create (const char *cgroups_path, const char *id, pid_t pid, char **scope, char **path,
                       berr_t **err)
{
  cleanup_free char *slice = NULL, *unit = NULL;
  struct sd_conn c;

  *scope = NULL;
  *path = NULL;
  if (cgroup_systemd_parse_path (cgroups_path, id, geteuid () != 0, &slice, &unit, err) < 0)
    return -1;
  if (sd_conn_open (&c, err) < 0)
    return berr_wrap (err, "systemd cgroup manager");
  if (start_scope (&c, unit, slice, id, pid, err) < 0 || scope_cgroup (&c, unit, path, err) < 0)
    {
      undo_start (&c, unit);
      sd_conn_close (&c);
      return -1;
    }
  sd_conn_close (&c);
  *scope = steal_ptr (unit);
  return 0;
}

/* "0-3,8" -> systemd's CPU/NUMA-node bitmask (byte i/8, bit i%8); -1 on a
 * list cgroup_apply_resources would have refused. */
static int
cpu_list_mask (const char *list, uint8_t **mask, size_t *len)
{
  const char *p = list;
  uint8_t *m = NULL;
  size_t n = 0;
  char *end;

  while (*p)
    {
      unsigned long a, b;
      a = b = strtoul (p, &end, 10);
      if (end == p)
        goto bad;
      if (*end == '-')
        {
          p = end + 1;
          b = strtoul (p, &end, 10);
          if (end == p || b < a)
            goto bad;
        }
      if (b >= 8192 || (*end && *end != ','))
        goto bad;
      if (m == NULL || b / 8 + 1 > n)
        {
          m = xrealloc (m, b / 8 + 1);
          memset (m + n, 0, b / 8 + 1 - n);
          n = b / 8 + 1;
        }
      for (; a <= b; a++)
        m[a / 8] |= 1u << (a % 8);
      p = *end ? end + 1 : end;
    }
  *mask = m;
  *len = n;
  return 0;
bad:
  free (m);
  return -1;
}

static int
append_u64 (sd_bus_message *m, const char *name, uint64_t v, int *count)
{
  (*count)++;
  return sd.sd_bus_message_append (m, "(sv)", name, "t", v);
}

static int
append_mask (sd_bus_message *m, const char *name, const char *list, int *count)
{
  cleanup_free uint8_t *mask = NULL;
  size_t len;
  int r;

  if (list == NULL || *list == '\0' || cpu_list_mask (list, &mask, &len) < 0)
    return 0;
  (*count)++;
  r = sd.sd_bus_message_open_container (m, 'r', "sv");
  if (r >= 0)
    r = sd.sd_bus_message_append (m, "s", name);
  if (r >= 0)
    r = sd.sd_bus_message_open_container (m, 'v', "ay");
  if (r >= 0)
    r = sd.sd_bus_message_append_array (m, 'y', mask, len);
  if (r >= 0)
    r = sd.sd_bus_message_close_container (m);
  if (r >= 0)
    r = sd.sd_bus_message_close_container (m);
  return r;
}

/* -1 (and, for pids, 0) is "no limit": systemd's infinity */
static uint64_t
limit_or_infinity (int64_t v)
{
  return v > 0 ? (uint64_t)v : UINT64_MAX;
}

static int
append_memory (sd_bus_message *m, const oci_linux_memory *mem, int *count)
{
  int64_t limit = mem->limit_present ? mem->limit : 0;
  int r = 0;

  if (mem->limit_present && mem->limit != 0)
    r = append_u64 (m, "MemoryMax", limit_or_infinity (mem->limit), count);
  if (r >= 0 && mem->reservation_present && mem->reservation != 0)
    r = append_u64 (m, "MemoryLow", limit_or_infinity (mem->reservation), count);
  /* OCI swap is memory+swap (cgroup-resources.c has the full rules) */
  if (r >= 0 && mem->swap_present && mem->swap == -1)
    r = append_u64 (m, "MemorySwapMax", UINT64_MAX, count);
  else if (r >= 0 && mem->swap_present && mem->swap > 0 && limit > 0 && mem->swap >= limit)
    r = append_u64 (m, "MemorySwapMax", (uint64_t)(mem->swap - limit), count);
  else if (r >= 0 && mem->swap_present && mem->swap > 0 && limit == -1)
    r = append_u64 (m, "MemorySwapMax", (uint64_t)mem->swap, count);
  return r;
}

static int
append_cpu (sd_bus_message *m, const oci_linux_cpu *c, int *count)
{
  uint64_t period = c->period_present && c->period ? c->period : 100000;
  int r = 0;

  if (c->shares_present && c->shares != 0)
    r = append_u64 (m, "CPUWeight", cgroup_shares_to_weight (c->shares), count);
  /* systemd keeps CPUQuota= as a whole percentage (10 ms per second) and
   * after a daemon-reload writes cpu.max from that: round up, as runc
   * does, so that a reload never gives less CPU than asked for
   * (cgroup_systemd_set_resources then writes the exact cpu.max). */
  if (r >= 0 && c->quota_present && c->quota > 0)
    r = append_u64 (m, "CPUQuotaPerSecUSec",
                    ((uint64_t)c->quota * 1000000 + period * 10000 - 1) / (period * 10000) * 10000, count);
  else if (r >= 0 && c->quota_present && c->quota == -1)
    r = append_u64 (m, "CPUQuotaPerSecUSec", UINT64_MAX, count);
  if (r >= 0 && c->period_present && c->period != 0)
    r = append_u64 (m, "CPUQuotaPeriodUSec", c->period, count);
  if (r >= 0)
    r = append_mask (m, "AllowedCPUs", c->cpus, count);
  if (r >= 0)
    r = append_mask (m, "AllowedMemoryNodes", c->mems, count);
  return r;
}

/* The exact quota/period of c, over what systemd wrote from its rounded
 * property. */
static int
write_exact_cpu_max (const struct cgroup *cg, const oci_linux_cpu *c, berr_t **err)
{
  uint64_t period = c->period_present && c->period ? c->period : 100000;
  cleanup_free char *buf = xasprintf ("%lld %llu", (long long)c->quota, (unsigned long long)period);
  cleanup_close int fd = -1;

  if (cg->dirfd >= 0)
    fd = openat (cg->dirfd, "cpu.max", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, buf, strlen (buf)) != (ssize_t)strlen (buf))
    return berr_make (err, errno, "linux.resources.cpu.quota: write '%s' to %s/cpu.max", buf,
                      cg->path ? cg->path : "(no cgroup)");
  return 0;
}

int
cgroup_systemd_set_resources (const struct cgroup *cg, const oci_linux_resources *res, berr_t **err)
{
  const char *scope = cg->scope;

  __attribute__ ((cleanup (bus_message_unrefp))) sd_bus_message *m = NULL;
  __attribute__ ((cleanup (bus_error_freep))) sd_bus_error e = SD_BUS_ERROR_NULL;
  cleanup_free char *what = NULL;
  struct sd_conn c;
  int r, count = 0;

  if (scope == NULL || res == NULL)
    return 0;
  what = xasprintf ("systemd scope '%s': set its resource properties", scope);
  if (sd_conn_open (&c, err) < 0)
    return berr_wrap (err, "%s", what);
  r = sd.sd_bus_message_new_method_call (c.bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
  if (r >= 0)
    r = sd.sd_bus_message_append (m, "sb", scope, 1);
  if (r >= 0)
    r = sd.sd_bus_message_open_container (m, 'a', "(sv)");
  if (r >= 0 && res->memory)
    r = append_memory (m, res->memory, &count);
  if (r >= 0 && res->cpu)
    r = append_cpu (m, res->cpu, &count);
  if (r >= 0 && res->pids && res->pids->limit_present)
    r = append_u64 (m, "TasksMax", limit_or_infinity (res->pids->limit), &count);
  if (r >= 0)
    r = sd.sd_bus_message_close_container (m);
  if (r < 0)
    {
      sd_conn_close (&c);
      return berr_make (err, -r, "%s: build the D-Bus message", what);
    }
  if (count > 0)
    r = sd.sd_bus_call (c.bus, m, JOB_TIMEOUT_USEC, &e, NULL);
  sd_conn_close (&c);
  if (r < 0)
    return bus_fail (err, &e, r, what);
  if (res->cpu && res->cpu->quota_present && res->cpu->quota > 0)
    return write_exact_cpu_max (cg, res->cpu, err);
  return 0;
}

int
cgroup_systemd_destroy (const char *scope, berr_t **err)
{
  struct sd_conn c;
  int r;

  /* a create that failed before its init was in the scope */
  cgroup_systemd_release_holder ();
  if (scope == NULL)
    return 0;
  if (sd_conn_open (&c, err) < 0)
    return berr_wrap (err, "stop systemd scope '%s'", scope);
  r = stop_unit (&c, scope, err);
  sd_conn_close (&c);
  return r;
}

#else /* !HAVE_SYSTEMD */

int
cgroup_systemd_create (const char *cgroups_path, const char *id, pid_t pid, char **scope, char **path,
                       berr_t **err)
{
  cleanup_free char *slice = NULL, *unit = NULL;

  (void)pid;
  *scope = NULL;
  *path = NULL;
  if (cgroup_systemd_parse_path (cgroups_path, id, geteuid () != 0, &slice, &unit, err) < 0)
    return -1;
  return berr_make (err, 0,
                    "the systemd cgroup manager is not supported: berth was built without libsystemd "
                    "(configure found no libsystemd-dev, or --disable-systemd)");
}

int
cgroup_systemd_destroy (const char *scope, berr_t **err)
{
  cgroup_systemd_release_holder ();
  if (scope == NULL)
    return 0;
  return berr_make (err, 0,
                    "stop systemd scope '%s': the systemd cgroup manager is not supported: berth was built "
                    "without libsystemd",
                    scope);
}

int
cgroup_systemd_set_resources (const struct cgroup *cg, const oci_linux_resources *r, berr_t **err)
{
  (void)r;
  if (cg->scope == NULL)
    return 0;
  return berr_make (
    err, 0,
    "systemd scope '%s': the systemd cgroup manager is not supported: berth was built without "
    "libsystemd",
    cg->scope);
}

#endif
