"""The management view (`/ledelse`): per team and month, how often each marker fires and how
often reviewers agree with it.

- Share flagged: notes flagged for a marker / notes scanned (team, month of `written_at`).
- Concerns not handled within 24 hours: notes flagged `unhandled_concern` / notes where the
  scan found worrying information at all (`concern_types` not empty, or the flag itself).
- Reviewer precision: confirmed (incl. escalated) / (confirmed + dismissed): the queue's real
  precision per marker, overall and per reviewer.

All counts are GROUP BY queries in the database; nothing here reads note text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from pipeline.schema import MARKERS, UNHANDLED_CONCERN
from review.formatting import dk_month
from review.queue import FilterError
from review.store import Item, StoredNote, User
from review.vocabulary import MARKER_LABELS, MARKER_SHORT_LABELS

NO_TEAM = "(uden team)"
MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class ManagementFilters:
    team: str | None = None
    month_from: str | None = None
    month_to: str | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "ManagementFilters":
        def month(name: str) -> str | None:
            value = (params.get(name) or "").strip()
            if value and not MONTH_PATTERN.match(value):
                raise FilterError(f"Måneden i '{name}' skal skrives ÅÅÅÅ-MM")
            return value or None

        team = (params.get("team") or "").strip()[:200] or None
        month_from, month_to = month("fra"), month("til")
        if month_from and month_to and month_from > month_to:
            raise FilterError("Periodens start ligger efter dens slutning")
        return cls(team=team, month_from=month_from, month_to=month_to)

    def to_dict(self) -> dict[str, Any]:
        return {"team": self.team, "month_from": self.month_from, "month_to": self.month_to}


def _month_of(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _range(filters: ManagementFilters, column: Any) -> list[Any]:
    conditions = []
    if filters.month_from:
        conditions.append(column >= datetime.strptime(filters.month_from + "-01", "%Y-%m-%d"))
    if filters.month_to:
        year, month = map(int, filters.month_to.split("-"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        conditions.append(column < datetime(year, month, 1))
    return conditions


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _team_condition(filters: ManagementFilters, column: Any) -> list[Any]:
    if not filters.team:
        return []
    return [column.is_(None)] if filters.team == NO_TEAM else [column == filters.team]


def management_report(session: Session, filters: ManagementFilters) -> dict[str, Any]:
    note_month = _month_of(session, StoredNote.written_at)
    note_rows = session.execute(
        select(
            StoredNote.team, note_month, func.count(),
            func.sum(case((StoredNote.concern_types_json != "[]", 1), else_=0)),
        )
        .where(StoredNote.scanned_model.is_not(None), *_range(filters, StoredNote.written_at),
               *_team_condition(filters, StoredNote.team))
        .group_by(StoredNote.team, note_month)
    ).all()
    item_month = _month_of(session, Item.written_at)
    confirmed = Item.status.in_(("confirmed", "escalated"))
    item_rows = session.execute(
        select(
            Item.team, item_month, Item.marker,
            func.sum(case((Item.active.is_(True), 1), else_=0)),
            func.sum(case((confirmed, 1), else_=0)),
            func.sum(case((Item.status == "dismissed", 1), else_=0)),
            func.sum(case(((Item.status == "open") & Item.active.is_(True), 1), else_=0)),
        )
        .where(*_range(filters, Item.written_at), *_team_condition(filters, Item.team))
        .group_by(Item.team, item_month, Item.marker)
    ).all()

    cells: dict[tuple[str, str], dict[str, Any]] = {}

    def cell(team: str | None, month: str) -> dict[str, Any]:
        key = (team or NO_TEAM, month)
        if key not in cells:
            cells[key] = {
                "team": key[0], "month": month, "month_label": dk_month(month), "notes": 0, "concern_notes": 0,
                "markers": {m: {"flagged": 0, "confirmed": 0, "dismissed": 0, "open": 0} for m in MARKERS},
            }
        return cells[key]

    for team, month, notes, concern_notes in note_rows:
        c = cell(team, month)
        c["notes"] += notes
        c["concern_notes"] += int(concern_notes or 0)
    for team, month, marker, flagged, n_confirmed, n_dismissed, n_open in item_rows:
        m = cell(team, month)["markers"][marker]
        m["flagged"] += int(flagged or 0)
        m["confirmed"] += int(n_confirmed or 0)
        m["dismissed"] += int(n_dismissed or 0)
        m["open"] += int(n_open or 0)

    rows = [_finish(c) for _, c in sorted(cells.items())]
    totals = _finish(_sum_cells(rows))
    return {
        "filters": filters.to_dict(),
        "rows": rows,
        "totals": totals,
        "reviewers": reviewer_rates(session, filters),
        "charts": _charts(rows),
        "teams": sorted({r["team"] for r in rows} | ({filters.team} if filters.team else set())),
        "markers": [{"id": m, "label": MARKER_LABELS[m], "short": MARKER_SHORT_LABELS[m]} for m in MARKERS],
    }


def _finish(c: dict[str, Any]) -> dict[str, Any]:
    for marker, m in c["markers"].items():
        m["share"] = _ratio(m["flagged"], c["notes"])
        m["decided"] = m["confirmed"] + m["dismissed"]
        m["precision"] = _ratio(m["confirmed"], m["decided"])
    unhandled = c["markers"][UNHANDLED_CONCERN]["flagged"]
    c["concern_notes"] = max(c["concern_notes"], unhandled)
    c["unhandled_share_of_concerns"] = _ratio(unhandled, c["concern_notes"])
    return c


def _sum_cells(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {
        "team": "I alt", "month": "", "month_label": "I alt", "notes": 0, "concern_notes": 0,
        "markers": {m: {"flagged": 0, "confirmed": 0, "dismissed": 0, "open": 0} for m in MARKERS},
    }
    for row in rows:
        total["notes"] += row["notes"]
        total["concern_notes"] += row["concern_notes"]
        for marker in MARKERS:
            for key in ("flagged", "confirmed", "dismissed", "open"):
                total["markers"][marker][key] += row["markers"][marker][key]
    return total


def reviewer_rates(session: Session, filters: ManagementFilters) -> list[dict[str, Any]]:
    """Per reviewer and marker: how many of the flags they decided they confirmed or dismissed."""
    confirmed = Item.status.in_(("confirmed", "escalated"))
    rows = session.execute(
        select(
            User.name, Item.marker,
            func.sum(case((confirmed, 1), else_=0)),
            func.sum(case((Item.status == "dismissed", 1), else_=0)),
        )
        .join(User, User.id == Item.decided_by_id)
        .where(Item.decided_by_id.is_not(None), *_range(filters, Item.written_at), *_team_condition(filters, Item.team))
        .group_by(User.name, Item.marker)
        .order_by(User.name, Item.marker)
    ).all()
    out = []
    for name, marker, n_confirmed, n_dismissed in rows:
        n_confirmed, n_dismissed = int(n_confirmed or 0), int(n_dismissed or 0)
        out.append({
            "reviewer": name, "marker": marker, "marker_label": MARKER_LABELS[marker],
            "confirmed": n_confirmed, "dismissed": n_dismissed,
            "confirm_rate": _ratio(n_confirmed, n_confirmed + n_dismissed),
        })
    return out


def _charts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per marker, the share flagged per month across teams: bars for a server-drawn SVG."""
    by_month: dict[str, dict[str, Any]] = {}
    for row in rows:
        month = by_month.setdefault(row["month"], {"notes": 0, **{m: 0 for m in MARKERS}})
        month["notes"] += row["notes"]
        for marker in MARKERS:
            month[marker] += row["markers"][marker]["flagged"]
    charts = []
    for marker in MARKERS:
        bars = [
            {"month": month, "label": dk_month(month), "share": _ratio(values[marker], values["notes"]) or 0.0}
            for month, values in sorted(by_month.items())
        ]
        charts.append({"marker": marker, "label": MARKER_LABELS[marker], "bars": bars})
    return charts


def management_table(report: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The report as one flat table (header, rows) for CSV and Excel: shares as fractions."""
    header = ["Team", "Måned", "Notater"]
    for marker in MARKERS:
        name = MARKER_LABELS[marker]
        header += [f"{name}: markeret", f"{name}: andel", f"{name}: bekræftet", f"{name}: afvist", f"{name}: præcision"]
    header += ["Bekymringer i notater", "Bekymringer ikke behandlet inden for 24 timer: andel"]
    rows = []
    for row in report["rows"] + [report["totals"]]:
        line: list[Any] = [row["team"], row["month"], row["notes"]]
        for marker in MARKERS:
            m = row["markers"][marker]
            line += [m["flagged"], m["share"], m["confirmed"], m["dismissed"], m["precision"]]
        line += [row["concern_notes"], row["unhandled_share_of_concerns"]]
        rows.append(line)
    return header, rows


SHARE_COLUMNS_SUFFIX = (": andel", ": præcision")
