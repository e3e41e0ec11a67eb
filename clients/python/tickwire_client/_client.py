"""The client: `Client` (blocking) and `AsyncClient` (asyncio), over `urllib` and `http.client`."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Dict, Iterable, Iterator, List, Optional, Union

JSON = Any


class TickwireError(Exception):
    """An error answer: `status` (HTTP), `code` and `message` from the stable error body."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Event:
    """One event of the log: `id` orders every event of the server."""

    id: str
    topic: str
    type: str
    timestamp: str
    data: JSON


@dataclass(frozen=True)
class Reset:
    """The position asked for is gone (pruned, or from another database): refetch your snapshot, then go on."""

    reason: str
    last_event_id: str


class _Resource:
    def __init__(self, client: "Client"):
        self._client = client

    def _call(self, method: str, path: str, body: JSON = None, **query: Any) -> JSON:
        return self._client.request(method, path, body, query)


class Bots(_Resource):
    def list(self, **filters: Any) -> List[JSON]:
        return self._call("GET", "/api/v1/bots", **filters)["data"]

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
        return self._call("GET", f"/api/v1/bots/{bot_id}/equity", points=points)["points"]

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
        return self._call("GET", "/api/v1/orders", bot_id=bot_id, status=status, limit=limit)["data"]

    def fill(self, order_id: int, quantity: float, price: float, fee: Optional[float] = None) -> JSON:
        fill: Dict[str, JSON] = {"quantity": quantity, "price": price}
        if fee is not None:
            fill["fee"] = fee
        return self._call("PATCH", f"/api/v1/orders/{order_id}", {"fill": fill})

    def cancel(self, order_id: int) -> JSON:
        return self._call("PATCH", f"/api/v1/orders/{order_id}", {"status": "CANCELED"})


class Fills(_Resource):
    def list(self, bot_id: Optional[int] = None, limit: int = 100) -> List[JSON]:
        return self._call("GET", "/api/v1/fills", bot_id=bot_id, limit=limit)["data"]


class Trades(_Resource):
    def list(self, bot_id: Optional[int] = None, open: Optional[bool] = None, limit: int = 100) -> List[JSON]:
        return self._call("GET", "/api/v1/trades", bot_id=bot_id, open=open, limit=limit)["data"]


class Logs(_Resource):
    def write(self, bot_id: Optional[int], message: str, level: str = "INFO") -> JSON:
        return self._call("POST", "/api/v1/logs", {"bot_id": bot_id, "level": level, "message": message})

    def list(self, bot_id: Optional[int] = None, limit: int = 100) -> List[JSON]:
        return self._call("GET", "/api/v1/logs", bot_id=bot_id, limit=limit)["data"]


class Prices(_Resource):
    def record(self, prices: Iterable[Dict[str, JSON]]) -> JSON:
        return self._call("POST", "/api/v1/prices", list(prices))

    def latest(self, ticker: Optional[str] = None) -> List[JSON]:
        return self._call("GET", "/api/v1/prices", ticker=ticker)["data"]


class Models(_Resource):
    def list(self) -> List[JSON]:
        return self._call("GET", "/api/v1/models")["data"]

    def get(self, model_id: int) -> JSON:
        return self._call("GET", f"/api/v1/models/{model_id}")

    def create(self, name: str, policy: str = "rule_based", config: Optional[Dict[str, JSON]] = None) -> JSON:
        return self._call("POST", "/api/v1/models", {"name": name, "policy": policy, "config": config or {}})

    def start(self, model_id: int) -> JSON:
        return self._call("POST", f"/api/v1/models/{model_id}/start")

    def stop(self, model_id: int) -> JSON:
        return self._call("POST", f"/api/v1/models/{model_id}/stop")

    def sessions(self, model_id: int) -> List[JSON]:
        return self._call("GET", f"/api/v1/models/{model_id}/sessions")["data"]

    def portfolio(self, model_id: int) -> JSON:
        return self._call("GET", f"/api/v1/models/{model_id}/portfolio")


class Backtests(_Resource):
    def upload_dataset(self, name: str, ticker: str, csv: str) -> JSON:
        return self._client.request("POST", "/api/v1/datasets", csv, {"name": name, "ticker": ticker},
                                    content_type="text/csv")

    def submit(self, dataset_id: int, strategy: str, params: Optional[Dict[str, JSON]] = None, **options: Any) -> JSON:
        body = {"dataset_id": dataset_id, "strategy": strategy, "params": params or {}, **options}
        return self._call("POST", "/api/v1/backtests", body)

    def get(self, run_id: int) -> JSON:
        return self._call("GET", f"/api/v1/backtests/{run_id}")

    def list(self) -> List[JSON]:
        return self._call("GET", "/api/v1/backtests")["data"]

    def wait(self, run_id: int, timeout: float = 120) -> JSON:
        """The run once it is completed, failed or cancelled (read on each of its `backtests` events)."""
        deadline = time.monotonic() + timeout
        run = self.get(run_id)
        if run["status"] in ("completed", "failed", "cancelled"):
            return run
        for event in self._client.events(["backtests"], timeout=max(1.0, deadline - time.monotonic())):
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
        self.bots = Bots(self)
        self.orders = Orders(self)
        self.fills = Fills(self)
        self.trades = Trades(self)
        self.logs = Logs(self)
        self.prices = Prices(self)
        self.models = Models(self)
        self.backtests = Backtests(self)

    def request(self, method: str, path: str, body: JSON = None, query: Optional[Dict[str, Any]] = None,
                content_type: str = "application/json") -> JSON:
        """One call; raises `TickwireError` with the server's error body on an error status."""
        url = self.url + path
        params = {key: _query_value(value) for key, value in (query or {}).items() if value is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", content_type)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            raise _error(error.code, error.read()) from None
        return json.loads(text) if text else None

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
        self.topics = topics
        self.bot_id = bot_id
        self.ticker = ticker
        self.last_event_id = since

    def read(self, deadline: Optional[float]) -> Iterator[Union[Event, Reset]]:
        parsed = urllib.parse.urlsplit(self.client.url)
        connection_type = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
        remaining = None if deadline is None else max(0.1, deadline - time.monotonic())
        # Idle streams get a heartbeat every 15 s: a read that waits longer than that means a dead connection.
        connection = connection_type(parsed.hostname, parsed.port, timeout=min(remaining or 45, 45))
        query = {"topics": ",".join(self.topics)}
        if self.bot_id is not None:
            query["bot_id"] = str(self.bot_id)
        if self.ticker is not None:
            query["ticker"] = self.ticker
        headers = {"Accept": "text/event-stream"}
        if self.client.token:
            headers["Authorization"] = f"Bearer {self.client.token}"
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = self.last_event_id
        try:
            connection.request("GET", (parsed.path or "") + "/api/v1/stream?" + urllib.parse.urlencode(query),
                               headers=headers)
            response = connection.getresponse()
            if response.status != 200:
                raise _error(response.status, response.read())
            event_type, data, event_id = None, [], None
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
                line = raw.decode("utf-8").rstrip("\r\n")
                if line == "":
                    if data:
                        item = self._item(event_type, "\n".join(data), event_id)
                        if item is not None:
                            yield item
                    event_type, data, event_id = None, [], None
                elif line.startswith(":"):
                    continue
                else:
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "event":
                        event_type = value
                    elif name == "data":
                        data.append(value)
                    elif name == "id":
                        event_id = value
        finally:
            connection.close()

    def _item(self, event_type: Optional[str], data: str, event_id: Optional[str]) -> Optional[Union[Event, Reset]]:
        payload = json.loads(data)
        if event_type == "reset":
            self.last_event_id = payload.get("last_event_id", event_id)
            return Reset(reason=payload.get("reason", ""), last_event_id=str(self.last_event_id))
        if event_type == "close":
            raise ConnectionError(f"the server closed the stream: {payload.get('reason')}")
        if not isinstance(payload, dict) or "topic" not in payload:
            return None
        self.last_event_id = str(payload.get("id", event_id))
        return Event(id=str(payload["id"]), topic=payload["topic"], type=payload["type"],
                     timestamp=payload.get("timestamp", ""), data=payload.get("data"))


class AsyncClient:
    """`Client`'s calls as coroutines (each runs in a worker thread), and `events` as an async iterator."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 30):
        self.sync = Client(url, token, timeout)

    async def request(self, method: str, path: str, body: JSON = None, query: Optional[Dict[str, Any]] = None) -> JSON:
        return await asyncio.to_thread(self.sync.request, method, path, body, query)

    def __getattr__(self, name: str) -> Any:
        resource = getattr(self.sync, name)
        if not isinstance(resource, _Resource):
            raise AttributeError(name)
        return _AsyncResource(resource)

    async def events(self, topics: List[str], **options: Any) -> AsyncIterator[Union[Event, Reset]]:
        queue: "asyncio.Queue[Any]" = asyncio.Queue(maxsize=1024)
        loop = asyncio.get_running_loop()
        stop = False

        def put(item: Any) -> bool:
            if stop:
                return False
            try:
                asyncio.run_coroutine_threadsafe(queue.put(item), loop).result()
                return True
            except RuntimeError:  # the loop has closed
                return False

        def pump() -> None:
            try:
                for item in self.sync.events(topics, **options):
                    if not put(item):
                        return
            except BaseException as error:  # handed to the consumer
                put(error)
            else:
                put(StopAsyncIteration())

        # A daemon thread, not the loop's executor: a stream blocked in a read must not hold up the loop's shutdown.
        threading.Thread(target=pump, daemon=True).start()
        try:
            while True:
                item = await queue.get()
                if isinstance(item, StopAsyncIteration):
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop = True


class _AsyncResource:
    def __init__(self, resource: _Resource):
        self._resource = resource

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._resource, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(method, *args, **kwargs)

        return call


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
