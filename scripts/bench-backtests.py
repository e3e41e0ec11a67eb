#!/usr/bin/env python3
"""Backtests through the API on a fresh release server (SQLite, no engine): a cached answer's latency, runs per
second through the queue, and REST latency with every worker busy against idle. Results go in BENCHMARKS.md.

    swift build -c release && scripts/bench-backtests.py [--workers 2]
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
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


class Client:
    def __init__(self, port, token):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token

    def call(self, method, path, body=None, content_type="application/json"):
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = content_type
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)

    def timed(self, method, path, body=None):
        started = time.perf_counter()
        status, reply = self.call(method, path, body)
        return (time.perf_counter() - started) * 1000, status, reply


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
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="tickwire-bench-backtests-")
    database = os.path.join(folder, "bench.db")
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
        print(f"machine: {os.cpu_count()} cores; server with {args.workers} backtest workers")

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

        idle = rest_latencies()
        status, big = client.call("POST", "/api/v1/datasets?name=minutes&ticker=SYN", synthetic_csv(300_000), "text/csv")
        assert status == 201, big
        for index in range(2 * args.workers):
            status, _ = client.call("POST", "/api/v1/sweeps", {
                "dataset_id": big["id"], "strategy": "sma", "grid": {"fast": list(range(2, 12)), "slow": [40 + index]},
                "maximize": "return_pct"})
            assert status == 202, status
        time.sleep(0.3)
        busy = rest_latencies()
        _, runs = client.call("GET", "/api/v1/backtests?limit=1000")
        running = sum(1 for run in runs["data"] if run["status"] in ("running", "queued"))
        print(f"GET /api/v1/strategies, 1,000 sequential: idle p50 {percentile(idle, 0.5):.2f} ms p99 "
              f"{percentile(idle, 0.99):.2f} ms; with the queue full ({running} sweeps of 10 x 300,000 bars waiting "
              f"or running) p50 {percentile(busy, 0.5):.2f} ms p99 {percentile(busy, 0.99):.2f} ms")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
