/* berth-net-hook - an OCI hook that gives a container a bridged network.
 *
 * At createRuntime (state status "creating" or "created") it leases an
 * address of --subnet, makes sure the host bridge exists with the subnet's
 * first address, creates a veth pair whose host end joins the bridge and
 * whose other end becomes the container's eth0 (with the address and a
 * default route via the bridge), and brings the container's loopback up.
 * At poststop (status "stopped") it releases the lease and removes the host
 * end of the pair if the kernel has not done so already.
 *
 * Leases are files named after the address (content: the container id) in
 * LEASE_DIR/BRIDGE, and every change happens under an flock of its "lock"
 * file, so concurrent containers never get the same address.  The network
 * itself is configured by iproute2's `ip`, run with an argv (no shell), in
 * the container's network namespace (/proc/PID/ns/net from the state) where
 * needed.  The state arrives on stdin, as the runtime-spec says. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "oci-spec.h"
#include "util.h"

#define DEFAULT_BRIDGE "berth0"
#define DEFAULT_SUBNET "10.88.0.0/16"
#define DEFAULT_LEASE_DIR "/run/berth-net"

struct net_opts
{
  const char *bridge;
  const char *subnet;
  const char *lease_dir;
  const char *ip; /* the ip binary */
  uint32_t net;   /* host byte order */
  int prefix;
};

struct net_ctr
{
  const char *id;
  int pid;
  char host_if[16]; /* the bridge's end of the pair */
  char peer_if[16]; /* the container's end until it is renamed eth0 */
  char addr[INET_ADDRSTRLEN];
  char gw[INET_ADDRSTRLEN];
  int leasefd; /* LEASE_DIR/BRIDGE */
};

static void
usage (FILE *f)
{
  fprintf (
    f,
    "Usage: berth-net-hook [--bridge NAME] [--subnet CIDR] [--lease-dir DIR] [--ip PATH]\n"
    "An OCI hook for the createRuntime and poststop stages (the container state on stdin).\n"
    "  --bridge NAME     host bridge, created when missing (default " DEFAULT_BRIDGE ")\n"
    "  --subnet CIDR     addresses for containers; the first one is the bridge's and\n"
    "                    the containers' gateway (default " DEFAULT_SUBNET ")\n"
    "  --lease-dir DIR   where leases are kept, per bridge (default " DEFAULT_LEASE_DIR ")\n"
    "  --ip PATH         iproute2's ip (default: the first of /usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip)\n");
}

static void
fmt_addr (uint32_t a, char out[INET_ADDRSTRLEN])
{
  struct in_addr in = { htonl (a) };

  inet_ntop (AF_INET, &in, out, INET_ADDRSTRLEN);
}

static int
parse_subnet (struct net_opts *o, berr_t **err)
{
  cleanup_free char *s = xstrdup (o->subnet);
  char *slash = strchr (s, '/');
  struct in_addr in;
  long prefix;
  uint32_t mask;

  if (slash == NULL)
    return berr_make (err, 0, "bad --subnet '%s': expected ADDRESS/PREFIX, e.g. %s", o->subnet,
                      DEFAULT_SUBNET);
  *slash = '\0';
  if (inet_pton (AF_INET, s, &in) != 1)
    return berr_make (err, 0, "bad --subnet '%s': '%s' is not an IPv4 address", o->subnet, s);
  if (util_parse_long (slash + 1, &prefix) < 0 || prefix < 8 || prefix > 30)
    return berr_make (err, 0, "bad --subnet '%s': the prefix length must be 8 to 30", o->subnet);
  mask = 0xffffffffu << (32 - prefix);
  o->net = ntohl (in.s_addr);
  o->prefix = (int)prefix;
  if ((o->net & ~mask) != 0)
    return berr_make (err, 0, "bad --subnet '%s': host bits are set (the network is %s/%ld?)", o->subnet,
                      inet_ntoa ((struct in_addr){ htonl (o->net & mask) }), prefix);
  return 0;
}

static int
check_bridge_name (const char *n, berr_t **err)
{
  size_t i, len = strlen (n);

  if (len == 0 || len > 15)
    return berr_make (err, 0, "bad --bridge '%s': an interface name has 1 to 15 characters", n);
  for (i = 0; i < len; i++)
    if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') || (n[i] >= '0' && n[i] <= '9')
          || n[i] == '-' || n[i] == '_' || n[i] == '.'))
      return berr_make (err, 0, "bad --bridge '%s': use letters, digits, '-', '_' and '.'", n);
  return 0;
}

static const char *
find_ip (void)
{
  static const char *const cands[] = { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" };
  size_t i;

  for (i = 0; i < sizeof (cands) / sizeof (cands[0]); i++)
    if (access (cands[i], X_OK) == 0)
      return cands[i];
  return NULL;
}

/* Returns 1 for --help, 0 to go on, -1 on a bad argument. */
static int
parse_args (int argc, char **argv, struct net_opts *o, berr_t **err)
{
  static const struct option longopts[] = {
    { "bridge", required_argument, NULL, 'b' },
    { "subnet", required_argument, NULL, 's' },
    { "lease-dir", required_argument, NULL, 'l' },
    { "ip", required_argument, NULL, 'i' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  o->bridge = DEFAULT_BRIDGE;
  o->subnet = DEFAULT_SUBNET;
  o->lease_dir = DEFAULT_LEASE_DIR;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1)
    switch (c)
      {
      case 'b':
        o->bridge = optarg;
        break;
      case 's':
        o->subnet = optarg;
        break;
      case 'l':
        o->lease_dir = optarg;
        break;
      case 'i':
        o->ip = optarg;
        break;
      case 'h':
        usage (stdout);
        return 1;
      default:
        return berr_make (err, 0, "unknown option '%s' (see --help)", argv[optind - 1]);
      }
  if (optind < argc)
    return berr_make (err, 0, "unexpected argument '%s' (see --help)", argv[optind]);
  if (check_bridge_name (o->bridge, err) < 0 || parse_subnet (o, err) < 0)
    return -1;
  if (*o->lease_dir != '/')
    return berr_make (err, 0, "bad --lease-dir '%s': the path must be absolute", o->lease_dir);
  if (o->ip == NULL && (o->ip = find_ip ()) == NULL)
    return berr_make (err, 0,
                      "no iproute2 'ip' in /usr/sbin /sbin /usr/bin /bin (install iproute2 or give --ip)");
  if (access (o->ip, X_OK) < 0)
    return berr_make (err, errno, "--ip '%s'", o->ip);
  return 0;
}

/* Run `ip ARGS...` (in the network namespace nsfd unless it is -1). */
static int
run_ip (const struct net_opts *o, int nsfd, const char *const *args, berr_t **err)
{
  const char *argv[16] = { "ip" };
  char cmd[256] = "ip";
  size_t n;
  int status;
  pid_t pid;

  for (n = 0; args[n] && n + 2 < sizeof (argv) / sizeof (argv[0]); n++)
    {
      argv[n + 1] = args[n];
      snprintf (cmd + strlen (cmd), sizeof (cmd) - strlen (cmd), " %s", args[n]);
    }
  pid = fork ();
  if (pid < 0)
    return berr_make (err, errno, "'%s': fork", cmd);
  if (pid == 0)
    {
      if (nsfd >= 0 && setns (nsfd, CLONE_NEWNET) < 0)
        {
          fprintf (stderr, "berth-net-hook: enter the container's network namespace: %s\n", strerror (errno));
          _exit (126);
        }
      execv (o->ip, (char *const *)argv);
      _exit (127);
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return berr_make (err, errno, "'%s': wait", cmd);
  if (WIFSIGNALED (status))
    return berr_make (err, 0, "'%s' killed by signal %d", cmd, WTERMSIG (status));
  if (WEXITSTATUS (status) != 0)
    return berr_make (err, 0, "'%s'%s exited with status %d", cmd, nsfd >= 0 ? " (in the container)" : "",
                      WEXITSTATUS (status));
  return 0;
}

#define IP(o, ns, err, ...) run_ip ((o), (ns), (const char *const[]){ __VA_ARGS__, NULL }, (err))

static bool
link_exists (const char *name)
{
  cleanup_free char *p = xasprintf ("/sys/class/net/%s", name);

  return access (p, F_OK) == 0;
}

/* The interface names of one container: stable, so poststop finds them. */
static void
ctr_names (struct net_ctr *c)
{
  uint32_t h = 2166136261u;
  const char *p;

  for (p = c->id; *p; p++)
    h = (h ^ (unsigned char)*p) * 16777619u;
  snprintf (c->host_if, sizeof (c->host_if), "bv%08x", h);
  snprintf (c->peer_if, sizeof (c->peer_if), "bc%08x", h);
}

static int
lock_leases (const struct net_opts *o, struct net_ctr *c, berr_t **err)
{
  cleanup_free char *dir = xasprintf ("%s/%s", o->lease_dir, o->bridge);
  cleanup_close int lockfd = -1;

  if (util_mkdir_p (dir, 0700, err) < 0)
    return berr_wrap (err, "lease dir");
  c->leasefd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->leasefd < 0)
    return berr_make (err, errno, "lease dir '%s'", dir);
  lockfd = openat (c->leasefd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lockfd < 0 || flock (lockfd, LOCK_EX) < 0)
    return berr_make (err, errno, "lock '%s/lock'", dir);
  /* Held until exit: the fd stays open on purpose. */
  (void)steal_fd (lockfd);
  return 0;
}

static bool
lease_is (int dirfd, const char *name, const char *id)
{
  cleanup_free char *data = NULL;
  size_t len;
  berr_t *ignored = NULL;
  bool r;

  if (util_read_file_at (dirfd, name, &data, &len, &ignored) < 0)
    {
      berr_free (ignored);
      return false;
    }
  while (len > 0 && data[len - 1] == '\n')
    data[--len] = '\0';
  r = strcmp (data, id) == 0;
  return r;
}

/* The lease of c->id (an address file holding the id), or "" when none. */
static int
lease_find (const struct net_ctr *c, char out[INET_ADDRSTRLEN], berr_t **err)
{
  cleanup_strv char **names = NULL;
  struct in_addr in;
  size_t i;

  out[0] = '\0';
  if (util_dir_names (c->leasefd, ".", &names, NULL, err) < 0)
    return berr_wrap (err, "read the leases");
  for (i = 0; names[i]; i++)
    if (inet_pton (AF_INET, names[i], &in) == 1 && lease_is (c->leasefd, names[i], c->id))
      {
        snprintf (out, INET_ADDRSTRLEN, "%s", names[i]);
        break;
      }
  return 0;
}

static int
lease_take (const struct net_opts *o, struct net_ctr *c, berr_t **err)
{
  uint32_t first = o->net + 2, last = (o->net | (0xffffffffu >> o->prefix)) - 1, a;
  cleanup_free char *line = xasprintf ("%s\n", c->id);
  int fd;

  fmt_addr (o->net + 1, c->gw);
  if (lease_find (c, c->addr, err) < 0)
    return -1;
  if (c->addr[0] != '\0')
    return 0;
  for (a = first; a <= last; a++)
    {
      fmt_addr (a, c->addr);
      fd = openat (c->leasefd, c->addr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0 && errno == EEXIST)
        continue;
      if (fd < 0)
        return berr_make (err, errno, "lease '%s/%s/%s'", o->lease_dir, o->bridge, c->addr);
      if (util_write_all (fd, line, strlen (line), err) < 0 || close (fd) < 0)
        {
          unlinkat (c->leasefd, c->addr, 0);
          return berr_make (err, errno, "write lease '%s/%s/%s'", o->lease_dir, o->bridge, c->addr);
        }
      return 0;
    }
  c->addr[0] = '\0';
  return berr_make (err, 0, "subnet '%s': no free address (leases in '%s/%s')", o->subnet, o->lease_dir,
                    o->bridge);
}

static int
bridge_up (const struct net_opts *o, const struct net_ctr *c, berr_t **err)
{
  cleanup_free char *gw = xasprintf ("%s/%d", c->gw, o->prefix);

  if (!link_exists (o->bridge) && IP (o, -1, err, "link", "add", "name", o->bridge, "type", "bridge") < 0)
    return berr_wrap (err, "create bridge '%s'", o->bridge);
  if (IP (o, -1, err, "addr", "replace", gw, "dev", o->bridge) < 0
      || IP (o, -1, err, "link", "set", o->bridge, "up") < 0)
    return berr_wrap (err, "bridge '%s'", o->bridge);
  return 0;
}

static int
veth_up (const struct net_opts *o, const struct net_ctr *c, int nsfd, berr_t **err)
{
  cleanup_free char *addr = xasprintf ("%s/%d", c->addr, o->prefix);
  char pid[16];

  snprintf (pid, sizeof (pid), "%d", c->pid);
  if (link_exists (c->host_if) && IP (o, -1, err, "link", "del", c->host_if) < 0)
    return berr_wrap (err, "remove the stale veth '%s'", c->host_if);
  if (IP (o, -1, err, "link", "add", "name", c->host_if, "type", "veth", "peer", "name", c->peer_if) < 0
      || IP (o, -1, err, "link", "set", c->peer_if, "netns", pid) < 0
      || IP (o, -1, err, "link", "set", c->host_if, "master", o->bridge, "up") < 0)
    return berr_wrap (err, "veth '%s'", c->host_if);
  if (IP (o, nsfd, err, "link", "set", "lo", "up") < 0
      || IP (o, nsfd, err, "link", "set", c->peer_if, "name", "eth0") < 0
      || IP (o, nsfd, err, "addr", "add", addr, "dev", "eth0") < 0
      || IP (o, nsfd, err, "link", "set", "eth0", "up") < 0
      || IP (o, nsfd, err, "route", "add", "default", "via", c->gw) < 0)
    return berr_wrap (err, "container '%s': eth0", c->id);
  return 0;
}

/* The container's own network namespace: never the host's. */
static int
open_netns (const struct net_ctr *c, berr_t **err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/ns/net", c->pid);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat ctr, self;

  if (fd < 0)
    return berr_make (err, errno, "container '%s': network namespace '%s'", c->id, path);
  if (fstat (fd, &ctr) < 0 || stat ("/proc/self/ns/net", &self) < 0)
    return berr_make (err, errno, "container '%s': stat network namespace", c->id);
  if (ctr.st_dev == self.st_dev && ctr.st_ino == self.st_ino)
    return berr_make (err, 0,
                      "container '%s' shares the host's network namespace (config.json has no "
                      "\"network\" namespace): refusing to configure it",
                      c->id);
  return steal_fd (fd);
}

static void
release (const struct net_opts *o, struct net_ctr *c)
{
  berr_t *ignored = NULL;

  if (link_exists (c->host_if) && IP (o, -1, &ignored, "link", "del", c->host_if) < 0
      && link_exists (c->host_if))
    fprintf (stderr, "berth-net-hook: %s\n", ignored->msg);
  berr_clear (&ignored);
  if (c->addr[0] == '\0' && lease_find (c, c->addr, &ignored) < 0)
    fprintf (stderr, "berth-net-hook: %s\n", ignored->msg);
  berr_free (ignored);
  if (c->addr[0] != '\0' && unlinkat (c->leasefd, c->addr, 0) < 0 && errno != ENOENT)
    fprintf (stderr, "berth-net-hook: release lease '%s/%s/%s': %s\n", o->lease_dir, o->bridge, c->addr,
             strerror (errno));
}

static int
net_up (const struct net_opts *o, struct net_ctr *c, berr_t **err)
{
  cleanup_close int nsfd = -1;

  if (c->pid <= 0)
    return berr_make (err, 0, "container '%s': the state has no pid", c->id);
  nsfd = open_netns (c, err);
  if (nsfd < 0 || lock_leases (o, c, err) < 0 || lease_take (o, c, err) < 0)
    return -1;
  if (bridge_up (o, c, err) < 0 || veth_up (o, c, nsfd, err) < 0)
    {
      /* berth removes the container when this hook fails: leave nothing. */
      release (o, c);
      return -1;
    }
  return 0;
}

static int
read_state (oci_state **out, berr_t **err)
{
  cleanup_free char *data = NULL;
  size_t len;

  if (util_read_file ("/dev/stdin", &data, &len, err) < 0)
    return berr_wrap (err, "read the container state from stdin");
  *out = oci_state_parse_data (data, len, "container state (stdin)", err);
  if (*out == NULL)
    return -1;
  if ((*out)->id == NULL || *(*out)->id == '\0')
    return berr_make (err, 0, "container state (stdin): missing 'id'");
  if ((*out)->status == NULL)
    return berr_make (err, 0, "container state (stdin): missing 'status'");
  return 0;
}

static int
run (int argc, char **argv, berr_t **err)
{
  struct net_opts o = { 0 };
  struct net_ctr c = { .leasefd = -1 };
  cleanup_oci_state oci_state *st = NULL;
  int r;

  r = parse_args (argc, argv, &o, err);
  if (r != 0)
    return r;
  if (read_state (&st, err) < 0)
    return -1;
  c.id = st->id;
  c.pid = st->pid;
  ctr_names (&c);
  if (strcmp (st->status, "creating") == 0 || strcmp (st->status, "created") == 0)
    r = net_up (&o, &c, err);
  else if (strcmp (st->status, "stopped") == 0)
    {
      r = lock_leases (&o, &c, err);
      if (r == 0)
        release (&o, &c);
    }
  else
    r = berr_make (
      err, 0, "container '%s': status '%s': run this hook at createRuntime (creating) or poststop (stopped)",
      c.id, st->status);
  if (c.leasefd >= 0)
    close (c.leasefd);
  return r;
}

int
main (int argc, char **argv)
{
  berr_t *err = NULL;
  int r = run (argc, argv, &err);

  if (r < 0)
    {
      fprintf (stderr, "berth-net-hook: %s\n", err ? err->msg : "failed");
      berr_free (err);
      return 1;
    }
  return 0;
}
