"""`AsyncClient`: the same calls as `Client`, as coroutines on asyncio's own sockets (no threads), and `events` as
an async iterator that reconnects and resumes like the blocking one."""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import urllib.parse
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Union

from . import _client as blocking
from ._client import JSON, TickwireError, _error, _prepare
from ._http11 import Pool, open_request
from ._sse import IDLE_TIMEOUT, Event, Reset, SSEDecoder, stream_query

_FINISHED = ("backtest_completed", "backtest_failed", "backtest_cancelled")


class AsyncBacktests(blocking.Backtests):
    async def wait(self, run_id: int, timeout: float = 120) -> JSON:  # type: ignore[override]
        """As `Backtests.wait`: followed from the position read before the run, so an end in between is not
        missed."""
        deadline = time.monotonic() + timeout
        since = await self._client.head()
        run = await self.get(run_id)
        if run["status"] in ("completed", "failed", "cancelled"):
            return run
        async for event in self._client.events(["backtests"], since=since,
                                               timeout=max(1.0, deadline - time.monotonic())):
            if isinstance(event, Event) and isinstance(event.data, dict) and event.data.get("id") == run_id:
                if event.type in _FINISHED:
                    return await self.get(run_id)
        raise TimeoutError(f"backtest {run_id} did not finish within {timeout} s")


class AsyncClient:
    """`Client`'s resources (`bots`, `orders`, `fills`, `trades`, `logs`, `prices`, `models`, `datasets`, `backtests`), each call
    a coroutine on a kept-alive connection (up to 8 idle ones are kept); `timeout` bounds each call. `close()` (or
    `async with`) closes them."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 30,
                 idle_timeout: float = IDLE_TIMEOUT):
        self.url = (url or os.environ.get("TICKWIRE_URL") or "http://127.0.0.1:8080").rstrip("/")
        self.token = token or os.environ.get("TICKWIRE_TOKEN")
        self.timeout = timeout
        self.idle_timeout = idle_timeout
        self._pool = Pool()
        self.bots = blocking.Bots(self)
        self.orders = blocking.Orders(self)
        self.fills = blocking.Fills(self)
        self.trades = blocking.Trades(self)
        self.logs = blocking.Logs(self)
        self.prices = blocking.Prices(self)
        self.models = blocking.Models(self)
        self.datasets = blocking.Datasets(self)
        self.backtests = AsyncBacktests(self)

    async def request(self, method: str, path: str, body: JSON = None, query: Optional[Dict[str, Any]] = None,
                      content_type: str = "application/json") -> JSON:
        """One call; raises `TickwireError` with the server's error body on an error status."""
        url, headers, data = _prepare(self.url, self.token, path, body, query, content_type)

        status, text = await self._pool.fetch(method, url, headers, data, self.timeout)
        if status >= 400:
            raise _error(status, text)
        return json.loads(text) if text else None

    async def head(self) -> str:
        """The log's newest event id (see `Client.head`)."""
        return (await self.request("GET", "/api/v1/events/head"))["event_id"]

    def close(self) -> None:
        """Closes the kept-alive connections (streams close with their iteration)."""
        self._pool.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *_: Any) -> None:
        self.close()

    async def _send(self, method: str, path: str, body: JSON, query: Optional[Dict[str, Any]],
                    pick: Optional[str] = None, content_type: str = "application/json") -> JSON:
        answer = await self.request(method, path, body, query, content_type)
        return answer[pick] if pick else answer

    async def events(self, topics: List[str], bot_id: Optional[int] = None, ticker: Optional[str] = None,
                     since: Optional[str] = None, timeout: Optional[float] = None,
                     on_reconnect: Optional[Callable[[Exception], None]] = None
                     ) -> AsyncIterator[Union[Event, Reset]]:
        """As `Client.events`: from now (or after `since`), reconnecting with backoff and jitter and resuming after
        the last event given; a connection silent for `idle_timeout` is dropped and reopened. Cancelling the task
        that iterates closes the connection at once."""
        decoder = SSEDecoder(since)
        path = "/api/v1/stream?" + urllib.parse.urlencode(stream_query(topics, bot_id, ticker))
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.5
        while deadline is None or time.monotonic() < deadline:
            headers = {"Accept": "text/event-stream"}
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            if decoder.last_event_id is not None:
                headers["Last-Event-ID"] = decoder.last_event_id
            decoder.restart()
            response = None
            try:
                response = await open_request("GET", self.url + path, headers, None, self.timeout)
                if response.status != 200:
                    raise _error(response.status, await response.read())
                lines = response.lines(self.idle_timeout)
                while True:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return
                    try:
                        line = await asyncio.wait_for(lines.__anext__(), left)
                    except StopAsyncIteration:
                        raise ConnectionError("the stream ended") from None
                    except asyncio.TimeoutError:
                        if deadline is not None and time.monotonic() >= deadline:
                            return
                        raise ConnectionError(f"the stream was silent for {self.idle_timeout} s") from None
                    item = decoder.line(line)
                    if item is not None:
                        delay = 0.5
                        yield item
            except TickwireError as error:
                if error.status in (400, 401, 403, 404):
                    raise
                if on_reconnect:
                    on_reconnect(error)
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                if on_reconnect:
                    on_reconnect(error)
            finally:
                if response is not None:
                    response.close()
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 30)
