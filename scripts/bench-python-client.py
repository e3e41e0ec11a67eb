#!/usr/bin/env python3
"""The Python client on a fresh release server (SQLite, no engine): sequential `bots.get` calls per second with
`Client` and `AsyncClient`, each on its kept-alive connections and with a new connection per call (the pool held
at zero), on loopback. Needs `pip install ./clients/python`. Results go in BENCHMARKS.md."""

import argparse
import asyncio
import http.client
import os
import subprocess
import tempfile
import time

from tickwire_client import AsyncClient, Client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sync_calls(url, token, count):
    client = Client(url, token)
    bot = client.bots.create(name="sync", ticker="P/USDT", exchange="x", strategy="manual")
    for _ in range(50):
        client.bots.get(bot["id"])
    started = time.perf_counter()
    for _ in range(count):
        client.bots.get(bot["id"])
    return count / (time.perf_counter() - started)


async def async_calls(url, token, count, pool):
    client = AsyncClient(url, token)
    client._pool.size = pool
    bot = await client.bots.create(name=f"async {pool}", ticker="P/USDT", exchange="x", strategy="manual")
    for _ in range(50):
        await client.bots.get(bot["id"])
    started = time.perf_counter()
    for _ in range(count):
        await client.bots.get(bot["id"])
    rate = count / (time.perf_counter() - started)
    client.close()
    return rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    arguments = parser.parse_args()
    binary = os.path.join(ROOT, ".build", "release", "tickwire")
    folder = tempfile.mkdtemp(prefix="tickwire-bench-python-")
    database = os.path.join(folder, "bench.db")
    port = 18978
    env = dict(os.environ, TICKWIRE_ADMIN_PASSWORD="bench-admin-password")
    server = subprocess.Popen(
        [binary, "serve", "--port", str(port), "--database", database, "--no-engine", "--log-level", "warning",
         "--api-key-rate", "1000000"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("GET", "/ready")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        token = subprocess.check_output(
            [binary, "tokens", "create", "--database", database, "--user", "admin", "--name", "bench"], text=True).strip()
        url = f"http://127.0.0.1:{port}"
        print(f"machine: {os.cpu_count()} cores; {arguments.calls} sequential GET /api/v1/bots/{{id}} per run")
        print(f"Client (kept alive):            {sync_calls(url, token, arguments.calls):8.0f} calls/s")
        print(f"AsyncClient (kept alive):       {asyncio.run(async_calls(url, token, arguments.calls, 8)):8.0f} calls/s")
        print(f"AsyncClient (connection a call): {asyncio.run(async_calls(url, token, arguments.calls, 0)):8.0f} calls/s")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
