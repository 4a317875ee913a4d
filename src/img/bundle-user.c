/* img - Config.User resolved against the image's own /etc/passwd and
 * /etc/group (image-spec conversion.md "Config.User").
 *
 * The rootfs is untrusted: both files are opened through util_open_in_root
 * (openat2 RESOLVE_IN_ROOT), so an /etc/passwd that is a symlink to
 * "/etc/passwd" or "../../../etc/shadow" resolves inside the rootfs and
 * the host's files are never read; anything but a regular file (a fifo
 * would block us) and files over 16 MiB are refused.  NSS is never used:
 * it would read the host's databases. */
#include <config.h>

#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define DB_MAX (16 * 1024 * 1024)

/* Read rootfd/path confined.  *data is NULL (and 0 returned) when the file
 * does not exist. */
static int
read_db (int rootfd, const char *path, char **data, berr_t **err)
{
  cleanup_close int pfd = -1, fd = -1;
  char proc[64];
  struct stat st;
  ssize_t n;

  *data = NULL;
  pfd = util_open_in_root (rootfd, path, 0);
  if (pfd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return 0;
      if (errno == EXDEV || errno == ELOOP)
        return berr_make (err, errno, "open '%s' in the rootfs: resolves outside the rootfs", path);
      return berr_make (err, errno, "open '%s' in the rootfs", path);
    }
  if (fstat (pfd, &st) < 0)
    return berr_make (err, errno, "stat '%s' in the rootfs", path);
  if (!S_ISREG (st.st_mode))
    return berr_make (err, 0, "'%s' in the rootfs is not a regular file", path);
  if (st.st_size > DB_MAX)
    return berr_make (err, 0, "'%s' in the rootfs is too large (%lld bytes)", path, (long long)st.st_size);
  snprintf (proc, sizeof (proc), "/proc/self/fd/%d", pfd);
  fd = open (proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return berr_make (err, errno, "open '%s' in the rootfs", path);
  *data = xmalloc ((size_t)st.st_size + 1);
  n = util_read_all (fd, *data, (size_t)st.st_size);
  if (n < 0)
    {
      free (*data);
      *data = NULL;
      return berr_make (err, errno, "read '%s' in the rootfs", path);
    }
  (*data)[n] = '\0';
  return 0;
}

/* Split one line into at most max ':' fields (in place). */
static size_t
split_fields (char *line, char **f, size_t max)
{
  size_t n = 0;
  char *p = line;

  while (n < max)
    {
      f[n++] = p;
      p = strchr (p, ':');
      if (p == NULL)
        break;
      *p++ = '\0';
    }
  return n;
}

static bool
parse_id (const char *s, uint32_t *out)
{
  char *end;
  unsigned long v;

  if (*s < '0' || *s > '9')
    return false;
  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno || *end || v > UINT32_MAX - 1)
    return false;
  *out = (uint32_t)v;
  return true;
}

/* Iterate the lines of a database: returns the next line (NUL-terminated,
 * in place) or NULL; *cursor moves on. */
static char *
next_line (char **cursor)
{
  char *l = *cursor, *nl;

  if (l == NULL || *l == '\0')
    return NULL;
  nl = strchr (l, '\n');
  if (nl)
    {
      *nl = '\0';
      *cursor = nl + 1;
    }
  else
    *cursor = l + strlen (l);
  return l;
}

struct pw_entry
{
  bool found;
  char *name;
  uint32_t uid, gid;
  char *home;
};

/* By name (name != NULL) or by uid. */
static void
passwd_find (char *db, const char *name, uint32_t uid, struct pw_entry *e)
{
  char *cur = db, *line, *f[7];
  uint32_t u, g;
  size_t n;

  while ((line = next_line (&cur)))
    {
      if (*line == '#' || (n = split_fields (line, f, 7)) < 4)
        continue;
      if (!parse_id (f[2], &u) || !parse_id (f[3], &g))
        continue;
      if (name ? strcmp (f[0], name) != 0 : u != uid)
        continue;
      e->found = true;
      e->name = xstrdup (f[0]);
      e->uid = u;
      e->gid = g;
      e->home = xstrdup (n > 5 && *f[5] ? f[5] : "/");
      return;
    }
}

static bool
group_find (char *db, const char *name, uint32_t *gid)
{
  char *cur = db, *line, *f[4];
  uint32_t g;

  while ((line = next_line (&cur)))
    {
      if (*line == '#' || split_fields (line, f, 4) < 3)
        continue;
      if (strcmp (f[0], name) == 0 && parse_id (f[2], &g))
        {
          *gid = g;
          return true;
        }
    }
  return false;
}

/* The gids of the groups that list user as a member, without primary. */
static void
group_members (char *db, const char *user, uint32_t primary, struct img_exec_user *u)
{
  char *cur = db, *line, *f[4], *m, *save;
  uint32_t g;
  size_t i;

  while ((line = next_line (&cur)))
    {
      if (*line == '#' || split_fields (line, f, 4) < 4 || !parse_id (f[2], &g))
        continue;
      for (m = strtok_r (f[3], ",", &save); m; m = strtok_r (NULL, ",", &save))
        if (strcmp (m, user) == 0)
          break;
      if (m == NULL || g == primary)
        continue;
      for (i = 0; i < u->sgids_len; i++)
        if (u->sgids[i] == g)
          break;
      if (i < u->sgids_len)
        continue;
      u->sgids = xrealloc (u->sgids, (u->sgids_len + 1) * sizeof (*u->sgids));
      u->sgids[u->sgids_len++] = g;
    }
}

static void
pw_entry_clear (struct pw_entry *e)
{
  free (e->name);
  free (e->home);
}

static int
resolve_group (int rootfd, const char *group, const char *user, struct img_exec_user *u, berr_t **err)
{
  cleanup_free char *db = NULL;

  if (parse_id (group, &u->gid))
    return 0;
  if (*group == '\0')
    return berr_make (err, 0, "user '%s:': empty group name", user);
  if (read_db (rootfd, "/etc/group", &db, err) < 0)
    return -1;
  if (db == NULL)
    return berr_make (err, 0, "group '%s' (of user '%s:%s') not found: the rootfs has no /etc/group", group,
                      user, group);
  if (!group_find (db, group, &u->gid))
    return berr_make (err, 0, "group '%s' (of user '%s:%s') not found in the rootfs's /etc/group", group,
                      user, group);
  return 0;
}

int
img_user_resolve (int rootfd, const char *spec, struct img_exec_user *out, berr_t **err)
{
  cleanup_free char *user = xstrdup (spec ? spec : "");
  cleanup_free char *pw = NULL, *gr = NULL;
  struct img_exec_user u = { 0 };
  struct pw_entry e = { 0 };
  char *group = strchr (user, ':');
  bool numeric;
  int r = -1;

  memset (out, 0, sizeof (*out));
  if (group)
    *group++ = '\0';
  numeric = *user == '\0' || parse_id (user, &u.uid);
  if (read_db (rootfd, "/etc/passwd", &pw, err) < 0)
    return -1;
  if (!numeric)
    {
      if (pw == NULL)
        return berr_make (err, 0, "user '%s' not found: the rootfs has no /etc/passwd", user);
      passwd_find (pw, user, 0, &e);
      if (!e.found)
        return berr_make (err, 0, "user '%s' not found in the rootfs's /etc/passwd", user);
    }
  else if (pw)
    passwd_find (pw, NULL, u.uid, &e);
  if (e.found)
    {
      u.uid = e.uid;
      u.gid = e.gid;
    }
  u.home = xstrdup (e.found ? e.home : "/");
  if (group)
    {
      if (resolve_group (rootfd, group, user, &u, err) < 0)
        goto out;
    }
  else if (e.found && (!numeric || *user == '\0'))
    {
      /* Supplementary groups only for a user given by name (or the default
       * root): image-spec asks not to touch them for a numeric user or an
       * explicit group. */
      if (read_db (rootfd, "/etc/group", &gr, err) < 0)
        goto out;
      if (gr)
        group_members (gr, e.name, u.gid, &u);
    }
  *out = u;
  memset (&u, 0, sizeof (u));
  r = 0;
out:
  pw_entry_clear (&e);
  img_exec_user_clear (&u);
  return r;
}

void
img_exec_user_clear (struct img_exec_user *u)
{
  free (u->sgids);
  free (u->home);
  memset (u, 0, sizeof (*u));
}
