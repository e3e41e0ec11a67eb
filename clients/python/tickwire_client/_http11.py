"""Just enough HTTP/1.1 on asyncio streams for `AsyncClient`: calls on kept-alive connections (`Pool`), bodies by
length or chunked, and a streamed body read line by line on a connection of its own (the event stream)."""

from __future__ import annotations

import asyncio
import ssl
import urllib.parse
from typing import AsyncIterator, Dict, List, Optional, Tuple


class Response:
    def __init__(self, status: int, headers: Dict[str, str], reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter):
        self.status = status
        self.headers = headers
        self._reader = reader
        self._writer = writer
        self._chunked = headers.get("transfer-encoding", "").lower() == "chunked"
        self._left_in_chunk = 0
        self._done = False

    async def read(self) -> bytes:
        """The whole body."""
        if self._chunked:
            parts = []
            while True:
                part = await self._next_chunk()
                if part is None:
                    return b"".join(parts)
                parts.append(part)
        length = self.headers.get("content-length")
        if length is not None:
            return await self._reader.readexactly(int(length))
        return await self._reader.read()

    async def lines(self, idle_timeout: Optional[float]) -> AsyncIterator[str]:
        """The body's lines, without their line breaks; `asyncio.TimeoutError` when nothing arrives for
        `idle_timeout` seconds."""
        pending = b""
        while True:
            data = await asyncio.wait_for(self._next_piece(), idle_timeout)
            if data is None:
                return
            pending += data
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line.rstrip(b"\r").decode("utf-8")

    async def _next_piece(self) -> Optional[bytes]:
        if self._chunked:
            return await self._next_chunk()
        data = await self._reader.read(65536)
        return data or None

    async def _next_chunk(self) -> Optional[bytes]:
        if self._done:
            return None
        if self._left_in_chunk == 0:
            size_line = await self._reader.readline()
            if not size_line:
                raise ConnectionError("the connection closed inside a chunked body")
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await self._reader.readline()  # the blank line after the last chunk (no trailers are sent)
                self._done = True
                return None
            self._left_in_chunk = size
        data = await self._reader.read(self._left_in_chunk)
        if not data:
            raise ConnectionError("the connection closed inside a chunk")
        self._left_in_chunk -= len(data)
        if self._left_in_chunk == 0:
            await self._reader.readexactly(2)  # the chunk's CRLF
        return data

    def close(self) -> None:
        self._writer.close()


Connection = Tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _connect(parts: urllib.parse.SplitResult, timeout: float) -> Connection:
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    return await asyncio.wait_for(
        asyncio.open_connection(parts.hostname, port, ssl=ssl.create_default_context() if secure else None),
        timeout)


def _request_bytes(method: str, parts: urllib.parse.SplitResult, headers: Dict[str, str], body: Optional[bytes],
                   keep_alive: bool) -> bytes:
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    head = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    if not keep_alive:
        head.append("Connection: close")
    head += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b"")


async def open_request(method: str, url: str, headers: Dict[str, str], body: Optional[bytes],
                       timeout: float) -> Response:
    """Sends one request on a connection of its own and reads the answer's head (within `timeout` seconds); the
    caller reads the body and closes the response (the event stream)."""
    parts = urllib.parse.urlsplit(url)
    reader, writer = await _connect(parts, timeout)
    try:
        writer.write(_request_bytes(method, parts, headers, body, keep_alive=False))
        await writer.drain()
        status, response_headers = await asyncio.wait_for(_read_head(reader), timeout)
        return Response(status, response_headers, reader, writer)
    except BaseException:
        writer.close()
        raise


class Pool:
    """Idle kept-alive connections by origin, at most `size` each: a call takes one (or opens one) and gives it back
    once its answer is read whole, unless the server said `Connection: close`."""

    def __init__(self, size: int = 8):
        self.size = size
        self._idle: Dict[Tuple[str, str, int], List[Connection]] = {}
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self.opened = 0

    async def fetch(self, method: str, url: str, headers: Dict[str, str], body: Optional[bytes],
                    timeout: float) -> Tuple[int, bytes]:
        """The status and the whole body. Idle connections the server has closed are dropped before use; one lost as
        it is used is replaced for a call that can be repeated (GET, HEAD, PUT, DELETE), else the error is raised."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # Connections belong to the loop that opened them (a client used by two `asyncio.run`s).
            self._idle.clear()
            self._loop = loop
        parts = urllib.parse.urlsplit(url)
        key = (parts.scheme, parts.hostname or "", parts.port or 0)
        idle = self._idle.setdefault(key, [])
        while idle and idle[-1][0].at_eof():
            idle.pop()[1].close()  # closed by the server while idle (its idle timeout)
        while True:
            reused = bool(idle)
            reader, writer = idle.pop() if reused else await _connect(parts, timeout)
            if not reused:
                self.opened += 1
            try:
                writer.write(_request_bytes(method, parts, headers, body, keep_alive=True))
                await writer.drain()
                try:
                    status, response_headers = await asyncio.wait_for(_read_head(reader), timeout)
                except (ConnectionError, asyncio.IncompleteReadError):
                    # Lost as it was used: again on a new connection if repeating the call cannot write twice.
                    if reused and method in ("GET", "HEAD", "PUT", "DELETE"):
                        writer.close()
                        continue
                    raise
                response = Response(status, response_headers, reader, writer)
                data = await asyncio.wait_for(response.read(), timeout)
            except BaseException:
                writer.close()
                raise
            closing = response_headers.get("connection", "").lower() == "close"
            if closing or len(idle) >= self.size or reader.at_eof():
                writer.close()
            else:
                idle.append((reader, writer))
            return status, data

    def close(self) -> None:
        for connections in self._idle.values():
            for _, writer in connections:
                writer.close()
        self._idle.clear()


async def _read_head(reader: asyncio.StreamReader) -> Tuple[int, Dict[str, str]]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection before answering")
    try:
        status = int(status_line.split()[1])
    except (IndexError, ValueError):
        raise ConnectionError(f"not an HTTP answer: {status_line[:80]!r}") from None
    headers: Dict[str, str] = {}
    while True:
        line = (await reader.readline()).decode("latin-1").rstrip("\r\n")
        if not line:
            return status, headers
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
