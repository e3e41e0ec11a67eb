"""What an operator reads from a running server: HTTP metrics by route after traffic, and readiness by dependency."""

import json
import os
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Browser"))
from harness import API, Server  # noqa: E402


class Operations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_http_requests_are_counted_and_timed_by_route_and_status(self):
        alice = API(self.server, "alice")
        for _ in range(3):
            alice.call("GET", "/api/v1/bots")
        request = urllib.request.Request(self.server.url + "/metrics")
        request.add_header("Authorization", f"Bearer {API(self.server, 'ops').token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
        lines = [line for line in text.splitlines() if "/api/v1/bots" in line and not line.startswith("#")]
        # Hummingbird's MetricsMiddleware: a counter and a duration histogram per route pattern, method and status.
        self.assertTrue(any(line.startswith("hb_requests") and 'http_response_status_code="200"' in line
                            and line.endswith(" 3") for line in lines), "\n".join(lines[:20]) or text[:2000])
        self.assertTrue(any(line.startswith("http_server_request_duration_count") and line.endswith(" 3")
                            for line in lines), "\n".join(lines[:20]))
        self.assertIn("tickwire_hub_events_published_total", text)
        self.assertIn("tickwire_engine_tick_seconds_count", text, "the engine's tick durations")
        self.assertIn("tickwire_model_sessions_running", text)
        # The database: reads and shared write transactions timed, their batch sizes, the commands waiting.
        for metric in ("tickwire_db_read_seconds_count", "tickwire_db_write_seconds_count",
                       "tickwire_db_write_batch_commands_count", "tickwire_db_write_queue_depth"):
            self.assertTrue(any(line.startswith(metric + '{store="sqlite"}') for line in text.splitlines()), metric)
        self.assertIn("tickwire_backtest_queue_depth", text)

    def test_tickwire_tail_follows_topics_from_the_terminal(self):
        alice = API(self.server, "alice")
        key = alice.call("POST", "/api/v1/keys", {"name": "tail"})["token"]
        bot = alice.call("POST", "/api/v1/bots", {"name": "tailed", "ticker": "LTC/USDT", "exchange": "binance",
                                                  "strategy": "manual"})
        env = dict(os.environ, TICKWIRE_URL=self.server.url, TICKWIRE_TOKEN=key)
        tail = subprocess.Popen([self.server.binary, "tail", "--topics", "logs", "--bot-id", str(bot["id"]), "--json",
                                 "--count", "3"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        for i in range(3):
            alice.call("POST", "/api/v1/logs", {"bot_id": bot["id"], "level": "INFO", "message": f"tailed {i}"})
        out, err = tail.communicate(timeout=20)
        self.assertEqual(tail.returncode, 0, err)
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([line["data"]["message"] for line in lines], ["tailed 0", "tailed 1", "tailed 2"])
        self.assertEqual({line["type"] for line in lines}, {"log_created"})
        # From a position: what followed the first line, again, as text.
        replay = subprocess.run([self.server.binary, "tail", "--url", self.server.url, "--token", key, "--topics",
                                 "logs", "--bot-id", str(bot["id"]), "--since", lines[0]["id"], "--count", "2"],
                                capture_output=True, text=True, timeout=20)
        self.assertEqual(replay.returncode, 0, replay.stderr)
        self.assertEqual(len(replay.stdout.splitlines()), 2)
        self.assertIn("tailed 1", replay.stdout.splitlines()[0])

    def test_datasets_and_backtests_from_the_command_line(self):
        key = API(self.server, "alice").call("POST", "/api/v1/keys", {"name": "cli"})["token"]
        env = dict(os.environ, TICKWIRE_URL=self.server.url, TICKWIRE_TOKEN=key)
        csv = os.path.join(self.server.folder, "bars.csv")
        with open(csv, "w") as file:
            file.write("date,open,high,low,close,volume\n")
            for day in range(120):
                price = 100 + (day % 20) - (10 if day % 40 >= 20 else 0)
                file.write(f"2024-01-01T00:00:00Z,{price},{price + 1},{price - 1},{price},1000\n".replace(
                    "2024-01-01", f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}"))
        run = lambda *args: subprocess.run([self.server.binary, *args], env=env, capture_output=True, text=True,
                                           timeout=60)
        uploaded = run("datasets", "upload", "--name", "cli bars", "--ticker", "CLI", csv)
        self.assertEqual(uploaded.returncode, 0, uploaded.stderr)
        dataset = json.loads(uploaded.stdout)
        self.assertEqual(dataset["bar_count"], 120)
        listed = json.loads(run("datasets", "list").stdout)
        self.assertIn(dataset["id"], [d["id"] for d in listed["data"]])
        submitted = run("backtests", "submit", "--dataset", str(dataset["id"]), "--strategy", "sma",
                        "--param", "fast=3", "--param", "slow=8", "--wait")
        self.assertEqual(submitted.returncode, 0, submitted.stderr)
        result = json.loads(submitted.stdout)
        self.assertEqual(result["status"], "completed", result)
        self.assertIn("stats", result["result"])
        self.assertEqual(json.loads(run("backtests", "get", str(result["id"])).stdout)["id"], result["id"])
        refused = run("backtests", "submit", "--dataset", str(dataset["id"]), "--strategy", "nope")
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("unknown strategy", refused.stderr)

    def test_readiness_reports_each_dependency(self):
        with urllib.request.urlopen(self.server.url + "/ready", timeout=10) as response:
            body = json.loads(response.read())
        self.assertEqual(body["status"], "ready")
        self.assertTrue(body["checks"]["database"]["ok"])
        self.assertTrue(body["checks"]["hub"]["ok"])
        self.assertIn("agents_connected", body["checks"]["engine"])


if __name__ == "__main__":
    unittest.main()
