/* berth - idmapped bind mounts, prepared by the parent.
 *
 * A mounts[] entry is idmapped when it has the idmap or ridmap option or
 * uidMappings/gidMappings of its own; without its own maps it takes the
 * container's (linux.uidMappings/gidMappings), which is what runc and crun
 * do, so that files owned by root on the host show as root in the user
 * namespace.  The source is cloned (open_tree OPEN_TREE_CLONE, recursive for
 * rbind), the clone gets MOUNT_ATTR_IDMAP with the descriptor of a user
 * namespace carrying the maps (userns.c), recursively for ridmap, and the
 * detached result waits for the init, which attaches it where the entry
 * says (mounts.c).  Only bind mounts can be idmapped this way. */
#include <config.h>

#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "mounts.h"
#include "oci-spec.h"
#include "userns.h"
#include "util.h"

static bool
opt_is (const oci_mount *m, const char *a, const char *b)
{
  size_t i;

  for (i = 0; i < m->options_len; i++)
    if (strcmp (m->options[i], a) == 0 || (b && strcmp (m->options[i], b) == 0))
      return true;
  return false;
}

/* The maps of the entry, or the container's when it has none. */
static int
entry_maps (const oci_spec *spec, const oci_mount *m, size_t idx, struct userns_maps *maps, berr_t **err)
{
  const oci_linux *l = spec->linux;

  if (m->uid_mappings_len > 0 && m->gid_mappings_len > 0)
    {
      *maps
        = (struct userns_maps){ m->uid_mappings, m->uid_mappings_len, m->gid_mappings, m->gid_mappings_len };
      return 0;
    }
  if (l == NULL || l->uid_mappings_len == 0 || l->gid_mappings_len == 0)
    return berr_make (err, 0,
                      "config.json: .mounts[%zu]: an idmapped mount without uidMappings and gidMappings "
                      "takes the container's, but the container has no user namespace mappings",
                      idx);
  *maps = (struct userns_maps){ l->uid_mappings, l->uid_mappings_len, l->gid_mappings, l->gid_mappings_len };
  return 0;
}

/* Cloning the source and setting the idmap both need CAP_SYS_ADMIN over
 * the source's mount and file system, which a rootless berth lacks. */
static int
idmap_failed (int errno_, const char *what, const char *src, berr_t **err)
{
  if (errno_ == EPERM && geteuid () != 0)
    return berr_make (err, errno_,
                      "%s '%s' (an unprivileged user cannot idmap a file system it does not own)", what, src);
  if (errno_ == EINVAL)
    return berr_make (err, errno_, "%s '%s' (does its file system support idmapped mounts?)", what, src);
  return berr_make (err, errno_, "%s '%s'", what, src);
}

/* The detached, idmapped clone of the source of mounts[idx]. */
static int
prepare_one (const oci_spec *spec, const char *bundle, size_t idx, berr_t **err)
{
  const oci_mount *m = spec->mounts[idx];
  bool rbind = opt_is (m, "rbind", NULL);
  struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP };
  struct userns_maps maps;
  cleanup_free char *src = NULL;
  cleanup_close int tree = -1;
  cleanup_close int ns = -1;

  if (!opt_is (m, "bind", "rbind") && (m->type == NULL || strcmp (m->type, "bind") != 0))
    return berr_make (err, 0, "config.json: .mounts[%zu]: only bind mounts can be idmapped", idx);
  if (m->source == NULL || *m->source == '\0')
    return berr_make (err, 0, "config.json: .mounts[%zu]: bind mount without a source", idx);
  if (entry_maps (spec, m, idx, &maps, err) < 0)
    return -1;
  src = m->source[0] == '/' ? xstrdup (m->source) : xasprintf ("%s/%s", bundle, m->source);
  tree = open_tree (AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind ? AT_RECURSIVE : 0));
  if (tree < 0)
    return idmap_failed (errno, "clone mount", src, err);
  ns = userns_fd_with_maps (&maps, err);
  if (ns < 0)
    return berr_wrap (err, "user namespace for the idmapped mount of '%s'", src);
  a.userns_fd = (uint64_t)ns;
  if (mount_setattr (tree, "", AT_EMPTY_PATH | (opt_is (m, "ridmap", NULL) ? AT_RECURSIVE : 0), &a,
                     sizeof (a))
      < 0)
    return idmap_failed (errno, "idmap", src, err);
  return steal_fd (tree);
}

static bool
wants_idmap (const oci_mount *m)
{
  return m->uid_mappings_len > 0 || m->gid_mappings_len > 0 || opt_is (m, "idmap", "ridmap");
}

int
idmap_mounts_prepare (const oci_spec *spec, const char *bundle, struct idmap_mounts *out, berr_t **err)
{
  size_t i;

  memset (out, 0, sizeof (*out));
  for (i = 0; i < spec->mounts_len; i++)
    {
      if (!wants_idmap (spec->mounts[i]))
        continue;
      if (out->fds == NULL)
        {
          out->n = spec->mounts_len;
          out->fds = xmalloc (out->n * sizeof (int));
          memset (out->fds, 0xff, out->n * sizeof (int)); /* all -1 */
        }
      out->fds[i] = prepare_one (spec, bundle, i, err);
      if (out->fds[i] < 0)
        {
          idmap_mounts_close (out);
          return berr_wrap (err, "mount on '%s'", spec->mounts[i]->destination);
        }
    }
  return 0;
}

void
idmap_mounts_close (struct idmap_mounts *m)
{
  size_t i;

  for (i = 0; m->fds && i < m->n; i++)
    if (m->fds[i] >= 0)
      close (m->fds[i]);
  free (m->fds);
  m->fds = NULL;
  m->n = 0;
}
