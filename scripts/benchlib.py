"""What the Python benchmark scripts share: a fresh release server, percentiles and a keep-alive JSON client."""

import http.client
import json
import os
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_server(port, *flags):
    """`tickwire serve` (release build) on a fresh SQLite file with `flags`, ready; returns the process and an admin
    API key. The caller terminates it."""
    binary = os.path.join(ROOT, ".build", "release", "tickwire")
    database = os.path.join(tempfile.mkdtemp(prefix="tickwire-bench-"), "bench.db")
    env = dict(os.environ, TICKWIRE_ADMIN_PASSWORD="bench-admin-password")
    server = subprocess.Popen(
        [binary, "serve", "--port", str(port), "--database", database, "--log-level", "warning", *flags],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    return server, token


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


class Client:
    def __init__(self, port, token):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token

    def call(self, method, path, body=None, content_type="application/json"):
        """`(status, decoded body)`."""
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = content_type
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)

    def ok(self, method, path, body=None):
        """The decoded body of a call that must succeed."""
        status, reply = self.call(method, path, body)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {reply}")
        return reply

    def timed(self, method, path, body=None):
        started = time.perf_counter()
        status, reply = self.call(method, path, body)
        return (time.perf_counter() - started) * 1000, status, reply
