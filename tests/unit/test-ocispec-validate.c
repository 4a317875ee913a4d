/* Unit tests for oci-spec/validate*.c: every semantic rule refuses a config
 * with the JSON path and the problem, and real configs pass.  Documents are
 * written with single quotes for readability; q() turns them into JSON. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "oci-spec.h"
#include "tap.h"
#include "util.h"

/* A valid minimal document: every case adds to or overrides it. */
#define BASE "'ociVersion':'1.2.0','root':{'path':'rootfs'}"
#define PROC "'process':{'args':['sh'],'cwd':'/','user':{'uid':0,'gid':0}}"
#define NS(x) "'linux':{'namespaces':[{'type':'mount'}" x "]"

static char *
q (const char *s)
{
  char *r = xstrdup (s), *p;

  for (p = r; *p; p++)
    if (*p == '\'')
      *p = '"';
  return r;
}

/* Returns the validation error message (NULL if valid); parse must succeed. */
static char *
validate (const char *doc)
{
  cleanup_free char *json = q (doc);
  cleanup_oci_spec oci_spec *s = NULL;
  berr_t *err = NULL;
  char *msg = NULL;

  s = oci_spec_parse_data (json, strlen (json), "config.json", &err);
  if (s == NULL)
    {
      msg = xasprintf ("PARSE: %s", err->msg);
      berr_free (err);
      return msg;
    }
  if (oci_spec_validate (s, &err) < 0)
    {
      msg = xstrdup (err->msg);
      berr_free (err);
    }
  return msg;
}

static void
refused (const char *doc, const char *want)
{
  cleanup_free char *msg = validate (doc);
  is_str (msg, want, "%s", want);
}

static void
accepted (const char *doc, const char *name)
{
  cleanup_free char *msg = validate (doc);
  if (!ok (msg == NULL, "accepted: %s", name))
    printf ("#   %s\n", msg);
}

static void
test_top (void)
{
  accepted ("{" BASE "}", "minimal config");
  refused ("{'root':{'path':'r'}}", "config.json: .ociVersion: missing");
  refused ("{'ociVersion':'2.0.0','root':{'path':'r'}}",
           "config.json: .ociVersion: unsupported version \"2.0.0\" (want 1.x)");
  refused ("{'ociVersion':'1.0.0'}", "config.json: .root: missing");
  refused ("{'ociVersion':'1.0.0','root':{'readonly':true}}", "config.json: .root.path: missing");
  refused ("{" BASE ",'hostname':'h'}",
           "config.json: .hostname: setting it needs a uts namespace in .linux.namespaces");
  accepted ("{" BASE ",'hostname':'h'," NS (",{'type':'uts'}") "}}", "hostname with a uts namespace");
}

static void
test_process (void)
{
  accepted ("{" BASE "," PROC "}", "minimal process");
  refused ("{" BASE ",'process':{'cwd':'/'}}", "config.json: .process.args: must not be empty");
  refused ("{" BASE ",'process':{'args':[],'cwd':'/'}}", "config.json: .process.args: must not be empty");
  refused ("{" BASE ",'process':{'args':[''],'cwd':'/'}}",
           "config.json: .process.args[0]: the program name must not be empty");
  refused ("{" BASE ",'process':{'args':['sh']}}", "config.json: .process.cwd: missing");
  refused ("{" BASE ",'process':{'args':['sh'],'cwd':'srv'}}",
           "config.json: .process.cwd: \"srv\" is not an absolute path");
  refused ("{" BASE ",'process':{'args':['sh'],'cwd':'/','env':['A=1','NOVALUE']}}",
           "config.json: .process.env[1]: \"NOVALUE\" has no '='");
  refused ("{" BASE ",'process':{'args':['sh'],'cwd':'/','env':['=x']}}",
           "config.json: .process.env[0]: \"=x\" has an empty name");
  refused ("{" BASE ",'process':{'args':['sh'],'cwd':'/"
           "','capabilities':{'bounding':['CAP_KILL'],'ambient':['CAP_KILL','CAP_NET_BIND']}}}",
           "config.json: .process.capabilities.ambient[1]: unknown capability \"CAP_NET_BIND\"");
  refused ("{" BASE
           ",'process':{'args':['sh'],'cwd':'/','rlimits':[{'type':'RLIMIT_NOFILES','hard':1,'soft':1}]}}",
           "config.json: .process.rlimits[0].type: unknown rlimit \"RLIMIT_NOFILES\"");
  refused ("{" BASE
           ",'process':{'args':['sh'],'cwd':'/','rlimits':[{'type':'RLIMIT_NOFILE','hard':1,'soft':1},"
           "{'type':'RLIMIT_NOFILE','hard':2,'soft':2}]}}",
           "config.json: .process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\" (also at index 0)");
  refused ("{" BASE
           ",'process':{'args':['sh'],'cwd':'/','rlimits':[{'type':'RLIMIT_CORE','hard':1,'soft':2}]}}",
           "config.json: .process.rlimits[0]: soft limit 2 is above hard limit 1");
  refused ("{" BASE ",'process':{'args':['sh'],'cwd':'/','oomScoreAdj':1001}}",
           "config.json: .process.oomScoreAdj: 1001 is outside -1000..1000");
  refused ("{" BASE ",'process':{'args':['sh'],'cwd':'/','scheduler':{'policy':'SCHED_FAST'}}}",
           "config.json: .process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\"");
  refused ("{" BASE ",'process':{'args':['sh'],'cwd':'/','scheduler':{'nice':1}}}",
           "config.json: .process.scheduler.policy: missing");
  refused ("{" BASE ",'process':{'args':['sh'],'cwd':'/','scheduler':{'policy':'SCHED_OTHER','nice':20}}}",
           "config.json: .process.scheduler.nice: 20 is outside -20..19");
  refused ("{" BASE
           ",'process':{'args':['sh'],'cwd':'/','scheduler':{'policy':'SCHED_RR','flags':['SCHED_FLAG_X']}}}",
           "config.json: .process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_X\"");
  refused ("{" BASE ",'process':{'args':['sh'],'cwd':'/','ioPriority':{'class':'IOPRIO_CLASS_NONE'}}}",
           "config.json: .process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"");
  refused ("{" BASE
           ",'process':{'args':['sh'],'cwd':'/','ioPriority':{'class':'IOPRIO_CLASS_RT','priority':8}}}",
           "config.json: .process.ioPriority.priority: 8 is outside 0..7");
  {
    const char *pj = "{\"args\":[\"sh\"],\"cwd\":\"rel\"}";
    berr_t *err = NULL;
    cleanup_oci_process oci_process *p = oci_process_parse_data (pj, strlen (pj), "p.json", &err);
    ok (p && oci_process_validate (p, "p.json", &err) < 0, "exec --process document is validated");
    is_str (err ? err->msg : NULL, "p.json: .cwd: \"rel\" is not an absolute path",
            "its paths start at the document");
    berr_clear (&err);
  }
}

static void
test_namespaces_and_mappings (void)
{
  refused ("{" BASE "," NS (",{'type':'pid'},{'type':'ipc'},{'type':'foo'}") "}}",
           "config.json: .linux.namespaces[3].type: unknown namespace type \"foo\"");
  refused ("{" BASE "," NS (",{'type':'pid'},{'type':'mount'}") "}}",
           "config.json: .linux.namespaces[2].type: duplicate namespace type \"mount\" (also at index 0)");
  refused ("{" BASE "," NS (",{'path':'/proc/1/ns/net'}") "}}",
           "config.json: .linux.namespaces[1].type: missing");
  refused ("{" BASE "," NS (",{'type':'network','path':'run/netns/x'}") "}}",
           "config.json: .linux.namespaces[1].path: \"run/netns/x\" is not an absolute path");
  accepted (
    "{" BASE "," NS (
      ",{'type':'pid'},{'type':'network'},{'type':'ipc'},{'type':'uts'},{'type':'user'},{'type':'cgroup'},"
      "{'type':'time'}") "}}",
    "all eight namespace types");
#define USERNS(m) "{" BASE "," NS (",{'type':'user'}") "," m "}}"
  refused (USERNS ("'uidMappings':[{'containerID':0,'hostID':1000,'size':0}],'gidMappings':[]"),
           "config.json: .linux.uidMappings[0].size: must be greater than 0");
  refused (USERNS ("'uidMappings':[{'containerID':0,'hostID':1000}]"),
           "config.json: .linux.uidMappings[0].size: must be greater than 0");
  refused (
    USERNS (
      "'uidMappings':[{'containerID':0,'hostID':1000,'size':10},{'containerID':5,'hostID':5000,'size':10}]"),
    "config.json: .linux.uidMappings[1]: containerID range overlaps .linux.uidMappings[0]");
  refused (
    USERNS (
      "'gidMappings':[{'containerID':0,'hostID':1000,'size':10},{'containerID':10,'hostID':1009,'size':1}]"),
    "config.json: .linux.gidMappings[1]: hostID range overlaps .linux.gidMappings[0]");
  refused (USERNS ("'uidMappings':[{'containerID':4294967295,'hostID':0,'size':2}]"),
           "config.json: .linux.uidMappings[0].size: range 4294967295+2 goes past 4294967295");
  accepted (USERNS ("'uidMappings':[{'containerID':0,'hostID':1000,'size':1},{'containerID':1,'hostID':"
                    "100000,'size':65536}],"
                    "'gidMappings':[{'containerID':0,'hostID':1000,'size':1},{'containerID':1,'hostID':"
                    "100000,'size':65536}]"),
            "adjacent mapping ranges");
  accepted (USERNS ("'uidMappings':[{'containerID':0,'hostID':4294967295,'size':1}],'gidMappings':[{'"
                    "containerID':0,'hostID':0,'size':1}]"),
            "a range ending exactly at 2^32");
  accepted ("{" BASE "," NS (",{'type':'user'}") "}}",
            "a new user namespace without maps (crun maps the caller)");
  refused ("{" BASE ",'linux':{'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]}}",
           "config.json: .linux.uidMappings: mappings given but .linux.namespaces has no user namespace");
}

static void
test_mounts_time_net (void)
{
  refused ("{" BASE ",'mounts':[{'destination':'/d','type':'bind','source':'/"
           "s','uidMappings':[{'containerID':0,'hostID':1,'size':0}],"
           "'gidMappings':[{'containerID':0,'hostID':1,'size':1}]}]}",
           "config.json: .mounts[0].uidMappings[0].size: must be greater than 0");
  refused ("{" BASE ",'mounts':[{'destination':'/d','uidMappings':[{'containerID':0,'hostID':1,'size':1}]}]}",
           "config.json: .mounts[0].gidMappings: idmapped mounts need both uidMappings and gidMappings");
  refused ("{" BASE ",'mounts':[{'destination':'/proc','type':'proc'},{'type':'tmpfs'}]}",
           "config.json: .mounts[1].destination: must not be empty");
  accepted ("{" BASE ",'mounts':[{'destination':'data','type':'bind','source':'/s'}]}",
            "a relative mount destination (relative to /, as runc)");
  refused ("{" BASE ",'linux':{'timeOffsets':{'monotonic':{'secs':1}}}}",
           "config.json: .linux.timeOffsets: requires a time namespace in .linux.namespaces");
  refused ("{" BASE "," NS (",{'type':'time'}") ",'timeOffsets':{'realtime':{'secs':1}}}}",
           "config.json: .linux.timeOffsets[\"realtime\"]: unknown clock (want boottime or monotonic)");
  refused ("{" BASE
           "," NS (",{'type':'time'}") ",'timeOffsets':{'boottime':{'secs':1,'nanosecs':1000000000}}}}",
           "config.json: .linux.timeOffsets[\"boottime\"]: nanosecs must be below 1000000000");
  accepted ("{" BASE
            "," NS (",{'type':'time'}") ",'timeOffsets':{'boottime':{'secs':-5,'nanosecs':999999999}}}}",
            "timeOffsets with a time namespace");
  refused ("{" BASE ",'linux':{'netDevices':{'eth0':{}}}}",
           "config.json: .linux.netDevices: requires a network namespace in .linux.namespaces");
}

static void
test_linux_paths (void)
{
  refused (
    "{" BASE
    ",'linux':{'devices':[{'path':'/dev/null','type':'c','major':1,'minor':3},{'path':'dev/x','type':'c'}]}}",
    "config.json: .linux.devices[1].path: \"dev/x\" is not an absolute path");
  refused ("{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'x','major':1,'minor':1}]}}",
           "config.json: .linux.devices[0].type: unknown device type \"x\" (want c, b, u or p)");
  refused ("{" BASE ",'linux':{'devices':[{'path':'/dev/x','major':1,'minor':1}]}}",
           "config.json: .linux.devices[0].type: missing");
  refused ("{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'b','major':8}]}}",
           "config.json: .linux.devices[0]: major and minor are required for type \"b\"");
  accepted (
    "{" BASE
    ",'linux':{'devices':[{'path':'/dev/f','type':'p'},{'path':'/dev/u','type':'u','major':1,'minor':9}]}}",
    "fifo without numbers, unbuffered char device");
  refused ("{" BASE ",'linux':{'sysctl':{'net.ipv4.ip_forward':'1','':'1'}}}",
           "config.json: .linux.sysctl: empty sysctl name");
  refused ("{" BASE ",'linux':{'sysctl':{'net..x':'1'}}}",
           "config.json: .linux.sysctl: invalid sysctl name \"net..x\"");
  refused ("{" BASE ",'hooks':{'poststop':[{'path':'/bin/true'},{'path':'true'}]}}",
           "config.json: .hooks.poststop[1].path: \"true\" is not an absolute path");
  refused ("{" BASE ",'hooks':{'createRuntime':[{'args':['x']}]}}",
           "config.json: .hooks.createRuntime[0].path: must not be empty");
  refused ("{" BASE ",'hooks':{'startContainer':[{'path':'/x','timeout':0}]}}",
           "config.json: .hooks.startContainer[0].timeout: must be greater than 0, got 0");
  refused ("{" BASE ",'linux':{'maskedPaths':['/proc/kcore','proc/keys']}}",
           "config.json: .linux.maskedPaths[1]: \"proc/keys\" is not an absolute path");
  refused ("{" BASE ",'linux':{'readonlyPaths':['']}}",
           "config.json: .linux.readonlyPaths[0]: must not be empty");
  refused ("{" BASE ",'linux':{'rootfsPropagation':'rsharedd'}}",
           "config.json: .linux.rootfsPropagation: unknown propagation \"rsharedd\"");
  accepted ("{" BASE ",'linux':{'rootfsPropagation':'rslave'}}",
            "rslave propagation (runc and crun accept it)");
  refused (
    "{" BASE ",'linux':{'personality':{'domain':'LINUX64'}}}",
    "config.json: .linux.personality.domain: unknown personality domain \"LINUX64\" (want LINUX or LINUX32)");
}

static void
test_seccomp_resources (void)
{
#define SC(x) "{" BASE ",'linux':{'seccomp':{" x "}}}"
  refused (SC ("'syscalls':[]"), "config.json: .linux.seccomp.defaultAction: missing");
  refused (SC ("'defaultAction':'SCMP_ACT_DENY'"),
           "config.json: .linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_DENY\"");
  refused (SC ("'defaultAction':'SCMP_ACT_ALLOW','architectures':['x86_64']"),
           "config.json: .linux.seccomp.architectures[0]: unknown architecture \"x86_64\"");
  refused (SC ("'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_X']"),
           "config.json: .linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_X\"");
  refused (SC ("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_LOG'},{'"
               "names':[],'action':'SCMP_ACT_LOG'}]"),
           "config.json: .linux.seccomp.syscalls[1].names: must not be empty");
  refused (SC ("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read','']}]"),
           "config.json: .linux.seccomp.syscalls[0].names[1]: empty syscall name");
  refused (SC ("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read']}]"),
           "config.json: .linux.seccomp.syscalls[0].action: missing");
  refused (SC ("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO','"
               "args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]"),
           "config.json: .linux.seccomp.syscalls[0].args[0].index: 6 is not below 6");
  refused (SC ("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO','"
               "args':[{'index':0,'value':1,'op':'EQ'}]}]"),
           "config.json: .linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"EQ\"");
  refused (
    SC ("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mount'],'action':'SCMP_ACT_NOTIFY'}]"),
    "config.json: .linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY");
  accepted (SC ("'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/run/"
                "a.sock','syscalls':[{'names':['mount'],'action':'SCMP_ACT_NOTIFY'}]"),
            "notify with a listener");
#define RES(x) "{" BASE ",'linux':{'resources':{" x "}}}"
  refused (RES ("'devices':[{'allow':false,'access':'rwm'},{'allow':true,'type':'x'}]"),
           "config.json: .linux.resources.devices[1].type: unknown device type \"x\" (want a, c or b)");
  refused (RES ("'devices':[{'allow':true,'type':'c','access':'rwx'}]"),
           "config.json: .linux.resources.devices[0].access: \"rwx\" has letters other than r, w, m");
  refused (RES ("'memory':{'limit':1000,'swap':500}"),
           "config.json: .linux.resources.memory.swap: 500 is below the memory limit 1000 (swap counts "
           "memory+swap)");
  accepted (RES ("'memory':{'limit':1000,'swap':-1}"), "unlimited swap");
  refused (RES ("'memory':{'swappiness':101}"),
           "config.json: .linux.resources.memory.swappiness: 101 is outside 0..100");
  refused (RES ("'hugepageLimits':[{'limit':1}]"),
           "config.json: .linux.resources.hugepageLimits[0].pageSize: missing");
  refused (RES ("'cpu':{'period':0}"), "config.json: .linux.resources.cpu.period: must be greater than 0");
  refused (RES ("'unified':{'memory.max':'1','../x.max':'1'}"),
           "config.json: .linux.resources.unified: invalid cgroup file name \"../x.max\"");
  refused (RES ("'unified':{'cgroup':'1'}"),
           "config.json: .linux.resources.unified: invalid cgroup file name \"cgroup\"");
  {
    const char *rj = "{\"memory\":{\"swappiness\":200}}";
    berr_t *err = NULL;
    cleanup_oci_linux_resources oci_linux_resources *r
      = oci_linux_resources_parse_data (rj, strlen (rj), "r.json", &err);
    ok (r && oci_linux_resources_validate (r, "r.json", &err) < 0,
        "update --resources document is validated");
    is_str (err ? err->msg : NULL, "r.json: .memory.swappiness: 200 is outside 0..100",
            "paths start at the document");
    berr_clear (&err);
  }
}

int
main (void)
{
  test_top ();
  test_process ();
  test_namespaces_and_mappings ();
  test_mounts_time_net ();
  test_linux_paths ();
  test_seccomp_resources ();
  return tap_done ();
}
