/* Unit tests for src/runtime/sync.c (the parent/child protocol) and
 * src/runtime/signals.c (signal names). */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"
#include "sync.h"
#include "tap.h"
#include "util.h"

static void
test_messages (void)
{
  berr_t *err = NULL, *child_err = NULL;
  struct sync_message m;
  int sv[2];

  ok (sync_socketpair (sv, &err) == 0, "socketpair");
  ok (sync_send (sv[1], SYNC_INIT_READY, 0, NULL, &err) == 0, "send SYNC_INIT_READY");
  ok (sync_expect (sv[0], SYNC_INIT_READY, NULL, &err) == 0, "expect SYNC_INIT_READY");

  sync_send (sv[1], SYNC_CONSOLE_ACK, 0, NULL, &err);
  ok (sync_expect (sv[0], SYNC_INIT_READY, NULL, &err) < 0, "an unexpected message fails");
  is_str (err ? err->msg : NULL, "sync: expected SYNC_INIT_READY, got SYNC_CONSOLE_ACK",
          "names both messages");
  berr_clear (&err);

  berr_make (&child_err, EACCES, "mount 'proc' on '/proc'");
  sync_send_error (sv[1], child_err);
  ok (sync_expect (sv[0], SYNC_INIT_READY, NULL, &err) < 0, "a child error fails the expect");
  is_str (err ? err->msg : NULL, child_err->msg, "the child's message arrives intact");
  is_int (err ? err->status : -1, EACCES, "the child's errno arrives");
  berr_clear (&err);
  berr_clear (&child_err);

  ok (sync_send (sv[1], SYNC_EXEC_PID, 42, "payload", &err) == 0, "send with payload");
  ok (sync_expect (sv[0], SYNC_EXEC_PID, &m, &err) == 0 && m.value == 42 && m.data
        && strcmp (m.data, "payload") == 0,
      "value and payload received");
  sync_message_clear (&m);

  close (sv[1]);
  ok (sync_expect (sv[0], SYNC_INIT_READY, NULL, &err) < 0, "EOF fails the expect");
  is_str (err ? err->msg : NULL, "init process exited before sending SYNC_INIT_READY", "EOF is named");
  is_int (err ? err->status : -1, EPIPE, "EOF has status EPIPE (the caller adds how the init ended)");
  berr_clear (&err);
  close (sv[0]);

  /* a peer that exits with our message unread resets the connection:
   * named as its exit too, not "Connection reset by peer" */
  ok (sync_socketpair (sv, &err) == 0, "socketpair");
  ok (sync_send (sv[0], SYNC_HOOKS_DONE, 0, NULL, &err) == 0, "send the peer never reads");
  close (sv[1]);
  ok (sync_expect (sv[0], SYNC_INIT_READY, NULL, &err) < 0, "a reset fails the expect");
  is_str (err ? err->msg : NULL, "init process exited before sending SYNC_INIT_READY",
          "a reset is named as the exit");
  is_int (err ? err->status : -1, EPIPE, "a reset has status EPIPE");
  berr_clear (&err);
  close (sv[0]);
}

static void
test_fd_passing (void)
{
  berr_t *err = NULL;
  struct sync_message m;
  int sv[2], p[2];
  char buf[4] = { 0 };

  sync_socketpair (sv, &err);
  ok (pipe (p) == 0, "pipe");
  ok (sync_send_fd (sv[1], SYNC_CONSOLE_FD, p[1], "/dev/pts/0", &err) == 0, "send a descriptor");
  close (p[1]);
  ok (sync_expect (sv[0], SYNC_CONSOLE_FD, &m, &err) == 0 && m.fd >= 0 && m.data
        && strcmp (m.data, "/dev/pts/0") == 0,
      "descriptor and its name received");
  ok (write (m.fd, "abc", 3) == 3 && read (p[0], buf, 3) == 3 && strcmp (buf, "abc") == 0,
      "the received descriptor is the pipe");
  sync_message_clear (&m);
  close (p[0]);
  close (sv[0]);
  close (sv[1]);
}

static void
test_signals (void)
{
  static const struct
  {
    const char *s;
    int sig;
  } good[] = { { "KILL", SIGKILL }, { "SIGKILL", SIGKILL }, { "kill", SIGKILL }, { "9", SIGKILL },
               { "TERM", SIGTERM }, { "SIGUSR1", SIGUSR1 }, { "15", SIGTERM },   { "WINCH", SIGWINCH } };
  berr_t *err = NULL;
  size_t i;
  int sig;

  for (i = 0; i < sizeof (good) / sizeof (good[0]); i++)
    ok (signal_parse (good[i].s, &sig, &err) == 0 && sig == good[i].sig, "signal '%s'", good[i].s);
  ok (signal_parse ("RTMIN+1", &sig, &err) == 0 && sig == SIGRTMIN + 1, "signal 'RTMIN+1'");
  ok (signal_parse ("FOO", &sig, &err) < 0, "unknown name refused");
  is_str (err ? err->msg : NULL, "unknown signal 'FOO'", "unknown name is named");
  berr_clear (&err);
  ok (signal_parse ("0", &sig, &err) < 0, "signal 0 refused");
  berr_clear (&err);
  ok (signal_parse ("100", &sig, &err) < 0, "out of range number refused");
  berr_clear (&err);
}

int
main (void)
{
  test_messages ();
  test_fd_passing ();
  test_signals ();
  return tap_done ();
}
