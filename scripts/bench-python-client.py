#!/usr/bin/env python3
"""The Python client on a fresh release server (SQLite, no engine): sequential `bots.get` calls per second with
`Client` and `AsyncClient`, each on its kept-alive connections and with a new connection per call (the pool held
at zero), on loopback. Needs `pip install ./clients/python`. Results go in BENCHMARKS.md."""

import argparse
import asyncio
import os
import time

from benchlib import start_server
from tickwire_client import AsyncClient, Client


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
    port = 18978
    server, token = start_server(port, "--no-engine", "--api-key-rate", "1000000")
    try:
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
