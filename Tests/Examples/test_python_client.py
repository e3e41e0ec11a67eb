"""The Python client (clients/python) and the example bot built on it, against a real server."""

import json
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Browser"))
from harness import API, Server  # noqa: E402
from tickwire_client import Client, Event, Reset, TickwireError  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class PythonClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.server.start()
        key = API(cls.server, "alice").call("POST", "/api/v1/keys", {"name": "python client"})["token"]
        cls.client = Client(cls.server.url, key)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_1_rest_calls_for_bots_orders_fills_trades_and_logs(self):
        client = self.client
        bot = client.bots.create(name="py rest", ticker="XRP/USDT", exchange="binance", strategy="manual")
        self.assertEqual(client.bots.get(bot["id"])["name"], "py rest")
        order = client.orders.place(bot["id"], side="buy", type="limit", quantity=2, price=0.5)
        client.orders.fill(order["id"], quantity=2, price=0.5, fee=0.01)
        self.assertEqual(client.orders.get(order["id"])["status"], "FILLED")
        sell = client.orders.place(bot["id"], side="sell", type="market", quantity=2)
        client.orders.fill(sell["id"], quantity=2, price=0.6)
        self.assertEqual(len(client.fills.list(bot_id=bot["id"])), 2)
        trades = client.trades.list(bot_id=bot["id"])
        self.assertEqual(len(trades), 1)
        self.assertAlmostEqual(trades[0]["pnl"], 0.19)
        client.logs.write(bot["id"], "hello from python")
        self.assertIn("hello from python", [log["message"] for log in client.logs.list(bot_id=bot["id"])])
        self.assertEqual(client.bots.pnl(bot["id"])["trade_count"], 1)
        with self.assertRaises(TickwireError) as refused:
            client.orders.place(bot["id"], side="sell", type="market", quantity=1)
        self.assertEqual((refused.exception.status, refused.exception.code), (422, "short_not_allowed"))
        with self.assertRaises(TickwireError) as missing:
            client.bots.get(999999)
        self.assertEqual(missing.exception.status, 404)

    def test_2_a_stream_survives_a_restart_without_loss_or_repeat(self):
        bot = self.client.bots.create(name="py stream", ticker="ADA/USDT", exchange="binance", strategy="manual")
        received, reconnects = [], []

        def follow():
            for event in self.client.events(["logs"], bot_id=bot["id"], timeout=40,
                                            on_reconnect=lambda error: reconnects.append(error)):
                if isinstance(event, Event) and event.type == "log_created":
                    received.append(event.data["message"])
                    if len(received) == 10:
                        return

        thread = threading.Thread(target=follow, daemon=True)
        thread.start()
        time.sleep(0.5)
        for i in range(5):
            self.client.logs.write(bot["id"], f"line {i}")
        deadline = time.time() + 5
        while len(received) < 5 and time.time() < deadline:
            time.sleep(0.05)
        self.server.kill()
        self.server.start()
        for i in range(5, 10):
            self.client.logs.write(bot["id"], f"line {i}")
        thread.join(40)
        self.assertEqual(received, [f"line {i}" for i in range(10)])
        self.assertGreaterEqual(len(reconnects), 1, "the restart was seen and survived")

    def test_2b_the_swift_sdk_stream_survives_a_restart_too(self):
        # `tickwire tail` is the Swift SDK's event stream on a terminal: kill -9 the server under it.
        bot = self.client.bots.create(name="swift stream", ticker="ATOM/USDT", exchange="binance", strategy="manual")
        since = self.client.request("GET", "/api/v1/events/head")["event_id"]
        env = dict(os.environ, TICKWIRE_URL=self.server.url, TICKWIRE_TOKEN=self.client.token)
        tail = subprocess.Popen([self.server.binary, "tail", "--topics", "logs", "--bot-id", str(bot["id"]), "--since",
                                 since, "--json", "--count", "10"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        for i in range(5):
            self.client.logs.write(bot["id"], f"swift {i}")
        time.sleep(1)
        self.server.kill()
        self.server.start()
        for i in range(5, 10):
            self.client.logs.write(bot["id"], f"swift {i}")
        out, err = tail.communicate(timeout=60)
        self.assertEqual(tail.returncode, 0, err)
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([line["data"]["message"] for line in lines], [f"swift {i}" for i in range(10)],
                         "each once, in order, across the kill -9")

    def test_2c_datasets_and_backtests_sync_and_async(self):
        import asyncio
        from tickwire_client import AsyncClient

        rows = ["date,open,high,low,close,volume"]
        for day in range(200):
            price = 100 + 10 * ((day // 15) % 2) + day * 0.05
            rows.append(f"2024-{1 + day // 28:02d}-{1 + day % 28:02d},{price},{price + 1},{price - 1},{price},1000")
        dataset = self.client.datasets.upload("py bars", "PYB", "\n".join(rows))
        self.assertEqual(dataset["bar_count"], 200)
        self.assertIn(dataset["id"], [d["id"] for d in self.client.datasets.list()])
        run = self.client.backtests.submit(dataset["id"], "sma", {"fast": 3, "slow": 9})
        done = self.client.backtests.wait(run["id"], timeout=60)
        self.assertEqual(done["status"], "completed", done)
        self.assertIn("return_pct", done["result"]["stats"])

        async def scenario():
            client = AsyncClient(self.client.url, self.client.token)
            submitted = await client.backtests.submit(dataset["id"], "sma", {"fast": 4, "slow": 12})
            return await client.backtests.wait(submitted["id"], timeout=60)

        self.assertEqual(asyncio.run(scenario())["status"], "completed")
        self.client.datasets.delete(dataset["id"])
        with self.assertRaises(TickwireError) as gone:
            self.client.datasets.get(dataset["id"])
        self.assertEqual(gone.exception.status, 404)

    def test_3_a_position_that_is_gone_is_a_reset(self):
        items = []
        for item in self.client.events(["logs"], since="999999999", timeout=3):
            items.append(item)
            break
        self.assertTrue(items and isinstance(items[0], Reset), items)

    def test_4_the_async_client(self):
        import asyncio
        import threading
        from tickwire_client import AsyncClient

        async def scenario():
            client = AsyncClient(self.client.url, self.client.token, idle_timeout=1)
            threads = threading.active_count()
            bot = await client.bots.create(name="py async", ticker="DOT/USDT", exchange="binance", strategy="manual")
            since = (await client.request("GET", "/api/v1/bots/page"))["event_id"]
            reconnects = []

            async def logs(count):
                messages = []
                async for event in client.events(["logs"], bot_id=bot["id"], since=since, timeout=20,
                                                 on_reconnect=reconnects.append):
                    if isinstance(event, Event) and event.type == "log_created":
                        messages.append(event.data["message"])
                        if len(messages) == count:
                            return messages

            follower = asyncio.create_task(logs(2))
            await client.logs.write(bot["id"], "async hello")
            # Silent for longer than the idle timeout (no event, no heartbeat within it): dropped, reopened, resumed.
            await asyncio.sleep(2.5)
            await client.logs.write(bot["id"], "after the silence")
            messages = await asyncio.wait_for(follower, 20)
            self.assertEqual(threading.active_count(), threads, "the async client started threads")
            calls = client._pool.opened
            for _ in range(20):
                await client.bots.get(bot["id"])
            self.assertLessEqual(client._pool.opened - calls, 1, "sequential calls reuse one kept-alive connection")
            self.assertEqual(await client.logs.list(bot_id=bot["id"]), await client.logs.list(bot_id=bot["id"]))
            with self.assertRaises(TickwireError) as refused:
                await client.orders.place(bot["id"], side="sell", quantity=-1)
            self.assertIn(refused.exception.status, (400, 422))
            return messages, reconnects

        messages, reconnects = asyncio.run(scenario())
        self.assertEqual(messages, ["async hello", "after the silence"], "each once, in order")
        self.assertTrue(reconnects and all("silent" in str(error) for error in reconnects), reconnects)

    def test_5_the_example_bot_trades_and_logs_through_the_client(self):
        run = subprocess.run(
            [sys.executable, os.path.join(ROOT, "examples", "python-bot", "bot.py"), "--url", self.server.url,
             "--key", self.client.token, "--ticker", "BTC/USDT", "--fast", "2", "--slow", "4", "--prices", "30"],
            capture_output=True, text=True, timeout=90)
        self.assertEqual(run.returncode, 0, run.stderr)
        bot_id = int(run.stdout.split()[1])
        logs = [log["message"] for log in self.client.logs.list(bot_id=bot_id)]
        self.assertTrue(any(message.startswith("python bot: started") for message in logs), logs)
        self.assertTrue(any("crossed" in message for message in logs), logs)
        orders = self.client.orders.list(bot_id=bot_id)
        self.assertGreaterEqual(len(orders), 1)
        self.assertTrue(any(order["status"] == "FILLED" for order in orders), orders)
        self.assertEqual(self.client.bots.get(bot_id)["status"], "STOPPED")


if __name__ == "__main__":
    unittest.main()
