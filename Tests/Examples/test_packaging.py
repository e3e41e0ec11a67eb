"""The binary serves its dashboard wherever it is started: copied alone into an empty folder (the dashboard is built
into it), and from an install layout (`bin/tickwire` beside `share/tickwire/Public`, which then wins)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("TICKWIRE_BIN", os.path.join(ROOT, ".build", "debug", "tickwire"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_from(binary, folder):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "TICKWIRE_PUBLIC"}
    env["TICKWIRE_ADMIN_PASSWORD"] = "packaging-admin"
    process = subprocess.Popen([binary, "serve", "--no-engine", "--port", str(port), "--log-level", "warning"],
                               cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                return process, response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return process, error.code, error.read().decode()
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the server did not answer")


class Packaging(unittest.TestCase):
    def check(self, binary, folder, title="<title>Tickwire</title>"):
        process, status, body = serve_from(binary, folder)
        try:
            self.assertEqual(status, 200, body[:200])
            self.assertIn(title, body)
        finally:
            process.terminate()
            process.wait(10)

    def test_a_binary_copied_alone_serves_the_dashboard_built_into_it(self):
        with tempfile.TemporaryDirectory() as folder:
            binary = os.path.join(folder, "tickwire")
            shutil.copy2(BINARY, binary)
            data = os.path.join(folder, "data")
            os.makedirs(data)
            self.check(binary, data)
            # Every file of the checkout's dashboard, byte for byte, with its type and an ETag that revalidates.
            process, status, _ = serve_from(binary, data)
            try:
                port = process.args[process.args.index("--port") + 1]
                for path in ["js/app.js", "css/app.css", "js/pages/admin.js"]:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5) as response:
                        body = response.read()
                        etag = response.headers["ETag"]
                        kind = response.headers["Content-Type"]
                    with open(os.path.join(ROOT, "Public", path), "rb") as file:
                        self.assertEqual(body, file.read(), path)
                    self.assertTrue(kind.startswith("text/javascript") or kind.startswith("text/css"), kind)
                    request = urllib.request.Request(f"http://127.0.0.1:{port}/{path}",
                                                     headers={"If-None-Match": etag})
                    with self.assertRaises(urllib.error.HTTPError) as revalidated:
                        urllib.request.urlopen(request, timeout=5)
                    self.assertEqual(revalidated.exception.code, 304)
            finally:
                process.terminate()
                process.wait(10)

    def test_an_install_layout_carries_its_dashboard(self):
        with tempfile.TemporaryDirectory() as prefix:
            os.makedirs(os.path.join(prefix, "bin"))
            os.makedirs(os.path.join(prefix, "share", "tickwire"))
            binary = os.path.join(prefix, "bin", "tickwire")
            shutil.copy2(BINARY, binary)
            installed = os.path.join(prefix, "share", "tickwire", "Public")
            shutil.copytree(os.path.join(ROOT, "Public"), installed)
            # Marked, so that the test tells the installed copy from the checkout's.
            index = os.path.join(installed, "index.html")
            with open(index) as file:
                text = file.read().replace("<title>Tickwire</title>", "<title>Tickwire (installed)</title>")
            with open(index, "w") as file:
                file.write(text)
            data = os.path.join(prefix, "data")
            os.makedirs(data)
            self.check(binary, data, title="<title>Tickwire (installed)</title>")


if __name__ == "__main__":
    unittest.main()
