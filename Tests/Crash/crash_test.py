#!/usr/bin/env python3
"""kill -9 under load: what was acknowledged survives, the event log has no gap or duplicate, and a subscriber
that resumes from its last id receives every acknowledged event exactly once.

    crash_test.py TICKWIRE_BINARY DATABASE PORT

DATABASE is a SQLite file path or a postgres:// URL. Writers post orders and log lines as fast as they can; the
server is killed with SIGKILL while they write, then started again on the same database. Prints its figures and
exits 1 on any loss, gap or duplicate.
"""
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

BINARY, DATABASE, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
WRITERS, LOAD_SECONDS = 6, 3.0
ENV = dict(os.environ, TICKWIRE_ADMIN_PASSWORD="crash-test-admin")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def start_server():
    process = subprocess.Popen(
        [BINARY, "serve", "--port", str(PORT), "--database", DATABASE, "--no-engine", "--log-level", "error",
         "--api-key-rate", "1000000"], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/ready")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not become ready")


def call(connection, method, path, token, body=None):
    headers = {"Authorization": "Bearer " + token}
    if body is not None:
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"null")


class Subscriber(threading.Thread):
    """Reads an SSE stream from `since` and keeps (id, topic, resource id) of every event."""

    def __init__(self, token, since):
        super().__init__(daemon=True)
        self.token, self.since, self.events, self.ended = token, since, [], threading.Event()
        self.ready = threading.Event()

    def run(self):
        try:
            sock = socket.create_connection(("127.0.0.1", PORT))
            self.sock = sock
            resume = f"Last-Event-ID: {self.since}\r\n" if self.since > 0 else ""
            request = (f"GET /api/v1/stream?topics=orders,logs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       f"Authorization: Bearer {self.token}\r\n{resume}Accept: text/event-stream\r\n\r\n")
            sock.sendall(request.encode())
            buffer = b""
            self.ready.set()
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buffer += chunk
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    self.parse(block.decode(errors="replace"))
        except OSError:
            pass
        finally:
            self.ended.set()

    def parse(self, block):
        event_id, data = None, None
        for line in block.split("\n"):
            line = line.strip("\r")
            # Chunked transfer encoding puts size lines between blocks: only id and data lines count.
            if line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                data = line[6:]
        if event_id is None or data is None or not event_id.isdigit():
            return
        try:
            envelope = json.loads(data)
        except ValueError:
            return
        payload = envelope.get("data", envelope) if isinstance(envelope, dict) else {}
        if isinstance(payload, dict) and "id" in payload:
            self.events.append((int(event_id), envelope.get("topic"), payload["id"]))

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass


def event_ids():
    if DATABASE.startswith("postgres"):
        psql = sorted(p for p in os.popen("ls /usr/lib/postgresql/*/bin/psql").read().split())[-1]
        output = subprocess.run([psql, DATABASE, "-At", "-c", "SELECT id FROM events ORDER BY id"],
                                capture_output=True, text=True, check=True).stdout
        return [int(line) for line in output.split()]
    with sqlite3.connect(DATABASE) as db:
        return [row[0] for row in db.execute("SELECT id FROM events ORDER BY id")]


def main():
    server = start_server()
    token = subprocess.run([BINARY, "tokens", "create", "--database", DATABASE, "--user", "admin", "--name", "crash"],
                           env=ENV, capture_output=True, text=True, check=True).stdout.strip().split()[-1]
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    status, bot = call(connection, "POST", "/api/v1/bots", token,
                       {"name": "crash", "ticker": "BTC/USDT", "exchange": "external", "strategy": "manual"})
    assert status == 201, (status, bot)
    subscriber = Subscriber(token, 0)
    subscriber.start()
    subscriber.ready.wait(5)

    acknowledged = {"orders": set(), "logs": set()}
    lock = threading.Lock()
    stop = threading.Event()
    attempts = [0]

    def writer(number):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        index = 0
        while not stop.is_set():
            index += 1
            try:
                if index % 2:
                    status, body = call(connection, "POST", f"/api/v1/bots/{bot['id']}/orders", token,
                                        {"side": "buy", "type": "limit", "quantity": 1, "price": 100 + number})
                    kind = "orders"
                else:
                    status, body = call(connection, "POST", "/api/v1/logs", token,
                                        {"bot_id": bot["id"], "level": "INFO", "message": f"writer {number} #{index}"})
                    kind = "logs"
            except (OSError, http.client.HTTPException, ValueError):
                return  # the server died under this request: not acknowledged
            with lock:
                attempts[0] += 1
                if 200 <= status < 300:
                    acknowledged[kind].add(body["id"])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    # The subscriber leaves half way (a dropped connection) and resumes only after the restart, from its last id.
    time.sleep(LOAD_SECONDS / 2)
    subscriber.close()
    time.sleep(LOAD_SECONDS / 2)
    server.send_signal(signal.SIGKILL)
    killed_at = time.time()
    server.wait()
    stop.set()
    for thread in threads:
        thread.join()
    subscriber.ended.wait(5)
    before = list(subscriber.events)
    last_id = max((event[0] for event in before), default=0)

    server = start_server()
    restart_seconds = time.time() - killed_at
    try:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        lost = {"orders": 0, "logs": 0}
        for order in acknowledged["orders"]:
            status, _ = call(connection, "GET", f"/api/v1/orders/{order}", token)
            lost["orders"] += status != 200
        stored_logs, cursor = set(), None
        while True:
            path = f"/api/v1/logs?bot_id={bot['id']}&limit=500" + (f"&cursor={cursor}" if cursor else "")
            status, page = call(connection, "GET", path, token)
            stored_logs |= {line["id"] for line in page["data"]}
            cursor = page.get("next_cursor")
            if not cursor:
                break
        lost["logs"] = len(acknowledged["logs"] - stored_logs)
        check(lost == {"orders": 0, "logs": 0}, f"acknowledged writes lost: {lost}")

        ids = event_ids()
        check(len(ids) == len(set(ids)), "duplicate event ids in the log")
        check(ids == list(range(ids[0], ids[0] + len(ids))), "a gap in the event log")

        resumed = Subscriber(token, last_id)
        resumed.start()
        expected = {("orders", o) for o in acknowledged["orders"]} | {("logs", l) for l in acknowledged["logs"]}
        deadline = time.time() + 20
        while time.time() < deadline:
            seen = {(topic, rid) for _, topic, rid in before + resumed.events}
            if expected <= seen:
                break
            time.sleep(0.1)
        resumed.close()
        resumed.ended.wait(5)
        delivered = before + resumed.events
        event_list = [event[0] for event in delivered]
        check(event_list == sorted(set(event_list)), "an event delivered twice or out of order across the restart")
        seen = {(topic, rid) for _, topic, rid in delivered}
        missing = expected - seen
        check(not missing, f"{len(missing)} acknowledged writes never delivered")
        store = "PostgreSQL" if DATABASE.startswith("postgres") else "SQLite"
        print(f"crash test ({store}): {attempts[0]} writes answered in {LOAD_SECONDS:.0f} s by {WRITERS} writers; "
              f"{len(acknowledged['orders'])} orders and {len(acknowledged['logs'])} log lines acknowledged, "
              f"lost {lost}; {len(ids)} events in the log, contiguous and unique: {not failures}; "
              f"{len(before)} events read before the kill, {len(resumed.events)} after resuming from {last_id}, "
              f"{len(missing)} missing; restart to ready in {restart_seconds:.1f} s")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
    sys.exit(1 if failures else 0)


main()
