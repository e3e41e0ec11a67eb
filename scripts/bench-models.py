#!/usr/bin/env python3
"""Trading models on a fresh release server (SQLite, engine ticking every 20 ms): decisions per second with 100
built-in models running (each trading through its own bot), and the round trip of an external agent's decision on
loopback (the `agent_ms` each `trade` event carries: from the request leaving the server to its answer arriving),
with one model and with 20 models served by one agent. Results go in BENCHMARKS.md.

    swift build -c release && scripts/bench-models.py [--models 100] [--seconds 20]
"""
import argparse
import json
import os
import sys
import threading
import time

from benchlib import Client, percentile, start_server
from websockets.sync.client import connect



def decisions(client, ids):
    return sum(client.ok("GET", f"/api/v1/models/{i}/sessions?limit=1")["data"][0]["decisions"] for i in ids)


def agent(port, token, models, stop):
    """Answers every request at once (hold), until `stop` is set."""
    with connect(f"ws://127.0.0.1:{port}/api/v1/ws/agent",
                 additional_headers={"Authorization": f"Bearer {token}"}) as socket:
        socket.send(json.dumps({"type": "serve", "models": models}))
        while not stop.is_set():
            try:
                message = json.loads(socket.recv(timeout=0.5))
            except TimeoutError:
                continue
            if message.get("type") == "decision_request":
                socket.send(json.dumps({"type": "decision", "request_id": message["request_id"], "action": "hold",
                                        "reason": "bench"}))


def agent_round_trips(client, port, token, count, seconds):
    ids = [client.ok("POST", "/api/v1/models", {
        "name": f"external {i}", "policy": "external",
        "config": {"ticker": "BTC/USDT", "decision_interval_ms": 100, "max_decisions": 10000}})["id"]
        for i in range(count)]
    stop = threading.Event()
    thread = threading.Thread(target=agent, args=(port, token, ids, stop), daemon=True)
    thread.start()
    for i in ids:
        client.ok("POST", f"/api/v1/models/{i}/start")
    time.sleep(seconds)
    for i in ids:
        client.ok("POST", f"/api/v1/models/{i}/stop")
    stop.set()
    thread.join(5)
    latencies = []
    for i in ids:
        events = client.ok("GET", f"/api/v1/models/{i}/events?limit=1000")["data"]
        latencies += [e["data"]["agent_ms"] for e in events if e["type"] == "trade" and "agent_ms" in e["data"]]
    return latencies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    arguments = parser.parse_args()
    port = 18977
    server, token = start_server(port, "--tick-interval", "20", "--api-key-rate", "100000")
    try:
        client = Client(port, token)
        print(f"machine: {os.cpu_count()} cores; engine tick 20 ms; decision interval 100 ms")

        ids = [client.ok("POST", "/api/v1/models", {
            "name": f"model {i}", "policy": ["rule_based", "momentum", "mean_reversion"][i % 3],
            "config": {"ticker": "BTC/USDT", "quantity": 0.001, "decision_interval_ms": 100, "max_decisions": 10000,
                       "lookback": 2, "threshold": 0.01, "period": 10}})["id"] for i in range(arguments.models)]
        for i in ids:
            client.ok("POST", f"/api/v1/models/{i}/start")
        time.sleep(3)
        before, started = decisions(client, ids), time.monotonic()
        time.sleep(arguments.seconds)
        after, elapsed = decisions(client, ids), time.monotonic() - started
        fills = sum(len(client.ok("GET", f"/api/v1/models/{i}/trades?limit=500")["data"]) for i in ids)
        for i in ids:
            client.ok("POST", f"/api/v1/models/{i}/stop")
        rate = (after - before) / elapsed
        print(f"{arguments.models} built-in models: {rate:.0f} decisions/s ({rate / arguments.models:.2f} per model;"
              f" the ceiling is {min(10, 50) * arguments.models} at one per 100 ms), {fills} round trips so far")

        for count in (1, 20):
            latencies = agent_round_trips(client, port, token, count, arguments.seconds / 2)
            print(f"external agent, {count} model(s): {len(latencies)} decisions, agent_ms p50 "
                  f"{percentile(latencies, 0.5):.2f}, p99 {percentile(latencies, 0.99):.2f}, max {max(latencies):.2f}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
