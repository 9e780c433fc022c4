"""Dates as Danish case systems write them: ISO, `04-03-2025 10:15`, `4/3-2025`, `04.03.2025`.

A separate time column (`tidspunkt`) is joined to a date-only value. A date without a time
is read as midnight. Two-digit years are read as 20xx.
"""

from __future__ import annotations

import re
from datetime import datetime

_TIME = r"(?:\s*(?:kl\.?\s*)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?)?"
_DANISH_DATE = re.compile(
    r"^(?P<day>\d{1,2})\s*[-./]\s*(?P<month>\d{1,2})\s*[-./ ]\s*(?P<year>\d{4}|\d{2})" + _TIME + r"\s*$",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:[T ]"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?\s*$"
)


class DateFormatError(ValueError):
    pass


def parse_datetime(value: object, time_value: object = None) -> datetime:
    """Parse a date (and optional separate time) from an archive cell.

    Raises DateFormatError with the offending value (dates are not note text).
    """
    if isinstance(value, datetime):
        result = value.replace(tzinfo=None)
    else:
        raw = "" if value is None else str(value).strip()
        if time_value not in (None, "") and str(time_value).strip():
            raw = f"{raw} {str(time_value).strip()}"
        if not raw:
            raise DateFormatError("empty date")
        match = _ISO_DATE.match(raw) or _DANISH_DATE.match(raw)
        if not match:
            raise DateFormatError(f"unparseable date {raw[:40]!r}; expected e.g. 2025-03-04 10:15, 04-03-2025 10:15, 4/3-2025 or 04.03.2025")
        parts = match.groupdict()
        year = int(parts["year"])
        if year < 100:
            year += 2000
        try:
            result = datetime(
                year,
                int(parts["month"]),
                int(parts["day"]),
                int(parts["hour"] or 0),
                int(parts["minute"] or 0),
                int(parts["second"] or 0),
            )
        except ValueError as exc:
            raise DateFormatError(f"impossible date {raw[:40]!r} ({exc})") from None
    return result
