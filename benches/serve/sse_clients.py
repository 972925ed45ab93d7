"""Holds N Server-Sent Events streams open on a cifra server and counts what arrives.

Usage: python3 sse_clients.py HOST PORT N SECONDS
Prints one line: streams opened, streams still open at the end, events received.
Standard library only (asyncio), so the load generator needs nothing installed.
"""
import asyncio
import sys


async def client(host, port, stats, stop):
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        stats["failed"] += 1
        return
    writer.write(
        f"GET /api/v1/events?entries=false HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    stats["opened"] += 1
    try:
        while not stop.is_set():
            line = await reader.readline()
            if not line:
                break
            if line.startswith(b"id:"):
                stats["events"] += 1
    except (asyncio.CancelledError, ConnectionError):
        pass
    finally:
        if not stop.is_set():
            stats["dropped"] += 1
        writer.close()


async def main(host, port, n, seconds):
    stats = {"opened": 0, "failed": 0, "dropped": 0, "events": 0}
    stop = asyncio.Event()
    tasks = [asyncio.create_task(client(host, port, stats, stop)) for _ in range(n)]
    await asyncio.sleep(seconds)
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    open_at_end = stats["opened"] - stats["dropped"]
    print(
        f"sse: {stats['opened']} streams opened ({stats['failed']} failed), "
        f"{open_at_end} open at the end, {stats['events']} events received"
    )


if __name__ == "__main__":
    host, port, n, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    asyncio.run(main(host, port, n, seconds))
