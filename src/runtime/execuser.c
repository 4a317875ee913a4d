/* berth - user and group names for `exec --user`.
 *
 * conmon and podman pass `-u NAME` as often as numbers.  The names belong
 * to the container, so they are looked up in the container's /etc/passwd
 * and /etc/group by the exec child once it is in the container's mount
 * namespace, parsed by hand: getpwnam() would load the host's NSS modules
 * into a process that already sees the container's files. */
#include <config.h>

#include "execuser.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci-spec.h"
#include "util.h"

static bool
is_number (const char *s)
{
  long v;
  return s && *s && util_parse_long (s, &v) == 0 && v >= 0 && v <= (long)UINT32_MAX;
}

bool
execuser_needs_lookup (const char *spec)
{
  cleanup_free char *u = NULL;
  char *colon;

  if (spec == NULL)
    return false;
  u = xstrdup (spec);
  colon = strchr (u, ':');
  if (colon)
    *colon++ = '\0';
  return !is_number (u) || (colon && !is_number (colon));
}

/* Split one line of a colon-separated database into at most max fields. */
static int
split (char *line, char **field, int max)
{
  int n = 0;
  char *p = line;

  line[strcspn (line, "\n")] = '\0';
  while (n < max)
    {
      field[n++] = p;
      p = strchr (p, ':');
      if (p == NULL)
        break;
      *p++ = '\0';
    }
  return n;
}

/* passwd: name or uid → uid and primary gid.  Returns 1 when found. */
static int
find_passwd (const char *who, uint32_t *uid, uint32_t *gid)
{
  cleanup_fclose FILE *f = fopen ("/etc/passwd", "re");
  char line[1024], *field[7];
  long v;

  while (f && fgets (line, sizeof (line), f))
    if (split (line, field, 7) >= 4 && util_parse_long (field[2], &v) == 0
        && (strcmp (field[0], who) == 0 || (is_number (who) && strcmp (field[2], who) == 0)))
      {
        *uid = (uint32_t)v;
        if (util_parse_long (field[3], &v) == 0)
          *gid = (uint32_t)v;
        return 1;
      }
  return 0;
}

static int
find_group (const char *name, uint32_t *gid)
{
  cleanup_fclose FILE *f = fopen ("/etc/group", "re");
  char line[4096], *field[4];
  long v;

  while (f && fgets (line, sizeof (line), f))
    if (split (line, field, 4) >= 3 && strcmp (field[0], name) == 0 && util_parse_long (field[2], &v) == 0)
      {
        *gid = (uint32_t)v;
        return 1;
      }
  return 0;
}

static bool
is_member (char *members, const char *user)
{
  char *save = NULL, *m;
  for (m = strtok_r (members, ",", &save); m; m = strtok_r (NULL, ",", &save))
    if (strcmp (m, user) == 0)
      return true;
  return false;
}

static void
add_member_groups (oci_process *p, const char *user)
{
  cleanup_fclose FILE *f = fopen ("/etc/group", "re");
  char line[4096], *field[4];
  long v;

  while (f && fgets (line, sizeof (line), f))
    if (split (line, field, 4) == 4 && util_parse_long (field[2], &v) == 0 && is_member (field[3], user))
      {
        p->user->additional_gids
          = xrealloc (p->user->additional_gids, (p->user->additional_gids_len + 1) * sizeof (uint32_t));
        p->user->additional_gids[p->user->additional_gids_len++] = (uint32_t)v;
      }
}

int
execuser_resolve (oci_process *p, const char *spec, berr_t **err)
{
  cleanup_free char *u = xstrdup (spec);
  char *group = strchr (u, ':');
  uint32_t uid = 0, gid = 0;
  long v;

  if (group)
    *group++ = '\0';
  if (!find_passwd (u, &uid, &gid))
    {
      if (!is_number (u))
        return berr_make (err, 0, "exec --user '%s': no user '%s' in the container's /etc/passwd", spec, u);
      util_parse_long (u, &v);
      uid = (uint32_t)v;
    }
  if (group && is_number (group))
    gid = (uint32_t)strtoul (group, NULL, 10);
  else if (group && !find_group (group, &gid))
    return berr_make (err, 0, "exec --user '%s': no group '%s' in the container's /etc/group", spec, group);
  if (p->user == NULL)
    p->user = xzalloc (sizeof (*p->user));
  p->user->uid = uid;
  p->user->gid = gid;
  if (!is_number (u))
    add_member_groups (p, u);
  return 0;
}
