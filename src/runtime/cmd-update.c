/* berth update: parses runc's options so callers get a clear answer, then
 * reports that the command is not implemented yet (it needs cgroups). */
#include <config.h>

#include <stddef.h>

#include "cli.h"

static const struct cli_option options[] = {
  { "resources", 'r', true, "FILE", "path to a file with the resources to update, or - for stdin" },
  { "blkio-weight", 256, false, "N", "per-cgroup block IO weight (10-1000)" },
  { "cpu-period", 257, false, "N", "CPU CFS period" },
  { "cpu-quota", 258, false, "N", "CPU CFS quota" },
  { "cpu-share", 259, false, "N", "CPU shares (relative weight)" },
  { "cpu-rt-period", 260, false, "N", "CPU realtime period" },
  { "cpu-rt-runtime", 261, false, "N", "CPU realtime runtime" },
  { "cpuset-cpus", 262, false, "LIST", "CPUs to use" },
  { "cpuset-mems", 263, false, "LIST", "memory nodes to use" },
  { "kernel-memory", 264, false, "N", "kernel memory limit (ignored)" },
  { "kernel-memory-tcp", 265, false, "N", "kernel TCP memory limit (ignored)" },
  { "memory", 266, false, "N", "memory limit" },
  { "memory-reservation", 267, false, "N", "memory reservation" },
  { "memory-swap", 268, false, "N", "memory plus swap limit" },
  { "pids-limit", 269, false, "N", "maximum number of pids" },
  { "l3-cache-schema", 270, false, "S", "Intel RDT L3 cache schema" },
  { "mem-bw-schema", 271, false, "S", "Intel RDT memory bandwidth schema" },
  { "cpu-idle", 272, false, "N", "cgroup v2 cpu.idle" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "update", "[command options] <container-id>", "update container resource constraints", options, false,
};

int
cmd_update (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  return cli_pending (&command, argc, argv, err);
}
