"""What the browser tests share: a real Tickwire server process, a REST client and a headless Chromium."""

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCREENSHOTS = os.environ.get("TICKWIRE_SCREENSHOTS", os.path.join(ROOT, "artifacts", "screenshots"))
DEMO_PASSWORD = "tickwire-demo"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`tickwire serve --demo` on a private database and port; stop (SIGKILL or SIGTERM) and start again."""

    def __init__(self, *extra):
        self.binary = os.environ.get("TICKWIRE_BIN", os.path.join(ROOT, ".build", "debug", "tickwire"))
        self.folder = tempfile.mkdtemp(prefix="tickwire-browser-")
        self.database = os.path.join(self.folder, "tickwire.db")
        self.port = free_port()
        self.extra = list(extra)
        self.process = None
        self.log = open(os.path.join(self.folder, "server.log"), "ab")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, *flags):
        env = dict(os.environ, TICKWIRE_ADMIN_PASSWORD="browser-admin-password")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--demo", "--port", str(self.port), "--database", self.database,
             "--public-directory", os.path.join(ROOT, "Public"), "--tick-interval", "250", "--log-level", "notice",
             *self.extra, *flags],
            cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tickwire exited with {self.process.returncode}; see {self.folder}/server.log")
            try:
                with urllib.request.urlopen(self.url + "/ready", timeout=1) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
        raise RuntimeError("tickwire did not become ready")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


class API:
    """REST calls as one user, with the access token the login returns."""

    def __init__(self, server, username, password=DEMO_PASSWORD):
        self.server = server
        self.token = self.call("POST", "/api/v1/auth/login", {"username": username, "password": password},
                               auth=False)["access_token"]

    def call(self, method, path, body=None, auth=True):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.server.url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return json.loads(text) if text else None


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)


def wait(driver, condition, timeout=10, message=""):
    return WebDriverWait(driver, timeout, poll_frequency=0.02).until(lambda d: condition(d), message)


def login(driver, server, username, password=DEMO_PASSWORD, query="", expect="live", before_submit=None):
    """Signs in through the form at `/{query}#/bots` and waits for the connection badge to show `expect`."""
    driver.get(server.url + "/" + query + "#/bots")
    wait(driver, lambda d: d.find_elements(By.ID, "username"))
    if before_submit:
        before_submit(driver)
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    wait(driver, lambda d: badge(d) == expect, timeout=20, message=f"the connection never showed {expect}")


def badge(driver):
    return driver.find_element(By.ID, "connection").get_attribute("data-state")


def screenshot(driver, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SCREENSHOTS, f"{name}.png"))


def page_errors(driver):
    """Console errors other than the expected 401 of the first `/auth/me` and failed stream attempts."""
    ignored = ("/api/v1/auth/me", "/api/v1/stream", "ERR_CONNECTION_REFUSED", "net::ERR", "503")
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and not any(text in entry["message"] for text in ignored)]
