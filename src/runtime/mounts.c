/* berth - the `mounts` entries of config.json.
 *
 * This file owns turning an options list into mount(2) flags,
 * mount_setattr(2) attributes and a data string (a pure function, unit
 * tested), and performing one mount onto a destination resolved and created
 * inside the rootfs by util_mkpath_in_root (openat2 RESOLVE_IN_ROOT), so a
 * hostile symlink in the image can never point a mount at the host.  Bind
 * mounts use the new mount API (open_tree + mount_setattr + move_mount) so
 * their flags apply to the clone before it is visible; other file systems go
 * through mount(2) onto /proc/self/fd/N of the resolved destination (we are
 * still before the pivot, so /proc is the host's and trustworthy).  cgroup
 * mounts reproduce the host's layout: see the last section. */
#include <config.h>

#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

/* ---- option parsing ---------------------------------------------------- */

struct flag_opt
{
  const char *name;
  unsigned long set;
  unsigned long clear;
};

/* clang-format off */
static const struct flag_opt flag_opts[] = {
  { "defaults", 0, 0 },
  { "ro", MS_RDONLY, 0 },                  { "rw", 0, MS_RDONLY },
  { "nosuid", MS_NOSUID, 0 },              { "suid", 0, MS_NOSUID },
  { "nodev", MS_NODEV, 0 },                { "dev", 0, MS_NODEV },
  { "noexec", MS_NOEXEC, 0 },              { "exec", 0, MS_NOEXEC },
  { "sync", MS_SYNCHRONOUS, 0 },           { "async", 0, MS_SYNCHRONOUS },
  { "dirsync", MS_DIRSYNC, 0 },            { "remount", MS_REMOUNT, 0 },
  { "mand", MS_MANDLOCK, 0 },              { "nomand", 0, MS_MANDLOCK },
  { "noatime", MS_NOATIME, 0 },            { "atime", 0, MS_NOATIME },
  { "nodiratime", MS_NODIRATIME, 0 },      { "diratime", 0, MS_NODIRATIME },
  { "relatime", MS_RELATIME, 0 },          { "norelatime", 0, MS_RELATIME },
  { "strictatime", MS_STRICTATIME, 0 },    { "nostrictatime", 0, MS_STRICTATIME },
  { "lazytime", MS_LAZYTIME, 0 },          { "nolazytime", 0, MS_LAZYTIME },
  { "iversion", MS_I_VERSION, 0 },         { "noiversion", 0, MS_I_VERSION },
  { "silent", MS_SILENT, 0 },              { "loud", 0, MS_SILENT },
  { "nosymfollow", MS_NOSYMFOLLOW, 0 },    { "symfollow", 0, MS_NOSYMFOLLOW },
  { "bind", MS_BIND, 0 },                  { "rbind", MS_BIND | MS_REC, 0 },
};
/* clang-format on */

static const struct flag_opt propagation_opts[] = {
  { "private", MS_PRIVATE, 0 },       { "rprivate", MS_PRIVATE | MS_REC, 0 },
  { "shared", MS_SHARED, 0 },         { "rshared", MS_SHARED | MS_REC, 0 },
  { "slave", MS_SLAVE, 0 },           { "rslave", MS_SLAVE | MS_REC, 0 },
  { "unbindable", MS_UNBINDABLE, 0 }, { "runbindable", MS_UNBINDABLE | MS_REC, 0 },
};

/* The recursive variants (runc's "rro" family) only exist as mount_setattr
 * attributes with AT_RECURSIVE.  The atime values are an enum inside
 * MOUNT_ATTR__ATIME, so they are handled by value, not as bits. */
struct rec_opt
{
  const char *name;
  uint64_t set;
  uint64_t clear;
  bool atime;
};

/* clang-format off */
static const struct rec_opt rec_opts[] = {
  { "rro", MOUNT_ATTR_RDONLY, 0, false },                { "rrw", 0, MOUNT_ATTR_RDONLY, false },
  { "rnosuid", MOUNT_ATTR_NOSUID, 0, false },            { "rsuid", 0, MOUNT_ATTR_NOSUID, false },
  { "rnodev", MOUNT_ATTR_NODEV, 0, false },              { "rdev", 0, MOUNT_ATTR_NODEV, false },
  { "rnoexec", MOUNT_ATTR_NOEXEC, 0, false },            { "rexec", 0, MOUNT_ATTR_NOEXEC, false },
  { "rnodiratime", MOUNT_ATTR_NODIRATIME, 0, false },    { "rdiratime", 0, MOUNT_ATTR_NODIRATIME, false },
  { "rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0, false },  { "rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW, false },
  { "rnoatime", MOUNT_ATTR_NOATIME, 0, true },           { "ratime", MOUNT_ATTR_RELATIME, 0, true },
  { "rrelatime", MOUNT_ATTR_RELATIME, 0, true },         { "rnorelatime", MOUNT_ATTR_STRICTATIME, 0, true },
  { "rstrictatime", MOUNT_ATTR_STRICTATIME, 0, true },   { "rnostrictatime", MOUNT_ATTR_RELATIME, 0, true },
};
/* clang-format on */

#define N_ELEM(a) (sizeof (a) / sizeof ((a)[0]))

static const struct flag_opt *
find_flag_opt (const struct flag_opt *table, size_t n, const char *name)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

static const struct rec_opt *
find_rec_opt (const char *name)
{
  size_t i;

  for (i = 0; i < N_ELEM (rec_opts); i++)
    if (strcmp (rec_opts[i].name, name) == 0)
      return &rec_opts[i];
  return NULL;
}

static void
data_append (char **data, const char *opt)
{
  char *joined;

  if (*data == NULL)
    {
      *data = xstrdup (opt);
      return;
    }
  joined = xasprintf ("%s,%s", *data, opt);
  free (*data);
  *data = joined;
}

static void
apply_rec_opt (struct mount_opts *o, const struct rec_opt *r)
{
  if (r->atime)
    {
      o->rec_clr |= MOUNT_ATTR__ATIME;
      o->rec_set = (o->rec_set & ~(uint64_t)MOUNT_ATTR__ATIME) | r->set;
      return;
    }
  o->rec_set = (o->rec_set & ~r->clear) | r->set;
  o->rec_clr = (o->rec_clr & ~r->set) | r->clear;
}

/* Sort one option into *o; a later option overrides an earlier one. */
static int
parse_one_opt (const char *opt, struct mount_opts *o, berr_t **err)
{
  const struct flag_opt *f;
  const struct rec_opt *r;

  if ((f = find_flag_opt (flag_opts, N_ELEM (flag_opts), opt)))
    {
      o->flags = (o->flags & ~f->clear) | f->set;
      o->clear = (o->clear & ~f->set) | f->clear;
      return 0;
    }
  if ((f = find_flag_opt (propagation_opts, N_ELEM (propagation_opts), opt)))
    {
      o->propagation = f->set;
      return 0;
    }
  if ((r = find_rec_opt (opt)))
    {
      apply_rec_opt (o, r);
      return 0;
    }
  if (strcmp (opt, "tmpcopyup") == 0 || strcmp (opt, "notmpcopyup") == 0)
    {
      o->tmpcopyup = opt[0] == 't';
      return 0;
    }
  if (strcmp (opt, "idmap") == 0 || strcmp (opt, "ridmap") == 0)
    {
      o->idmap = true;
      o->ridmap = o->ridmap || opt[0] == 'r';
      return 0;
    }
  /* x-* options are for user-space helpers (mount(8), systemd) by
   * convention and never reach the kernel. */
  if (util_str_has_prefix (opt, "x-"))
    return 0;
  if (*opt == '\0')
    return berr_make (err, EINVAL, "empty mount option");
  data_append (&o->data, opt);
  return 0;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

char **
mounts_opts_known (void)
{
  size_t n = 0, i, total = N_ELEM (flag_opts) + N_ELEM (propagation_opts) + N_ELEM (rec_opts) + 4;
  char **v = xzalloc ((total + 1) * sizeof (char *));

  for (i = 0; i < N_ELEM (flag_opts); i++)
    v[n++] = xstrdup (flag_opts[i].name);
  for (i = 0; i < N_ELEM (propagation_opts); i++)
    v[n++] = xstrdup (propagation_opts[i].name);
  for (i = 0; i < N_ELEM (rec_opts); i++)
    v[n++] = xstrdup (rec_opts[i].name);
  v[n++] = xstrdup ("tmpcopyup");
  v[n++] = xstrdup ("notmpcopyup");
  v[n++] = xstrdup ("idmap");
  v[n++] = xstrdup ("ridmap");
  qsort (v, n, sizeof (char *), cmp_str);
  return v;
}

int
mounts_opts_parse (char *const *options, size_t n, struct mount_opts *out, berr_t **err)
{
  size_t i;

  memset (out, 0, sizeof (*out));
  for (i = 0; i < n; i++)
    if (parse_one_opt (options[i], out, err) < 0)
      {
        mounts_opts_clear (out);
        return -1;
      }
  return 0;
}

void
mounts_opts_clear (struct mount_opts *o)
{
  free (o->data);
  o->data = NULL;
}

/* ---- mounting ---------------------------------------------------------- */

/* The magic link through which mount(2) reaches the object fd refers to. */
static void
fd_path (int fd, char buf[static 64])
{
  snprintf (buf, 64, "/proc/self/fd/%d", fd);
}

int
mounts_bind_onto (int src_fd, const char *src_path, int dest_fd, bool recursive, berr_t **err)
{
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  cleanup_close int tree = -1;

  if (src_path)
    tree = open_tree (AT_FDCWD, src_path, flags);
  else
    tree = open_tree (src_fd, "", flags | AT_EMPTY_PATH);
  if (tree < 0)
    return berr_make (err, errno, "clone mount '%s'", src_path ? src_path : "(fd)");
  if (move_mount (tree, "", dest_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return berr_make (err, errno, "attach mount '%s'", src_path ? src_path : "(fd)");
  return steal_fd (tree);
}

/* MS_* flags of the options as attributes of one (non-recursive) mount. */
static void
flags_to_attr (const struct mount_opts *o, struct mount_attr *a)
{
  static const struct
  {
    unsigned long ms;
    uint64_t attr;
  } map[] = {
    { MS_RDONLY, MOUNT_ATTR_RDONLY },         { MS_NOSUID, MOUNT_ATTR_NOSUID },
    { MS_NODEV, MOUNT_ATTR_NODEV },           { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
    { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
  };
  size_t i;

  for (i = 0; i < N_ELEM (map); i++)
    {
      if (o->flags & map[i].ms)
        a->attr_set |= map[i].attr;
      if (o->clear & map[i].ms)
        a->attr_clr |= map[i].attr;
    }
  if (o->flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME))
    {
      a->attr_clr |= MOUNT_ATTR__ATIME;
      if (o->flags & MS_NOATIME)
        a->attr_set |= MOUNT_ATTR_NOATIME;
      else if (o->flags & MS_STRICTATIME)
        a->attr_set |= MOUNT_ATTR_STRICTATIME;
    }
}

/* Recursive attributes, then propagation, on the attached mount mntfd. */
static int
apply_attrs (int mntfd, const struct mount_opts *o, const char *dest, berr_t **err)
{
  struct mount_attr a = { 0 };

  if (o->rec_set || o->rec_clr)
    {
      a.attr_set = o->rec_set;
      a.attr_clr = o->rec_clr;
      if (mount_setattr (mntfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof (a)) < 0)
        return berr_make (err, errno, "set recursive attributes on '%s'", dest);
    }
  if (o->propagation)
    {
      memset (&a, 0, sizeof (a));
      a.propagation = o->propagation & ~(unsigned long)MS_REC;
      if (mount_setattr (mntfd, "", AT_EMPTY_PATH | ((o->propagation & MS_REC) ? AT_RECURSIVE : 0), &a,
                         sizeof (a))
          < 0)
        return berr_make (err, errno, "set propagation of '%s'", dest);
    }
  return 0;
}

/* A bind mount: the clone gets its per-mount flags before it becomes
 * visible, which replaces runc's bind + MS_REMOUNT|MS_BIND|MS_RDONLY pair. */
static int
do_bind_tree (int tree, const char *src, int destfd, const struct mount_opts *o, const char *dest,
              berr_t **err)
{
  struct mount_attr a = { 0 };

  flags_to_attr (o, &a);
  if ((a.attr_set || a.attr_clr) && mount_setattr (tree, "", AT_EMPTY_PATH, &a, sizeof (a)) < 0)
    return berr_make (err, errno, "mount '%s' on '%s': set flags", src, dest);
  if (move_mount (tree, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return berr_make (err, errno, "mount '%s' on '%s'", src, dest);
  return apply_attrs (tree, o, dest, err);
}

static int
do_bind (const char *src, int destfd, const struct mount_opts *o, const char *dest, berr_t **err)
{
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((o->flags & MS_REC) ? AT_RECURSIVE : 0);
  cleanup_close int tree = open_tree (AT_FDCWD, src, flags);

  if (tree < 0)
    return berr_make (err, errno, "mount '%s' on '%s'", src, dest);
  return do_bind_tree (tree, src, destfd, o, dest, err);
}

/* MS_* that mount(2) takes when creating a new mount (propagation and bind
 * are separate steps). */
#define NEW_MOUNT_FLAGS(o) ((o)->flags & ~(unsigned long)(MS_BIND | MS_REC))

static const char *
eperm_fallback (const char *type)
{
  if (type == NULL)
    return NULL;
  if (strcmp (type, "sysfs") == 0)
    return "/sys";
  if (strcmp (type, "mqueue") == 0)
    return "/dev/mqueue";
  return NULL;
}

/* Without a private sysfs/mqueue (in a user namespace that does not own the
 * network/ipc namespace) runc falls back to binding the host's. */
static int
mount_fallback (const struct mount_entry *m, int destfd, const struct mount_opts *o, berr_t **err)
{
  const char *source = m->source ? m->source : m->type ? m->type : "none";
  const char *host = eperm_fallback (m->type);
  struct mount_opts fb = *o;

  if (errno != EPERM || host == NULL)
    return berr_make (err, errno, "mount '%s' on '%s'", source, m->destination);
  log_debug ("mount '%s' on '%s': not permitted, binding the host's '%s'", source, m->destination, host);
  fb.flags |= MS_BIND | MS_REC;
  if (access (host, F_OK) < 0)
    return berr_make (err, EPERM,
                      "mount '%s' on '%s' (the container does not own the %s namespace), and the host has "
                      "no '%s' to bind instead",
                      source, m->destination, strcmp (host, "/sys") == 0 ? "network" : "ipc", host);
  return do_bind (host, destfd, &fb, m->destination, err);
}

/* devpts refuses gid=5 when gid 5 is not mapped in the user namespace (a
 * root config run rootless): retry without it, as crun does, so ptys are
 * owned by the caller's group instead.  errno is the retry's on failure. */
static bool
devpts_without_gid (const struct mount_entry *m, const char *path, unsigned long flags, const char *data)
{
  cleanup_free char *copy = NULL;
  char *kept = NULL, *tok, *save = NULL;
  int r;

  if (errno != EINVAL || m->type == NULL || strcmp (m->type, "devpts") != 0 || data == NULL
      || strstr (data, "gid=") == NULL)
    return false;
  copy = xstrdup (data);
  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    if (!util_str_has_prefix (tok, "gid="))
      data_append (&kept, tok);
  r = mount (m->source ? m->source : m->type, path, m->type, flags, kept);
  free (kept);
  if (r == 0)
    log_debug ("mount devpts on '%s': gid= dropped, the group is not mapped", m->destination);
  return r == 0;
}

/* tmpcopyup (podman's volumes over image content) starts the new tmpfs with
 * a copy of the directory it covers: destfd still names that directory. */
static int
do_new_mount (int rootfd, const struct mount_entry *m, int destfd, const struct mount_opts *o, berr_t **err)
{
  struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
  cleanup_close int mntfd = -1;
  /* A remount keeps MS_BIND: it then changes only this mount's flags. */
  unsigned long flags = NEW_MOUNT_FLAGS (o) | ((o->flags & MS_REMOUNT) ? (o->flags & MS_BIND) : 0);
  char path[64];

  if (o->tmpcopyup && (m->type == NULL || strcmp (m->type, "tmpfs") != 0))
    return berr_make (err, EINVAL, "mount on '%s': tmpcopyup needs a tmpfs", m->destination);
  /* The copy needs a writable tmpfs; `ro` is applied after it. */
  if (o->tmpcopyup)
    flags &= ~(unsigned long)MS_RDONLY;
  fd_path (destfd, path);
  if (mount (m->source ? m->source : m->type, path, m->type, flags, o->data) < 0
      && !devpts_without_gid (m, path, flags, o->data))
    return mount_fallback (m, destfd, o, err);
  if (o->flags & MS_REMOUNT || (!o->propagation && !o->rec_set && !o->rec_clr && !o->tmpcopyup))
    return 0;
  /* destfd still names the covered directory; the new mount is on top. */
  mntfd = util_open_in_root (rootfd, m->destination, 0);
  if (mntfd < 0)
    return berr_make (err, errno, "mount destination '%s': reopen", m->destination);
  if (o->tmpcopyup && util_copy_tree (destfd, mntfd, err) < 0)
    return berr_wrap (err, "mount on '%s': tmpcopyup", m->destination);
  if (o->tmpcopyup && (o->flags & MS_RDONLY)
      && mount_setattr (mntfd, "", AT_EMPTY_PATH, &ro, sizeof (ro)) < 0)
    return berr_make (err, errno, "remount '%s' read-only", m->destination);
  return apply_attrs (mntfd, o, m->destination, err);
}

static int mount_cgroup (int rootfd, const struct mount_entry *m, const struct mount_opts *o, berr_t **err);

static bool
is_bind (const struct mount_entry *m, const struct mount_opts *o)
{
  return (o->flags & MS_BIND) || (m->type && strcmp (m->type, "bind") == 0);
}

static bool
is_cgroup (const struct mount_entry *m)
{
  return m->type && (strcmp (m->type, "cgroup") == 0 || strcmp (m->type, "cgroup2") == 0);
}

/* runc's rule: proc and sysfs take no context= option and mqueue is
 * relabelled instead; every other new file system gets the mount label. */
static bool
wants_label (const struct mount_entry *m)
{
  return m->label && *m->label && strcmp (m->type, "proc") != 0 && strcmp (m->type, "sysfs") != 0
         && strcmp (m->type, "mqueue") != 0;
}

/* mqueue takes no context= option: like runc, label the root of the new
 * mount instead (SELinux keeps the label of such an inode in memory). */
static int
relabel_mqueue (int rootfd, const struct mount_entry *m, berr_t **err)
{
  cleanup_close int fd = -1;
  char path[64];

  if (m->label == NULL || *m->label == '\0' || strcmp (m->type, "mqueue") != 0)
    return 0;
  fd = util_open_in_root (rootfd, m->destination, 0);
  if (fd < 0)
    return berr_make (err, errno, "mount destination '%s': reopen", m->destination);
  fd_path (fd, path);
  if (setxattr (path, "security.selinux", m->label, strlen (m->label), 0) < 0)
    return berr_make (err, errno, "mount on '%s': set its SELinux label '%s'", m->destination, m->label);
  return 0;
}

/* proc and sysfs must be mounted where their path says, not through a
 * symlink the image placed: a later mount could then cover them and the
 * runtime's writes to /proc/self/attr (LSM labels) would land in a plain
 * file (runc's CVE-2019-16884 rule). */
static int
check_no_symlink (int rootfd, const struct mount_entry *m, berr_t **err)
{
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS };
  int fd;

  if (m->type == NULL || (strcmp (m->type, "proc") != 0 && strcmp (m->type, "sysfs") != 0))
    return 0;
  fd = (int)syscall (SYS_openat2, rootfd, m->destination, &how, sizeof (how));
  if (fd >= 0)
    return close (fd);
  if (errno == ELOOP)
    return berr_make (err, 0, "mount '%s' on '%s': the destination is reached through a symlink", m->type,
                      m->destination);
  return berr_make (err, errno, "mount destination '%s'", m->destination);
}

/* The destination is a file when a bind's source is not a directory. */
static int
bind_source (const char *bundle, const struct mount_entry *m, char **src, bool *as_file, berr_t **err)
{
  struct stat st;

  if (m->source == NULL)
    return berr_make (err, EINVAL, "mount on '%s': bind mount without a source", m->destination);
  *src = m->source[0] == '/' ? xstrdup (m->source) : xasprintf ("%s/%s", bundle, m->source);
  if (stat (*src, &st) < 0)
    return berr_make (err, errno, "mount '%s' on '%s'", *src, m->destination);
  *as_file = !S_ISDIR (st.st_mode);
  return 0;
}

int
mounts_apply (int rootfd, const char *bundle, const struct mount_entry *m, berr_t **err)
{
  struct mount_opts o __attribute__ ((cleanup (mounts_opts_clear)));
  cleanup_free char *src = NULL;
  cleanup_close int destfd = -1;
  bool as_file = false;

  if (mounts_opts_parse (m->options, m->options_len, &o, err) < 0)
    return berr_wrap (err, "mount on '%s'", m->destination);
  if (o.idmap && !m->idmapped)
    return berr_make (err, EINVAL, "mount on '%s': the idmapped source was not prepared", m->destination);
  if (!is_bind (m, &o) && m->type == NULL)
    return berr_make (err, EINVAL, "mount on '%s': no type given", m->destination);
  if (is_bind (m, &o) && !(o.flags & MS_REMOUNT) && bind_source (bundle, m, &src, &as_file, err) < 0)
    return -1;
  if (!is_bind (m, &o) && is_cgroup (m))
    return mount_cgroup (rootfd, m, &o, err);
  if (!is_bind (m, &o) && wants_label (m))
    {
      cleanup_free char *ctx = xasprintf ("context=\"%s\"", m->label);
      data_append (&o.data, ctx);
    }

  destfd = util_mkpath_in_root (rootfd, m->destination, as_file, err);
  if (destfd < 0)
    return berr_wrap (err, "mount destination '%s'", m->destination);
  if (is_bind (m, &o) && !(o.flags & MS_REMOUNT) && m->idmapped)
    return do_bind_tree (m->idmap_fd, src, destfd, &o, m->destination, err);
  if (is_bind (m, &o) && !(o.flags & MS_REMOUNT))
    return do_bind (src, destfd, &o, m->destination, err);
  if (check_no_symlink (rootfd, m, err) < 0)
    return -1;
  if (do_new_mount (rootfd, m, destfd, &o, err) < 0)
    return -1;
  return relabel_mqueue (rootfd, m, err);
}

/* ---- cgroup ------------------------------------------------------------ */

/* A cgroup mount follows the host's layout, as runc does:
 * - pure cgroup v2 host: in a cgroup namespace a fresh cgroup2 mount (the
 *   kernel roots it at the namespace); without one, or when the kernel
 *   refuses the mount, a bind of our own cgroup directory;
 * - v1 or hybrid host: a tmpfs (mode=755) holding one directory per host
 *   hierarchy under /sys/fs/cgroup (cpu, memory, systemd, unified, ...), each
 *   a bind of the container's own cgroup in that hierarchy, or a fresh mount
 *   of that hierarchy when the container has its own cgroup namespace (the
 *   kernel then roots it at the namespace); co-mounted controllers get the
 *   host's symlinks (cpu -> cpu,cpuacct).  `ro` applies to the hierarchies;
 *   the tmpfs itself stays writable, as runc and crun leave it (the side by
 *   side tests compare the mount tables). */

#define HOST_CGROUP_ROOT "/sys/fs/cgroup"

/* The path of our cgroup in the hierarchy whose /proc/self/cgroup controller
 * field is `ctrls` ("" for the unified one); NULL if not listed. */
static char *
own_cgroup_path (const char *ctrls)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/cgroup", "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  ssize_t len;

  if (f == NULL)
    return NULL;
  while ((len = getline (&line, &cap, f)) > 0)
    {
      char *c = strchr (line, ':'), *p;
      if (line[len - 1] == '\n')
        line[len - 1] = '\0';
      if (c == NULL || (p = strchr (c + 1, ':')) == NULL)
        continue;
      *p = '\0';
      if (strcmp (c + 1, ctrls) == 0)
        return xstrdup (p + 1);
    }
  return NULL;
}

/* One hierarchy of the host, from a mountinfo line. */
struct cg_hier
{
  char *mountpoint; /* /sys/fs/cgroup/cpu,cpuacct */
  char *root;       /* the mount's root inside the hierarchy, usually "/" */
  char *ctrls;      /* as /proc/self/cgroup names it: "cpu,cpuacct", "name=systemd", "" */
  bool v2;
};

/* Fill h from a mountinfo line if it is a cgroup hierarchy directly under
 * /sys/fs/cgroup.  The controllers are the super options minus rw/ro and
 * the flag options that are not controllers (xattr, nsdelegate, ...). */
static bool
parse_cg_line (char *line, struct cg_hier *h)
{
  char *f[6], *sep, *fstype, *sopts, *save = NULL, *tok, *s = line;
  int i;

  for (i = 0; i < 6 && (f[i] = strtok_r (s, " ", &save)); i++)
    s = NULL;
  sep = strstr (save ? save : "", "- ");
  if (i < 6 || sep == NULL)
    return false;
  fstype = strtok_r (sep + 2, " ", &save);
  strtok_r (NULL, " ", &save); /* source */
  sopts = strtok_r (NULL, " \n", &save);
  if (fstype == NULL || sopts == NULL || !util_str_has_prefix (f[4], HOST_CGROUP_ROOT "/")
      || strchr (f[4] + strlen (HOST_CGROUP_ROOT "/"), '/'))
    return false;
  h->v2 = strcmp (fstype, "cgroup2") == 0;
  if (!h->v2 && strcmp (fstype, "cgroup") != 0)
    return false;
  h->mountpoint = xstrdup (f[4]);
  h->root = xstrdup (f[3]);
  h->ctrls = xstrdup ("");
  for (tok = strtok_r (sopts, ",", &save); tok && !h->v2; tok = strtok_r (NULL, ",", &save))
    {
      char *joined;
      if (strcmp (tok, "rw") == 0 || strcmp (tok, "ro") == 0 || strcmp (tok, "xattr") == 0
          || strcmp (tok, "noprefix") == 0 || strcmp (tok, "clone_children") == 0
          || util_str_has_prefix (tok, "release_agent="))
        continue;
      joined = *h->ctrls ? xasprintf ("%s,%s", h->ctrls, tok) : xstrdup (tok);
      free (h->ctrls);
      h->ctrls = joined;
    }
  return true;
}

static void
cg_hier_clear (struct cg_hier *h)
{
  free (h->mountpoint);
  free (h->root);
  free (h->ctrls);
  memset (h, 0, sizeof (*h));
}

/* Put hierarchy h at `name` inside the tmpfs dirfd. */
static int
cg_mount_hier (int dirfd, const struct cg_hier *h, const struct mount_opts *o, bool cgns, const char *dest,
               berr_t **err)
{
  const char *name = strrchr (h->mountpoint, '/') + 1;
  cleanup_free char *own = NULL, *src = NULL;
  cleanup_close int sub = -1;
  struct mount_opts b = *o;
  char path[64];

  if (mkdirat (dirfd, name, 0755) < 0 && errno != EEXIST)
    return berr_make (err, errno, "mount cgroup on '%s': create '%s'", dest, name);
  sub = openat (dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub < 0)
    return berr_make (err, errno, "mount cgroup on '%s': open '%s'", dest, name);
  fd_path (sub, path);
  if (cgns)
    {
      const char *type = h->v2 ? "cgroup2" : "cgroup";
      if (mount (type, path, type, NEW_MOUNT_FLAGS (o), h->v2 ? NULL : h->ctrls) < 0)
        return berr_make (err, errno, "mount '%s' on '%s/%s'", type, dest, name);
      return 0;
    }
  own = own_cgroup_path (h->ctrls);
  if (own == NULL)
    own = xstrdup ("/");
  if (strcmp (h->root, "/") != 0 && util_str_has_prefix (own, h->root))
    memmove (own, own + strlen (h->root), strlen (own) - strlen (h->root) + 1);
  src = xasprintf ("%s%s", h->mountpoint, own);
  b.flags = (b.flags | MS_BIND) & ~(unsigned long)MS_REC;
  b.propagation = 0;
  return do_bind (src, sub, &b, dest, err);
}

/* Symlinks of co-mounted controllers: cpu -> cpu,cpuacct. */
static void
cg_comount_links (int dirfd, const char *name)
{
  cleanup_free char *copy = xstrdup (name);
  char *tok, *save = NULL;

  if (strchr (name, ',') == NULL)
    return;
  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    if (symlinkat (name, dirfd, tok) < 0 && errno != EEXIST)
      log_debug ("symlink cgroup '%s' -> '%s': %s", tok, name, strerror (errno));
}

static int
cg_mount_v1 (int rootfd, const struct mount_entry *m, const struct mount_opts *o, berr_t **err)
{
  cleanup_fclose FILE *f = NULL;
  cleanup_free char *line = NULL;
  cleanup_close int destfd = -1, tmpfd = -1;
  size_t cap = 0;
  char path[64];

  destfd = util_mkpath_in_root (rootfd, m->destination, false, err);
  if (destfd < 0)
    return berr_wrap (err, "mount destination '%s'", m->destination);
  fd_path (destfd, path);
  if (mount ("tmpfs", path, "tmpfs", NEW_MOUNT_FLAGS (o) & ~(unsigned long)MS_RDONLY, "mode=755") < 0)
    return berr_make (err, errno, "mount 'tmpfs' on '%s'", m->destination);
  tmpfd = util_open_in_root (rootfd, m->destination, O_DIRECTORY);
  if (tmpfd < 0)
    return berr_make (err, errno, "mount destination '%s': reopen", m->destination);
  f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return berr_make (err, errno, "open '/proc/self/mountinfo'");
  while (getline (&line, &cap, f) > 0)
    {
      struct cg_hier h = { 0 };
      int r;
      if (!parse_cg_line (line, &h))
        continue;
      r = cg_mount_hier (tmpfd, &h, o, m->cgroupns, m->destination, err);
      if (r == 0)
        cg_comount_links (tmpfd, strrchr (h.mountpoint, '/') + 1);
      cg_hier_clear (&h);
      if (r < 0)
        return r;
    }
  return apply_attrs (tmpfd, o, m->destination, err);
}

static int
cg_mount_v2 (int rootfd, const struct mount_entry *m, const struct mount_opts *o, berr_t **err)
{
  cleanup_close int destfd = -1, mntfd = -1;
  cleanup_free char *own = NULL, *src = NULL;
  struct mount_opts b = *o;
  char path[64];

  destfd = util_mkpath_in_root (rootfd, m->destination, false, err);
  if (destfd < 0)
    return berr_wrap (err, "mount destination '%s'", m->destination);
  fd_path (destfd, path);
  /* Outside a cgroup namespace a fresh cgroup2 mount would show the host's
   * whole tree; bind our own cgroup instead. */
  if (m->cgroupns && mount ("cgroup2", path, "cgroup2", NEW_MOUNT_FLAGS (o), NULL) == 0)
    {
      mntfd = util_open_in_root (rootfd, m->destination, 0);
      if (mntfd < 0)
        return berr_make (err, errno, "mount destination '%s': reopen", m->destination);
      return apply_attrs (mntfd, o, m->destination, err);
    }
  if (m->cgroupns && errno != EPERM && errno != EBUSY)
    return berr_make (err, errno, "mount 'cgroup2' on '%s'", m->destination);
  own = own_cgroup_path ("");
  src = xasprintf (HOST_CGROUP_ROOT "%s", own ? own : "/");
  b.flags |= MS_BIND | MS_REC;
  return do_bind (src, destfd, &b, m->destination, err);
}

static int
mount_cgroup (int rootfd, const struct mount_entry *m, const struct mount_opts *o, berr_t **err)
{
  struct statfs sfs;

  if (statfs (HOST_CGROUP_ROOT, &sfs) < 0)
    return berr_make (err, errno, "mount cgroup on '%s': statfs '" HOST_CGROUP_ROOT "'", m->destination);
  if (sfs.f_type == CGROUP2_SUPER_MAGIC)
    return cg_mount_v2 (rootfd, m, o, err);
  return cg_mount_v1 (rootfd, m, o, err);
}
