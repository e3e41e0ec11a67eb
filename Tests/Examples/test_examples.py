"""The examples under examples/, run against a real server (`tickwire serve --demo`, engine ticking)."""

import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Browser"))
from harness import API, Server  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class ExternalAgentExample(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.server.start()
        cls.alice = API(cls.server, "alice")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_the_example_agent_decides_for_a_model_until_its_session_completes(self):
        key = self.alice.call("POST", "/api/v1/keys", {"name": "agent"})["token"]
        model = self.alice.call("POST", "/api/v1/models", {
            "name": "Python agent", "policy": "external",
            "config": {"ticker": "BTC/USDT", "quantity": 0.01, "max_decisions": 6, "decision_interval_ms": 300}})
        self.alice.call("POST", f"/api/v1/models/{model['id']}/start")
        agent = subprocess.run(
            [sys.executable, os.path.join(ROOT, "examples", "agent", "agent.py"), "--url", self.server.url,
             "--key", key, "--models", str(model["id"]), "--decisions", "6"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(agent.returncode, 0, agent.stderr)
        self.assertEqual(agent.stdout.count("decision"), 6, agent.stdout)
        deadline = time.time() + 10
        while time.time() < deadline:
            sessions = self.alice.call("GET", f"/api/v1/models/{model['id']}/sessions")["data"]
            if sessions[0]["status"] != "running":
                break
            time.sleep(0.2)
        self.assertEqual(sessions[0]["status"], "completed")
        self.assertEqual(sessions[0]["decisions"], 6)
        events = self.alice.call("GET", f"/api/v1/models/{model['id']}/events?limit=100")["data"]
        trades = [event["data"] for event in events if event["type"] == "trade"]
        self.assertEqual(len(trades), 6)
        self.assertTrue(all(trade["message"].startswith("agent: ") for trade in trades), json.dumps(trades))
        complete = [event for event in events if event["type"] == "complete"][-1]
        self.assertEqual(complete["data"]["statistics"]["decisions"], 6)


if __name__ == "__main__":
    unittest.main()
