/* peakrss - run a command and write its peak RSS in KiB (ru_maxrss of the
 * child and the descendants it reaped, as /usr/bin/time -f %M) to OUTFILE.
 * Static and tiny, and the child is vfork()ed: Linux charges the RSS of the
 * address space a process exec()s away from to its ru_maxrss, so a child
 * forked from a large parent (the Python harness) would report the
 * parent's size.
 *   peakrss OUTFILE COMMAND [ARG...]   exits with COMMAND's status */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct rusage ru;
  FILE *f;
  pid_t pid;
  int st;

  if (argc < 3)
    {
      fprintf (stderr, "usage: peakrss OUTFILE COMMAND [ARG...]\n");
      return 2;
    }
  pid = vfork ();
  if (pid < 0)
    {
      perror ("vfork");
      return 125;
    }
  if (pid == 0)
    {
      execvp (argv[2], argv + 2);
      _exit (127);
    }
  if (wait4 (pid, &st, 0, &ru) < 0)
    {
      perror ("wait4");
      return 125;
    }
  f = fopen (argv[1], "w");
  if (f == NULL || fprintf (f, "%ld\n", ru.ru_maxrss) < 0 || fclose (f) != 0)
    {
      perror (argv[1]);
      return 125;
    }
  return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
}
