#!/usr/bin/env python3
"""Backtests through the API on a fresh release server (SQLite, no engine): a cached answer's latency, runs per
second through the queue, and REST latency with every worker busy against idle. Results go in BENCHMARKS.md.

    swift build -c release && scripts/bench-backtests.py [--workers 2] [--postgres postgres://user:pw@host:port/db]
"""
import argparse
import http.client
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import Client, percentile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class StreamProbe:
    """An SSE client on the `logs` topic: how long a log written through the API takes to reach it."""

    def __init__(self, port, token):
        self.arrivals = {}
        self.ready = threading.Event()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/api/v1/stream?topics=logs", headers={"Authorization": f"Bearer {token}"})
        self.response = connection.getresponse()
        assert self.response.status == 200, self.response.status
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        self.ready.set()
        while True:
            line = self.response.readline()
            if not line:
                return
            if line.startswith(b"data:") and b"probe-" in line:
                tag = line.split(b"probe-")[1].split(b'"')[0].decode()
                self.arrivals[tag] = time.perf_counter()

    def latencies(self, client, bot_id, count=500):
        """Writes `count` logs 10 ms apart; the milliseconds from each POST's start to its event's arrival."""
        sent = {}
        for index in range(count):
            tag = f"{time.monotonic_ns()}-{index}"
            sent[tag] = time.perf_counter()
            status, _ = client.call("POST", "/api/v1/logs", {"bot_id": bot_id, "level": "INFO", "message": f"probe-{tag}"})
            assert status == 201, status
            time.sleep(0.01)
        deadline = time.time() + 10
        while len([t for t in sent if t in self.arrivals]) < count and time.time() < deadline:
            time.sleep(0.01)
        missing = [t for t in sent if t not in self.arrivals]
        assert not missing, f"{len(missing)} events never arrived"
        return [(self.arrivals[t] - sent[t]) * 1000 for t in sent]


def synthetic_csv(bars):
    lines = ["time,open,high,low,close,volume"]
    price = 100.0
    for index in range(bars):
        price *= 1 + 0.01 * math.sin(index / 50) + 0.0001 * math.sin(index / 7)
        lines.append(f"{1_600_000_000_000 + index * 60_000},{price},{price * 1.001},{price * 0.999},{price},1")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "tickwire"))
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--port", type=int, default=18620)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server: run on a fresh database there "
                                           "instead of SQLite (e.g. from scripts/postgres.sh start)")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="tickwire-bench-backtests-")
    database = os.path.join(folder, "bench.db")
    scratch = None
    if args.postgres:
        scratch = f"tickwire_bench_{os.getpid()}"
        subprocess.check_call(["psql", args.postgres, "-qc", f"CREATE DATABASE {scratch}"])
        database = args.postgres.rsplit("/", 1)[0] + "/" + scratch
    env = dict(os.environ, TICKWIRE_ADMIN_PASSWORD="bench-admin-pw")
    server = subprocess.Popen(
        [args.binary, "serve", "--port", str(args.port), "--database", database, "--no-engine", "--log-level", "error",
         "--api-key-rate", "1000000", "--backtest-workers", str(args.workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        token = subprocess.check_output(
            [args.binary, "tokens", "create", "--database", database, "--user", "admin", "--name", "bench"],
            text=True).strip()
        client = Client(args.port, token)
        print(f"machine: {os.cpu_count()} cores; server with {args.workers} backtest workers on "
              f"{'PostgreSQL' if scratch else 'SQLite'}")

        status, dataset = client.call("POST", "/api/v1/datasets?name=daily&ticker=SYN", synthetic_csv(2_500), "text/csv")
        assert status == 201, dataset

        # Runs per second through the API: 200 distinct configurations, submitted at once, until all completed.
        configurations = [{"fast": fast, "slow": slow} for fast in range(2, 22) for slow in range(30, 40)]
        started = time.perf_counter()
        last = None
        for params in configurations:
            status, reply = client.call("POST", "/api/v1/backtests", {
                "dataset_id": dataset["id"], "strategy": "sma", "params": params, "commission": 0.002})
            assert status == 202, status
            last = reply["id"]
        # Workers take the oldest first: the last one submitted completes last.
        while client.call("GET", f"/api/v1/backtests/{last}")[1]["status"] != "completed":
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        print(f"through the API: {len(configurations)} backtests of 2,500 bars in {elapsed:.2f} s = "
              f"{len(configurations) / elapsed:.0f} backtests/s (submit, queue, run, store, completed)")

        # A configuration that already ran: answered from the store.
        body = {"dataset_id": dataset["id"], "strategy": "sma", "params": configurations[0], "commission": 0.002}
        latencies = []
        payload = json.dumps(body)
        for _ in range(2_000):
            started = time.perf_counter()
            client.connection.request("POST", "/api/v1/backtests", body=payload, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = client.connection.getresponse()
            data = response.read()  # read whole, not parsed: the client's JSON parsing is not the server's latency
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status == 200 and b'"cached":true' in data[:400], response.status
        print(f"cached answer (POST, 2,000 sequential, {len(data) // 1024} KiB result included): p50 {percentile(latencies, 0.5):.2f} ms, "
              f"p99 {percentile(latencies, 0.99):.2f} ms")

        # REST latency idle, then with every worker busy on long sweeps.
        def rest_latencies(count=1_000):
            return [client.timed("GET", "/api/v1/strategies")[0] for _ in range(count)]

        _, bot = client.call("POST", "/api/v1/bots", {"name": "probe", "ticker": "SYN", "exchange": "binance",
                                                      "strategy": "manual"})
        probe = StreamProbe(args.port, token)
        probe.ready.wait(5)
        time.sleep(0.2)
        writer = Client(args.port, token)
        idle = rest_latencies()
        idle_stream = probe.latencies(writer, bot["id"])
        status, big = client.call("POST", "/api/v1/datasets?name=minutes&ticker=SYN", synthetic_csv(300_000), "text/csv")
        assert status == 201, big
        sweeps = 4 * args.workers
        for index in range(sweeps):
            status, _ = client.call("POST", "/api/v1/sweeps", {
                "dataset_id": big["id"], "strategy": "sma", "grid": {"fast": list(range(2, 22)), "slow": [40 + index]},
                "maximize": "return_pct"})
            assert status == 202, status
        time.sleep(0.3)
        busy = rest_latencies()
        busy_stream = probe.latencies(writer, bot["id"])
        _, runs = client.call("GET", "/api/v1/backtests?limit=1000")
        running = sum(1 for run in runs["data"] if run["status"] in ("running", "queued"))
        print(f"GET /api/v1/strategies, 1,000 sequential: idle p50 {percentile(idle, 0.5):.2f} ms p99 "
              f"{percentile(idle, 0.99):.2f} ms; with the queue full ({running} of {sweeps} sweeps of 20 x 300,000 "
              f"bars waiting or running) p50 {percentile(busy, 0.5):.2f} ms p99 {percentile(busy, 0.99):.2f} ms")
        print(f"POST /api/v1/logs to its SSE event, 500 at 100/s: idle p50 {percentile(idle_stream, 0.5):.2f} ms "
              f"p99 {percentile(idle_stream, 0.99):.2f} ms; with the queue full p50 "
              f"{percentile(busy_stream, 0.5):.2f} ms p99 {percentile(busy_stream, 0.99):.2f} ms")
        _, runs = client.call("GET", "/api/v1/backtests?limit=1000")
        still = sum(1 for run in runs["data"] if run["status"] in ("running", "queued"))
        print(f"sweeps still waiting or running after both measurements: {still}")
    finally:
        server.terminate()
        server.wait(10)
        if scratch:
            subprocess.call(["psql", args.postgres, "-qc", f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"])


if __name__ == "__main__":
    sys.exit(main())
