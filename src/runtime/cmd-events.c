/* berth events: option parsing (runc's --stats and --interval, with Go's
 * duration syntax); the work is in container-cgroup.c. */
#include <config.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "container.h"

enum
{
  OPT_STATS = 256,
  OPT_INTERVAL,
};

static const struct cli_option options[] = {
  { "stats", OPT_STATS, false, NULL, "display the container's stats then exit" },
  { "interval", OPT_INTERVAL, false, "DURATION", "set the stats collection interval (default: 5s)" },
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "events",
  "[command options] <container-id>",
  "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
  options,
  false,
};

struct events_args
{
  bool stats;
  double interval_ns;
};

/* A Go time.Duration ("5s", "500ms", "1m30s", "1.5h", "-2s", "0"): runc
 * parses --interval with Go's flag package. */
static int
parse_duration (const char *s, double *ns)
{
  static const struct
  {
    const char *unit;
    double ns;
  } units[] = { { "ns", 1 },   { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 },
                { "ms", 1e6 }, { "s", 1e9 },  { "m", 60e9 },        { "h", 3600e9 } };
  double sign = 1, total = 0;
  size_t i;

  if (*s == '-' || *s == '+')
    sign = *s++ == '-' ? -1 : 1;
  if (strcmp (s, "0") == 0)
    {
      *ns = 0;
      return 0;
    }
  if (*s == '\0')
    return -1;
  while (*s)
    {
      const char *start = s;
      size_t best = 0, best_len = 0, digits = 0;
      char num[64];
      double v;

      /* [0-9]*(.[0-9]*)? with at least one digit, as Go accepts */
      for (; *s >= '0' && *s <= '9'; s++)
        digits++;
      if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
          digits++;
      if (digits == 0 || (size_t)(s - start) >= sizeof (num))
        return -1;
      memcpy (num, start, (size_t)(s - start));
      num[s - start] = '\0';
      v = strtod (num, NULL);
      /* the longest unit that matches ("ms" before "m") */
      for (i = 0; i < sizeof (units) / sizeof (units[0]); i++)
        {
          size_t l = strlen (units[i].unit);
          if (strncmp (s, units[i].unit, l) == 0 && l > best_len)
            {
              best = i;
              best_len = l;
            }
        }
      if (best_len == 0)
        return -1;
      total += v * units[best].ns;
      s += best_len;
    }
  *ns = sign * total;
  return 0;
}

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  struct events_args *a = data;

  if (key == OPT_STATS)
    a->stats = true;
  else if (parse_duration (arg, &a->interval_ns) < 0)
    return berr_make (err, 0, "invalid value '%s' for --interval: want a duration such as 5s, 500ms or 1m30s",
                      arg);
  return 0;
}

int
cmd_events (struct berth_ctx *ctx, int argc, char **argv, berr_t **err)
{
  struct events_args a = { false, 5e9 };
  long long ms;
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, &a, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 1, 1, err) < 0)
    return -1;
  if (a.interval_ns <= 0)
    return berr_make (err, 0, "duration interval must be greater than 0");
  /* poll() counts milliseconds: a shorter interval is 1 ms. */
  ms = a.interval_ns >= 1e6 ? (long long)(a.interval_ns / 1e6) : 1;
  return container_events (ctx, argv[first], a.stats, ms, err) < 0 ? -1 : 0;
}
