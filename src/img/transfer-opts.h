/* img - the options pull, push and copy share (TLS, credentials, platform,
 * parallelism, progress), parsed once for all three. */
#ifndef IMG_TRANSFER_OPTS_H
#define IMG_TRANSFER_OPTS_H

#include "cliopt.h"
#include "pull.h"

enum
{
  XFER_OPT_TLS_VERIFY = 0x300,
  XFER_OPT_CREDS,
  XFER_OPT_PLATFORM,
  XFER_OPT_JOBS,
  XFER_OPT_FORMAT,
  XFER_OPT_QUIET,
  XFER_OPT_CHUNK,
  XFER_OPT_RETRIES,
  XFER_OPT_CONNECT_TIMEOUT,
  XFER_OPT_STALL_TIMEOUT,
  XFER_OPT_LAST,
};

#define XFER_CLI_OPTIONS                                                                                     \
  { "tls-verify", XFER_OPT_TLS_VERIFY, false, "BOOL",                                                        \
    "verify the registry's certificate and require https (default true; false also allows http)" },          \
    { "creds", XFER_OPT_CREDS, false, "USER[:PASS]", "credentials for the registry (default: auth files)" }, \
    { "platform", XFER_OPT_PLATFORM, false, "OS/ARCH[/VARIANT]", "the image to choose from an index" },      \
    { "jobs", XFER_OPT_JOBS, false, "N", "blobs transferred in parallel (default 3)" },                      \
    { "format", XFER_OPT_FORMAT, false, "FORMAT", "progress as 'text' (default) or 'json' lines" },          \
    { "quiet", 'q', true, NULL, "no progress output" },                                                      \
    { "chunk-size", XFER_OPT_CHUNK, false, "BYTES",                                                          \
      "push: upload in chunks of this size (default: one PUT)" },                                            \
    { "retries", XFER_OPT_RETRIES, false, "N",                                                               \
      "attempts per request after a dropped connection, a timeout, 5xx or 429 (default 5)" },                \
    { "connect-timeout", XFER_OPT_CONNECT_TIMEOUT, false, "SECONDS",                                         \
      "give up connecting to the registry after this long (default 30)" },                                   \
  {                                                                                                          \
    "stall-timeout", XFER_OPT_STALL_TIMEOUT, false, "SECONDS",                                               \
      "drop a transfer that received nothing for this long, then retry (default 30)"                         \
  }

struct xfer_cli
{
  struct img_transfer_opts o;
  struct img_platform platform;
  char *user;
};

void xfer_cli_init (struct xfer_cli *x, bool quiet);
/* 1 when key was one of XFER_CLI_OPTIONS (handled), 0 when not, -1 on error. */
int xfer_cli_option (struct xfer_cli *x, int key, const char *arg, berr_t **err);
void xfer_cli_clear (struct xfer_cli *x);

#endif
