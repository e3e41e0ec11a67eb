"""What an operator of a PostgreSQL cluster reads: which node runs the engine (`/ready`), the takeover when it dies,
and the database's figures at `/metrics` (reads, write transactions and their batches, the write queue, the pool)."""

import glob
import json
import os
import signal
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Browser"))
from harness import ROOT, free_port  # noqa: E402

ADMIN_URL = os.environ.get("TICKWIRE_TEST_POSTGRES_URL")
PASSWORD = "cluster-admin-password"


def call(url, method="GET", body=None, token=None):
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
        return json.loads(text) if response.headers.get_content_type() == "application/json" else text


class Node:
    def __init__(self, database, folder):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        binary = os.environ.get("TICKWIRE_BIN", os.path.join(ROOT, ".build", "debug", "tickwire"))
        self.log = open(os.path.join(folder, f"node-{self.port}.log"), "ab")
        self.process = subprocess.Popen(
            [binary, "serve", "--port", str(self.port), "--database", database, "--tick-interval", "250",
             "--log-level", "warning"],
            env=dict(os.environ, TICKWIRE_ADMIN_PASSWORD=PASSWORD), stdout=self.log, stderr=self.log)

    def ready(self):
        try:
            return call(self.url + "/ready")
        except (urllib.error.URLError, ConnectionError, OSError):
            return None

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(15)
        self.log.close()


def eventually(condition, timeout, message):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(message)


@unittest.skipUnless(ADMIN_URL, "TICKWIRE_TEST_POSTGRES_URL is not set")
class ClusterOperations(unittest.TestCase):
    def setUp(self):
        self.folder = os.path.join(ROOT, ".build", "cluster-test")
        os.makedirs(self.folder, exist_ok=True)
        name = f"tw_cluster_{os.getpid()}"
        self.psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
        self.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.sql(f"CREATE DATABASE {name}")
        self.database = urllib.parse.urlunparse(urllib.parse.urlparse(ADMIN_URL)._replace(path="/" + name))
        self.name = name
        self.nodes = []

    def tearDown(self):
        for node in self.nodes:
            node.stop(signal.SIGKILL)
        self.sql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")

    def sql(self, statement):
        subprocess.run([self.psql, ADMIN_URL, "-qc", statement], check=True,
                       env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"))

    def start(self):
        node = Node(self.database, self.folder)
        self.nodes.append(node)
        eventually(node.ready, 60, "the node did not become ready")
        return node

    def test_ready_names_the_engine_node_and_the_takeover(self):
        first = self.start()
        lease = lambda node: ((node.ready() or {}).get("checks", {}).get("engine", {})).get("lease")
        eventually(lambda: lease(first) == "this_node", 20, "the first node did not take the engine lease")
        second = self.start()
        engine = eventually(lambda: lease(second) == "other_node" and second.ready()["checks"]["engine"], 10,
                            "the second node does not see the first run the engine")
        self.assertTrue(engine["ok"])
        self.assertGreater(engine["holder"]["database_session"], 0)
        first.stop(signal.SIGKILL)
        eventually(lambda: lease(second) == "this_node", 30, "the second node did not take the engine over")

    def test_database_figures_at_metrics_after_traffic(self):
        node = self.start()
        token = call(node.url + "/api/v1/auth/login", "POST", {"username": "admin", "password": PASSWORD})[
            "access_token"]
        bot = call(node.url + "/api/v1/bots", "POST", {"name": "m", "ticker": "M/USDT", "exchange": "binance",
                                                       "strategy": "manual"}, token)
        for index in range(20):
            call(node.url + "/api/v1/logs", "POST", {"bot_id": bot["id"], "level": "INFO", "message": f"l{index}"},
                 token)
            call(node.url + f"/api/v1/bots/{bot['id']}", token=token)
        text = call(node.url + "/metrics", token=token)
        samples = {}
        for line in text.splitlines():
            if line.startswith("tickwire_db_") and 'store="postgres"' in line:
                name, value = line.rsplit(" ", 1)
                samples[name] = float(value)
        count = lambda metric: sum(v for k, v in samples.items() if k.startswith(metric + "_count"))
        self.assertGreaterEqual(count("tickwire_db_read_seconds"), 20, sorted(samples)[:40])
        self.assertGreaterEqual(count("tickwire_db_write_seconds"), 20)
        self.assertGreaterEqual(count("tickwire_db_write_batch_commands"), 20)
        self.assertGreaterEqual(count("tickwire_db_pool_wait_seconds"), 40)
        self.assertIn('tickwire_db_write_queue_depth{store="postgres"}', samples)
        self.assertIn('tickwire_db_pool_connections_in_use{store="postgres"}', samples)
        self.assertIn("tickwire_backtest_queue_depth 0", text)
        self.assertIn("tickwire_backtest_jobs_running 0", text)


if __name__ == "__main__":
    unittest.main()
