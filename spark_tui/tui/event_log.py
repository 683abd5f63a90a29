"""The event log: what started, finished, failed or was saved in this session, with times (like lazygit's log)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # started, queued, finished, failed, cancelled, saved, resumed, …
    text: str


class EventLog:
    """Events in the order they happened; keeps the last `limit`."""

    def __init__(self, limit: int = 500) -> None:
        self.limit = limit
        self.events: list[Event] = []

    def add(self, kind: str, text: str) -> None:
        self.events.append(Event(datetime.now().astimezone(), kind, text))
        del self.events[:-self.limit]
