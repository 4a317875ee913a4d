/* img - a runtime bundle made from an image: config.json generated from the
 * image config (image-spec's conversion rules) and the bundle's record of
 * where it came from (BUNDLE/img.json), which commit reads. */
#ifndef IMG_BUNDLE_H
#define IMG_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "oci-spec.h"
#include "store.h"

struct img_bundle_opts
{
  bool tty;      /* process.terminal */
  bool rootless; /* a config berth can run without root (user namespace) */
  /* For error messages ("image 'NAME': ..."); NULL: the manifest digest. */
  const char *image_name;
  /* Where a rootless config finds the caller's subordinate ids when the
   * image runs as a user other than root; NULL: /etc/subuid, /etc/subgid. */
  const char *subuid_path;
  const char *subgid_path;
};

/* Write bundlefd/config.json (atomically) for image im; the user is resolved
 * against rootfd's /etc/passwd and /etc/group, read confined to rootfd.
 *
 * Starting from the default spec (oci_spec_default_json, rootless variant
 * with o->rootless): process.args = Entrypoint + Cmd (neither: an error),
 * image Env over the default env by name, cwd = WorkingDir or "/", user from
 * User (below), HOME from passwd unless the image sets it, terminal =
 * o->tty, root "rootfs" writable.  Annotations: org.opencontainers.image.
 * {os,architecture,variant,os.version,os.features,author,created,stopSignal,
 * exposedPorts} from the config, then Labels (which win).  Each Volume
 * becomes a tmpfs mount (umoci's choice): what the container writes there
 * stays out of the rootfs and so out of `img commit`; the image's own
 * content at that path is hidden.  A rootless config maps the caller to
 * root; when the image user (or a group) is not root it also maps the
 * caller's /etc/subuid and /etc/subgid ranges from id 1 (berth then uses
 * newuidmap/newgidmap), and fails naming the user when there are none. */
int img_bundle_write_config (int bundlefd, int rootfd, const struct img_image *im,
                             const struct img_bundle_opts *o, berr_t **err);

/* The conversion itself (what img_bundle_write_config writes). */
int img_bundle_config_build (int rootfd, const oci_image_config *cfg, const struct img_bundle_opts *o,
                             oci_spec **out, berr_t **err);

/* Config.User resolved against rootfd's /etc/passwd and /etc/group (both
 * opened with util_open_in_root, so a symlink cannot lead to the host's):
 *   ""            uid 0; gid, HOME and additional gids of uid 0's entry
 *   "name"        passwd entry by name: uid, gid, HOME; additional gids: the
 *                 groups of /etc/group that list the name (docker, umoci)
 *   "uid"         uid verbatim; gid and HOME from its entry if any, else 0
 *                 and "/"; no additional gids (image-spec: numeric user)
 *   "u:g"         u as above, g a group name (/etc/group) or a gid; no
 *                 additional gids (image-spec: a group is given)
 * A name that is not found is an error naming it. */
struct img_exec_user
{
  uint32_t uid;
  uint32_t gid;
  uint32_t *sgids; /* additional gids, without gid */
  size_t sgids_len;
  char *home; /* from passwd, or "/" */
};
int img_user_resolve (int rootfd, const char *user, struct img_exec_user *out, berr_t **err);
void img_exec_user_clear (struct img_exec_user *u);

/* BUNDLE/img.json: where the bundle came from, read by `img commit`.
 * {"store": absolute store path, "ref": the name unpacked (may be absent),
 *  "manifest": manifest digest, "config": config digest, "rootless": bool}
 * (oci-spec/img-bundle.types).  Written atomically; read refuses a record
 * without store, manifest or config. */
#define IMG_BUNDLE_META_NAME "img.json"
struct img_bundle_meta
{
  char *store;
  char *ref;
  char *manifest;
  char *config;
  bool rootless;
};
int img_bundle_meta_write (int bundlefd, const struct img_bundle_meta *m, berr_t **err);
int img_bundle_meta_read (int bundlefd, struct img_bundle_meta *m, berr_t **err);
void img_bundle_meta_clear (struct img_bundle_meta *m);

#endif
