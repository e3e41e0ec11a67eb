"""Public/js/tickwire.js tested in Chromium: client/tickwire.test.js drives the library through fake browser APIs.

Served by a small static server over Public/ and this folder (ES modules do not load from file:// URLs).
"""

import functools
import http.server
import os
import threading
import unittest

from harness import ROOT, browser, wait

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
