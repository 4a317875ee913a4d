/* Unit tests for src/runtime/state.c: ids, exclusive creation, locking,
 * atomic state.json round trip and the derived status. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"
#include "tap.h"
#include "util.h"

static void
test_ids (void)
{
  static const char *const good[] = { "abc", "a.b-c_d+e", "0", "A9", NULL };
  static const char *const bad[] = { "", ".", "..", "a/b", "-x", "../x", ".hidden", "a b", NULL };
  const char *const *p;
  berr_t *err = NULL;

  for (p = good; *p; p++)
    ok (state_id_validate (*p, &err) == 0, "id '%s' is valid", *p);
  for (p = bad; *p; p++)
    {
      ok (state_id_validate (*p, &err) < 0, "id '%s' is refused", *p);
      berr_clear (&err);
    }
}

static void
test_create_open (int rootfd)
{
  berr_t *err = NULL;
  int dfd = -1, dfd2 = -1, other;

  ok (state_dir_create (rootfd, "c1", &dfd, &err) == 0, "create c1");
  ok (state_dir_create (rootfd, "c1", &dfd2, &err) < 0, "second create of c1 fails");
  is_str (err ? err->msg : NULL, "container 'c1' already exists", "duplicate id message");
  berr_clear (&err);
  ok (state_dir_open (rootfd, "nope", false, &dfd2, &err) < 0, "open of a missing id fails");
  is_str (err ? err->msg : NULL, "container 'nope' does not exist", "missing id message");
  berr_clear (&err);
  ok (state_dir_create (rootfd, "../evil", &dfd2, &err) < 0, "a path as id is refused");
  berr_clear (&err);

  /* flock conflicts between open file descriptions, even in one process. */
  other = openat (rootfd, "c1", O_RDONLY | O_DIRECTORY);
  ok (flock (other, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK, "the created directory is locked");
  close (dfd);
  ok (flock (other, LOCK_EX | LOCK_NB) == 0, "the lock is released with its descriptor");
  close (other);
}

static void
test_roundtrip (int rootfd)
{
  struct container_state st = { 0 }, back;
  berr_t *err = NULL;
  int dfd = -1;
  char *json = NULL;
  char *keys[] = { (char *)"org.example", NULL }, *vals[] = { (char *)"v\"1", NULL };

  ok (state_dir_open (rootfd, "c1", true, &dfd, &err) == 0, "open c1 locked");
  ok (state_read (dfd, "c1", &back, &err) == 0 && back.pid == 0, "no state.json yet: pid 0");
  is_str (state_status_name (state_status (dfd, &back)), "creating", "status without a pid is creating");
  state_clear (&back);

  st.id = (char *)"c1";
  st.pid = getpid ();
  ok (proc_stat_read (st.pid, &st.pid_start, NULL) == 0 && st.pid_start > 0, "own start time read");
  st.bundle = (char *)"/b";
  st.rootfs = (char *)"/b/rootfs";
  st.created = (char *)"2026-01-01T00:00:00.000000001Z";
  st.config_path = (char *)"/b/config.json";
  st.own_pidns = true;
  st.cgroup_path = (char *)"/x/a/b/c1";
  st.cgroup_owned = true;
  st.cgroup_made = 3;
  st.ann_keys = keys;
  st.ann_values = vals;
  st.ann_len = 1;
  ok (state_write (dfd, &st, &err) == 0, "write state.json");
  ok (state_read (dfd, "c1", &back, &err) == 0, "read state.json");
  is_int (back.pid, getpid (), "pid kept");
  ok (back.pid_start == st.pid_start, "start time kept");
  is_str (back.bundle, "/b", "bundle kept");
  is_str (back.rootfs, "/b/rootfs", "rootfs kept");
  is_str (back.created, st.created, "created kept");
  ok (back.own_pidns, "own_pidns kept");
  ok (back.cgroup_owned && back.cgroup_made == 3, "cgroup_owned and cgroup_made (levels made) kept");
  ok (back.ann_len == 1 && strcmp (back.ann_values[0], "v\"1") == 0, "annotation with a quote kept");
  is_str (state_status_name (state_status (dfd, &back)), "running", "live pid, no fifo: running");

  ok (mkfifoat (dfd, STATE_EXEC_FIFO, 0600) == 0, "make exec fifo");
  is_str (state_status_name (state_status (dfd, &back)), "created", "live pid with fifo: created");
  unlinkat (dfd, STATE_EXEC_FIFO, 0);

  ok (state_to_json (&back, STATUS_RUNNING, false, &json, &err) == 0, "state JSON generated");
  ok (json && strstr (json, "\"status\":\"running\"") && strstr (json, "\"ociVersion\":\"1.2.0\""),
      "state JSON has status and ociVersion");
  free (json);
  ok (state_to_json (&back, STATUS_STOPPED, false, &json, &err) == 0 && strstr (json, "\"pid\":0,"),
      "a stopped container reports pid 0");
  free (json);

  back.pid_start++;
  is_str (state_status_name (state_status (dfd, &back)), "stopped",
          "start time mismatch (pid reuse): stopped");
  state_clear (&back);
  close (dfd);
}

static void
test_dead_process (int rootfd)
{
  struct container_state st = { 0 };
  pid_t child = fork ();

  if (child == 0)
    _exit (0);
  /* Until reaped, the child's /proc entry stays, even once it exits. */
  ok (proc_stat_read (child, &st.pid_start, NULL) == 0, "start time of a child read");
  st.id = (char *)"x";
  st.pid = child;
  /* A zombie is stopped already, a reaped process too. */
  usleep (100000);
  ok (!state_process_alive (&st), "an exited (zombie) process is not alive");
  waitpid (child, NULL, 0);
  ok (!state_process_alive (&st), "a reaped process is not alive");
}

static void
test_list_remove (int rootfd)
{
  berr_t *err = NULL;
  char **ids = NULL;
  size_t n = 0, i;
  int dfd = -1;

  ok (state_dir_create (rootfd, "b2", &dfd, &err) == 0, "create b2");
  close (dfd);
  ok (state_list_ids (rootfd, &ids, &n, &err) == 0 && n == 2, "two containers listed");
  if (n == 2)
    {
      is_str (ids[0], "b2", "sorted: b2 first");
      is_str (ids[1], "c1", "sorted: c1 second");
    }
  for (i = 0; i < n; i++)
    free (ids[i]);
  free (ids);
  ok (state_dir_remove (rootfd, "c1", &err) == 0, "remove c1");
  ok (state_dir_open (rootfd, "c1", false, &dfd, &err) < 0, "c1 is gone");
  berr_clear (&err);
}

static void
test_missing_root (const char *dir)
{
  cleanup_free char *missing = xasprintf ("%s/absent", dir);
  berr_t *err = NULL;
  char **ids = NULL;
  size_t n = 1;
  int rootfd = 0, dfd = -1;
  struct stat sb;

  ok (state_root_open_existing (missing, &rootfd, &err) == 0 && rootfd == -1, "a missing root is no error");
  ok (state_list_ids (rootfd, &ids, &n, &err) == 0 && n == 0, "a missing root lists nothing");
  ok (state_dir_open (rootfd, "c1", false, &dfd, &err) < 0, "no container in a missing root");
  is_str (err ? err->msg : NULL, "container 'c1' does not exist", "missing root: does not exist");
  berr_clear (&err);
  ok (stat (missing, &sb) < 0 && errno == ENOENT, "looking did not create the root");
}

int
main (void)
{
  char dir[] = "/tmp/berth-test-state.XXXXXX";
  cleanup_free char *root = NULL;
  berr_t *err = NULL;
  int rootfd = -1;

  test_ids ();
  ok (mkdtemp (dir) != NULL, "mkdtemp");
  root = xasprintf ("%s/root/sub", dir);
  ok (state_root_open (root, &rootfd, &err) == 0, "root created with parents");
  test_create_open (rootfd);
  test_roundtrip (rootfd);
  test_dead_process (rootfd);
  test_list_remove (rootfd);
  test_missing_root (dir);
  close (rootfd);
  util_rm_rf_at (AT_FDCWD, dir, &err);
  return tap_done ();
}
