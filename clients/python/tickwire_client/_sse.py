"""Server-Sent Events for both clients: lines in, `Event`s and `Reset`s out, with the position to resume from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, List, Optional, Union

JSON = Any

# The server sends a heartbeat every 15 s on an idle stream: a connection silent for longer than this is dead.
IDLE_TIMEOUT = 45.0


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


class StreamClosed(ConnectionError):
    """The server ended the stream (`slow_consumer`, `shutting_down`, ...): reconnect and resume."""


class SSEDecoder:
    """Fed one line at a time (without its line break); `last_event_id` is where a new connection resumes."""

    def __init__(self, since: Optional[str] = None):
        self.last_event_id = since
        self._type: Optional[str] = None
        self._data: List[str] = []
        self._id: Optional[str] = None

    def restart(self) -> None:
        """A new connection: a message cut off by the old one is dropped."""
        self._type, self._data, self._id = None, [], None

    def line(self, line: str) -> Optional[Union[Event, Reset]]:
        if line == "":
            item = self._item() if self._data else None
            self.restart()
            return item
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            self._type = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            self._id = value
        return None

    def _item(self) -> Optional[Union[Event, Reset]]:
        payload = json.loads("\n".join(self._data))
        if self._type == "reset":
            self.last_event_id = str(payload.get("last_event_id", self._id))
            return Reset(reason=payload.get("reason", ""), last_event_id=self.last_event_id)
        if self._type == "close":
            raise StreamClosed(f"the server closed the stream: {payload.get('reason')}")
        if not isinstance(payload, dict) or "topic" not in payload:
            return None  # the opening hint, or anything else that is not an event
        self.last_event_id = str(payload.get("id", self._id))
        return Event(id=str(payload["id"]), topic=payload["topic"], type=payload["type"],
                     timestamp=payload.get("timestamp", ""), data=payload.get("data"))


def stream_query(topics: List[str], bot_id: Optional[int], ticker: Optional[str]) -> dict:
    query = {"topics": ",".join(topics)}
    if bot_id is not None:
        query["bot_id"] = str(bot_id)
    if ticker is not None:
        query["ticker"] = ticker
    return query
