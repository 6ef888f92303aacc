#!/usr/bin/env python3
"""Credential flood against the release showcase (`examples/secure_api`).

Starts the showcase (or targets a running one with --pid), then for
--seconds keeps --connections keep-alive connections from 127.0.0.1 sending
`GET /secure-data` with `Authorization: Basic` for an unknown user, as fast
as the server answers. Meanwhile it samples the server's memory and threads
from /proc/<pid>/status and, from another loopback address (127.0.0.2, in a
separate process so the flood's event loop does not delay it), times
`GET /health` and a valid `POST /token` (admin / admin-pass) on fresh
connections.

    cargo build --release --example secure_api
    python3 benches/flood/flood.py

Linux only (/proc, the 127.0.0.0/8 loopback). Only the standard library.
"""

import argparse
import asyncio
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def status_of(pid):
    """VmRSS, VmHWM (peak resident) in KiB and the thread count."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    kib = lambda name: int(fields[name].split()[0])
    return kib("VmRSS"), kib("VmHWM"), int(fields["Threads"])


async def read_response(reader):
    """Reads one HTTP/1.1 response; returns its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    close = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    if length:
        await reader.readexactly(length)
    return status, close


async def flooder(host, port, source, deadline, counts):
    credentials = base64.b64encode(b"nobody-at-all:wrong-password").decode()
    request = (
        f"GET /secure-data HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Basic {credentials}\r\n\r\n"
    ).encode()
    while time.monotonic() < deadline:
        writer = None
        try:
            reader, writer = await asyncio.open_connection(
                host, port, local_addr=(source, 0)
            )
            while time.monotonic() < deadline:
                writer.write(request)
                await writer.drain()
                remaining = deadline - time.monotonic()
                status, close = await asyncio.wait_for(
                    read_response(reader), max(remaining, 0.01)
                )
                counts[status] = counts.get(status, 0) + 1
                if close:
                    break
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError):
            # A request cut short by the end of the flood is no error.
            if time.monotonic() < deadline:
                counts["error"] = counts.get("error", 0) + 1
            await asyncio.sleep(0.01)
        finally:
            if writer is not None:
                writer.close()


async def sampler(pid, deadline, samples):
    while time.monotonic() < deadline:
        try:
            samples.append(status_of(pid))
        except OSError:
            return
        await asyncio.sleep(0.05)


async def flood(args, pid):
    counts = {}
    samples = []
    start = time.monotonic()
    deadline = start + args.seconds
    probe = subprocess.Popen(
        [
            sys.executable,
            os.path.abspath(__file__),
            "--probe",
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--seconds",
            str(args.seconds),
        ],
        stdout=subprocess.PIPE,
    )
    tasks = [
        asyncio.create_task(flooder(args.host, args.port, "127.0.0.1", deadline, counts))
        for _ in range(args.connections)
    ]
    tasks.append(asyncio.create_task(sampler(pid, deadline + 0.5, samples)))
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - start
    probes = json.loads(probe.communicate(timeout=60)[0])
    return counts, samples, elapsed, probes


def timed(host, port, request):
    """Sends `request` from 127.0.0.2 on a fresh connection; (status, seconds)."""
    started = time.perf_counter()
    with socket.create_connection((host, port), timeout=30, source_address=("127.0.0.2", 0)) as conn:
        conn.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        status = int(data.split(b" ", 2)[1]) if data else 0
    return status, time.perf_counter() - started


def probe(args):
    """Times /health and /token from 127.0.0.2 while the flood runs."""
    health = (f"GET /health HTTP/1.1\r\nHost: {args.host}\r\nConnection: close\r\n\r\n").encode()
    form = b"grant_type=password&username=admin&password=admin-pass"
    token = (
        f"POST /token HTTP/1.1\r\nHost: {args.host}\r\nConnection: close\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\n\r\n"
    ).encode() + form
    results = {"health": [], "token": []}
    time.sleep(min(1.0, args.seconds / 4))  # let the flood build up
    deadline = time.monotonic() + args.seconds - 1.5
    while time.monotonic() < deadline:
        for name, request in (("health", health), ("token", token)):
            try:
                results[name].append(timed(args.host, args.port, request))
            except OSError as error:
                results[name].append((f"error: {error}", 30.0))
        time.sleep(0.25)
    json.dump(results, sys.stdout)


def summary(name, results):
    seconds = [elapsed for _, elapsed in results]
    statuses = {}
    for status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    if not seconds:
        return f"{name}: no probe completed"
    return (
        f"{name}: {len(seconds)} probes, statuses {statuses}, "
        f"median {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/examples/secure_api"))
    parser.add_argument("--pid", type=int, help="target a running showcase with this pid instead of starting one")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--connections", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args)
        return

    server = None
    pid = args.pid
    if pid is None:
        env = dict(os.environ, SECURE_API_ADDR=f"{args.host}:{args.port}", RUST_LOG="error")
        env.pop("REDIS_URL", None)
        server = subprocess.Popen([args.binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pid = server.pid
        for _ in range(300):
            try:
                socket.create_connection((args.host, args.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            server.kill()
            sys.exit("the showcase did not start listening")
    try:
        before = status_of(pid)
        counts, samples, elapsed, probes = asyncio.run(flood(args, pid))
        time.sleep(1.0)
        after = status_of(pid)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    answered = sum(count for status, count in counts.items() if status != "error")
    peak_hwm = max([hwm for _, hwm, _ in samples] + [after[1]])
    peak_threads = max(threads for _, _, threads in samples) if samples else after[2]
    print(f"flood: {args.connections} connections from 127.0.0.1 for {elapsed:.1f} s, Basic for an unknown user")
    print(f"  answers: {dict(sorted(counts.items(), key=str))} ({answered / elapsed:.0f}/s)")
    print(f"  resident memory: {before[0] / 1024:.0f} MiB before, peak (VmHWM) {peak_hwm / 1024:.0f} MiB, {after[0] / 1024:.0f} MiB 1 s after")
    print(f"  threads: {before[2]} before, peak {peak_threads}")
    print("from 127.0.0.2 during the flood:")
    print("  " + summary("GET /health", probes["health"]))
    print("  " + summary("POST /token", probes["token"]))


if __name__ == "__main__":
    main()
