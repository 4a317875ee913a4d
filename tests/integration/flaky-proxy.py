#!/usr/bin/env python3
"""A TCP proxy in front of a test registry that misbehaves on purpose.

  flaky-proxy.py LISTEN_PORT TARGET_PORT [--cut-after BYTES] [--cuts N]
                 [--rate BYTES_PER_S] [--log FILE]

--cut-after: close a connection once it has carried BYTES from the server
to the client, for the first N such connections (--cuts, default 1): a
dropped connection mid-blob.  --rate throttles server-to-client traffic.
Each cut is logged as one line "cut after BYTES"."""
import argparse
import asyncio

ap = argparse.ArgumentParser()
ap.add_argument("listen", type=int)
ap.add_argument("target", type=int)
ap.add_argument("--cut-after", type=int, default=0)
ap.add_argument("--cuts", type=int, default=1)
ap.add_argument("--rate", type=int, default=0)
ap.add_argument("--log", default="/dev/null")
a = ap.parse_args()
state = {"cuts": 0}


async def pipe(reader, writer, limit):
    sent = 0
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if limit and state["cuts"] < a.cuts and sent + len(data) > a.cut_after:
                writer.write(data[: max(0, a.cut_after - sent)])
                await writer.drain()
                state["cuts"] += 1
                with open(a.log, "a") as f:
                    f.write("cut after %d\n" % a.cut_after)
                break
            writer.write(data)
            await writer.drain()
            sent += len(data)
            if limit and a.rate:
                await asyncio.sleep(len(data) / a.rate)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(cr, cw):
    try:
        sr, sw = await asyncio.open_connection("127.0.0.1", a.target)
    except OSError:
        cw.close()
        return
    t1 = asyncio.create_task(pipe(cr, sw, False))
    t2 = asyncio.create_task(pipe(sr, cw, True))
    await asyncio.wait([t1, t2], return_when=asyncio.FIRST_COMPLETED)
    for t in (t1, t2):
        t.cancel()
    cw.close()
    sw.close()


async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", a.listen)
    async with srv:
        await srv.serve_forever()


asyncio.run(main())
