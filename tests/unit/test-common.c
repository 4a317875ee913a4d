/* Unit tests for src/common: errors, atomic writes, JSON escaping. */
#include <config.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "fault.h"
#include "log.h"
#include "tap.h"
#include "util.h"

int
main (void)
{
  berr_t *err = NULL;
  char dir[] = "/tmp/berth-test-common.XXXXXX";
  int dfd;
  char *data = NULL;
  size_t len = 0;
  struct stat st;

  ok (berr_make (&err, 2, "open '%s'", "x") == -1, "berr_make returns -1");
  is_str (err->msg, "open 'x': No such file or directory", "errno text appended");
  berr_wrap (&err, "load config");
  is_str (err->msg, "load config: open 'x': No such file or directory", "wrap adds context");
  is_int (err->status, 2, "status kept");
  berr_clear (&err);
  ok (err == NULL, "clear resets");

  ok (mkdtemp (dir) != NULL, "mkdtemp");
  dfd = open (dir, O_DIRECTORY | O_RDONLY);
  ok (util_write_file_atomic_at (dfd, "f", "hello", 5, 0640, &err) == 0, "atomic write");
  ok (util_read_file_at (dfd, "f", &data, &len, &err) == 0 && len == 5 && strcmp (data, "hello") == 0,
      "read back what was written");
  free (data);
  ok (fstatat (dfd, "f", &st, 0) == 0 && (st.st_mode & 0777) == 0640, "mode applied");
  ok (util_write_file_atomic_at (dfd, "nodir/f", "x", 1, 0600, &err) < 0, "write into missing dir fails");
  ok (err && strstr (err->msg, "nodir/f") != NULL, "error names the file: %s", err ? err->msg : "");
  berr_clear (&err);
  ok (faccessat (dfd, "nodir", F_OK, 0) != 0, "no temp file left behind");
  ok (util_read_file_at (dfd, "missing", &data, &len, &err) < 0 && strstr (err->msg, "'missing'"),
      "read of a missing file names it");
  berr_clear (&err);

  {
    char *e = log_json_escape ("a\"b\\c\nd\x01");
    is_str (e, "\"a\\\"b\\\\c\\nd\\u0001\"", "json escape");
    free (e);
  }
  {
    long v;
    ok (util_parse_long ("42", &v) == 0 && v == 42, "parse_long");
    ok (util_parse_long ("42x", &v) < 0, "parse_long rejects trailing junk");
  }
  {
    char **names = NULL;
    size_t n = 99, i;
    int seen_a = 0, seen_b = 0;
    mkdirat (dfd, "ls", 0755);
    mkdirat (dfd, "ls/empty", 0755);
    close (openat (dfd, "ls/a", O_CREAT | O_WRONLY, 0644));
    symlinkat ("a", dfd, "ls/b");
    ok (util_dir_names (dfd, "ls", &names, &n, &err) == 0 && n == 3 && names[3] == NULL,
        "dir_names: three entries, NULL-terminated");
    for (i = 0; names && names[i]; i++)
      {
        seen_a += strcmp (names[i], "a") == 0;
        seen_b += strcmp (names[i], "b") == 0;
      }
    ok (seen_a == 1 && seen_b == 1, "dir_names: the file and the symlink, no '.' or '..'");
    for (i = 0; names && names[i]; i++)
      free (names[i]);
    free (names);
    ok (util_dir_is_empty (dfd, "ls/empty") && !util_dir_is_empty (dfd, "ls"), "dir_is_empty");
    ok (!util_dir_is_empty (dfd, "ls/b") && util_dir_names (dfd, "ls/b", &names, NULL, &err) < 0,
        "a symlink is not followed");
    berr_clear (&err);
  }
  {
    /* fault points: a child process runs a, b, a, b with the given
     * BERTH_FAULT_AT and logs every point; returns how it ended and what
     * it logged. */
    struct
    {
      const char *at;
      int killed;
      const char *log;
    } cases[] = {
      { NULL, 0, "a b a b " }, { "b", 1, "a b " },     { "a:2", 1, "a b a " },
      { "3", 1, "a b a " },    { "c", 0, "a b a b " }, { "b:x", 0, "a b a b " },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
      {
        char *logpath = xasprintf ("%s/fault.log", dir);
        unlink (logpath);
        pid_t pid = fork ();
        if (pid == 0)
          {
            setenv ("BERTH_FAULT_LOG", logpath, 1);
            if (cases[c].at)
              setenv ("BERTH_FAULT_AT", cases[c].at, 1);
            fault_point ("a");
            fault_point ("b");
            fault_point ("a");
            fault_point ("b");
            _exit (0);
          }
        int st = 0;
        waitpid (pid, &st, 0);
        char *got = NULL, *want = NULL;
        size_t n = 0;
        util_read_file (logpath, &got, &n, &err);
        berr_clear (&err);
        /* "PID NAME\n" lines to "NAME " */
        char *flat = xzalloc (n + 1), *o = flat;
        for (char *line = got ? strtok (got, "\n") : NULL; line; line = strtok (NULL, "\n"))
          o += sprintf (o, "%s ", strchr (line, ' ') + 1);
        want = xstrdup (cases[c].log);
        ok ((cases[c].killed ? WIFSIGNALED (st) && WTERMSIG (st) == SIGKILL
                             : WIFEXITED (st) && WEXITSTATUS (st) == 0)
              && strcmp (flat, want) == 0,
            "fault point BERTH_FAULT_AT=%s: %s, reached '%s'", cases[c].at ? cases[c].at : "(unset)",
            cases[c].killed ? "killed" : "runs through", flat);
        free (flat);
        free (got);
        free (want);
        free (logpath);
      }
  }
  ok (util_rm_rf_at (AT_FDCWD, dir, &err) == 0, "rm -rf");
  ok (access (dir, F_OK) != 0, "tree gone");
  close (dfd);
  return tap_done ();
}
