"""The queue as data: filters from the query string, one page of items in priority order, counts.

Everything here is indexed queries on `items` (see `review.store.Item`): a page is one
ORDER BY ... LIMIT over `ix_items_queue`; the counts are one GROUP BY over the covering index
`ix_items_counts`, kept per queue generation (see `review.store.QueueState`) so that they are
recounted only after the queue changed. The page stays fast with hundreds of thousands of flags.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Mapping
from urllib.parse import urlencode

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from pipeline.schema import MARKERS
from review.claims import CLAIM_TTL
from review.priority import describe_time_left, local_now, queue_order, to_local
from review.store import DECIDED_STATUSES, Item, StoredNote, User, current_generation, utcnow
from review.vocabulary import (
    CONCERN_TYPE_LABELS,
    MARKER_LABELS,
    MARKER_SHORT_LABELS,
    STATUS_FILTER_LABELS,
    STATUS_LABELS,
)

PAGE_SIZE = 50
MAX_PAGE = 10_000


class FilterError(ValueError):
    """A query-string filter that makes no sense; the message is Danish, for the reviewer."""


@dataclass(frozen=True)
class QueueFilters:
    marker: str | None = None
    team: str | None = None
    note_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str = "open"
    reviewer: str | None = None
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "QueueFilters":
        def text(name: str) -> str | None:
            value = (params.get(name) or "").strip()
            return value[:200] or None

        marker = text("markoer")
        if marker and marker not in MARKERS:
            raise FilterError(f"Ukendt markør: {marker}")
        status = text("status") or "open"
        if status not in STATUS_FILTER_LABELS:
            raise FilterError(f"Ukendt status: {status}")
        try:
            page = int(text("side") or 1)
        except ValueError:
            raise FilterError("Sidetallet skal være et heltal") from None
        if not 1 <= page <= MAX_PAGE:
            raise FilterError(f"Sidetallet skal være mellem 1 og {MAX_PAGE}")
        date_from, date_to = _parse_date(text("fra"), "fra"), _parse_date(text("til"), "til")
        if date_from and date_to and date_from > date_to:
            raise FilterError("Periodens start ligger efter dens slutning")
        return cls(
            marker=marker, team=text("team"), note_type=text("notattype"), date_from=date_from,
            date_to=date_to, status=status, reviewer=text("gennemgaaer"), page=page,
        )

    def query_params(self) -> dict[str, str]:
        """Back to query-string names, leaving out defaults (for links that keep the filters)."""
        params = {
            "markoer": self.marker, "team": self.team, "notattype": self.note_type,
            "fra": self.date_from.isoformat() if self.date_from else None,
            "til": self.date_to.isoformat() if self.date_to else None,
            "status": None if self.status == "open" else self.status,
            "gennemgaaer": self.reviewer, "side": None if self.page == 1 else str(self.page),
        }
        return {k: v for k, v in params.items() if v}

    def query_string(self, **changes: Any) -> str:
        return urlencode(replace(self, **changes).query_params())

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["date_from"] = self.date_from.isoformat() if self.date_from else None
        out["date_to"] = self.date_to.isoformat() if self.date_to else None
        return out


def _parse_date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"Datoen i '{name}' skal skrives ÅÅÅÅ-MM-DD") from None


def status_condition(status: str) -> Any:
    if status == "open":
        return and_(Item.active.is_(True), Item.status == "open")
    if status in DECIDED_STATUSES:
        return Item.status == status
    if status == "changed":
        return Item.changed_after_decision.is_(True)
    if status == "conflict":
        return Item.conflict.is_(True)
    if status == "withdrawn":
        return Item.active.is_(False)
    return None  # "all"


def filter_conditions(filters: QueueFilters, reviewer_id: int | None, skip: tuple[str, ...] = ()) -> list[Any]:
    conditions: list[Any] = []
    if filters.marker and "marker" not in skip:
        conditions.append(Item.marker == filters.marker)
    if filters.team:
        conditions.append(Item.team == filters.team)
    if filters.note_type:
        conditions.append(Item.note_type == filters.note_type)
    if filters.date_from:
        conditions.append(Item.written_at >= datetime.combine(filters.date_from, datetime.min.time()))
    if filters.date_to:
        conditions.append(Item.written_at < datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time()))
    if filters.reviewer:
        conditions.append(or_(Item.claimed_by_id == reviewer_id, Item.decided_by_id == reviewer_id))
    if "status" not in skip:
        condition = status_condition(filters.status)
        if condition is not None:
            conditions.append(condition)
    return conditions


@dataclass
class QueuePage:
    filters: QueueFilters
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    counts_by_marker: dict[str, int]
    counts_by_status: dict[str, int]
    teams: list[str] = field(default_factory=list)
    note_types: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "filters": self.filters.to_dict(),
            "total": self.total,
            "page": self.page,
            "pages": self.pages,
            "page_size": PAGE_SIZE,
            "counts": {"by_marker": self.counts_by_marker, "by_status": self.counts_by_status},
            "items": self.rows,
            "options": {"teams": self.teams, "note_types": self.note_types, "reviewers": self.reviewers},
        }


def fetch_queue(session: Session, filters: QueueFilters, now: datetime | None = None) -> QueuePage:
    now = now or local_now()
    users = {row.id: row.name for row in session.execute(select(User.id, User.name))}
    reviewer_id = None
    if filters.reviewer:
        reviewer_id = next((uid for uid, name in users.items() if name == filters.reviewer), None)
        if reviewer_id is None:
            raise FilterError(f"Ukendt gennemgåer: {filters.reviewer}")
    by_status, by_marker, teams, note_types = _cached_counts(session, filters, reviewer_id)
    total = by_status[filters.status]  # the status counts already carry every other filter
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    items = session.execute(
        select(Item)
        .where(*filter_conditions(filters, reviewer_id))
        .order_by(*queue_order())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).scalars().all()
    note_ids = dict(
        session.execute(select(StoredNote.id, StoredNote.note_id).where(StoredNote.id.in_([i.note_pk for i in items]))).all()
    ) if items else {}
    claim_cutoff = utcnow() - CLAIM_TTL
    rows = [item_summary(item, note_ids.get(item.note_pk, ""), users, now, claim_cutoff) for item in items]
    return QueuePage(
        filters=replace(filters, page=page), rows=rows, total=total, page=page, pages=pages,
        counts_by_marker=by_marker, counts_by_status=by_status,
        teams=teams, note_types=note_types, reviewers=sorted(users.values()),
    )


class _CountCache:
    """Counts and filter options, per database, queue generation and filters (LRU, thread-safe)."""

    def __init__(self, size: int = 512):
        self.size = size
        self._data: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


_count_cache = _CountCache()


def _cached_counts(session: Session, filters: QueueFilters, reviewer_id: int | None) -> tuple:
    """Counts are recomputed only when the queue changed (its generation grew) since last time."""
    database = str(session.get_bind().url)
    generation = current_generation(session)
    key = (database, generation, replace(filters, page=1), reviewer_id)
    cached = _count_cache.get(key)
    if cached is None:
        by_status, by_marker = facet_counts(session, filters, reviewer_id)
        options_key = (database, generation, "options")
        options = _count_cache.get(options_key)
        if options is None:
            options = (_distinct(session, Item.team), _distinct(session, Item.note_type))
            _count_cache.put(options_key, options)
        cached = (by_status, by_marker, *options)
        _count_cache.put(key, cached)
    by_status, by_marker, teams, note_types = cached
    return dict(by_status), dict(by_marker), list(teams), list(note_types)


def item_summary(item: Item, note_id: str, users: dict[int, str], now: datetime, claim_cutoff: datetime) -> dict[str, Any]:
    """What the queue shows about an item: ids, times, status and the reasons (never quoted text)."""
    evidence = item.evidence
    claimed = item.claimed_by_id is not None and item.claimed_at is not None and item.claimed_at > claim_cutoff
    return {
        "id": item.id,
        "url": f"/markeringer/{item.id}",
        "marker": item.marker,
        "marker_label": MARKER_LABELS[item.marker],
        "marker_short": MARKER_SHORT_LABELS[item.marker],
        "note_id": note_id,
        "case_id": item.case_id,
        "team": item.team,
        "note_type": item.note_type,
        "written_at": item.written_at.isoformat(timespec="minutes"),
        "deadline": item.deadline.isoformat(timespec="minutes"),
        "overdue": item.deadline < now,
        "time_left": describe_time_left(item.deadline, now),
        "score": round(item.score, 3),
        "status": item.status,
        "status_label": STATUS_LABELS[item.status],
        "active": item.active,
        "version": item.version,
        "claimed_by": users.get(item.claimed_by_id) if claimed else None,
        "decided_by": users.get(item.decided_by_id) if item.decided_by_id else None,
        "decided_at": _iso(to_local(item.decided_at)),
        "conflict": item.conflict,
        "changed_after_decision": item.changed_after_decision,
        "change_kind": item.change_kind,
        "evidence_count": len(evidence),
        "reasons": sorted({e["reason"] for e in evidence})[:3],
        "concern_types": [CONCERN_TYPE_LABELS.get(t, t) for t in item.concern_types],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="minutes") if value else None


def facet_counts(session: Session, filters: QueueFilters, reviewer_id: int | None) -> tuple[dict[str, int], dict[str, int]]:
    """Counts per status filter (with the marker filter applied) and per marker (with the status
    filter applied): one GROUP BY over a covering index, plus two over the small partial indexes
    of items in conflict or changed after their decision."""
    conditions = filter_conditions(filters, reviewer_id, skip=("status", "marker"))
    groups = session.execute(
        select(Item.active, Item.status, Item.marker, func.count()).where(*conditions).group_by(Item.active, Item.status, Item.marker)
    ).all()
    flagged = {
        name: dict(session.execute(select(Item.marker, func.count()).where(*conditions, column.is_(True)).group_by(Item.marker)).all())
        for name, column in (("conflict", Item.conflict), ("changed", Item.changed_after_decision))
    }
    by_status = {key: 0 for key in STATUS_FILTER_LABELS}
    by_marker = {m: 0 for m in MARKERS}
    for active, status, marker, count in groups:
        if filters.marker in (None, marker):
            for key in by_status:
                if key not in flagged and status_matches(key, bool(active), status):
                    by_status[key] += count
        if filters.status not in flagged and status_matches(filters.status, bool(active), status):
            by_marker[marker] += count
    for name, counts in flagged.items():
        by_status[name] = sum(n for marker, n in counts.items() if filters.marker in (None, marker))
        if filters.status == name:
            by_marker.update(counts)
    return by_status, by_marker


def status_matches(status_filter: str, active: bool, status: str) -> bool:
    """`status_condition` evaluated in Python for one (active, status) group."""
    if status_filter == "open":
        return active and status == "open"
    if status_filter in DECIDED_STATUSES:
        return status == status_filter
    if status_filter == "withdrawn":
        return not active
    return status_filter == "all"


def _distinct(session: Session, column: Any) -> list[str]:
    return [v for v in session.execute(select(column).where(column.is_not(None)).distinct().order_by(column)).scalars()]


def next_item_id(session: Session, filters: QueueFilters, user_id: int, after_item_id: int | None = None) -> int | None:
    """The first open item in queue order that nobody else holds, skipping `after_item_id`."""
    claim_cutoff = utcnow() - CLAIM_TTL
    conditions = filter_conditions(replace(filters, status="open", reviewer=None), None)
    conditions.append(or_(Item.claimed_by_id.is_(None), Item.claimed_by_id == user_id, Item.claimed_at < claim_cutoff))
    if after_item_id is not None:
        conditions.append(Item.id != after_item_id)
    return session.execute(select(Item.id).where(*conditions).order_by(*queue_order()).limit(1)).scalar()
