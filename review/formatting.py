"""Danish number and date conventions, shared by templates and exports.

Dates as 24.03.2025 kl. 14.05 on pages, decimal comma (0,87), percentages as 12,5 %.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from review.vocabulary import MONTH_NAMES


def parse_when(value: Any) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, (datetime, date)):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def dk_datetime(value: Any) -> str:
    when = parse_when(value)
    if when is None:
        return ""
    if isinstance(when, datetime):
        return when.strftime("%d.%m.%Y kl. %H.%M")
    return when.strftime("%d.%m.%Y")


def dk_date(value: Any) -> str:
    when = parse_when(value)
    return when.strftime("%d.%m.%Y") if when else ""


def dk_decimal(value: Any, digits: int = 2) -> str:
    if value is None or value == "":
        return ""
    return f"{float(value):,.{digits}f}".replace(",", "\u00a0").replace(".", ",").replace("\u00a0", ".")


def dk_percent(value: Any, digits: int = 1) -> str:
    """A share 0..1 as '12,5 %'; None (no denominator) as '–'."""
    if value is None:
        return "–"
    return f"{dk_decimal(float(value) * 100, digits)} %"


def dk_month(value: str) -> str:
    """'2025-03' -> 'marts 2025'."""
    try:
        year, month = value.split("-")
        return f"{MONTH_NAMES[int(month) - 1]} {year}"
    except (ValueError, IndexError):
        return value


def install_filters(env: Any) -> None:
    env.filters["dk_datetime"] = dk_datetime
    env.filters["dk_date"] = dk_date
    env.filters["dk_decimal"] = dk_decimal
    env.filters["dk_percent"] = dk_percent
    env.filters["dk_month"] = dk_month
