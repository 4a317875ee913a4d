/* Unit tests for oci-spec parsing and generation: round trips of real
 * configs (crun/runc spec output, a podman-style config using every field),
 * the values a caller reads, and every parse error a user can meet. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "berth-limits.h"
#include "oci-spec.h"
#include "json-test.h"
#include "tap.h"
#include "util.h"

/* The time bound of the 100,000-key test is for optimised builds: under
 * ASan (make check-sanitize, -O1, a realloc that always copies) the same
 * parse took 85 s, which the bound must not count as a hang. */
#if defined(__SANITIZE_ADDRESS__)
#define PARSE_SECONDS_MAX 600
#else
#define PARSE_SECONDS_MAX 10
#endif

#ifndef DATADIR
#define DATADIR "tests/unit/data"
#endif

#define slurp(name) test_slurp (DATADIR, name)

/* parse -> generate -> parse -> generate: both outputs identical, and the
 * same document as the input, compact and pretty. */
static void
roundtrip (const char *name)
{
  cleanup_free char *orig = slurp (name);
  cleanup_free char *path = xasprintf ("%s/%s", DATADIR, name);
  cleanup_free char *j1 = NULL, *j2 = NULL, *pretty = NULL;
  cleanup_oci_spec oci_spec *s1 = NULL;
  cleanup_oci_spec oci_spec *s2 = NULL;
  berr_t *err = NULL;
  size_t n1 = 0, n2 = 0, np = 0;

  s1 = oci_spec_parse_file (path, &err);
  if (!ok (s1 != NULL, "%s: parses", name))
    {
      printf ("# %s\n", err->msg);
      berr_clear (&err);
      return;
    }
  ok (oci_spec_generate (s1, &j1, &n1, &err) == 0 && n1 == strlen (j1), "%s: generates", name);
  s2 = oci_spec_parse_data (j1, n1, "generated", &err);
  ok (s2 != NULL && oci_spec_generate (s2, &j2, &n2, &err) == 0, "%s: output parses and generates", name);
  ok (j2 && strcmp (j1, j2) == 0, "%s: second generation is identical", name);
  ok (orig && test_same_json (orig, j1), "%s: output is the same document as the input", name);
  ok (oci_spec_generate_pretty (s1, &pretty, &np, &err) == 0 && test_same_json (orig, pretty),
      "%s: pretty output is the same document", name);
  ok (pretty && np > 2 && pretty[np - 1] == '\n' && strstr (pretty, "\n\t\"ociVersion\": ") != NULL,
      "%s: pretty output is tab-indented and ends with a newline", name);
  ok (oci_spec_validate (s1, &err) == 0, "%s: validates%s%s", name, err ? ": " : "", err ? err->msg : "");
  berr_clear (&err);
}

static oci_spec *
parse_str (const char *json, berr_t **err)
{
  return oci_spec_parse_data (json, strlen (json), "config.json", err);
}

/* The document must be refused with exactly this message. */
static void
parse_fails (const char *json, const char *want)
{
  berr_t *err = NULL;
  oci_spec *s = parse_str (json, &err);

  ok (s == NULL && err != NULL, "refused: %s", json);
  is_str (err ? err->msg : NULL, want, "message: %s", want);
  oci_spec_free (s);
  berr_clear (&err);
}

/* Parse json and generate it back compactly: must equal want. */
static void
regenerates (const char *json, const char *want, const char *name)
{
  berr_t *err = NULL;
  cleanup_oci_spec oci_spec *s = parse_str (json, &err);
  cleanup_free char *out = NULL;
  size_t n;

  if (s == NULL || oci_spec_generate (s, &out, &n, &err) < 0)
    printf ("# %s\n", err->msg);
  is_str (out, want, "%s", name);
  berr_clear (&err);
}

static void
test_podman_values (void)
{
  cleanup_free char *path = xasprintf ("%s/podman-full.json", DATADIR);
  berr_t *err = NULL;
  cleanup_oci_spec oci_spec *s = oci_spec_parse_file (path, &err);
  const oci_process *p;
  const oci_linux *l;

  if (!ok (s != NULL, "podman-full.json parses"))
    return;
  p = s->process;
  l = s->linux;
  ok (p->terminal && p->terminal_present && p->console_size->height == 40 && p->console_size->width == 120,
      "terminal and consoleSize");
  ok (p->user->uid == 1000 && p->user->umask_present && p->user->umask == 18
        && p->user->additional_gids_len == 3 && p->user->additional_gids[2] == 4294967294u,
      "user: umask and additionalGids up to uint32 max-1");
  ok (p->args_len == 4 && strcmp (p->args[2], "value with spaces") == 0 && p->args[3][0] == '\0',
      "args keep spaces and empty strings");
  ok (p->rlimits_len == 2 && p->rlimits[1]->hard == UINT64_MAX, "rlimit of 2^64-1 is read exactly");
  ok (p->oom_score_adj_present && p->oom_score_adj == -999, "negative oomScoreAdj");
  ok (p->scheduler && strcmp (p->scheduler->policy, "SCHED_DEADLINE") == 0 && p->scheduler->nice == -5
        && p->scheduler->period == 100000000 && p->scheduler->flags_len == 2,
      "scheduler");
  ok (p->io_priority && p->io_priority->priority == 4 && strcmp (p->exec_cpu_affinity->final, "1") == 0,
      "ioPriority and execCPUAffinity");
  ok (p->capabilities->inheritable != NULL && p->capabilities->inheritable_len == 0,
      "an empty capability set is present, not absent");
  ok (s->mounts_len == 5 && s->mounts[3]->uid_mappings_len == 1
        && s->mounts[3]->uid_mappings[0]->host_id == 100000,
      "idmapped mount");
  ok (s->hooks->create_runtime[0]->timeout == 30 && s->hooks->poststop_len == 1
        && strcmp (s->hooks->prestart[0]->path, "/usr/libexec/oci/hooks.d/legacy") == 0,
      "hooks");
  is_str (oci_string_map_get (s->annotations, "io.container.manager"), "libpod", "annotation by key");
  ok (l->time_offsets->len == 2 && strcmp (l->time_offsets->keys[0], "monotonic") == 0
        && l->time_offsets->values[0]->secs == -3600,
      "timeOffsets map of objects, in document order");
  ok (l->resources->memory->kernel == -1 && l->resources->memory->check_before_update,
      "memory: kernel -1, checkBeforeUpdate");
  ok (l->resources->block_io->throttle_write_iops_device[0]->rate == 500, "blockIO throttle");
  ok (l->resources->rdma->len == 2 && l->resources->rdma->values[1]->hca_handles == 1
        && !l->resources->rdma->values[1]->hca_objects_present,
      "rdma map; an absent integer is not present");
  is_str (oci_string_map_get (l->resources->unified, "io.weight"), "default 100", "unified");
  ok (l->resources->network->class_id == 1048577, "network classID");
  ok (l->seccomp->syscalls[2]->args[0]->value == 2114060288 && l->seccomp->syscalls[3]->errno_ret == 1
        && strcmp (l->seccomp->syscalls[2]->args[0]->op, "SCMP_CMP_MASKED_EQ") == 0,
      "seccomp syscall args and errnoRet");
  ok (l->seccomp->default_errno_ret == 38
        && strcmp (l->seccomp->listener_metadata, "podman-container-web-1") == 0,
      "seccomp defaultErrnoRet and listener");
  ok (l->intel_rdt->enable_cmt && strcmp (l->intel_rdt->clos_id, "guaranteed_group") == 0, "intelRdt");
  ok (strcmp (l->personality->domain, "LINUX32") == 0 && l->personality->flags_len == 0, "personality");
  ok (l->net_devices->len == 2 && strcmp (l->net_devices->values[0]->name, "ceth1") == 0
        && l->net_devices->values[1]->name == NULL,
      "netDevices");
  ok (l->devices[0]->file_mode == 438 && l->devices[2]->major_present == false, "devices");
  ok (s->extra && s->extra->len == 2 && strcmp (s->extra->keys[0], "vm") == 0,
      "unknown sections kept in extra");
}

static void
test_type_errors (void)
{
  parse_fails ("{\"process\":{\"args\":[\"a\",\"b\",3]}}",
               "config.json: .process.args[2]: expected string, got number");
  parse_fails ("{\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}}",
               "config.json: .linux.resources.memory.limit: expected integer, got string");
  parse_fails (
    "{\"linux\":{\"seccomp\":{\"syscalls\":[{\"names\":[\"a\"]},{\"args\":[{\"index\":\"0\"}]}]}}}",
    "config.json: .linux.seccomp.syscalls[1].args[0].index: expected integer, got string");
  parse_fails ("{\"root\":{\"readonly\":\"yes\"}}",
               "config.json: .root.readonly: expected boolean, got string");
  parse_fails ("{\"process\":[]}", "config.json: .process: expected object, got array");
  parse_fails ("{\"mounts\":{}}", "config.json: .mounts: expected array, got object");
  parse_fails ("{\"mounts\":[{\"destination\":\"/a\"},7]}",
               "config.json: .mounts[1]: expected object, got number");
  parse_fails ("{\"process\":{\"env\":[\"A=1\",null]}}",
               "config.json: .process.env[1]: expected string, got null");
  parse_fails ("{\"ociVersion\":true}", "config.json: .ociVersion: expected string, got boolean");
  parse_fails ("{\"annotations\":{\"a\":\"b\",\"c\":1}}",
               "config.json: .annotations.c: expected string, got number");
  parse_fails ("{\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":1}}}",
               "config.json: .linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got number");
  parse_fails ("{\"linux\":{\"resources\":{\"rdma\":{\"mlx5_0\":{\"hcaHandles\":-1}}}}}",
               "config.json: .linux.resources.rdma.mlx5_0.hcaHandles: integer -1 out of range for uint32");
  parse_fails ("{\"linux\":{\"timeOffsets\":{\"boottime\":[]}}}",
               "config.json: .linux.timeOffsets.boottime: expected object, got array");
}

static void
test_integers (void)
{
  berr_t *err = NULL;
  oci_spec *s;

  parse_fails ("{\"process\":{\"user\":{\"uid\":4294967296}}}",
               "config.json: .process.user.uid: integer 4294967296 out of range for uint32");
  parse_fails ("{\"process\":{\"user\":{\"gid\":-1}}}",
               "config.json: .process.user.gid: integer -1 out of range for uint32");
  parse_fails (
    "{\"linux\":{\"resources\":{\"memory\":{\"limit\":9223372036854775808}}}}",
    "config.json: .linux.resources.memory.limit: integer 9223372036854775808 out of range for int64");
  parse_fails ("{\"process\":{\"rlimits\":[{\"hard\":18446744073709551616}]}}",
               "config.json: .process.rlimits[0].hard: integer 18446744073709551616 out of range for uint64");
  parse_fails ("{\"process\":{\"oomScoreAdj\":1.5}}",
               "config.json: .process.oomScoreAdj: expected integer, got number 1.5");
  parse_fails ("{\"process\":{\"oomScoreAdj\":1e3}}",
               "config.json: .process.oomScoreAdj: expected integer, got number 1e3");
  parse_fails ("{\"process\":{\"oomScoreAdj\":2147483648}}",
               "config.json: .process.oomScoreAdj: integer 2147483648 out of range for int32");
  parse_fails ("{\"linux\":{\"resources\":{\"blockIO\":{\"weight\":65536}}}}",
               "config.json: .linux.resources.blockIO.weight: integer 65536 out of range for uint16");

  s = parse_str (
    "{\"linux\":{\"resources\":{\"memory\":{\"limit\":-9223372036854775808,\"swap\":9223372036854775807},"
    "\"blockIO\":{\"weight\":65535}}}}",
    &err);
  ok (s && s->linux->resources->memory->limit == INT64_MIN && s->linux->resources->memory->swap == INT64_MAX
        && s->linux->resources->block_io->weight == 65535,
      "int64 and uint16 limits are accepted exactly");
  oci_spec_free (s);
  regenerates ("{\"linux\":{\"resources\":{\"memory\":{\"limit\":-9223372036854775808}}}}",
               "{\"linux\":{\"resources\":{\"memory\":{\"limit\":-9223372036854775808}}}}",
               "INT64_MIN written back");
  regenerates (
    "{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":18446744073709551615,\"soft\":0}]}}",
    "{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":18446744073709551615,\"soft\":0}]}}",
    "UINT64_MAX written back");
  berr_clear (&err);
}

/* yajl_gen stops at 128 levels; deeper documents are refused at parse. */
static void
test_nesting (void)
{
  berr_t *err = NULL;
  oci_spec *s;
  char deep[256];
  cleanup_free char *out = NULL;
  size_t n;

  memset (deep, 0, sizeof (deep));
  strcpy (deep, "{\"x\":");
  memset (deep + 5, '[', 99);
  memset (deep + 104, ']', 99);
  strcpy (deep + 203, "}");
  s = parse_str (deep, &err);
  ok (s && oci_spec_generate (s, &out, &n, &err) == 0 && strcmp (out, deep) == 0,
      "100 levels of nesting parse and generate back");
  oci_spec_free (s);
  deep[5 + 99] = '[';
  memmove (deep + 106, deep + 105, 100);
  deep[105] = ']';
  s = parse_str (deep, &err);
  is_str (err ? err->msg : NULL, "config.json: byte 104: nested deeper than 100 levels",
          "101 levels refused");
  berr_clear (&err);
  s = parse_str ("{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[\"}",
                 &err);
  ok (s != NULL, "brackets inside strings do not count as nesting");
  oci_spec_free (s);
  berr_clear (&err);
}

static void
test_bad_json (void)
{
  berr_t *err = NULL;
  oci_spec *s;
  const char *bad = "{\n  \"ociVersion\": \"1.0.0\",\n  \"hostname\" \"x\"\n}";

  parse_fails ("[]", "config.json: top-level value must be an object, got array");
  parse_fails ("\"x\"", "config.json: top-level value must be an object, got string");
  s = parse_str (bad, &err);
  ok (s == NULL && err && util_str_has_prefix (err->msg, "config.json: invalid JSON at byte ")
        && strstr (err->msg, "(line 3, column ") && strstr (err->msg, "parse error"),
      "syntax error names byte, line and yajl's message: %s", err ? err->msg : "");
  berr_clear (&err);
  s = parse_str ("", &err);
  ok (s == NULL && err && strstr (err->msg, "config.json: invalid JSON at byte 0"), "empty input: %s",
      err ? err->msg : "");
  berr_clear (&err);
  s = parse_str ("{} {}", &err);
  ok (s == NULL && err && strstr (err->msg, "invalid JSON"), "trailing garbage: %s", err ? err->msg : "");
  berr_clear (&err);
  s = parse_str ("{\"a\":1", &err);
  ok (s == NULL && err
        && strstr (err->msg, "invalid JSON at byte 6 (line 1, column 7): parse error: premature EOF"),
      "truncated document: error at its end: %s", err ? err->msg : "");
  berr_clear (&err);
  s = oci_spec_parse_data ("{\"a\":\"x\0y\"}", 11, "config.json", &err);
  is_str (
    err ? err->msg : NULL,
    "config.json: invalid JSON at byte 7 (line 1, column 8): lexical error: invalid character inside string.",
    "raw NUL byte refused");
  berr_clear (&err);
  parse_fails ("{\"root\":{\"path\":\"/r\\u0000/x\"}}",
               "config.json: .root.path: string contains a NUL byte (\\u0000)");
  regenerates ("{\"hostname\":\"a\\\\u0000\"}", "{\"hostname\":\"a\\\\u0000\"}",
               "an escaped backslash before u0000 is fine");
  s = oci_spec_parse_data ("{}", 2, NULL, &err);
  ok (s != NULL, "origin may be NULL");
  oci_spec_free (s);
  s = oci_spec_parse_data ("[", 1, NULL, &err);
  ok (err && util_str_has_prefix (err->msg, "json: invalid JSON"), "NULL origin is called \"json\"");
  berr_clear (&err);
  s = oci_spec_parse_file ("/nonexistent/config.json", &err);
  ok (s == NULL && err && strstr (err->msg, "/nonexistent/config.json"), "missing file named: %s",
      err ? err->msg : "");
  berr_clear (&err);
}

static void
test_unknown_dup_null (void)
{
  berr_t *err = NULL;
  cleanup_oci_spec oci_spec *s = NULL;

  regenerates ("{\"foo\":{\"b\":[1,2.50,\"x\",null,-0.5e-3]},\"process\":{\"bar\":true,\"cwd\":\"/"
               "\"},\"ociVersion\":\"1.0.0\"}",
               "{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/"
               "\",\"bar\":true},\"foo\":{\"b\":[1,2.50,\"x\",null,-0.5e-3]}}",
               "unknown keys kept verbatim, top-level and nested, after known ones");
  regenerates ("{\"hostname\":\"a\",\"hostname\":\"b\"}", "{\"hostname\":\"b\"}", "duplicate key: last wins");
  regenerates ("{\"process\":{\"args\":[\"a\"]},\"process\":{\"cwd\":\"/\"}}",
               "{\"process\":{\"cwd\":\"/\"}}", "duplicate object: last wins whole");
  regenerates ("{\"annotations\":{\"k\":\"1\",\"j\":\"x\",\"k\":\"2\"}}",
               "{\"annotations\":{\"k\":\"2\",\"j\":\"x\"}}",
               "duplicate map key: last value, first position");
  regenerates ("{\"x\":1,\"x\":[2]}", "{\"x\":[2]}", "duplicate unknown key: last wins");
  regenerates ("{\"hostname\":null,\"process\":null,\"y\":null}", "{\"y\":null}",
               "null known keys are absent, unknown null kept");
  regenerates ("{\"hostname\":\"h\",\"hostname\":null}", "{}", "null after a value clears it");
  regenerates ("{\"mounts\":[],\"process\":{\"env\":[]}}", "{\"process\":{\"env\":[]},\"mounts\":[]}",
               "empty arrays stay present");
  regenerates ("{\"hostname\":\"caf\xc3\xa9 \\\"q\\\" \\n \\/\"}",
               "{\"hostname\":\"caf\xc3\xa9 \\\"q\\\" \\n /\"}",
               "strings: UTF-8 raw, quotes and control characters escaped");
  s = parse_str ("{\"mounts\":[{\"destination\":\"/a\"}]}", &err);
  ok (s && s->mounts_len == 1 && s->process == NULL && s->hostname == NULL && s->extra == NULL,
      "absent fields are NULL, no extra when all keys known");
  parse_fails ("{\"mounts\":[{\"destination\":\"/a\",\"x\":[1]},{\"options\":[\"a\",{}]}]}",
               "config.json: .mounts[1].options[1]: expected string, got object");
}

static void
test_other_documents (void)
{
  berr_t *err = NULL;
  cleanup_free char *json = NULL, *path = xasprintf ("%s/runc-features.json", DATADIR);
  cleanup_free char *orig = slurp ("runc-features.json");
  size_t n;

  {
    cleanup_oci_state oci_state *st = xzalloc (sizeof (*st));
    st->oci_version = xstrdup ("1.2.0");
    st->id = xstrdup ("c1");
    st->status = xstrdup ("running");
    st->pid = 4242;
    st->pid_present = true;
    st->bundle = xstrdup ("/b");
    st->annotations = xzalloc (sizeof (oci_string_map));
    oci_string_map_set (st->annotations, "a", "1");
    oci_string_map_set (st->annotations, "a", "2");
    st->created = xstrdup ("2026-01-01T00:00:00Z");
    ok (oci_state_generate (st, &json, &n, &err) == 0, "hand-built state generates");
    is_str (json,
            "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"running\",\"pid\":4242,\"bundle\":\"/b\","
            "\"annotations\":{\"a\":\"2\"},\"created\":\"2026-01-01T00:00:00Z\"}",
            "state JSON as runc writes it");
  }
  {
    cleanup_oci_state oci_state *st = oci_state_parse_data (json, n, "state.json", &err);
    ok (st && st->pid == 4242 && strcmp (st->status, "running") == 0 && st->owner == NULL,
        "state parses back");
  }
  {
    cleanup_oci_features oci_features *f = oci_features_parse_file (path, &err);
    cleanup_free char *out = NULL;
    ok (f && f->linux && f->linux->cgroup && f->linux->cgroup->v2_present
          && f->linux->seccomp->actions_len > 0,
        "runc features document parses");
    ok (f && oci_features_generate (f, &out, &n, &err) == 0 && test_same_json (orig, out),
        "features round trip");
  }
  {
    const char *pj = "{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},\"env\":[\"A=1\"]}";
    cleanup_oci_process oci_process *p = oci_process_parse_data (pj, strlen (pj), "process.json", &err);
    ok (p && p->args_len == 1 && oci_process_validate (p, "process.json", &err) == 0,
        "exec --process document");
  }
  {
    const char *rj = "{\"memory\":{\"limit\":-1},\"pids\":{\"limit\":\"x\"}}";
    cleanup_oci_linux_resources oci_linux_resources *r
      = oci_linux_resources_parse_data (rj, strlen (rj), "resources.json", &err);
    is_str (err ? err->msg : NULL, "resources.json: .pids.limit: expected integer, got string",
            "update --resources errors are rooted at the document");
    ok (r == NULL, "bad resources refused");
  }
  ok (oci_spec_generate (NULL, &json, &n, &err) < 0 && err, "generate of NULL is an error");
  berr_clear (&err);
}

/* Either refused with a message naming the document, or accepted and then
 * stable across generate/parse.  Returns false on anything else. */
static bool
robust_once (const char *d, size_t n)
{
  berr_t *err = NULL;
  cleanup_oci_spec oci_spec *s = oci_spec_parse_data (d, n, "config.json", &err);
  cleanup_oci_spec oci_spec *s2 = NULL;
  cleanup_free char *j1 = NULL, *j2 = NULL;
  size_t l1, l2;
  bool r;

  if (s == NULL)
    {
      r = err && util_str_has_prefix (err->msg, "config.json: ");
      berr_free (err);
      return r;
    }
  if (oci_spec_generate (s, &j1, &l1, &err) < 0 || (s2 = oci_spec_parse_data (j1, l1, "again", &err)) == NULL
      || oci_spec_generate (s2, &j2, &l2, &err) < 0)
    {
      berr_free (err);
      return false;
    }
  oci_spec_validate (s, &err);
  berr_free (err);
  return strcmp (j1, j2) == 0;
}

/* Damaged documents (every truncation; seeded random byte changes) never
 * crash or leak and always end in one of the two outcomes above. */
static void
test_damaged_documents (void)
{
  static const char junk[] = "{}[]\",:0-9e.\\ntf";
  cleanup_free char *d = slurp ("podman-full.json");
  size_t n = d ? strlen (d) : 0, i, bad_trunc = 0, bad_mut = 0;
  unsigned seed = 1;

  for (i = 0; i < n; i++)
    bad_trunc += !robust_once (d, i);
  ok (d && bad_trunc == 0, "all %zu truncations of podman-full.json are refused cleanly", n);
  for (i = 0; d && i < 2000; i++)
    {
      cleanup_free char *c = xstrndup (d, n);
      c[rand_r (&seed) % n] = junk[rand_r (&seed) % (sizeof (junk) - 1)];
      bad_mut += !robust_once (c, n);
    }
  ok (d && bad_mut == 0, "2000 one-byte corruptions: each refused with its origin or round-trips (%zu bad)",
      bad_mut);
}

/* Kinds runtime-spec does not use yet (image-spec will): any, arrays of
 * any, bool and int64, arrays of maps; driven through a hand-written table
 * exactly like the generated ones. */
struct eng
{
  yajl_val v;
  yajl_val *vs;
  size_t vs_len;
  bool *flags;
  size_t flags_len;
  int64_t *nums;
  size_t nums_len;
  oci_string_map **maps;
  size_t maps_len;
  int8_t small;
  bool small_present;
  oci_extra *extra;
};

static const struct oci_field eng_fields[] = {
  { "v", OCI_KIND_ANY, false, 0, offsetof (struct eng, v), 0, NULL },
  { "vs", OCI_KIND_ANY, true, 0, offsetof (struct eng, vs), offsetof (struct eng, vs_len), NULL },
  { "flags", OCI_KIND_BOOL, true, 0, offsetof (struct eng, flags), offsetof (struct eng, flags_len), NULL },
  { "nums", OCI_KIND_INT, true, 8, offsetof (struct eng, nums), offsetof (struct eng, nums_len), NULL },
  { "maps", OCI_KIND_STRING_MAP, true, 0, offsetof (struct eng, maps), offsetof (struct eng, maps_len),
    NULL },
  { "small", OCI_KIND_INT, false, 1, offsetof (struct eng, small), offsetof (struct eng, small_present),
    NULL },
};
static const struct oci_type eng_type = { "eng", sizeof (struct eng), offsetof (struct eng, extra),
                                          eng_fields, sizeof (eng_fields) / sizeof (eng_fields[0]) };

static void
test_engine_kinds (void)
{
  const char *in = "{\"small\":-128,\"maps\":[{\"a\":\"b\"},{}],\"nums\":[-1,9223372036854775807],"
                   "\"flags\":[true,false],\"vs\":[{\"k\":[1.5]},null,\"s\"],\"v\":{\"deep\":{\"x\":1e9}}}";
  const char *want = "{\"v\":{\"deep\":{\"x\":1e9}},\"vs\":[{\"k\":[1.5]},null,\"s\"],\"flags\":[true,false],"
                     "\"nums\":[-1,9223372036854775807],\"maps\":[{\"a\":\"b\"},{}],\"small\":-128}";
  berr_t *err = NULL;
  struct eng *e = oci_json_parse_data (&eng_type, in, strlen (in), "eng.json", &err);
  char *out = NULL;
  size_t n;

  ok (e && e->vs_len == 3 && e->flags_len == 2 && e->flags[0] && !e->flags[1] && e->nums[1] == INT64_MAX
        && e->maps_len == 2 && e->maps[1]->len == 0 && e->small == -128 && YAJL_IS_OBJECT (e->v),
      "any, arrays of any/bool/int64/maps, int8 parse");
  ok (e && oci_json_generate (&eng_type, e, 0, &out, &n, &err) == 0, "and generate");
  is_str (out, want, "in description order, values verbatim");
  free (out);
  oci_json_free (&eng_type, e);
  e = oci_json_parse_data (&eng_type, "{\"small\":128}", 13, "eng.json", &err);
  is_str (err ? err->msg : NULL, "eng.json: .small: integer 128 out of range for int8", "int8 range");
  berr_clear (&err);
  e = oci_json_parse_data (&eng_type, "{\"maps\":[{},{\"a\":1}]}", 21, "eng.json", &err);
  is_str (err ? err->msg : NULL, "eng.json: .maps[1].a: expected string, got number",
          "path through an array of maps");
  berr_clear (&err);
}

/* A document of n entries: prefix, n times elem (comma-separated), suffix. */
static char *
repeat_doc (const char *prefix, const char *elem, size_t n, const char *suffix)
{
  size_t pl = strlen (prefix), el = strlen (elem), sl = strlen (suffix), i;
  char *d = xmalloc (pl + n * (el + 1) + sl + 1), *p = d;

  memcpy (p, prefix, pl), p += pl;
  for (i = 0; i < n; i++)
    {
      if (i)
        *p++ = ',';
      memcpy (p, elem, el), p += el;
    }
  memcpy (p, suffix, sl + 1);
  return d;
}

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The limits of berth-limits.h: each refused naming the path and the
 * limit, just under each accepted; duplicate keys merged in linear time. */
static void
test_limits (void)
{
  berr_t *err = NULL;
  oci_spec *s;
  char *doc, *p;
  size_t i, n = OCI_JSON_MAX_ENTRIES;
  double t0;
  cleanup_free char *path = NULL;
  FILE *f;

  doc = repeat_doc ("{\"process\":{\"env\":[", "\"A=1\"", n, "]}}");
  s = parse_str (doc, &err);
  ok (s && s->process->env_len == n, "%zu env entries are accepted", n);
  oci_spec_free (s);
  free (doc);
  doc = repeat_doc ("{\"process\":{\"env\":[", "\"A=1\"", n + 1, "]}}");
  s = parse_str (doc, &err);
  is_str (err ? err->msg : NULL, "config.json: .process.env: too many entries (100001, limit 100000)",
          "one entry more is refused, with the count");
  berr_clear (&err);
  free (doc);
  /* past the limit the array is only counted, nested values included */
  doc = repeat_doc ("{\"mounts\":[", "{\"x\":1}", n + 5, "]}");
  s = parse_str (doc, &err);
  is_str (err ? err->msg : NULL, "config.json: .mounts: too many entries (100005, limit 100000)",
          "mounts: counted to the end");
  berr_clear (&err);
  free (doc);

  /* 100,000 distinct annotation keys: the old linear lookup per key took
   * over a minute; and an object past the limit */
  doc = xmalloc (64 + 16 * (n + 1));
  p = doc + sprintf (doc, "{\"annotations\":{");
  for (i = 0; i < n; i++)
    p += sprintf (p, "%s\"k%zu\":\"v\"", i ? "," : "", i);
  strcpy (p, "}}");
  t0 = now_s ();
  s = parse_str (doc, &err);
  ok (s && s->annotations->len == n && now_s () - t0 < PARSE_SECONDS_MAX,
      "100,000 annotations parse in %.2f s", now_s () - t0);
  oci_spec_free (s);
  strcpy (p, ",\"last\":\"v\"}}");
  s = parse_str (doc, &err);
  is_str (err ? err->msg : NULL, "config.json: .annotations: too many entries (100001, limit 100000)",
          "100,001 annotations are refused");
  berr_clear (&err);
  free (doc);
  /* 100,000 copies of one unknown key: merged, last value wins */
  doc = repeat_doc ("{\"x\":0,", "\"dup\":1", n - 2, ",\"dup\":2}");
  t0 = now_s ();
  s = parse_str (doc, &err);
  ok (s && s->extra && s->extra->len == 2 && strcmp (s->extra->keys[1], "dup") == 0
        && strcmp (YAJL_GET_NUMBER (s->extra->values[1]), "2") == 0 && now_s () - t0 < 10,
      "100,000 duplicate keys merge to the last value in %.2f s", now_s () - t0);
  oci_spec_free (s);
  free (doc);
  parse_fails ("{\"annotations\":{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\",\"a\":4}}",
               "config.json: .annotations.a: expected string, got number");
  regenerates ("{\"annotations\":{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}}",
               "{\"annotations\":{\"a\":\"3\",\"b\":\"2\"}}",
               "a duplicate key keeps its first place and its last value");

  /* values in the whole document */
  doc = repeat_doc ("{\"a\":[", "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]", OCI_JSON_MAX_VALUES / 20 - 1,
                    "],\"b\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}");
  s = parse_str (doc, &err);
  ok (s != NULL, "%d values are accepted", OCI_JSON_MAX_VALUES);
  oci_spec_free (s);
  free (doc);
  doc = repeat_doc ("{\"a\":[", "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]", OCI_JSON_MAX_VALUES / 20 - 1,
                    "],\"b\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}");
  s = parse_str (doc, &err);
  ok (err && strstr (err->msg, "config.json: .b[17]: more than 250000 values in the document"),
      "one value more is refused: %s", err ? err->msg : "");
  berr_clear (&err);
  free (doc);

  /* NUL inside strings and keys, named by their path */
  parse_fails ("{\"process\":{\"env\":[\"A=1\",\"B=x\\u0000y\"]}}",
               "config.json: .process.env[1]: string contains a NUL byte (\\u0000)");
  parse_fails ("{\"annotations\":{\"ok\":\"1\",\"a\\u0000b\":\"x\"}}",
               "config.json: .annotations: key 1 contains a NUL byte (\\u0000)");
  parse_fails (
    "{\"process\":{\"args\":[\"\xff\"]}}",
    "config.json: invalid JSON at byte 22 (line 1, column 23): lexical error: invalid bytes in UTF8 "
    "string.");
  parse_fails ("{\"process\":{\"user\":{\"uid\":1e400}}}",
               "config.json: .process.user.uid: expected integer, got number 1e400");
  parse_fails (
    "{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":18446744073709551616,\"soft\":1}]}}",
    "config.json: .process.rlimits[0].hard: integer 18446744073709551616 out of range for uint64");
  parse_fails ("{\"process\":{\"user\":{\"uid\":1099511627776}}}",
               "config.json: .process.user.uid: integer 1099511627776 out of range for uint32");

  /* a file past OCI_JSON_MAX_BYTES is refused before it is read */
  path = xasprintf ("%s/test-ocispec-big.%d.json", getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp",
                    (int)getpid ());
  f = fopen (path, "w");
  ok (f && fputs ("{}", f) >= 0 && ftruncate (fileno (f), OCI_JSON_MAX_BYTES + 1) == 0 && fclose (f) == 0,
      "a sparse file of %d bytes", OCI_JSON_MAX_BYTES + 1);
  s = oci_spec_parse_file (path, &err);
  ok (s == NULL && err && strstr (err->msg, "too large (16777217 bytes, limit 16777216)"), "is refused: %s",
      err ? err->msg : "");
  berr_clear (&err);
  unlink (path);
}

int
main (void)
{
  static const char *const configs[] = { "crun-spec.json", "crun-spec-rootless.json", "runc-spec.json",
                                         "runc-spec-rootless.json", "podman-full.json" };
  size_t i;

  for (i = 0; i < sizeof (configs) / sizeof (configs[0]); i++)
    roundtrip (configs[i]);
  test_podman_values ();
  test_type_errors ();
  test_integers ();
  test_bad_json ();
  test_nesting ();
  test_unknown_dup_null ();
  test_other_documents ();
  test_engine_kinds ();
  test_damaged_documents ();
  test_limits ();
  return tap_done ();
}
