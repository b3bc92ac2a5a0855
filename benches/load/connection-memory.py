#!/usr/bin/env python3
"""Memory a server holds per open keep-alive connection.

Opens connections to a running server in steps, sends one outline request on each (and
reads the whole answer), keeps them all open and idle, and prints the server's resident
memory after each step. The slope between two steps is the memory one idle keep-alive
connection costs, without the work of requests in flight.

Usage: connection-memory.py HOST PORT SERVER_PID TOKENS STEPS
  TOKENS  a tokens file of `lms-load tokens` ("TOKEN COURSE_ID ..." per line), or "-"
          for a server that needs no token (the baseline)
  STEPS   connection counts, e.g. 2500,5000,10000 (the descriptor limit must allow them)
"""

import asyncio
import sys


def memory_kb(pid):
    """VmRSS, RssAnon and RssFile of a process, in kB."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, value = line.split(":", 1)
            if key in ("VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0])
    return fields


async def open_one(host, port, token, course, connections):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"GET /api/v1/courses/{course}/progress HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"unexpected answer: {head[:80]!r}")
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    await reader.readexactly(length)
    connections.append(writer)


async def main():
    host, port, pid, tokens_path, steps = sys.argv[1:6]
    if tokens_path == "-":
        tokens = [("-", "00000000-0000-0000-0000-000000000000")]
    else:
        with open(tokens_path) as lines:
            tokens = [tuple(line.split()[:2]) for line in lines if line.strip()]
    connections = []
    previous = (0, memory_kb(pid))
    print(f"connections {0:>6}  {previous[1]}")
    for target in (int(step) for step in steps.split(",")):
        while len(connections) < target:
            batch = range(len(connections), min(target, len(connections) + 200))
            await asyncio.gather(
                *(open_one(host, int(port), *tokens[i % len(tokens)], connections) for i in batch)
            )
        await asyncio.sleep(2)
        now = memory_kb(pid)
        per_connection = (now["RssAnon"] - previous[1]["RssAnon"]) * 1024 / (target - previous[0])
        print(f"connections {target:>6}  {now}  {per_connection / 1024:.1f} KiB anonymous a connection since the last step")
        previous = (target, now)


if __name__ == "__main__":
    asyncio.run(main())
