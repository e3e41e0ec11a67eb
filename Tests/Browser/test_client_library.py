"""Public/js/tickwire.js tested in Chromium: client/tickwire.test.js drives the library through fake browser APIs.

Served by a small static server over Public/ and this folder (ES modules do not load from file:// URLs).
"""

import functools
import http.server
import os
import threading
import unittest

import time

from harness import API, ROOT, Server, browser, wait

HERE = os.path.dirname(os.path.abspath(__file__))


class Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path):
        if path.startswith("/client/"):
            return os.path.join(HERE, path.lstrip("/").split("?")[0])
        return os.path.join(ROOT, "Public", path.lstrip("/").split("?")[0])

    def log_message(self, *args):
        pass


class ClientLibrary(unittest.TestCase):
    def test_tickwire_js(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        driver = browser()
        try:
            driver.get(f"http://127.0.0.1:{server.server_address[1]}/client/index.html")
            results = wait(driver, lambda d: d.execute_script("return window.testResults"), timeout=20,
                           message="the client tests did not finish")
            for result in results:
                print(f"\n  {'ok  ' if result['ok'] else 'FAIL'} {result['name']}", end="")
            failures = [f"{r['name']}: {r['error']}" for r in results if not r["ok"]]
            self.assertEqual(failures, [])
            self.assertGreaterEqual(len(results), 12)
        finally:
            driver.quit()
            server.shutdown()


class StreamTokenRenewal(unittest.TestCase):
    """The library on another page's terms: no session cookie, an API key as bearer and stream tokens for the SSE URL,
    against a real server whose stream tokens last 3 s. The stream is reopened with a fresh token before each one
    expires, and every event arrives once, in order."""

    def test_stream_tokens_are_renewed_before_they_expire(self):
        server = Server("--stream-token-seconds", "3")
        server.start()
        driver = browser()
        try:
            alice = API(server, "alice")
            key = alice.call("POST", "/api/v1/keys", {"name": "page"})["token"]
            bot = alice.call("POST", "/api/v1/bots", {"name": "renewed", "ticker": "LTC/USDT", "exchange": "binance",
                                                      "strategy": "manual"})
            driver.get(server.url + "/")
            driver.execute_script(f"""
                window.received = [];
                import("/js/tickwire.js").then(({{ TickwireClient, streamTokenFrom }}) => {{
                  const bearer = async () => "{key}";
                  const client = new TickwireClient({{
                    topics: ["logs"], bearer, streamToken: streamTokenFrom("", bearer),
                  }});
                  client.on("log_created", (event) => {{
                    if (event.data.bot_id === {bot["id"]}) window.received.push(event.data.message);
                  }});
                  client.addEventListener("unauthorized", () => window.signedOut = true);
                  window.renewing = client;
                  client.start();
                }});
            """)
            wait(driver, lambda d: d.execute_script("return window.renewing && window.renewing.state") == "live",
                 timeout=10, message="the stream did not open with a stream token")
            for i in range(9):
                alice.call("POST", "/api/v1/logs", {"bot_id": bot["id"], "level": "INFO", "message": f"r{i}"})
                time.sleep(1)
            wait(driver, lambda d: len(d.execute_script("return window.received")) == 9, timeout=10,
                 message="events were lost across the renewals")
            self.assertEqual(driver.execute_script("return window.received"), [f"r{i}" for i in range(9)])
            stats = driver.execute_script("return window.renewing.stats")
            self.assertGreaterEqual(stats["tokens"], 3, stats)
            self.assertFalse(driver.execute_script("return window.signedOut === true"))
        finally:
            driver.quit()
            server.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
