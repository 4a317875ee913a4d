/* berth - fault injection for tests: die by SIGKILL at a named point.
 *
 * Code marks the steps after which an interruption must leave a consistent
 * state (state directory written, mounts made, process forked, blob renamed)
 * with fault_point ("create.state-written").  Normally a point costs one
 * branch.  Two environment variables, read once per process, drive tests:
 *
 *   BERTH_FAULT_LOG=FILE   append one line "PID NAME" to FILE for every point
 *                          reached (O_APPEND, so parents and children can
 *                          share it): how a test enumerates the points of a
 *                          command before killing at each in turn.
 *   BERTH_FAULT_AT=NAME    raise SIGKILL at the first point called NAME this
 *                          process reaches; NAME:K at its K-th occurrence;
 *                          a number N at the N-th point of any name.
 *
 * Both variables are inherited by berth's and img's own child processes
 * (their counts start afresh after exec), never by a container's process,
 * whose environment comes from config.json.  They kill only the process that
 * reads them, so honouring them always (not just in test builds) gives no one
 * a power they did not have: whoever sets berth's environment can kill it. */
#ifndef BERTH_FAULT_H
#define BERTH_FAULT_H

void fault_point (const char *name);

#endif
