/* berth - the container state store: directories, locks, state.json.
 *
 * Layout: <root>/<id>/state.json (this file's private format, atomic
 * replace) and <root>/<id>/exec.fifo while the container is created but not
 * started.  The directory itself is the lock (flock on its fd), so deleting
 * a container and taking its lock cannot race on a separate lock file.
 * Status is derived on every read: a recorded pid whose start time no longer
 * matches /proc is a stopped container, never a stranger's process. */
#include <config.h>

#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "cgroup.h"
#include "berth-limits.h"
#include "util.h"

int
state_root_open (const char *root, int *rootfd, berr_t **err)
{
  int fd;

  if (util_mkdir_p (root, 0700, err) < 0)
    return berr_wrap (err, "create state root '%s'", root);
  fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "open state root '%s'", root);
  *rootfd = fd;
  return 0;
}

int
state_root_open_existing (const char *root, int *rootfd, berr_t **err)
{
  *rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*rootfd < 0 && errno != ENOENT)
    return berr_make (err, errno, "open state root '%s'", root);
  return 0;
}

int
state_id_validate (const char *id, berr_t **err)
{
  size_t i, len = strlen (id);

  if (len == 0)
    return berr_make (err, 0, "container id cannot be empty");
  if (len > 1024)
    return berr_make (err, 0, "invalid container id '%.32s...': longer than 1024 bytes", id);
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return berr_make (err, 0, "invalid container id '%s'", id);
  for (i = 0; i < len; i++)
    {
      char c = id[i];
      bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '_' && c != '+' && c != '.' && c != '-')))
        return berr_make (err, 0, "invalid container id '%s': only [a-zA-Z0-9][a-zA-Z0-9_+.-]* is allowed",
                          id);
    }
  return 0;
}

static int
lock_dir (int fd, const char *id, berr_t **err)
{
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return berr_make (err, errno, "lock container '%s'", id);
  return 0;
}

int
state_dir_create (int rootfd, const char *id, int *dirfd, berr_t **err)
{
  cleanup_close int fd = -1;

  if (state_id_validate (id, err) < 0)
    return -1;
  if (mkdirat (rootfd, id, 0711) < 0)
    {
      if (errno == EEXIST)
        return berr_make (err, 0, "container '%s' already exists", id);
      return berr_make (err, errno, "create state directory for '%s'", id);
    }
  fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return berr_make (err, errno, "open state directory for '%s'", id);
  if (lock_dir (fd, id, err) < 0)
    return -1;
  *dirfd = steal_fd (fd);
  return 0;
}

int
state_dir_open (int rootfd, const char *id, bool lock, int *dirfd, berr_t **err)
{
  cleanup_close int fd = -1;
  struct stat sb;

  if (state_id_validate (id, err) < 0)
    return -1;
  if (rootfd < 0)
    return berr_make (err, 0, "container '%s' does not exist", id);
  fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return berr_make (err, 0, "container '%s' does not exist", id);
      return berr_make (err, errno, "open state directory for '%s'", id);
    }
  if (lock && lock_dir (fd, id, err) < 0)
    return -1;
  /* A concurrent delete may have removed the directory while we waited. */
  if (fstat (fd, &sb) < 0 || sb.st_nlink == 0)
    return berr_make (err, 0, "container '%s' does not exist", id);
  *dirfd = steal_fd (fd);
  return 0;
}

int
state_dir_remove (int rootfd, const char *id, berr_t **err)
{
  if (util_rm_rf_at (rootfd, id, err) < 0)
    return berr_wrap (err, "remove state of container '%s'", id);
  return 0;
}

static void
gen_str (yajl_gen g, const char *key, const char *val)
{
  yajl_gen_string (g, (const unsigned char *)key, strlen (key));
  val = val ? val : "";
  yajl_gen_string (g, (const unsigned char *)val, strlen (val));
}

static void
gen_int (yajl_gen g, const char *key, long long v)
{
  yajl_gen_string (g, (const unsigned char *)key, strlen (key));
  yajl_gen_integer (g, v);
}

static void
gen_annotations (yajl_gen g, const struct container_state *st)
{
  size_t i;

  yajl_gen_string (g, (const unsigned char *)"annotations", 11);
  yajl_gen_map_open (g);
  for (i = 0; i < st->ann_len; i++)
    gen_str (g, st->ann_keys[i], st->ann_values[i]);
  yajl_gen_map_close (g);
}

static int
gen_finish (yajl_gen g, char **out, size_t *len, berr_t **err)
{
  const unsigned char *buf;
  size_t n;

  if (yajl_gen_get_buf (g, &buf, &n) != yajl_gen_status_ok)
    {
      yajl_gen_free (g);
      return berr_make (err, 0, "generate json");
    }
  *out = xstrndup ((const char *)buf, n);
  if (len)
    *len = n;
  yajl_gen_free (g);
  return 0;
}

int
state_write (int dirfd, const struct container_state *st, berr_t **err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  cleanup_free char *json = NULL;
  size_t len;

  yajl_gen_map_open (g);
  gen_str (g, "id", st->id);
  gen_int (g, "pid", st->pid);
  gen_int (g, "pid_start", (long long)st->pid_start);
  gen_str (g, "bundle", st->bundle);
  gen_str (g, "rootfs", st->rootfs);
  gen_str (g, "created", st->created);
  gen_str (g, "config_path", st->config_path);
  yajl_gen_string (g, (const unsigned char *)"own_pidns", 9);
  yajl_gen_bool (g, st->own_pidns);
  yajl_gen_string (g, (const unsigned char *)"paused", 6);
  yajl_gen_bool (g, st->paused);
  gen_str (g, "cgroup_path", st->cgroup_path);
  gen_str (g, "cgroup_scope", st->cgroup_scope);
  yajl_gen_string (g, (const unsigned char *)"cgroup_owned", 12);
  yajl_gen_bool (g, st->cgroup_owned);
  gen_int (g, "cgroup_made", (long long)st->cgroup_made);
  gen_annotations (g, st);
  yajl_gen_map_close (g);
  if (gen_finish (g, &json, &len, err) < 0)
    return -1;
  return util_write_file_atomic_at (dirfd, STATE_FILE, json, len, 0600, err);
}

/* state.json is read by every command and by `berth list` once per
 * container: parse it as a stream into the struct (no tree, no copies of
 * the fields nobody keeps). */
enum state_key
{
  KEY_OTHER = 0,
  KEY_PID,
  KEY_PID_START,
  KEY_BUNDLE,
  KEY_ROOTFS,
  KEY_CREATED,
  KEY_CONFIG_PATH,
  KEY_OWN_PIDNS,
  KEY_PAUSED,
  KEY_CGROUP_PATH,
  KEY_CGROUP_SCOPE,
  KEY_CGROUP_OWNED,
  KEY_CGROUP_MADE,
  KEY_ANNOTATIONS,
};

struct state_parser
{
  struct container_state *st;
  int depth;          /* maps and arrays open around the next value */
  enum state_key key; /* the top-level key whose value comes next */
  size_t ann_cap;
};

#define STATE_KEY(k, name) [k] = { name, sizeof (name) - 1 }
static const struct
{
  const char *name;
  size_t len;
} state_keys[] = {
  STATE_KEY (KEY_PID, "pid"),
  STATE_KEY (KEY_PID_START, "pid_start"),
  STATE_KEY (KEY_BUNDLE, "bundle"),
  STATE_KEY (KEY_ROOTFS, "rootfs"),
  STATE_KEY (KEY_CREATED, "created"),
  STATE_KEY (KEY_CONFIG_PATH, "config_path"),
  STATE_KEY (KEY_OWN_PIDNS, "own_pidns"),
  STATE_KEY (KEY_PAUSED, "paused"),
  STATE_KEY (KEY_CGROUP_PATH, "cgroup_path"),
  STATE_KEY (KEY_CGROUP_SCOPE, "cgroup_scope"),
  STATE_KEY (KEY_CGROUP_OWNED, "cgroup_owned"),
  STATE_KEY (KEY_CGROUP_MADE, "cgroup_made"),
  STATE_KEY (KEY_ANNOTATIONS, "annotations"),
};
#undef STATE_KEY

static bool
in_annotations (const struct state_parser *p)
{
  return p->depth == 2 && p->key == KEY_ANNOTATIONS;
}

static char **
str_field (struct container_state *st, enum state_key k)
{
  switch (k)
    {
    case KEY_BUNDLE:
      return &st->bundle;
    case KEY_ROOTFS:
      return &st->rootfs;
    case KEY_CREATED:
      return &st->created;
    case KEY_CONFIG_PATH:
      return &st->config_path;
    case KEY_CGROUP_PATH:
      return &st->cgroup_path;
    case KEY_CGROUP_SCOPE:
      return &st->cgroup_scope;
    default:
      return NULL;
    }
}

static int
on_key (void *ctx, const unsigned char *key, size_t len)
{
  struct state_parser *p = ctx;
  struct container_state *st = p->st;
  size_t i;

  if (p->depth == 1)
    {
      p->key = KEY_OTHER;
      for (i = 1; i < sizeof (state_keys) / sizeof (state_keys[0]); i++)
        if (state_keys[i].len == len && memcmp (state_keys[i].name, key, len) == 0)
          {
            p->key = (enum state_key)i;
            break;
          }
    }
  else if (in_annotations (p))
    {
      if (st->ann_len + 1 >= p->ann_cap)
        {
          p->ann_cap = p->ann_cap ? p->ann_cap * 2 : 8;
          st->ann_keys = xrealloc (st->ann_keys, p->ann_cap * sizeof (char *));
          st->ann_values = xrealloc (st->ann_values, p->ann_cap * sizeof (char *));
        }
      /* A value that is not a string reads as "". */
      st->ann_keys[st->ann_len] = xstrndup ((const char *)key, len);
      st->ann_values[st->ann_len] = xstrdup ("");
      st->ann_len++;
      st->ann_keys[st->ann_len] = NULL;
      st->ann_values[st->ann_len] = NULL;
    }
  return 1;
}

static int
on_string (void *ctx, const unsigned char *val, size_t len)
{
  struct state_parser *p = ctx;
  char **f;

  if (p->depth == 1 && (f = str_field (p->st, p->key)) != NULL)
    {
      free (*f);
      *f = xstrndup ((const char *)val, len);
    }
  else if (in_annotations (p) && p->st->ann_len > 0)
    {
      free (p->st->ann_values[p->st->ann_len - 1]);
      p->st->ann_values[p->st->ann_len - 1] = xstrndup ((const char *)val, len);
    }
  return 1;
}

static int
on_integer (void *ctx, long long v)
{
  struct state_parser *p = ctx;

  if (p->depth == 1 && p->key == KEY_PID)
    p->st->pid = (pid_t)v;
  else if (p->depth == 1 && p->key == KEY_PID_START)
    p->st->pid_start = (unsigned long long)v;
  else if (p->depth == 1 && p->key == KEY_CGROUP_MADE && v >= 0 && v < 4096)
    p->st->cgroup_made = (size_t)v;
  return 1;
}

static int
on_boolean (void *ctx, int v)
{
  struct state_parser *p = ctx;

  if (p->depth != 1)
    return 1;
  if (p->key == KEY_OWN_PIDNS)
    p->st->own_pidns = v;
  else if (p->key == KEY_PAUSED)
    p->st->paused = v;
  else if (p->key == KEY_CGROUP_OWNED)
    p->st->cgroup_owned = v;
  return 1;
}

static int
on_open (void *ctx)
{
  struct state_parser *p = ctx;

  if (p->depth == 1 && p->key == KEY_ANNOTATIONS && p->st->ann_keys == NULL)
    {
      p->ann_cap = 8;
      p->st->ann_keys = xzalloc (p->ann_cap * sizeof (char *));
      p->st->ann_values = xzalloc (p->ann_cap * sizeof (char *));
    }
  p->depth++;
  return 1;
}

static int
on_close (void *ctx)
{
  struct state_parser *p = ctx;

  p->depth--;
  return 1;
}

static const yajl_callbacks state_callbacks = {
  .yajl_boolean = on_boolean,
  .yajl_integer = on_integer,
  .yajl_string = on_string,
  .yajl_start_map = on_open,
  .yajl_map_key = on_key,
  .yajl_end_map = on_close,
  .yajl_start_array = on_open,
  .yajl_end_array = on_close,
};

/* getpwuid reads /etc/passwd (or asks NSS) on every call: `berth list`
 * would do that once per container, so remember the last few answers. */
char *
state_owner_name (uid_t uid)
{
  static struct
  {
    uid_t uid;
    char *name;
  } cache[8];
  static size_t used;
  struct passwd *pw;
  size_t i;

  for (i = 0; i < used; i++)
    if (cache[i].uid == uid)
      return xstrdup (cache[i].name);
  pw = getpwuid (uid);
  if (used == sizeof (cache) / sizeof (cache[0]))
    free (cache[--used].name);
  cache[used].uid = uid;
  cache[used].name = pw ? xstrdup (pw->pw_name) : xasprintf ("#%d", (int)uid);
  return xstrdup (cache[used++].name);
}

static char *
owner_name (int dirfd)
{
  struct stat sb;

  if (fstat (dirfd, &sb) < 0)
    return xstrdup ("");
  return state_owner_name (sb.st_uid);
}

int
state_parse (const char *data, size_t len, const char *id, struct container_state *st, berr_t **err)
{
  struct state_parser p = { st, 0, KEY_OTHER, 0 };
  yajl_handle h = yajl_alloc (&state_callbacks, NULL, &p);
  yajl_status s;

  s = yajl_parse (h, (const unsigned char *)data, len);
  if (s == yajl_status_ok)
    s = yajl_complete_parse (h);
  if (s != yajl_status_ok)
    {
      unsigned char *msg = yajl_get_error (h, 0, (const unsigned char *)data, len);
      berr_make (err, 0, "state of container '%s' is corrupt: %s", id, (const char *)msg);
      yajl_free_error (h, msg);
      yajl_free (h);
      return -1;
    }
  yajl_free (h);
  return 0;
}

int
state_read (int dirfd, const char *id, struct container_state *st, berr_t **err)
{
  cleanup_free char *data = NULL;
  size_t len;

  memset (st, 0, sizeof (*st));
  st->id = xstrdup (id);
  st->owner = owner_name (dirfd);
  if (util_read_file_max_at (dirfd, STATE_FILE, OCI_JSON_MAX_BYTES, &data, &len, err) < 0)
    {
      if ((*err)->status == ENOENT)
        {
          berr_clear (err);
          return 0;
        }
      return berr_wrap (err, "read state of container '%s'", id);
    }
  return state_parse (data, len, id, st, err);
}

void
state_clear (struct container_state *st)
{
  size_t i;

  free (st->id);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  free (st->config_path);
  free (st->owner);
  free (st->cgroup_path);
  free (st->cgroup_scope);
  for (i = 0; i < st->ann_len; i++)
    {
      free (st->ann_keys[i]);
      free (st->ann_values[i]);
    }
  free (st->ann_keys);
  free (st->ann_values);
  memset (st, 0, sizeof (*st));
}

int
proc_stat_read (pid_t pid, unsigned long long *start, char *state)
{
  char path[64], buf[1024], *p;
  cleanup_close int fd = -1;
  ssize_t n;
  int field;

  snprintf (path, sizeof (path), "/proc/%d/stat", (int)pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = util_read_all (fd, buf, sizeof (buf) - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* comm (field 2) may contain spaces and parentheses: fields restart after
   * the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return -1;
  p += 2;
  if (state)
    *state = *p;
  for (field = 3; field < 22 && p; field++)
    {
      p = strchr (p, ' ');
      if (p)
        p++;
    }
  if (p == NULL)
    return -1;
  if (start)
    *start = strtoull (p, NULL, 10);
  return 0;
}

bool
state_process_alive (const struct container_state *st)
{
  unsigned long long start;
  char s;

  if (st->pid <= 0)
    return false;
  if (proc_stat_read (st->pid, &start, &s) < 0)
    return false;
  if (s == 'Z' || s == 'X')
    return false;
  return start == st->pid_start;
}

/* Paused is the cgroup's frozen state, read each time, never stored: a
 * freeze or thaw from outside berth shows too. */
static bool
cgroup_is_frozen (const struct container_state *st)
{
  struct cgroup cg = CGROUP_INIT;
  bool frozen;

  if (st->cgroup_path == NULL || st->cgroup_path[0] == '\0'
      || cgroup_open (st->cgroup_path, st->cgroup_scope, &cg, NULL) < 0)
    return false;
  frozen = cgroup_frozen (&cg) == 1;
  cgroup_clear (&cg);
  return frozen;
}

enum container_status
state_status_at (int dirfd, const char *fifo, const struct container_state *st,
                 bool (*maybe_alive) (pid_t, void *), void *data)
{
  struct stat sb;

  if (st->pid == 0)
    return STATUS_CREATING;
  if ((maybe_alive && !maybe_alive (st->pid, data)) || !state_process_alive (st))
    return STATUS_STOPPED;
  if (st->paused || cgroup_is_frozen (st))
    return STATUS_PAUSED;
  if (fstatat (dirfd, fifo, &sb, AT_SYMLINK_NOFOLLOW) == 0)
    return STATUS_CREATED;
  return STATUS_RUNNING;
}

enum container_status
state_status (int dirfd, const struct container_state *st)
{
  return state_status_at (dirfd, STATE_EXEC_FIFO, st, NULL, NULL);
}

const char *
state_status_name (enum container_status s)
{
  static const char *const names[] = { "creating", "created", "running", "paused", "stopped" };
  return names[s];
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

int
state_list_ids (int rootfd, char ***ids, size_t *n, berr_t **err)
{
  int fd = rootfd >= 0 ? openat (rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;
  char **v = NULL;
  size_t len = 0;

  if (rootfd < 0)
    {
      *ids = NULL;
      *n = 0;
      return 0;
    }
  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return berr_make (err, errno, "list state root");
    }
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
        continue;
      v = xrealloc (v, (len + 2) * sizeof (char *));
      v[len++] = xstrdup (de->d_name);
      v[len] = NULL;
    }
  closedir (d);
  if (len > 1)
    qsort (v, len, sizeof (char *), cmp_str);
  *ids = v;
  *n = len;
  return 0;
}

static void
gen_public_map (yajl_gen g, const struct container_state *st, const char *status, bool stopped)
{
  yajl_gen_map_open (g);
  gen_str (g, "ociVersion", OCI_SPEC_VERSION);
  gen_str (g, "id", st->id);
  /* runc reports pid 0 once the process is gone. */
  gen_int (g, "pid", stopped ? 0 : st->pid);
  gen_str (g, "status", status);
  gen_str (g, "bundle", st->bundle);
  gen_str (g, "rootfs", st->rootfs);
  gen_str (g, "created", st->created);
  if (st->ann_len > 0)
    gen_annotations (g, st);
  gen_str (g, "owner", st->owner);
  yajl_gen_map_close (g);
}

static int
gen_public (const struct container_state *st, const char *status, bool stopped, bool indent, char **out,
            berr_t **err)
{
  yajl_gen g = yajl_gen_alloc (NULL);

  if (indent)
    {
      yajl_gen_config (g, yajl_gen_beautify, 1);
      yajl_gen_config (g, yajl_gen_indent_string, "  ");
    }
  gen_public_map (g, st, status, stopped);
  return gen_finish (g, out, NULL, err);
}

int
state_list_to_json (const struct container_state *sts, const enum container_status *ss, size_t n, char **out,
                    size_t *len, berr_t **err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  size_t i;

  yajl_gen_array_open (g);
  for (i = 0; i < n; i++)
    gen_public_map (g, &sts[i], state_status_name (ss[i]), ss[i] == STATUS_STOPPED);
  yajl_gen_array_close (g);
  return gen_finish (g, out, len, err);
}

int
state_to_json (const struct container_state *st, enum container_status s, bool indent, char **out,
               berr_t **err)
{
  return gen_public (st, state_status_name (s), s == STATUS_STOPPED, indent, out, err);
}

int
state_to_json_status (const struct container_state *st, const char *status, char **out, berr_t **err)
{
  return gen_public (st, status, false, false, out, err);
}

char *
state_now_rfc3339 (void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];
  size_t n;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  n = strftime (buf, sizeof (buf), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf + n, sizeof (buf) - n, ".%09ldZ", ts.tv_nsec);
  return xstrdup (buf);
}
