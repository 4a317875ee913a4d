/* Unit tests for src/runtime/procattr.c: which linux.sysctl keys a
 * container may set, execCPUAffinity cpu lists and personality flags, all
 * checked before any syscall; and the scheduler and I/O priority of the
 * calling process (harmless values: SCHED_BATCH, nice 0; best effort 4). */
#include <config.h>

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci-spec.h"
#include "procattr.h"
#include "tap.h"
#include "util.h"

/* A config.json with the given "linux" members and process members. */
static oci_spec *
spec_with (const char *linux_extra, const char *process_extra)
{
  cleanup_free char *json = xasprintf (
    "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
    "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"%s%s},"
    "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"ipc\"},{\"type\":\"uts\"}]%s%s}}",
    *process_extra ? "," : "", process_extra, *linux_extra ? "," : "", linux_extra);
  berr_t *err = NULL;
  oci_spec *s = oci_spec_parse_data (json, strlen (json), "config.json", &err);

  if (s == NULL)
    {
      diag (err && err->msg ? err->msg : "config did not parse");
      berr_clear (&err);
    }
  return s;
}

/* 0 when spec passes procattr_validate; else -1 with the message checked
 * to contain `want`. */
static void
check (const char *linux_extra, const char *process_extra, const char *want, const char *what)
{
  oci_spec *s = spec_with (linux_extra, process_extra);
  berr_t *err = NULL;
  int r;

  if (s == NULL)
    {
      ok (0, "%s (config did not parse)", what);
      return;
    }
  r = procattr_validate (s, &err);
  if (want == NULL)
    ok (r == 0, "%s%s%s", what, err ? ": " : "", err ? err->msg : "");
  else
    ok (r < 0 && err && strstr (err->msg, want), "%s (got '%s')", what, err ? err->msg : "no error");
  berr_clear (&err);
  oci_spec_free (s);
}

static void
test_sysctl (void)
{
  check ("\"sysctl\":{\"kernel.shmmax\":\"1\",\"fs.mqueue.msg_max\":\"10\",\"kernel.sem\":\"1 2 3 4\"}", "",
         NULL, "ipc sysctls pass with an ipc namespace");
  check ("\"sysctl\":{\"kernel.domainname\":\"x\"}", "", NULL,
         "kernel.domainname passes with a uts namespace");
  check ("\"sysctl\":{\"vm.swappiness\":\"1\"}", "", "'vm.swappiness' is not namespaced",
         "a host-wide sysctl is refused and named");
  check ("\"sysctl\":{\"kernel.pid_max\":\"1\"}", "", "kernel.pid_max", "kernel.pid_max is not namespaced");
  check ("\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}", "", "needs a network namespace",
         "net.* without a network namespace is refused");
  check ("\"sysctl\":{\"net/ipv4/ip_forward\":\"1\"}", "", "needs a network namespace",
         "the slash spelling is classified the same");
  /* spec_with() lists no network namespace: a joined one is added here */
  {
    oci_spec *s = spec_with ("\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}", "");
    oci_linux_namespace host = { .type = (char *)"network", .path = (char *)"/proc/self/ns/net" };
    oci_linux_namespace *saved = s ? s->linux->namespaces[1] : NULL;
    berr_t *err = NULL;

    if (s)
      s->linux->namespaces[1] = &host;
    ok (s && procattr_validate (s, &err) < 0 && err && strstr (err->msg, "of the container's own"),
        "net.* with the host's own network namespace joined by path is refused");
    berr_clear (&err);
    host.path = NULL;
    ok (s && procattr_validate (s, &err) == 0, "and passes with a new network namespace");
    berr_clear (&err);
    if (s)
      s->linux->namespaces[1] = saved;
    oci_spec_free (s);
  }
}

static void
test_affinity_and_personality (void)
{
  check ("", "\"execCPUAffinity\":{\"initial\":\"0-1,3\",\"final\":\"2\"}", NULL,
         "cpu lists with ranges pass");
  check ("", "\"execCPUAffinity\":{\"final\":\"3-1\"}", "invalid cpu list '3-1'",
         "a reversed range is refused");
  check ("", "\"execCPUAffinity\":{\"initial\":\"a\"}", "execCPUAffinity.initial",
         "garbage is refused and placed");
  check ("", "\"execCPUAffinity\":{\"final\":\"0,\"}", NULL, "a trailing comma is tolerated");
  check ("\"personality\":{\"domain\":\"LINUX\",\"flags\":[\"ADDR_NO_RANDOMIZE\"]}", "", NULL,
         "a known personality flag passes");
  check ("\"personality\":{\"domain\":\"LINUX\",\"flags\":[\"NOPE\"]}", "", "unknown flag 'NOPE'",
         "an unknown personality flag is refused");
}

static void
test_apply (void)
{
  oci_scheduler sched = { .policy = (char *)"SCHED_BATCH" };
  oci_linux_io_priority io = { .class = (char *)"IOPRIO_CLASS_BE", .priority = 4 };
  oci_process p = { .scheduler = &sched, .io_priority = &io };
  berr_t *err = NULL;
  long v;

  ok (procattr_set_scheduler (&p, &err) == 0, "SCHED_BATCH can be set");
  is_int (sched_getscheduler (0), SCHED_BATCH, "and is the policy now");
  ok (procattr_set_io_priority (&p, &err) == 0, "IOPRIO_CLASS_BE 4 can be set");
  v = syscall (SYS_ioprio_get, 1, 0);
  is_int ((int)v, (2 << 13) | 4, "and is the I/O priority now");
  io.priority = 9;
  ok (procattr_set_io_priority (&p, &err) < 0 && err && strstr (err->msg, "0..7"),
      "an I/O priority above 7 is refused");
  berr_clear (&err);
}

int
main (void)
{
  test_sysctl ();
  test_affinity_and_personality ();
  test_apply ();
  return tap_done ();
}
