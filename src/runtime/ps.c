/* berth - filter ps(1) output down to a container's processes, as runc does:
 * run ps with the user's arguments, find the PID column in its header, keep
 * the rows whose pid belongs to the container. */
#include <config.h>

#include "ps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

static char *
read_fd (int fd)
{
  size_t cap = 4096, n = 0;
  char *buf = xmalloc (cap);

  for (;;)
    {
      ssize_t r;
      if (n + 1 >= cap)
        buf = xrealloc (buf, cap *= 2);
      r = read (fd, buf + n, cap - n - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      n += (size_t)r;
    }
  buf[n] = '\0';
  return buf;
}

static int
run_ps (char **ps_args, int n_args, char **out, berr_t **err)
{
  cleanup_free char **argv = xzalloc ((size_t)(n_args + 2) * sizeof (char *));
  int p[2], i, status;
  pid_t pid;

  argv[0] = (char *)"ps";
  for (i = 0; i < n_args; i++)
    argv[i + 1] = ps_args[i];
  if (n_args == 0)
    argv[1] = (char *)"-ef";
  if (pipe2 (p, O_CLOEXEC) < 0)
    return berr_make (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    return berr_make (err, errno, "fork");
  if (pid == 0)
    {
      dup2 (p[1], 1);
      execvp ("ps", argv);
      _exit (127);
    }
  close (p[1]);
  *out = read_fd (p[0]);
  close (p[0]);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return berr_make (err, 0, "ps failed (status %d)", WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  return 0;
}

/* The 0-based index of the whitespace-separated column named PID. */
static int
pid_column (const char *header)
{
  cleanup_free char *h = xstrdup (header);
  char *save = NULL, *tok;
  int i = 0;

  for (tok = strtok_r (h, " \t", &save); tok; tok = strtok_r (NULL, " \t", &save), i++)
    if (strcmp (tok, "PID") == 0)
      return i;
  return -1;
}

static bool
row_matches (const char *line, int col, const pid_t *pids, size_t n)
{
  cleanup_free char *l = xstrdup (line);
  char *save = NULL, *tok = strtok_r (l, " \t", &save);
  long v;
  size_t i;
  int c;

  for (c = 0; tok && c < col; c++)
    tok = strtok_r (NULL, " \t", &save);
  if (tok == NULL || util_parse_long (tok, &v) < 0)
    return false;
  for (i = 0; i < n; i++)
    if (pids[i] == (pid_t)v)
      return true;
  return false;
}

int
ps_print_table (FILE *out, char **ps_args, int n_args, const pid_t *pids, size_t n_pids, berr_t **err)
{
  cleanup_free char *text = NULL;
  char *line, *save = NULL;
  int col;

  if (run_ps (ps_args, n_args, &text, err) < 0)
    return -1;
  line = strtok_r (text, "\n", &save);
  if (line == NULL || (col = pid_column (line)) < 0)
    return berr_make (err, 0, "ps output has no PID column");
  fprintf (out, "%s\n", line);
  while ((line = strtok_r (NULL, "\n", &save)) != NULL)
    if (row_matches (line, col, pids, n_pids))
      fprintf (out, "%s\n", line);
  return 0;
}
