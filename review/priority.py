"""The queue's order and the 24-hour deadline, in one place.

Order: unhandled concerns first (a child may be at risk now), then the least time left to the
24-hour deadline counted from when the note was written (so the longest-overdue comes first),
then the highest score, then the item id so that pages never shuffle between requests.
The database index `ix_items_queue` follows the same columns, which keeps the queue fast.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from review.store import Item

LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")


def queue_order() -> tuple[Any, ...]:
    return (Item.priority_class.asc(), Item.deadline.asc(), Item.score.desc(), Item.id.asc())


def sort_key(item: Any) -> tuple[Any, ...]:
    """The same order in Python (for tests and small lists)."""
    return (item.priority_class, item.deadline, -item.score, item.id)


def local_now() -> datetime:
    """Now as naive local time, comparable with the archive's `written_at` and `deadline`."""
    return datetime.now(LOCAL_ZONE).replace(tzinfo=None)


def to_local(utc_naive: datetime | None) -> datetime | None:
    """A system timestamp (naive UTC) as naive local time, for display."""
    if utc_naive is None:
        return None
    return utc_naive.replace(tzinfo=ZoneInfo("UTC")).astimezone(LOCAL_ZONE).replace(tzinfo=None)


def time_left(deadline: datetime, now: datetime | None = None) -> timedelta:
    return deadline - (now or local_now())


def describe_time_left(deadline: datetime, now: datetime | None = None) -> str:
    """Danish: 'om 5 t 20 min' or 'overskredet for 3 dage siden'."""
    left = time_left(deadline, now)
    overdue = left < timedelta(0)
    span = _describe_span(-left if overdue else left)
    return f"overskredet for {span} siden" if overdue else f"om {span}"


def _describe_span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} t {minutes} min" if minutes else f"{hours} t"
    days = hours // 24
    return f"{days} dage"
