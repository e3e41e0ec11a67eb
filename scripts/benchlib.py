"""What the Python benchmark scripts share: percentiles and a keep-alive JSON client for one server."""

import http.client
import json
import time


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
