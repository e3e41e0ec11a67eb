"""The blocking client, `Client`, over `http.client` (a kept-alive connection per thread); the resources both
clients share."""

from __future__ import annotations

import http.client
import json
import os
import random
import select
import threading
import time
import urllib.parse
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

from ._sse import IDLE_TIMEOUT, Event, Reset, SSEDecoder, stream_query

JSON = Any
_IDEMPOTENT = ("GET", "HEAD", "PUT", "DELETE")


class TickwireError(Exception):
    """An error answer: `status` (HTTP), `code` and `message` from the stable error body."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class _Resource:
    """A group of calls. Each returns what `_call` returns: the answer with `Client`, a coroutine with
    `AsyncClient` (its `_send` is one)."""

    def __init__(self, client: Any):
        self._client = client

    def _call(self, method: str, path: str, body: JSON = None, pick: Optional[str] = None, **query: Any) -> Any:
        return self._client._send(method, path, body, query, pick=pick)


class Bots(_Resource):
    def list(self, **filters: Any) -> List[JSON]:
        return self._call("GET", "/api/v1/bots", pick="data", **filters)

    def get(self, bot_id: int) -> JSON:
        return self._call("GET", f"/api/v1/bots/{bot_id}")

    def create(self, name: str, ticker: str, exchange: str, strategy: str, config: Optional[Dict[str, JSON]] = None,
               status: Optional[str] = None) -> JSON:
        body = {"name": name, "ticker": ticker, "exchange": exchange, "strategy": strategy, "config": config or {}}
        if status:
            body["status"] = status
        return self._call("POST", "/api/v1/bots", body)

    def update(self, bot_id: int, **changes: Any) -> JSON:
        return self._call("PATCH", f"/api/v1/bots/{bot_id}", changes)

    def set_status(self, bot_id: int, status: str) -> JSON:
        return self.update(bot_id, status=status)

    def delete(self, bot_id: int) -> None:
        self._call("DELETE", f"/api/v1/bots/{bot_id}")

    def pnl(self, bot_id: int) -> JSON:
        return self._call("GET", f"/api/v1/bots/{bot_id}/pnl")

    def heartbeat(self, bot_id: int) -> JSON:
        return self._call("POST", f"/api/v1/bots/{bot_id}/heartbeat")

    def exit(self, bot_id: int, quantity: Optional[float] = None) -> JSON:
        return self._call("POST", f"/api/v1/bots/{bot_id}/exit", quantity=quantity)

    def equity(self, bot_id: int, points: int = 500) -> JSON:
        return self._call("GET", f"/api/v1/bots/{bot_id}/equity", pick="points", points=points)

    def stats(self, bot_id: int, interval: str = "1h") -> JSON:
        return self._call("GET", f"/api/v1/bots/{bot_id}/stats", interval=interval)


class Orders(_Resource):
    def place(self, bot_id: int, side: str, type: str = "market", quantity: float = 1,
              price: Optional[float] = None, exchange_order_id: Optional[str] = None) -> JSON:
        body: Dict[str, JSON] = {"side": side, "type": type, "quantity": quantity}
        if price is not None:
            body["price"] = price
        if exchange_order_id is not None:
            body["exchange_order_id"] = exchange_order_id
        return self._call("POST", f"/api/v1/bots/{bot_id}/orders", body)

    def get(self, order_id: int) -> JSON:
        return self._call("GET", f"/api/v1/orders/{order_id}")

    def list(self, bot_id: Optional[int] = None, status: Optional[str] = None, limit: int = 100) -> List[JSON]:
        return self._call("GET", "/api/v1/orders", pick="data", bot_id=bot_id, status=status, limit=limit)

    def fill(self, order_id: int, quantity: float, price: float, fee: Optional[float] = None) -> JSON:
        fill: Dict[str, JSON] = {"quantity": quantity, "price": price}
        if fee is not None:
            fill["fee"] = fee
        return self._call("PATCH", f"/api/v1/orders/{order_id}", {"fill": fill})

    def cancel(self, order_id: int) -> JSON:
        return self._call("PATCH", f"/api/v1/orders/{order_id}", {"status": "CANCELED"})


class Fills(_Resource):
    def list(self, bot_id: Optional[int] = None, limit: int = 100) -> List[JSON]:
        return self._call("GET", "/api/v1/fills", pick="data", bot_id=bot_id, limit=limit)


class Trades(_Resource):
    def list(self, bot_id: Optional[int] = None, open: Optional[bool] = None, limit: int = 100) -> List[JSON]:
        return self._call("GET", "/api/v1/trades", pick="data", bot_id=bot_id, open=open, limit=limit)


class Logs(_Resource):
    def write(self, bot_id: Optional[int], message: str, level: str = "INFO") -> JSON:
        return self._call("POST", "/api/v1/logs", {"bot_id": bot_id, "level": level, "message": message})

    def list(self, bot_id: Optional[int] = None, limit: int = 100) -> List[JSON]:
        return self._call("GET", "/api/v1/logs", pick="data", bot_id=bot_id, limit=limit)


class Prices(_Resource):
    def record(self, prices: Iterable[Dict[str, JSON]]) -> JSON:
        return self._call("POST", "/api/v1/prices", list(prices))

    def latest(self, ticker: Optional[str] = None) -> List[JSON]:
        return self._call("GET", "/api/v1/prices", pick="data", ticker=ticker)


class Models(_Resource):
    def list(self) -> List[JSON]:
        return self._call("GET", "/api/v1/models", pick="data")

    def get(self, model_id: int) -> JSON:
        return self._call("GET", f"/api/v1/models/{model_id}")

    def create(self, name: str, policy: str = "rule_based", config: Optional[Dict[str, JSON]] = None) -> JSON:
        return self._call("POST", "/api/v1/models", {"name": name, "policy": policy, "config": config or {}})

    def start(self, model_id: int) -> JSON:
        return self._call("POST", f"/api/v1/models/{model_id}/start")

    def stop(self, model_id: int) -> JSON:
        return self._call("POST", f"/api/v1/models/{model_id}/stop")

    def sessions(self, model_id: int) -> List[JSON]:
        return self._call("GET", f"/api/v1/models/{model_id}/sessions", pick="data")

    def portfolio(self, model_id: int) -> JSON:
        return self._call("GET", f"/api/v1/models/{model_id}/portfolio")


class Datasets(_Resource):
    def list(self) -> List[JSON]:
        return self._call("GET", "/api/v1/datasets", pick="data")

    def get(self, dataset_id: int) -> JSON:
        return self._call("GET", f"/api/v1/datasets/{dataset_id}")

    def upload(self, name: str, ticker: str, csv: str) -> JSON:
        """OHLCV bars as CSV (`date,open,high,low,close[,volume]`)."""
        return self._client._send("POST", "/api/v1/datasets", csv, {"name": name, "ticker": ticker},
                                  content_type="text/csv")

    def delete(self, dataset_id: int) -> None:
        return self._call("DELETE", f"/api/v1/datasets/{dataset_id}")


class Backtests(_Resource):
    def upload_dataset(self, name: str, ticker: str, csv: str) -> JSON:
        return self._client._send("POST", "/api/v1/datasets", csv, {"name": name, "ticker": ticker},
                                  content_type="text/csv")

    def submit(self, dataset_id: int, strategy: str, params: Optional[Dict[str, JSON]] = None, **options: Any) -> JSON:
        body = {"dataset_id": dataset_id, "strategy": strategy, "params": params or {}, **options}
        return self._call("POST", "/api/v1/backtests", body)

    def get(self, run_id: int) -> JSON:
        return self._call("GET", f"/api/v1/backtests/{run_id}")

    def list(self) -> List[JSON]:
        return self._call("GET", "/api/v1/backtests", pick="data")

    def wait(self, run_id: int, timeout: float = 120) -> JSON:
        """The run once it is completed, failed or cancelled: read again on each of its `backtests` events, followed
        from the position read before the run, so an end in between is not missed."""
        deadline = time.monotonic() + timeout
        since = self._client.head()
        run = self.get(run_id)
        if run["status"] in ("completed", "failed", "cancelled"):
            return run
        for event in self._client.events(["backtests"], since=since,
                                         timeout=max(1.0, deadline - time.monotonic())):
            if isinstance(event, Event) and isinstance(event.data, dict) and event.data.get("id") == run_id:
                if event.type in ("backtest_completed", "backtest_failed", "backtest_cancelled"):
                    return self.get(run_id)
            if time.monotonic() > deadline:
                break
        raise TimeoutError(f"backtest {run_id} did not finish within {timeout} s")


class Client:
    """A blocking client. `token` is an API key or an access token; both default to `TICKWIRE_URL` and
    `TICKWIRE_TOKEN`."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 30):
        self.url = (url or os.environ.get("TICKWIRE_URL") or "http://127.0.0.1:8080").rstrip("/")
        self.token = token or os.environ.get("TICKWIRE_TOKEN")
        self.timeout = timeout
        self._local = threading.local()
        self.bots = Bots(self)
        self.orders = Orders(self)
        self.fills = Fills(self)
        self.trades = Trades(self)
        self.logs = Logs(self)
        self.prices = Prices(self)
        self.models = Models(self)
        self.datasets = Datasets(self)
        self.backtests = Backtests(self)

    def request(self, method: str, path: str, body: JSON = None, query: Optional[Dict[str, Any]] = None,
                content_type: str = "application/json") -> JSON:
        """One call; raises `TickwireError` with the server's error body on an error status."""
        url, headers, data = _prepare(self.url, self.token, path, body, query, content_type)
        parts = urllib.parse.urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        while True:
            connection, reused = self._connection()
            try:
                connection.request(method, target, body=data, headers=headers)
                response = connection.getresponse()
                text = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection lost as it was used (the check in `_connection` catches most): again on a
                # new one if repeating the call cannot write twice.
                connection.close()
                self._local.connection = None
                if reused and method in _IDEMPOTENT:
                    continue
                raise
            except BaseException:
                connection.close()
                self._local.connection = None
                raise
            if response.will_close:
                connection.close()
                self._local.connection = None
            if response.status >= 400:
                raise _error(response.status, text)
            return json.loads(text) if text else None

    def _connection(self) -> tuple:
        """This thread's kept-alive connection (calls from several threads each get their own), and whether it
        served a call before."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            # A socket that is readable while idle has been closed by the server (its idle timeout): not reused.
            if connection.sock is not None and not select.select([connection.sock], [], [], 0)[0]:
                return connection, True
            connection.close()
        parts = urllib.parse.urlsplit(self.url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = kind(parts.hostname, parts.port, timeout=self.timeout)
        self._local.connection = connection
        return connection, False

    def head(self) -> str:
        """The log's newest event id: read it, then the state you need, then `events(since=...)` misses nothing."""
        return self.request("GET", "/api/v1/events/head")["event_id"]

    def _send(self, method: str, path: str, body: JSON, query: Optional[Dict[str, Any]], pick: Optional[str] = None,
              content_type: str = "application/json") -> JSON:
        answer = self.request(method, path, body, query, content_type)
        return answer[pick] if pick else answer

    def events(self, topics: List[str], bot_id: Optional[int] = None, ticker: Optional[str] = None,
               since: Optional[str] = None, timeout: Optional[float] = None,
               on_reconnect: Optional[Callable[[Exception], None]] = None) -> Iterator[Union[Event, Reset]]:
        """The events of `topics` from now (or after `since`), for ever (or until `timeout` seconds have passed).
        It reconnects after any failure with backoff and jitter and resumes after the last event it gave, so
        nothing is missed or repeated; a `Reset` says the position is gone."""
        stream = _EventStream(self, topics, bot_id, ticker, since)
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.5
        while deadline is None or time.monotonic() < deadline:
            try:
                for item in stream.read(deadline):
                    delay = 0.5
                    yield item
                if deadline is not None and time.monotonic() >= deadline:
                    return
            except TickwireError as error:
                if error.status in (400, 401, 403, 404):
                    raise
                if on_reconnect:
                    on_reconnect(error)
            except (OSError, http.client.HTTPException) as error:
                if on_reconnect:
                    on_reconnect(error)
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 30)


class _EventStream:
    """One subscription's position across connections."""

    def __init__(self, client: Client, topics: List[str], bot_id: Optional[int], ticker: Optional[str],
                 since: Optional[str]):
        self.client = client
        self.query = stream_query(topics, bot_id, ticker)
        self.decoder = SSEDecoder(since)

    def read(self, deadline: Optional[float]) -> Iterator[Union[Event, Reset]]:
        parsed = urllib.parse.urlsplit(self.client.url)
        connection_type = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
        remaining = None if deadline is None else max(0.1, deadline - time.monotonic())
        # A read that waits longer than the idle timeout means a dead connection.
        connection = connection_type(parsed.hostname, parsed.port, timeout=min(remaining or IDLE_TIMEOUT, IDLE_TIMEOUT))
        headers = {"Accept": "text/event-stream"}
        if self.client.token:
            headers["Authorization"] = f"Bearer {self.client.token}"
        if self.decoder.last_event_id is not None:
            headers["Last-Event-ID"] = self.decoder.last_event_id
        self.decoder.restart()
        try:
            connection.request("GET", (parsed.path or "") + "/api/v1/stream?" + urllib.parse.urlencode(self.query),
                               headers=headers)
            response = connection.getresponse()
            if response.status != 200:
                raise _error(response.status, response.read())
            while True:
                if deadline is not None and time.monotonic() >= deadline:
                    return
                try:
                    raw = response.readline()
                except TimeoutError:
                    if deadline is not None and time.monotonic() >= deadline:
                        return
                    raise
                if not raw:
                    raise ConnectionError("the stream ended")
                item = self.decoder.line(raw.decode("utf-8").rstrip("\r\n"))
                if item is not None:
                    yield item
        finally:
            connection.close()


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _error(status: int, body: bytes) -> TickwireError:
    try:
        error = json.loads(body)["error"]
        return TickwireError(status, error.get("code", "error"), error.get("message", ""))
    except (ValueError, KeyError, TypeError):
        return TickwireError(status, "error", body[:200].decode("utf-8", "replace"))


def _prepare(base: str, token: Optional[str], path: str, body: JSON, query: Optional[Dict[str, Any]],
             content_type: str) -> tuple:
    """The URL, headers and body bytes of one call (both clients)."""
    url = base + path
    params = {key: _query_value(value) for key, value in (query or {}).items() if value is not None}
    if params:
        url += "?" + urllib.parse.urlencode(params)
    data = None
    headers = {"Accept": "application/json"}
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return url, headers, data
