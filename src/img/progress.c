/* img - progress of blob transfers: bars per blob on a terminal (bytes,
 * rate, total; redrawn at most ten times a second), one quiet line per blob
 * otherwise, JSON events with --format json, nothing with --quiet.
 * Transfers run in several threads; one mutex orders the output. */
#include <config.h>

#include "progress.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct bar
{
  char *digest;
  int64_t done, total;
  bool finished;
  const char *note;
};

struct img_progress
{
  enum img_progress_mode mode;
  const char *verb;
  pthread_mutex_t lock;
  struct bar *bars;
  size_t n;
  size_t drawn; /* lines on screen */
  double start, last_draw;
};

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct img_progress *
img_progress_new (enum img_progress_mode mode, const char *verb)
{
  struct img_progress *p = xzalloc (sizeof (*p));

  if (mode == IMG_PROGRESS_AUTO)
    mode = isatty (STDERR_FILENO) ? IMG_PROGRESS_AUTO : IMG_PROGRESS_LINES;
  p->mode = mode;
  p->verb = verb;
  pthread_mutex_init (&p->lock, NULL);
  p->start = now ();
  return p;
}

static void
human (char *buf, size_t n, double v)
{
  const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  int i = 0;
  while (v >= 1024 && i < 4)
    v /= 1024, i++;
  snprintf (buf, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static struct bar *
find (struct img_progress *p, const char *digest)
{
  size_t i;
  for (i = 0; i < p->n; i++)
    if (strcmp (p->bars[i].digest, digest) == 0)
      return &p->bars[i];
  p->bars = xrealloc (p->bars, (p->n + 1) * sizeof (*p->bars));
  memset (&p->bars[p->n], 0, sizeof (struct bar));
  p->bars[p->n].digest = xstrdup (digest);
  p->bars[p->n].total = -1;
  return &p->bars[p->n++];
}

static void
draw (struct img_progress *p)
{
  double t = now () - p->start;
  size_t i;

  if (p->drawn)
    fprintf (stderr, "\033[%zuA", p->drawn);
  for (i = 0; i < p->n; i++)
    {
      struct bar *b = &p->bars[i];
      char done[32], total[32], rate[32], line[40];
      int w = 24, fill = 0, k;
      const char *c = strchr (b->digest, ':');
      human (done, sizeof (done), (double)b->done);
      human (total, sizeof (total), (double)(b->total > 0 ? b->total : b->done));
      human (rate, sizeof (rate), t > 0 ? (double)b->done / t : 0);
      if (b->total > 0)
        fill = (int)((double)b->done * w / (double)b->total);
      if (b->finished)
        fill = w;
      for (k = 0; k < w; k++)
        line[k] = k < fill ? '=' : (k == fill ? '>' : ' ');
      line[w] = '\0';
      fprintf (stderr, "\033[2K%s blob %.12s [%s] %s / %s  %s/s%s%s\n", p->verb, c ? c + 1 : b->digest, line,
               done, total, rate, b->note ? "  " : "", b->note ? b->note : "");
    }
  p->drawn = p->n;
  fflush (stderr);
}

void
img_progress_update (void *data, const char *digest, int64_t done, int64_t total)
{
  struct img_progress *p = data;
  struct bar *b;

  if (p == NULL || p->mode == IMG_PROGRESS_QUIET)
    return;
  pthread_mutex_lock (&p->lock);
  b = find (p, digest);
  b->done = done;
  b->total = total;
  if (p->mode == IMG_PROGRESS_AUTO && now () - p->last_draw > 0.1)
    {
      p->last_draw = now ();
      draw (p);
    }
  pthread_mutex_unlock (&p->lock);
}

void
img_progress_done (struct img_progress *p, const char *digest, int64_t size, const char *note)
{
  struct bar *b;

  if (p == NULL || p->mode == IMG_PROGRESS_QUIET)
    return;
  pthread_mutex_lock (&p->lock);
  b = find (p, digest);
  b->done = size;
  b->total = size;
  b->finished = true;
  b->note = note;
  if (p->mode == IMG_PROGRESS_AUTO)
    draw (p);
  else if (p->mode == IMG_PROGRESS_JSON)
    fprintf (stderr, "{\"action\":\"%s\",\"digest\":\"%s\",\"size\":%lld,\"status\":\"%s\"}\n", p->verb,
             digest, (long long)size, note ? note : "done");
  else
    {
      char h[32];
      human (h, sizeof (h), (double)size);
      fprintf (stderr, "%s blob %s (%s): %s\n", p->verb, digest, h, note ? note : "done");
    }
  pthread_mutex_unlock (&p->lock);
}

void
img_progress_free (struct img_progress *p)
{
  size_t i;

  if (p == NULL)
    return;
  for (i = 0; i < p->n; i++)
    free (p->bars[i].digest);
  free (p->bars);
  pthread_mutex_destroy (&p->lock);
  free (p);
}
