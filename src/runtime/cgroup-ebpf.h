/* berth - the pieces of cgroup-ebpf.c that tests/unit/test-cgroup-ebpf.c
 * drives directly: rule validation, program generation, load and attach.
 * Everything else calls cgroup_devices_apply() (cgroup.h). */
#ifndef BERTH_CGROUP_EBPF_H
#define BERTH_CGROUP_EBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

#include "error.h"
#include "oci-spec.h"

/* One device rule after validation.  access is a set of the kernel's
 * BPF_DEVCG_ACC_MKNOD/READ/WRITE bits. */
struct cgroup_dev_rule
{
  bool allow;
  char type;     /* 'a' (any), 'c' or 'b' */
  int64_t major; /* -1: any */
  int64_t minor; /* -1: any */
  unsigned access;
};

/* Validate devs and turn them into rules; with defaults, the rules for the
 * devices every container gets are appended (see the comment at
 * default_rules in cgroup-ebpf.c).  Errors name the rule:
 * "linux.resources.devices[2].access: 'rwx': 'x' is not one of r, w, m". */
int cgroup_devices_rules (oci_linux_device_cgroup **devs, size_t n, bool defaults,
                          struct cgroup_dev_rule **rules, size_t *nrules, berr_t **err);

/* The BPF_PROG_TYPE_CGROUP_DEVICE program for rules (last match wins per
 * access bit, default deny), malloc'ed; *len instructions. */
struct bpf_insn *cgroup_devices_program (const struct cgroup_dev_rule *rules, size_t n, size_t *len);

/* BPF_PROG_LOAD; a verifier refusal carries the verifier's log. */
int cgroup_devices_load (const struct bpf_insn *insns, size_t len, berr_t **err);

/* The ids of the BPF_CGROUP_DEVICE programs attached to the cgroup dirfd. */
int cgroup_devices_query (int dirfd, uint32_t **ids, size_t *n, berr_t **err);

/* Attach progfd to dirfd and detach whatever was attached there before,
 * never leaving the cgroup without a program in between. */
int cgroup_devices_attach (int dirfd, int progfd, berr_t **err);

#endif
