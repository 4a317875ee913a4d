/* berth - linux.seccomp with libseccomp.
 *
 * berth compiles the filter before it clones anything: libseccomp builds
 * it and exports the BPF program, so a bad profile fails `create` before
 * a namespace exists, and the container process only has to call
 * seccomp(2) with plain data (no library state, no file after pivot_root).
 * Loading ourselves also gives us every filter flag, including
 * WAIT_KILLABLE_RECV, whatever the libseccomp version.  The semantics
 * follow runc: unknown syscall names are skipped, a rule whose action is
 * the default action is dropped, arguments on distinct indexes are ANDed
 * in one rule, several conditions on one index become one rule each.
 *
 * SCMP_ACT_NOTIFY: the load returns a listener fd, which the container
 * process passes to berth over the sync socket; berth sends it, with the
 * containerProcessState document, to linux.seccomp.listenerPath. */
#include <config.h>

#include "seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "log.h"
#include "oci-spec.h"
#include "sync.h"
#include "util.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static const struct
{
  const char *name;
  unsigned int flag;
} filter_flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};
#define N_FLAGS (sizeof (filter_flags) / sizeof (filter_flags[0]))

void
seccomp_prog_clear (struct seccomp_prog *p)
{
  free (p->insns);
  memset (p, 0, sizeof (*p));
}

static char **
strv_from (const char *const *v, size_t n)
{
  char **r = xzalloc ((n + 1) * sizeof (char *));
  size_t i;
  for (i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  return r;
}

/* The kernel knows a flag when seccomp(2) with a NULL program fails with
 * EFAULT rather than EINVAL (libseccomp probes the same way). */
static bool
kernel_has_flag (unsigned int flag)
{
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

#ifdef HAVE_SECCOMP

static const struct
{
  const char *name;
  uint32_t action;
  bool takes_errno;
} actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL, false },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), true },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), true },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, false },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false },
};
#define N_ACTIONS (sizeof (actions) / sizeof (actions[0]))

static const struct
{
  const char *name;
  enum scmp_compare op;
} operators[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};
#define N_OPERATORS (sizeof (operators) / sizeof (operators[0]))

/* The spec's spellings; which of them libseccomp knows is asked at run time. */
static const char *const arch_names[]
  = { "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
      "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
      "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
      "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
      "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
      "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL };

/* "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64", 0 when unknown. */
static uint32_t
arch_token (const char *name)
{
  cleanup_free char *lower = NULL;
  char *p;

  if (!util_str_has_prefix (name, "SCMP_ARCH_"))
    return 0;
  lower = xstrdup (name + strlen ("SCMP_ARCH_"));
  for (p = lower; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  return seccomp_arch_resolve_name (lower);
}

/* action (and errnoRet, for ERRNO and TRACE: EPERM when absent) at path. */
static int
parse_action (const char *name, bool has_errno, uint32_t errno_ret, const char *path, uint32_t *out,
              berr_t **err)
{
  size_t i;

  for (i = 0; name && i < N_ACTIONS; i++)
    if (strcmp (actions[i].name, name) == 0)
      {
        if (has_errno && !actions[i].takes_errno)
          return berr_make (
            err, 0, "config.json: %s: errnoRet is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE", path);
        if (errno_ret > 0xffff)
          return berr_make (err, 0, "config.json: %s: errnoRet %u out of range", path, (unsigned)errno_ret);
        *out = actions[i].action;
        if (actions[i].takes_errno)
          *out |= (has_errno ? errno_ret : EPERM) & 0xffff;
        return 0;
      }
  return berr_make (err, 0, "config.json: %s: unknown seccomp action '%s'", path, name ? name : "");
}

static int
parse_condition (const oci_linux_seccomp_arg *a, size_t i, size_t j, struct scmp_arg_cmp *c, berr_t **err)
{
  size_t k;

  if (a->index >= 6)
    return berr_make (err, 0, "config.json: .linux.seccomp.syscalls[%zu].args[%zu].index: %u is not below 6",
                      i, j, (unsigned)a->index);
  for (k = 0; a->op && k < N_OPERATORS; k++)
    if (strcmp (operators[k].name, a->op) == 0)
      {
        *c = (struct scmp_arg_cmp){
          .arg = a->index, .op = operators[k].op, .datum_a = a->value, .datum_b = a->value_two
        };
        return 0;
      }
  return berr_make (err, 0,
                    "config.json: .linux.seccomp.syscalls[%zu].args[%zu].op: unknown seccomp operator '%s'",
                    i, j, a->op ? a->op : "");
}

/* One name of syscalls[i]: skipped when this architecture has no such
 * syscall, as runc does (profiles list syscalls of every architecture). */
static int
add_name (scmp_filter_ctx ctx, const oci_linux_syscall *sc, size_t i, const char *name, uint32_t act,
          const struct scmp_arg_cmp *conds, size_t n, bool distinct, berr_t **err)
{
  int nr = seccomp_syscall_resolve_name (name);
  size_t k;
  int r = 0;

  if (nr == __NR_SCMP_ERROR)
    {
      log_debug ("seccomp: unknown syscall '%s' skipped", name);
      return 0;
    }
  if (n == 0 || distinct)
    r = seccomp_rule_add_array (ctx, act, nr, (unsigned)n, conds);
  else
    for (k = 0; k < n && r == 0; k++)
      r = seccomp_rule_add_array (ctx, act, nr, 1, &conds[k]);
  if (r < 0)
    return berr_make (err, -r, "config.json: .linux.seccomp.syscalls[%zu]: add rule for '%s' (action %s)", i,
                      name, sc->action);
  return 0;
}

static int
add_syscall (scmp_filter_ctx ctx, const oci_linux_syscall *sc, size_t i, uint32_t def, bool *notify,
             berr_t **err)
{
  struct scmp_arg_cmp conds[64];
  unsigned int per_index[6] = { 0 };
  bool distinct = true;
  char path[96];
  uint32_t act;
  size_t j;

  snprintf (path, sizeof (path), ".linux.seccomp.syscalls[%zu].action", i);
  if (parse_action (sc->action, sc->errno_ret_present, sc->errno_ret, path, &act, err) < 0)
    return -1;
  if (sc->args_len > 64)
    return berr_make (err, 0, "config.json: .linux.seccomp.syscalls[%zu].args: more than 64 conditions", i);
  for (j = 0; j < sc->args_len; j++)
    {
      if (parse_condition (sc->args[j], i, j, &conds[j], err) < 0)
        return -1;
      if (++per_index[sc->args[j]->index] > 1)
        distinct = false;
    }
  /* libseccomp refuses a rule that repeats the default action; it is a no-op. */
  if (act == def)
    return 0;
  if (act == SCMP_ACT_NOTIFY)
    {
      *notify = true;
      /* The listener fd leaves the container process by sendmsg: if that
       * waited for the agent, which waits for the fd, nothing would move. */
      for (j = 0; j < sc->names_len; j++)
        if (strcmp (sc->names[j], "sendmsg") == 0)
          return berr_make (err, 0,
                            "config.json: .linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY cannot be used for "
                            "'sendmsg' (berth passes the listener fd with it)",
                            i);
    }
  for (j = 0; j < sc->names_len; j++)
    if (add_name (ctx, sc, i, sc->names[j], act, conds, sc->args_len, distinct, err) < 0)
      return -1;
  return 0;
}

static int
add_archs_and_flags (scmp_filter_ctx ctx, const oci_linux_seccomp *s, unsigned int *flags, berr_t **err)
{
  size_t i, k;

  for (i = 0; i < s->architectures_len; i++)
    {
      uint32_t tok = arch_token (s->architectures[i]);
      int r;
      if (tok == 0)
        return berr_make (err, 0, "config.json: .linux.seccomp.architectures[%zu]: unknown architecture '%s'",
                          i, s->architectures[i]);
      r = seccomp_arch_add (ctx, tok);
      if (r < 0 && r != -EEXIST)
        return berr_make (err, -r, "config.json: .linux.seccomp.architectures[%zu]: add '%s'", i,
                          s->architectures[i]);
    }
  for (i = 0; i < s->flags_len; i++)
    {
      for (k = 0; k < N_FLAGS && strcmp (filter_flags[k].name, s->flags[i]) != 0; k++)
        ;
      if (k == N_FLAGS)
        return berr_make (err, 0, "config.json: .linux.seccomp.flags[%zu]: unknown seccomp flag '%s'", i,
                          s->flags[i]);
      *flags |= filter_flags[k].flag;
    }
  /* Binary-tree dispatch pays off on long profiles (runc's threshold). */
  if (s->syscalls_len > 32)
    seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  return 0;
}

static int
export_bpf (scmp_filter_ctx ctx, struct seccomp_prog *out, berr_t **err)
{
  cleanup_close int fd = memfd_create ("berth-seccomp", MFD_CLOEXEC);
  off_t size;
  int r;

  if (fd < 0)
    return berr_make (err, errno, "seccomp: memfd_create");
  r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return berr_make (err, -r, "seccomp: export the filter");
  size = lseek (fd, 0, SEEK_END);
  if (size <= 0 || size % sizeof (struct sock_filter) != 0
      || size / sizeof (struct sock_filter) > BPF_MAXINSNS)
    return berr_make (err, 0, "seccomp: the compiled filter has %lld bytes, more than the kernel takes",
                      (long long)size);
  out->insns = xmalloc ((size_t)size);
  if (pread (fd, out->insns, (size_t)size, 0) != size)
    return berr_make (err, errno, "seccomp: read the compiled filter");
  out->len = (unsigned short)(size / sizeof (struct sock_filter));
  return 0;
}

static int
build (const oci_linux_seccomp *s, scmp_filter_ctx *pctx, struct seccomp_prog *out, berr_t **err)
{
  uint32_t def;
  size_t i;

  if (parse_action (s->default_action, s->default_errno_ret_present, s->default_errno_ret,
                    ".linux.seccomp.defaultAction", &def, err)
      < 0)
    return -1;
  if (def == SCMP_ACT_NOTIFY)
    return berr_make (err, 0,
                      "config.json: .linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default "
                      "action (the listener fd could never be passed on)");
  *pctx = seccomp_init (def);
  if (*pctx == NULL)
    return berr_make (err, 0, "config.json: .linux.seccomp.defaultAction: libseccomp refused '%s'",
                      s->default_action);
  if (add_archs_and_flags (*pctx, s, &out->flags, err) < 0)
    return -1;
  for (i = 0; i < s->syscalls_len; i++)
    if (add_syscall (*pctx, s->syscalls[i], i, def, &out->notify, err) < 0)
      return -1;
  if (out->notify)
    {
      out->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
      /* TSYNC and NEW_LISTENER together need TSYNC_ESRCH (kernel >= 5.7). */
      if (out->flags & SECCOMP_FILTER_FLAG_TSYNC)
        out->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
  else
    /* WAIT_KILLABLE_RECV qualifies the listener; without one the kernel
     * refuses it, and it has nothing to change (libseccomp drops it too). */
    out->flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  return export_bpf (*pctx, out, err);
}

int
seccomp_prog_build (const oci_linux_seccomp *s, struct seccomp_prog *out, berr_t **err)
{
  scmp_filter_ctx ctx = NULL;
  int r;

  memset (out, 0, sizeof (*out));
  if (s == NULL)
    return 0;
  r = build (s, &ctx, out, err);
  if (ctx)
    seccomp_release (ctx);
  if (r < 0)
    seccomp_prog_clear (out);
  return r;
}

bool
seccomp_enabled (void)
{
  return true;
}

static char **
list_actions_or_ops (bool ops)
{
  char **r = xzalloc ((N_ACTIONS + N_OPERATORS + 1) * sizeof (char *));
  size_t i, n = 0;

  for (i = 0; !ops && i < N_ACTIONS; i++)
    r[n++] = xstrdup (actions[i].name);
  for (i = 0; ops && i < N_OPERATORS; i++)
    r[n++] = xstrdup (operators[i].name);
  return r;
}

static char **
list_archs (void)
{
  char **r = xzalloc (sizeof (arch_names));
  size_t i, n = 0;

  for (i = 0; arch_names[i]; i++)
    if (arch_token (arch_names[i]) != 0)
      r[n++] = xstrdup (arch_names[i]);
  return r;
}

#else /* !HAVE_SECCOMP */

int
seccomp_prog_build (const oci_linux_seccomp *s, struct seccomp_prog *out, berr_t **err)
{
  memset (out, 0, sizeof (*out));
  if (s == NULL)
    return 0;
  return berr_make (err, 0, "config.json: .linux.seccomp: berth was built without seccomp support");
}

bool
seccomp_enabled (void)
{
  return false;
}

static char **
list_actions_or_ops (bool ops)
{
  (void)ops;
  return xzalloc (sizeof (char *));
}

static char **
list_archs (void)
{
  return xzalloc (sizeof (char *));
}

#endif

char **
seccomp_feature_list (enum seccomp_feature what)
{
  const char *names[N_FLAGS + 1] = { 0 };
  size_t i, n = 0;

  switch (what)
    {
    case SECCOMP_FEATURE_ACTIONS:
      return list_actions_or_ops (false);
    case SECCOMP_FEATURE_OPERATORS:
      return list_actions_or_ops (true);
    case SECCOMP_FEATURE_ARCHS:
      return list_archs ();
    case SECCOMP_FEATURE_KNOWN_FLAGS:
    case SECCOMP_FEATURE_SUPPORTED_FLAGS:
      for (i = 0; seccomp_enabled () && i < N_FLAGS; i++)
        if (what == SECCOMP_FEATURE_KNOWN_FLAGS || kernel_has_flag (filter_flags[i].flag))
          names[n++] = filter_flags[i].name;
      return strv_from (names, n);
    }
  return xzalloc (sizeof (char *));
}

int
seccomp_prog_load (const struct seccomp_prog *p, int sync_fd, berr_t **err)
{
  struct sock_fprog prog;
  long r;
  int fd;

  if (p == NULL || p->insns == NULL)
    return 0;
  prog = (struct sock_fprog){ .len = p->len, .filter = p->insns };
  r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
  if (r < 0)
    {
      if (errno == EACCES)
        return berr_make (err, errno, "load seccomp filter (without noNewPrivileges it needs CAP_SYS_ADMIN)");
      return berr_make (err, errno, "load seccomp filter (flags 0x%x)", p->flags);
    }
  if (!p->notify)
    return 0;
  fd = (int)r;
  r = sync_send_fd (sync_fd, SYNC_SECCOMP_FD, fd, NULL, err);
  close (fd);
  return r < 0 ? -1 : 0;
}

/* containerProcessState (runtime-spec config-linux.md, "seccomp"). */
static char *
process_state_json (const oci_linux_seccomp *s, pid_t pid, const char *state_json)
{
  cleanup_free char *meta = log_json_escape (s->listener_metadata ? s->listener_metadata : "");

  return xasprintf ("{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%d,\"metadata\":%s,\"state\":%s}",
                    OCI_SPEC_VERSION, (int)pid, meta, state_json);
}

static int
send_to_listener (const char *path, const char *doc, int fd, berr_t **err)
{
  struct sockaddr_un addr;
  unsigned int addr_len;
  cleanup_close int via = -1;
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { .iov_base = (void *)doc, .iov_len = strlen (doc) };
  struct msghdr msg
    = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  cleanup_close int sock = -1;
  ssize_t n;

  /* Longer than sun_path: through a descriptor of its directory. */
  if (util_unix_addr (path, &addr, &addr_len, &via, err) < 0)
    return berr_wrap (err, "seccomp listenerPath");
  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return berr_make (err, errno, "seccomp listenerPath: socket");
  if (connect (sock, (struct sockaddr *)&addr, addr_len) < 0)
    return berr_make (err, errno, "connect to seccomp listenerPath '%s'", path);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return berr_make (err, errno, "send the seccomp fd to listenerPath '%s'", path);
  /* The fd went with the first byte; the rest of the document follows. */
  if ((size_t)n < iov.iov_len && util_write_all (sock, doc + n, iov.iov_len - (size_t)n, err) < 0)
    return berr_wrap (err, "send the container state to listenerPath '%s'", path);
  return 0;
}

int
seccomp_listener_forward (int sync_fd, const oci_linux_seccomp *s, pid_t pid, const char *state_json,
                          berr_t **err)
{
  struct sync_message m;
  cleanup_free char *doc = NULL;
  int r;

  if (sync_expect (sync_fd, SYNC_SECCOMP_FD, &m, err) < 0)
    return -1;
  if (m.fd < 0)
    r = berr_make (err, 0, "sync: SYNC_SECCOMP_FD came without a descriptor");
  else
    {
      doc = process_state_json (s, pid, state_json);
      r = send_to_listener (s->listener_path, doc, m.fd, err);
    }
  sync_message_clear (&m);
  return r;
}
