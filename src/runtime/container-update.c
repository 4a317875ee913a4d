/* berth - `update`: change the resources of a live container.
 *
 * The container's config (the copy saved at create, st.config_path) holds
 * its current resources, as runc's state does: an update is merged into
 * them, the merged set is written to the cgroup, and the config is saved
 * back atomically, so that the next update starts from the values now in
 * force (a new --memory-swap is checked against the last --memory).
 *
 * What is merged is what runc's update merges: every field given replaces
 * the stored one; block devices and hugepage sizes are updated in place by
 * major:minor or page size; unified keys are added or replaced (and only
 * the given ones are written).  Device rules, when given, replace the
 * stored ones and the device program (as crun's update; runc's leaves
 * them). */
#include <config.h>

#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "log.h"
#include "oci-spec.h"
#include "util.h"

#define TAKE(dst, src, f)                                                                                    \
  do                                                                                                         \
    {                                                                                                        \
      if ((src)->f##_present)                                                                                \
        {                                                                                                    \
          (dst)->f = (src)->f;                                                                               \
          (dst)->f##_present = true;                                                                         \
        }                                                                                                    \
    }                                                                                                        \
  while (0)

static void
take_str (char **dst, const char *src)
{
  if (src == NULL || *src == 0)
    return;
  free (*dst);
  *dst = xstrdup (src);
}

static void
merge_memory (oci_linux_memory *d, const oci_linux_memory *s)
{
  TAKE (d, s, limit);
  TAKE (d, s, reservation);
  TAKE (d, s, swap);
  TAKE (d, s, kernel);
  TAKE (d, s, kernel_tcp);
  TAKE (d, s, swappiness);
  TAKE (d, s, disable_oom_killer);
  TAKE (d, s, use_hierarchy);
  TAKE (d, s, check_before_update);
  /* runc: "--memory -1" alone lifts the swap limit with it (else the old
   * swap would be a swap limit without a memory limit). */
  if (s->limit_present && s->limit == -1 && !s->swap_present)
    {
      d->swap = 0;
      d->swap_present = false;
    }
}

static void
merge_cpu (oci_linux_cpu *d, const oci_linux_cpu *s)
{
  TAKE (d, s, shares);
  TAKE (d, s, quota);
  TAKE (d, s, burst);
  TAKE (d, s, period);
  TAKE (d, s, realtime_runtime);
  TAKE (d, s, realtime_period);
  TAKE (d, s, idle);
  take_str (&d->cpus, s->cpus);
  take_str (&d->mems, s->mems);
  /* An idle group has no weight (the kernel refuses one): runc's update
   * drops the shares when idle is given without them. */
  if (s->idle_present && !s->shares_present)
    {
      d->shares = 0;
      d->shares_present = false;
    }
}

static void
upsert_weight (oci_linux_block_io *d, const oci_linux_weight_device *w)
{
  oci_linux_weight_device *t = NULL;
  size_t i;

  for (i = d->weight_device_len; i-- > 0;)
    if (d->weight_device[i]->major == w->major && d->weight_device[i]->minor == w->minor)
      {
        t = d->weight_device[i];
        break;
      }
  if (t == NULL)
    {
      t = xzalloc (sizeof (*t));
      t->major = w->major;
      t->major_present = w->major_present;
      t->minor = w->minor;
      t->minor_present = w->minor_present;
      d->weight_device = xrealloc (d->weight_device, (d->weight_device_len + 1) * sizeof (*d->weight_device));
      d->weight_device[d->weight_device_len++] = t;
    }
  TAKE (t, w, weight);
  TAKE (t, w, leaf_weight);
}

static void
upsert_throttle (oci_linux_throttle_device ***arr, size_t *n, const oci_linux_throttle_device *s)
{
  oci_linux_throttle_device *t = NULL;
  size_t i;

  for (i = *n; i-- > 0;)
    if ((*arr)[i]->major == s->major && (*arr)[i]->minor == s->minor)
      {
        t = (*arr)[i];
        break;
      }
  if (t == NULL)
    {
      t = xzalloc (sizeof (*t));
      t->major = s->major;
      t->major_present = s->major_present;
      t->minor = s->minor;
      t->minor_present = s->minor_present;
      *arr = xrealloc (*arr, (*n + 1) * sizeof (**arr));
      (*arr)[(*n)++] = t;
    }
  TAKE (t, s, rate);
}

#define UPSERT_THROTTLES(d, s, f)                                                                            \
  for (i = 0; i < (s)->f##_len; i++)                                                                         \
  upsert_throttle (&(d)->f, &(d)->f##_len, (s)->f[i])

static void
merge_block_io (oci_linux_block_io *d, const oci_linux_block_io *s)
{
  size_t i;

  TAKE (d, s, weight);
  TAKE (d, s, leaf_weight);
  for (i = 0; i < s->weight_device_len; i++)
    upsert_weight (d, s->weight_device[i]);
  UPSERT_THROTTLES (d, s, throttle_read_bps_device);
  UPSERT_THROTTLES (d, s, throttle_write_bps_device);
  UPSERT_THROTTLES (d, s, throttle_read_iops_device);
  UPSERT_THROTTLES (d, s, throttle_write_iops_device);
}

static void
merge_hugepages (oci_linux_resources *d, const oci_linux_resources *s)
{
  size_t i, j;

  for (i = 0; i < s->hugepage_limits_len; i++)
    {
      const oci_linux_hugepage_limit *h = s->hugepage_limits[i];
      oci_linux_hugepage_limit *t = NULL;

      for (j = 0; j < d->hugepage_limits_len && t == NULL; j++)
        if (h->page_size && d->hugepage_limits[j]->page_size
            && strcmp (h->page_size, d->hugepage_limits[j]->page_size) == 0)
          t = d->hugepage_limits[j];
      if (t == NULL)
        {
          t = xzalloc (sizeof (*t));
          t->page_size = h->page_size ? xstrdup (h->page_size) : NULL;
          d->hugepage_limits
            = xrealloc (d->hugepage_limits, (d->hugepage_limits_len + 1) * sizeof (*d->hugepage_limits));
          d->hugepage_limits[d->hugepage_limits_len++] = t;
        }
      TAKE (t, h, limit);
    }
}

static void
merge_rdma (oci_linux_resources *d, const oci_linux_rdma_map *s)
{
  size_t i, j;

  if (d->rdma == NULL)
    d->rdma = xzalloc (sizeof (*d->rdma));
  for (i = 0; i < s->len; i++)
    {
      oci_linux_rdma *t = NULL;

      for (j = 0; j < d->rdma->len && t == NULL; j++)
        if (strcmp (d->rdma->keys[j], s->keys[i]) == 0)
          t = d->rdma->values[j];
      if (t == NULL)
        {
          t = xzalloc (sizeof (*t));
          d->rdma->keys = xrealloc (d->rdma->keys, (d->rdma->len + 1) * sizeof (char *));
          d->rdma->values = xrealloc (d->rdma->values, (d->rdma->len + 1) * sizeof (*d->rdma->values));
          d->rdma->keys[d->rdma->len] = xstrdup (s->keys[i]);
          d->rdma->values[d->rdma->len++] = t;
        }
      TAKE (t, s->values[i], hca_handles);
      TAKE (t, s->values[i], hca_objects);
    }
}

#define ENSURE(p) ((p) ? (p) : ((p) = xzalloc (sizeof (*(p)))))

static void
replace_devices (oci_linux_resources *d, const oci_linux_resources *s)
{
  size_t i;

  for (i = 0; i < d->devices_len; i++)
    oci_linux_device_cgroup_free (d->devices[i]);
  free (d->devices);
  d->devices = xzalloc ((s->devices_len + 1) * sizeof (*d->devices));
  d->devices_len = s->devices_len;
  for (i = 0; i < s->devices_len; i++)
    {
      const oci_linux_device_cgroup *r = s->devices[i];
      oci_linux_device_cgroup *t = xzalloc (sizeof (*t));

      t->allow = r->allow;
      t->allow_present = r->allow_present;
      t->type = r->type ? xstrdup (r->type) : NULL;
      t->major = r->major;
      t->major_present = r->major_present;
      t->minor = r->minor;
      t->minor_present = r->minor_present;
      t->access = r->access ? xstrdup (r->access) : NULL;
      d->devices[i] = t;
    }
}

static void
merge_resources (oci_linux_resources *d, const oci_linux_resources *s)
{
  size_t i;

  if (s->devices)
    replace_devices (d, s);
  if (s->memory)
    merge_memory (ENSURE (d->memory), s->memory);
  if (s->cpu)
    merge_cpu (ENSURE (d->cpu), s->cpu);
  if (s->pids)
    TAKE (ENSURE (d->pids), s->pids, limit);
  if (s->block_io)
    merge_block_io (ENSURE (d->block_io), s->block_io);
  merge_hugepages (d, s);
  if (s->rdma && s->rdma->len > 0)
    merge_rdma (d, s->rdma);
  if (s->unified)
    for (i = 0; i < s->unified->len; i++)
      oci_string_map_set (ENSURE (d->unified), s->unified->keys[i], s->unified->values[i]);
}

static int
update_open_cgroup (const struct container_state *st, struct cgroup *cg, berr_t **err)
{
  if (st->cgroup_path == NULL || *st->cgroup_path == 0)
    return berr_make (
      err, 0, "container '%s' has no cgroup (cgroup manager disabled or not a cgroup v2 host)", st->id);
  if (cgroup_open (st->cgroup_path, st->cgroup_scope, cg, err) < 0)
    return berr_wrap (err, "container '%s'", st->id);
  if (cg->dirfd < 0)
    return berr_make (err, 0, "container '%s': its cgroup '%s' is gone", st->id, st->cgroup_path);
  return 0;
}

static int
update_save_config (const struct container_state *st, const oci_spec *spec, berr_t **err)
{
  cleanup_free char *json = NULL;
  size_t len;

  if (oci_spec_generate (spec, &json, &len, err) < 0
      || util_write_file_atomic_at (AT_FDCWD, st->config_path, json, len, 0600, err) < 0)
    return berr_wrap (err, "container '%s': save the updated resources", st->id);
  return 0;
}

static int
update_locked (const struct container_state *st, const oci_linux_resources *upd, berr_t **err)
{
  struct cgroup cg = CGROUP_INIT;
  oci_spec *spec = NULL;
  oci_linux_resources apply;
  int r = -1;

  if (update_open_cgroup (st, &cg, err) < 0)
    goto out;
  cg.owned = false; /* never removed from here */
  spec = oci_spec_parse_file (st->config_path, err);
  if (spec == NULL)
    goto out;
  ENSURE (spec->linux);
  merge_resources (ENSURE (spec->linux->resources), upd);
  /* The merged values, as runc's Set writes them, but only the unified
   * keys and device rules given now, and the network section (v1 only)
   * only if given, for its error. */
  apply = *spec->linux->resources;
  apply.devices = upd->devices;
  apply.devices_len = upd->devices_len;
  apply.unified = upd->unified;
  apply.network = upd->network;
  /* A systemd scope also gets the values as unit properties, or the next
   * `systemctl daemon-reload` would put systemd's own back. */
  if (cgroup_apply_resources (&cg, &apply, true, err) < 0
      || cgroup_systemd_set_resources (&cg, spec->linux->resources, err) < 0)
    {
      berr_wrap (err, "update container '%s'", st->id);
      goto out;
    }
  r = update_save_config (st, spec, err);
out:
  oci_spec_free (spec);
  cgroup_clear (&cg);
  return r;
}

int
container_update (struct berth_ctx *ctx, const char *id, const oci_linux_resources *upd, berr_t **err)
{
  cleanup_close int rootfd = -1;
  cleanup_close int dirfd = -1;
  struct container_state st = { 0 };
  enum container_status s;
  int r;

  if (state_root_open_existing (ctx->root, &rootfd, err) < 0
      || state_dir_open (rootfd, id, true, &dirfd, err) < 0 || state_read (dirfd, id, &st, err) < 0)
    return -1;
  s = state_status (dirfd, &st);
  if (s == STATUS_STOPPED || s == STATUS_CREATING)
    r = berr_make (err, 0, "container '%s' is not running (%s)", id, state_status_name (s));
  else
    r = update_locked (&st, upd, err);
  if (r == 0)
    log_debug ("container '%s': resources updated", id);
  state_clear (&st);
  return r;
}
