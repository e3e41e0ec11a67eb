"""The binary serves its dashboard wherever it is started: from an empty folder (it finds the checkout it was built
from), and from an install layout (`bin/tickwire` beside `share/tickwire/Public`) with no checkout in sight."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
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

    def test_started_from_an_empty_folder(self):
        with tempfile.TemporaryDirectory() as folder:
            self.check(BINARY, folder)

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
