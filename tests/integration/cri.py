#!/usr/bin/python3
"""A minimal Kubernetes CRI client (runtime.v1.RuntimeService) for
containerd.bats: what a kubelet asks of containerd to run one pod, without
crictl (not in Debian 12).  The few messages it needs are encoded and
decoded by hand (protobuf wire format, field numbers from the CRI's
api.proto); gRPC comes from Debian's python3-grpcio.

  cri.py SOCKET up HANDLER IMAGE CGROUP_PARENT MEMORY_LIMIT
      RunPodSandbox (host network, the given runtime handler), then
      CreateContainer + StartContainer of `/probe signal-wait` in it with
      the memory limit, then ExecSync of a shell command; prints one JSON
      object: sandbox, container, state, exec (stdout, stderr, exit_code).
  cri.py SOCKET down SANDBOX CONTAINER
      StopContainer (SIGTERM, 10 s), ContainerStatus, RemoveContainer,
      StopPodSandbox, RemovePodSandbox; prints state and exit_code.
"""

import json
import sys
import time

import grpc

SERVICE = "/runtime.v1.RuntimeService/"
NODE = 2  # NamespaceMode: the host's namespace


def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, value):
    """One field: int -> varint, str/bytes -> length-delimited, list -> repeated."""
    if isinstance(value, list):
        return b"".join(field(num, v) for v in value)
    if isinstance(value, bool) or isinstance(value, int):
        return varint(num << 3) + varint(int(value))
    if isinstance(value, str):
        value = value.encode()
    return varint(num << 3 | 2) + varint(len(value)) + value


def msg(*fields):
    """A message from (number, value) pairs; None values are left out."""
    return b"".join(field(n, v) for n, v in fields if v is not None)


def parse(data):
    """A message as {number: [values]}: ints for varints, bytes otherwise."""
    out, i = {}, 0
    while i < len(data):
        key, i = read_varint(data, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            val, i = read_varint(data, i)
        elif wire == 2:
            n, i = read_varint(data, i)
            val, i = data[i : i + n], i + n
        elif wire == 1:
            val, i = data[i : i + 8], i + 8
        elif wire == 5:
            val, i = data[i : i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wire)
        out.setdefault(num, []).append(val)
    return out


def read_varint(data, i):
    n = shift = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def first(m, num, default=None):
    return m.get(num, [default])[0]


class Runtime:
    def __init__(self, sock):
        self.channel = grpc.insecure_channel("unix://" + sock)

    def call(self, method, request, timeout=120):
        return parse(self.channel.unary_unary(SERVICE + method)(request, timeout=timeout))


def sandbox_config(cgroup_parent):
    ns = msg((1, NODE), (2, 0), (3, 0))  # network from the host, pid and ipc of the pod
    security = msg((1, ns))
    linux = msg((1, cgroup_parent), (2, security))
    metadata = msg((1, "berth-pod"), (2, "berth-pod-uid"), (3, "default"), (4, 0))
    # no hostname: like the kubelet's for a pod on the host's network (the
    # pod shares the host's UTS namespace, where a runtime may not set one)
    return msg((1, metadata), (8, linux))


def up(rt, handler, image, cgroup_parent, memory):
    sandbox_cfg = sandbox_config(cgroup_parent)
    sandbox = first(rt.call("RunPodSandbox", msg((1, sandbox_cfg), (2, handler))), 1).decode()
    resources = msg((4, int(memory)))
    config = msg(
        (1, msg((1, "probe"), (2, 0))),
        (2, msg((1, image))),
        (3, ["/probe", "signal-wait"]),
        (15, msg((1, resources))),
    )
    container = first(rt.call("CreateContainer", msg((1, sandbox), (2, config), (3, sandbox_cfg))), 1).decode()
    rt.call("StartContainer", msg((1, container)))
    script = "echo exec via CRI; cat /sys/fs/cgroup/memory.max; exit 6"
    ex = rt.call("ExecSync", msg((1, container), (2, ["sh", "-c", script]), (3, 60)))
    status = parse(first(rt.call("ContainerStatus", msg((1, container))), 1, b""))
    return {
        "sandbox": sandbox,
        "container": container,
        "state": first(status, 3, 0),
        "exec": {
            "stdout": first(ex, 1, b"").decode(),
            "stderr": first(ex, 2, b"").decode(),
            "exit_code": first(ex, 3, 0),
        },
    }


def down(rt, sandbox, container):
    start = time.monotonic()
    rt.call("StopContainer", msg((1, container), (2, 10)))
    stop_seconds = round(time.monotonic() - start, 1)
    status = parse(first(rt.call("ContainerStatus", msg((1, container))), 1, b""))
    rt.call("RemoveContainer", msg((1, container)))
    rt.call("StopPodSandbox", msg((1, sandbox)))
    rt.call("RemovePodSandbox", msg((1, sandbox)))
    return {"state": first(status, 3, 0), "exit_code": first(status, 7, 0), "stop_seconds": stop_seconds}


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    rt = Runtime(argv[1])
    try:
        if argv[2] == "up" and len(argv) == 7:
            out = up(rt, *argv[3:])
        elif argv[2] == "down" and len(argv) == 5:
            out = down(rt, *argv[3:])
        else:
            sys.exit(__doc__)
    except grpc.RpcError as e:
        sys.exit("cri: %s: %s" % (e.code().name, e.details()))
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
